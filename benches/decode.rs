//! Throughput of the MPTCP decoder and of capture-to-report, in packets/s and bytes/s, on a
//! real capture of `testdata/pcap/` (a bulk transfer over two shaped paths, 20 k frames).
//!
//! `cargo bench --bench decode`. For whole-process figures on a large capture against `cat`
//! and tshark, see `benches/compare.sh` and `benches/make-big-capture.sh`.

use std::hint::black_box;
use std::ops::ControlFlow;
use std::sync::LazyLock;

use divan::Bencher;
use divan::counter::{BytesCount, ItemsCount};
use mptcpstat::analyze::{Analyzer, Limits};
use mptcpstat::capture::{Event, read_capture};
use mptcpstat::mptcp::{Found, options};
use mptcpstat::output::{Format, Output, Style};

fn main() {
    divan::main();
}

static CAPTURE: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/pcap/v1-shaped-two-paths.pcap"
    );
    std::fs::read(path).expect("the shaped capture of testdata/pcap")
});

/// The options areas of every TCP segment of the capture, and the frame count.
static AREAS: LazyLock<(Vec<Vec<u8>>, usize)> = LazyLock::new(|| {
    let mut areas = Vec::new();
    let summary = read_capture(&CAPTURE[..], |e| {
        if let Event::Segment(s) = e {
            areas.push(s.options.to_vec());
        }
        ControlFlow::Continue(())
    })
    .unwrap();
    (areas, usize::try_from(summary.frames).unwrap())
});

fn frames() -> usize {
    AREAS.1
}

/// The TCP options walker and the MPTCP decoder alone, on every segment's options.
#[divan::bench]
fn decode_options(bencher: Bencher<'_, '_>) {
    let areas = &AREAS.0;
    bencher.counter(ItemsCount::new(areas.len())).bench(|| {
        let mut n = 0u32;
        for a in areas {
            for f in options(black_box(a)) {
                n += u32::from(matches!(f, Found::Option(_)));
            }
        }
        n
    });
}

/// `decode --json` without the file: frames in, JSON Lines out to memory.
#[divan::bench]
fn decode_json(bencher: Bencher<'_, '_>) {
    let args = mptcpstat::cmd::decode::Args {
        file: "-".into(),
        subtype: Vec::new(),
        port: None,
        host: None,
        token: None,
    };
    bencher
        .counter(ItemsCount::new(frames()))
        .counter(BytesCount::new(CAPTURE.len()))
        .bench(|| {
            let mut sink = Vec::with_capacity(8 << 20);
            let mut out = Output::new(&mut sink, Format::Json, Style::default());
            mptcpstat::cmd::decode::decode(black_box(&CAPTURE[..]), &args, None, &mut out).unwrap();
            drop(out);
            sink.len()
        });
}

/// Capture to report: read, track connections, validate, summarise.
#[divan::bench]
fn analyze(bencher: Bencher<'_, '_>) {
    bencher
        .counter(ItemsCount::new(frames()))
        .counter(BytesCount::new(CAPTURE.len()))
        .bench(|| {
            let mut a = Analyzer::new(Limits::default());
            let summary = read_capture(black_box(&CAPTURE[..]), |e| {
                a.feed(&e);
                ControlFlow::Continue(())
            })
            .unwrap();
            a.finish(summary.frames).connections.len()
        });
}
