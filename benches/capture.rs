//! Throughput of the capture reader: container format, link, IP and TCP headers, down to
//! the segments handed to the callback, in packets/s and bytes/s.
//!
//! The input is generated in memory: 200 000 small Ethernet/IPv4 TCP frames with MPTCP-like
//! options (timestamps and a DSS mapping, 32 option bytes), half bare ACKs and half with 64
//! bytes of payload, as pcap and as pcapng.
//!
//! `cargo bench --bench capture`. To compare with other tools on the same bytes, set
//! `MPTCPSTAT_BENCH_FILE=/tmp/bench.pcap` and the pcap is also written there (and the pcapng
//! beside it, with `.pcapng` appended).

use std::hint::black_box;
use std::ops::ControlFlow;
use std::sync::LazyLock;

use divan::Bencher;
use divan::counter::{BytesCount, ItemsCount};
use mptcpstat::capture::link::LINKTYPE_ETHERNET;
use mptcpstat::capture::writer::{PcapNgWriter, PcapWriter, TcpFrame, tcp_frame};
use mptcpstat::capture::{Event, TcpFlags, read_capture};

const FRAMES: usize = 200_000;

fn main() {
    if let Ok(path) = std::env::var("MPTCPSTAT_BENCH_FILE") {
        std::fs::write(&path, &*PCAP).expect("write the pcap");
        std::fs::write(format!("{path}.pcapng"), &*PCAPNG).expect("write the pcapng");
    }
    divan::main();
}

/// The frames, with their times: two subflows, each direction in turn.
fn frames() -> Vec<(i64, Vec<u8>)> {
    let payload = [0x61; 64];
    let subflows = [
        ("10.0.1.1:40000", "10.0.2.2:443"),
        ("10.0.1.2:40001", "10.0.2.2:443"),
    ];
    (0..FRAMES)
        .map(|i| {
            let n = u32::try_from(i).unwrap();
            let (a, b) = subflows[i % 2];
            let (src, dst) = (a.parse().unwrap(), b.parse().unwrap());
            let data = i % 4 < 2;
            let mut options = vec![1, 1, 8, 10]; // NOP, NOP, timestamps:
            options.extend_from_slice(&n.to_be_bytes()); //   TSval
            options.extend_from_slice(&(n / 2).to_be_bytes()); //   TSecr
            // DSS (RFC 8684 §3.3): data ACK (4), DSN (4), SSN (4), data-level length (2).
            options.extend_from_slice(&[30, 18, 0x20, 0x05]);
            options.extend_from_slice(&(n * 64).to_be_bytes());
            options.extend_from_slice(&(n * 32).to_be_bytes());
            options.extend_from_slice(&(n * 16).to_be_bytes());
            options.extend_from_slice(&64u16.to_be_bytes());
            options.extend_from_slice(&[1, 1]); // NOP, NOP
            let frame = TcpFrame {
                seq: n * 64,
                ack: n,
                flags: if data {
                    TcpFlags::PSH | TcpFlags::ACK
                } else {
                    TcpFlags::ACK
                },
                options: &options,
                payload: if data { &payload } else { &[] },
                ..TcpFrame::new(src, dst)
            };
            (
                1_700_000_000_000_000_000 + i64::from(n) * 10_000,
                tcp_frame(&frame),
            )
        })
        .collect()
}

static PCAP: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let mut w = PcapWriter::new(Vec::new(), LINKTYPE_ETHERNET, 262_144).unwrap();
    for (t, f) in frames() {
        w.write_frame(t, &f).unwrap();
    }
    w.into_inner()
});

static PCAPNG: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let mut w = PcapNgWriter::new(Vec::new()).unwrap();
    let eth = w.add_interface(1, 262_144, 9).unwrap();
    for (t, f) in frames() {
        w.write_frame(eth, t, &f).unwrap();
    }
    w.into_inner()
});

fn read(bencher: Bencher<'_, '_>, file: &[u8]) {
    bencher
        .counter(ItemsCount::new(FRAMES))
        .counter(BytesCount::new(file.len()))
        .bench(|| {
            let mut payload = 0u64;
            let summary = read_capture(black_box(file), |e| {
                if let Event::Segment(s) = e {
                    payload += u64::from(s.payload_len) + s.options.len() as u64;
                }
                ControlFlow::Continue(())
            })
            .unwrap();
            assert_eq!(summary.tcp_segments, FRAMES as u64);
            black_box(payload)
        });
}

#[divan::bench]
fn pcap(bencher: Bencher<'_, '_>) {
    read(bencher, &PCAP);
}

#[divan::bench]
fn pcapng(bencher: Bencher<'_, '_>) {
    read(bencher, &PCAPNG);
}
