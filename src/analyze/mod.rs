//! Connection tracking over decoded segments: handshakes, joins, data sequence, validation.
