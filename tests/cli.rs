//! Hermetic tests of the binary: golden cases under `tests/cmd/`, generated files in sync.
