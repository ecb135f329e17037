//! Any bytes as a capture, through the connection analyzer (with time-sequence points and series) to its
//! report, as JSON and as text.
#![no_main]

use std::ops::ControlFlow;

use libfuzzer_sys::fuzz_target;
use mptcpstat::analyze::{Analyzer, Limits};
use mptcpstat::capture::{Event, read_capture};
use mptcpstat::output::{Format, Output, Style};

fuzz_target!(|data: &[u8]| {
    // Small limits, so that the fuzzer reaches them.
    let limits = Limits {
        connections: 4,
        flows: 8,
        events_per_connection: 16,
        anomalies_per_connection: 16,
        anomalies: 16,
        timeline_runs: 8,
    };
    // Series in at most 64 buckets, which widen as the capture's time span grows: a
    // mutated timestamp costs a few merges, not 100 000 buckets per series.
    let mut a = Analyzer::new(limits).with_points().with_series_buckets(64);
    let summary = read_capture(data, |e| {
        match e {
            Event::Segment(s) => a.segment(&s),
            Event::Issue(i) => a.issue(&i),
        }
        ControlFlow::Continue(())
    });
    let frames = summary.map_or(0, |s| s.frames);
    let report = a.finish(frames);
    for format in [Format::Text, Format::Json] {
        let mut out = Vec::new();
        Output::new(&mut out, format, Style::default())
            .report(&report)
            .unwrap();
    }
});
