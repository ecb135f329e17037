//! Any bytes as a capture file (pcap or pcapng), read whole and printed by `decode` as text
//! and JSON Lines; and any bytes as one frame of every linktype, in a well-formed pcap file.
#![no_main]

use std::ops::ControlFlow;
use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;
use mptcpstat::capture::writer::PcapWriter;
use mptcpstat::capture::{Event, read_capture};
use mptcpstat::cmd::decode::{Args, decode};
use mptcpstat::output::{Format, Output, Style};

/// Every linktype the reader decodes, and one it does not.
const LINKTYPES: [u32; 14] = [0, 1, 9, 12, 14, 50, 101, 104, 108, 113, 228, 229, 276, 147];

fn read(bytes: &[u8]) {
    let mut segments = 0u64;
    let summary = read_capture(bytes, |e| {
        if let Event::Segment(s) = e {
            segments += 1;
            assert!(s.options.len() <= 40);
            assert!(s.payload.len() as u64 <= u64::from(s.payload_len));
        }
        ControlFlow::Continue(())
    });
    if let Ok(s) = summary {
        assert_eq!(s.tcp_segments, segments);
        assert_eq!(s.frames, s.tcp_segments + s.other_frames);
        assert!(s.bytes <= bytes.len() as u64);
    }
    let args = Args {
        file: PathBuf::from("-"),
        subtype: Vec::new(),
        port: None,
        host: None,
        token: None,
    };
    for format in [Format::Text, Format::Json] {
        let mut out = Vec::new();
        let _ = decode(
            bytes,
            &args,
            None,
            &mut Output::new(&mut out, format, Style::default()),
        );
    }
}

fuzz_target!(|data: &[u8]| {
    read(data);
    if let Some((&pick, frame)) = data.split_first() {
        let linktype = LINKTYPES[usize::from(pick) % LINKTYPES.len()];
        // The original length may claim more than was captured, as a snapshot length does.
        let orig_len = u32::try_from(frame.len()).unwrap_or(u32::MAX) + u32::from(pick >> 4);
        let mut w = PcapWriter::new(Vec::new(), linktype, 0).unwrap();
        w.write_packet(1_700_000_000_000_000_000, frame, orig_len)
            .unwrap();
        read(&w.into_inner());
    }
});
