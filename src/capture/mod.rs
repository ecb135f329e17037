//! Capture files (pcap, pcapng) streamed frame by frame down to TCP segments.
