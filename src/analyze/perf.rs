//! Why a multipath connection is slow: RTT per subflow, data-level reordering, throughput.
//!
//! - RTT: each new data segment is timed until the subflow's ACK covers it (Karn's rule: a
//!   retransmitted range gives no sample). Measured where the capture was taken, this is the
//!   path RTT when the capture is on the sender's side, and less elsewhere.
//! - Reordering (head-of-line blocking at the data level): a segment has reached the receiver
//!   when its subflow ACK covers it. The receiver's in-order point is the end of the data it has
//!   received without a hole, from those subflow ACKs (and its data ACKs, which prove it). A
//!   segment received beyond that point waits for the data before it, sent on other subflows,
//!   until the hole fills. Data ACKs alone cannot tell this: a receiver also holds its data ACK
//!   back while its application is not reading. All these ACKs come from the receiver, so this
//!   holds wherever the capture was taken.
//! - Throughput: payload bytes per time bucket, per subflow and direction, when asked for.
//!
//! Distributions are kept in log-scale histograms, so memory does not grow with samples.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};

use serde::Serialize;

/// Buckets per doubling: each bucket is 1/8 of an octave wide, so a quantile read from its
/// middle is within ±4.5% of the true value (the scheme of HDR histograms). A quantile of at
/// most `EXACT` samples is exact.
const SUB_BUCKETS: u32 = 8;
/// The smallest duration told apart: 2^10 ns, about 1 µs; smaller ones count in the first bucket.
const FLOOR_EXP: u32 = 10;
/// Up to 2^45 ns, about 9.8 hours.
const BUCKETS: usize = ((45 - FLOOR_EXP) * SUB_BUCKETS) as usize;

/// The bucket of a duration: its octave above the floor and the next three bits of it.
fn bucket(ns: u64) -> usize {
    let ns = ns.max(1 << FLOOR_EXP);
    let exp = ns.ilog2();
    let sub = (ns >> (exp - 3)) & u64::from(SUB_BUCKETS - 1);
    let b = (exp - FLOOR_EXP) * SUB_BUCKETS + u32::try_from(sub).unwrap_or(0);
    usize::try_from(b).map_or(BUCKETS - 1, |b| b.min(BUCKETS - 1))
}

/// The middle of a bucket, in nanoseconds.
fn bucket_mid(b: usize) -> f64 {
    let b = u32::try_from(b).unwrap_or(0);
    let (exp, sub) = (b / SUB_BUCKETS + FLOOR_EXP, b % SUB_BUCKETS);
    (f64::from(SUB_BUCKETS + sub) + 0.5) * 2f64.powi(i32::try_from(exp).unwrap_or(0) - 3)
}

/// Samples kept as they are, so that a short distribution's quantiles are exact.
const EXACT: usize = 64;

/// A distribution of durations: exact for its first `EXACT` samples, to ±4.5% after. The
/// buckets are only allocated past `EXACT` samples, so the many short flows of a capture cost
/// a few bytes each.
#[derive(Debug, Clone)]
pub struct Histogram {
    counts: Option<Box<[u32; BUCKETS]>>,
    first: Vec<i64>,
    samples: u64,
    min_ns: i64,
    max_ns: i64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: None,
            first: Vec::new(),
            samples: 0,
            min_ns: i64::MAX,
            max_ns: 0,
        }
    }
}

/// Summary of a distribution of durations, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Stats {
    pub samples: u64,
    pub min_ms: f64,
    pub median_ms: f64,
    pub p90_ms: f64,
    pub max_ms: f64,
}

impl Histogram {
    pub fn record(&mut self, ns: i64) {
        let ns = ns.max(0);
        self.samples += 1;
        if self.first.len() < EXACT {
            self.first.push(ns);
        } else {
            let counts = self.counts.get_or_insert_with(|| {
                let mut counts = Box::new([0; BUCKETS]);
                for &v in &self.first {
                    counts[bucket(v.unsigned_abs())] += 1;
                }
                counts
            });
            let b = &mut counts[bucket(ns.unsigned_abs())];
            *b = b.saturating_add(1);
        }
        self.min_ns = self.min_ns.min(ns);
        self.max_ns = self.max_ns.max(ns);
    }

    /// The duration below which a fraction `q` of the samples lie, in nanoseconds: the
    /// geometric middle of its bucket, kept within the observed minimum and maximum.
    fn quantile(&self, q: f64) -> f64 {
        #[allow(
            clippy::cast_precision_loss,
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss
        )]
        let rank = ((self.samples as f64 * q).ceil() as u64).max(1);
        if self.samples <= EXACT as u64 {
            let mut sorted = self.first.clone();
            sorted.sort_unstable();
            let i = usize::try_from(rank - 1)
                .unwrap_or(0)
                .min(sorted.len().saturating_sub(1));
            #[allow(clippy::cast_precision_loss)]
            return sorted.get(i).map_or(0.0, |&v| v as f64);
        }
        let mut seen = 0u64;
        for (i, &c) in self.counts.iter().flat_map(|c| c.iter()).enumerate() {
            seen += u64::from(c);
            if seen >= rank {
                #[allow(clippy::cast_precision_loss)]
                return bucket_mid(i).clamp(self.min_ns as f64, self.max_ns as f64);
            }
        }
        #[allow(clippy::cast_precision_loss)]
        let max = self.max_ns as f64;
        max
    }

    #[must_use]
    pub fn samples(&self) -> u64 {
        self.samples
    }

    #[must_use]
    pub fn stats(&self) -> Option<Stats> {
        (self.samples > 0).then(|| {
            #[allow(clippy::cast_precision_loss)]
            let ms = |ns: i64| ns as f64 / 1e6;
            Stats {
                samples: self.samples,
                min_ms: ms(self.min_ns),
                // Quantiles are good to a few percent: shown to the microsecond.
                median_ms: (self.quantile(0.5) / 1e3).round() / 1e3,
                p90_ms: (self.quantile(0.9) / 1e3).round() / 1e3,
                max_ms: ms(self.max_ns),
            }
        })
    }
}

/// A data segment waiting for its subflow ACK.
#[derive(Debug, Clone, Copy)]
struct InFlight {
    /// One past its last byte, as an absolute subflow sequence number.
    seq_end: u32,
    /// Its bytes in the data sequence space, if mapped.
    dsn: Option<(u64, u64)>,
    sent_ns: i64,
    /// Sent more than once: no RTT sample (Karn's rule).
    resent: bool,
}

/// Most segments in flight remembered per direction of a subflow.
const MAX_IN_FLIGHT: usize = 16_384;

/// One direction of a subflow: what is in flight, and its RTT samples.
#[derive(Debug, Clone, Default)]
pub struct PathDir {
    in_flight: VecDeque<InFlight>,
    /// Allocated at the first sample, so flows without data cost nothing.
    pub rtt: Option<Box<Histogram>>,
    /// Time of the first and last payload byte sent.
    pub first_data_ns: Option<i64>,
    pub last_data_ns: Option<i64>,
}

impl PathDir {
    /// A data segment `[seq, seq_end)` was sent, mapped to `dsn` in the data sequence space.
    pub fn sent(
        &mut self,
        seq: u32,
        seq_end: u32,
        dsn: Option<(u64, u64)>,
        t: i64,
        retransmission: bool,
    ) {
        use super::subflow::before;
        self.first_data_ns.get_or_insert(t);
        self.last_data_ns = Some(t);
        if retransmission {
            // The segments in flight it overlaps were sent twice: none of them can be timed.
            // Each covers the space from the end of the one before it to its own end.
            let mut start = None;
            for f in &mut self.in_flight {
                let overlaps = before(seq, f.seq_end) && start.is_none_or(|s| before(s, seq_end));
                f.resent |= overlaps;
                start = Some(f.seq_end);
            }
            return;
        }
        if self.in_flight.len() == MAX_IN_FLIGHT {
            self.in_flight.pop_front();
        }
        self.in_flight.push_back(InFlight {
            seq_end,
            dsn,
            sent_ns: t,
            resent: false,
        });
    }

    /// The subflow ACK reached `ack` at `t`. Segments it covers give RTT samples, returned as
    /// (sum in µs, count), and are now at the receiver (`waiting` decides whether in order).
    pub fn acked(&mut self, ack: u32, t: i64, waiting: &mut Waiting) -> (u64, u64) {
        let (mut sum_us, mut n) = (0u64, 0);
        while let Some(f) = self.in_flight.front().copied() {
            if super::subflow::before(ack, f.seq_end) {
                break;
            }
            self.in_flight.pop_front();
            if !f.resent {
                let rtt = t - f.sent_ns;
                self.rtt.get_or_insert_with(Box::default).record(rtt);
                // Saturating: a capture may put its times anywhere in ±2^62 ns.
                sum_us = sum_us.saturating_add(u64::try_from(rtt / 1000).unwrap_or(0));
                n += 1;
            }
            if let Some((start, end)) = f.dsn {
                waiting.received(start, end, t);
            }
        }
        (sum_us, n)
    }
}

/// Most segments and ranges remembered per direction while they wait.
const MAX_WAITING: usize = 65_536;

/// One data direction of a connection at its receiver: what arrived in order, what arrived
/// ahead of a hole and since when.
#[derive(Debug, Clone, Default)]
pub struct Waiting {
    /// Every byte below this has reached the receiver.
    in_order_end: Option<u64>,
    /// Ranges received beyond `in_order_end`, start to end, merged.
    ahead: BTreeMap<u64, u64>,
    /// Segments received ahead, by end, with the time they arrived.
    heap: BinaryHeap<Reverse<(u64, i64)>>,
    /// How long segments that arrived ahead of the in-order point waited.
    pub wait: Option<Box<Histogram>>,
    /// Segments that arrived in order, for the share that had to wait.
    pub in_order: u64,
    /// Since when something has been waiting behind a hole, if it is.
    blocked_since: Option<i64>,
    pub blocked_ns: i64,
}

/// `a` is after `b` in the 64-bit data sequence space.
fn after(a: u64, b: u64) -> bool {
    a.wrapping_sub(b).cast_signed() > 0
}

impl Waiting {
    /// Where the direction's data starts (the sender's IDSN + 1), when known: the in-order
    /// point before anything arrived.
    pub fn start_at(&mut self, dsn: u64) {
        self.in_order_end.get_or_insert(dsn);
    }

    /// The receiver got `[start, end)` at `t` (its subflow ACK says so).
    pub fn received(&mut self, start: u64, end: u64, t: i64) {
        let point = *self.in_order_end.get_or_insert(start);
        if !after(start, point) {
            self.in_order += 1;
            if after(end, point) {
                self.advance(end, t);
            }
        } else if self.heap.len() < MAX_WAITING {
            let e = self.ahead.entry(start).or_insert(end);
            if after(end, *e) {
                *e = end;
            }
            self.heap.push(Reverse((end, t)));
        }
        self.update_blocked(t);
    }

    /// The data ACK reached `ack` at `t`: everything below it was delivered.
    pub fn data_acked(&mut self, ack: u64, t: i64) {
        if self.in_order_end.is_none_or(|p| after(ack, p)) {
            self.advance(ack, t);
            self.update_blocked(t);
        }
    }

    /// Moves the in-order point to `to`, and on over the ranges that now join it; segments it
    /// passes stop waiting.
    fn advance(&mut self, to: u64, t: i64) {
        let mut point = to;
        while let Some((&start, &end)) = self.ahead.first_key_value() {
            if after(start, point) {
                break;
            }
            self.ahead.pop_first();
            if after(end, point) {
                point = end;
            }
        }
        self.in_order_end = Some(point);
        while let Some(&Reverse((end, since))) = self.heap.peek() {
            if after(end, point) {
                break;
            }
            self.wait.get_or_insert_with(Box::default).record(t - since);
            self.heap.pop();
        }
    }

    fn update_blocked(&mut self, t: i64) {
        match (self.heap.is_empty(), self.blocked_since) {
            (false, None) => self.blocked_since = Some(t),
            (true, Some(since)) => {
                self.blocked_ns = self.blocked_ns.saturating_add(t - since);
                self.blocked_since = None;
            }
            _ => {}
        }
    }

    /// At the end of the capture, a stretch still blocked did not end in it: its length is
    /// unknown, so it is not counted.
    pub fn finish(&mut self) {
        self.blocked_since = None;
    }
}

/// Bytes per time bucket, for one series; buckets start at the capture's first frame.
#[derive(Debug, Clone, Default)]
pub struct Series {
    pub bins: Vec<u64>,
}

/// Most buckets of one series; past it the series is not extended (the report says so).
pub const MAX_BINS: usize = 100_000;

impl Series {
    pub fn add(&mut self, bin: usize, v: u64) {
        if bin >= MAX_BINS {
            return;
        }
        if self.bins.len() <= bin {
            self.bins.resize(bin + 1, 0);
        }
        self.bins[bin] = self.bins[bin].saturating_add(v);
    }

    /// Merges every `factor` adjacent buckets into one, for buckets `factor` times as wide.
    pub fn merge(&mut self, factor: usize) {
        if factor > 1 {
            self.bins = self
                .bins
                .chunks(factor)
                .map(|c| c.iter().fold(0u64, |sum, &v| sum.saturating_add(v)))
                .collect();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_eighths_of_octaves() {
        assert_eq!(bucket(0), 0);
        assert_eq!(bucket(1024), 0);
        assert_eq!(bucket(1152), 1); // 1024 * 9/8
        assert_eq!(bucket(2048), 8);
        assert_eq!(bucket(u64::MAX), BUCKETS - 1);
        for ns in [1_500u64, 70_000, 3_000_000, 42_000_000_000] {
            let mid = bucket_mid(bucket(ns));
            #[allow(clippy::cast_precision_loss)]
            let err = (mid / ns as f64 - 1.0).abs();
            assert!(err < 0.07, "{ns}: {mid}");
        }
    }

    #[test]
    fn histogram_quantiles_within_a_bucket() {
        let mut h = Histogram::default();
        for ms in 1..=100 {
            h.record(ms * 1_000_000);
        }
        let s = h.stats().unwrap();
        assert_eq!((s.samples, s.min_ms, s.max_ms), (100, 1.0, 100.0));
        assert!((s.median_ms / 50.0 - 1.0).abs() < 0.07, "{s:?}");
        assert!((s.p90_ms / 90.0 - 1.0).abs() < 0.07, "{s:?}");
        assert_eq!(Histogram::default().stats(), None);
    }

    #[test]
    fn times_at_the_ends_of_the_clock_saturate() {
        // Frame times may be anywhere in ±MAX_TIME_NS (pcapng time offsets): sums of such
        // spans stop at the largest value instead of overflowing.
        let max = crate::capture::MAX_TIME_NS;
        let mut w = Waiting::default();
        w.start_at(0);
        for base in [0, 2000, 4000] {
            w.received(base + 1000, base + 2000, -max); // ahead of a hole: blocked from -max
            w.data_acked(base + 2000, max); // the hole fills at +max
        }
        assert_eq!(w.blocked_ns, i64::MAX);
        // Each RTT is about 2^63 ns, 9.2e15 µs: 2100 of them exceed 2^64 µs.
        let mut d = PathDir::default();
        for i in 0..2100 {
            d.sent(i * 10, i * 10 + 10, None, -max, false);
        }
        let (sum_us, n) = d.acked(21_000, max, &mut w);
        assert_eq!((sum_us, n), (u64::MAX, 2100));
        let mut s = Series::default();
        s.add(3, u64::MAX);
        s.add(3, 1);
        assert_eq!(s.bins, [0, 0, 0, u64::MAX]);
    }

    #[test]
    fn rtt_samples_skip_retransmissions() {
        let mut d = PathDir::default();
        let mut w = Waiting::default();
        d.sent(0, 100, Some((1000, 1100)), 0, false);
        d.sent(100, 200, Some((1100, 1200)), 1_000_000, false);
        d.sent(200, 300, Some((1200, 1300)), 2_000_000, false);
        d.sent(100, 200, Some((1100, 1200)), 5_000_000, true); // 100..200 again
        // 0..100 and 200..300 are timed, 100..200 is not.
        assert_eq!(d.acked(300, 10_000_000, &mut w), (10_000 + 8_000, 2));
        assert_eq!(w.in_order, 3);
        let s = d.rtt.as_ref().unwrap().stats().unwrap();
        assert_eq!(s.samples, 2);
        assert!((s.max_ms - 10.0).abs() < 1e-9 && (s.min_ms - 8.0).abs() < 1e-9);
    }

    #[test]
    fn points_are_thinned_not_cut() {
        let mut p = Points::default();
        for i in 0..(3 * MAX_POINTS as u64) {
            p.push(SeqPoint {
                time: 0.0,
                offset: i,
                len: 1,
                subflow: 0,
                kind: "new",
            });
        }
        assert!(p.points.len() <= MAX_POINTS);
        assert!(p.points.len() > MAX_POINTS / 2);
        assert_eq!(p.points[0].offset, 0);
        assert!(p.points.last().unwrap().offset > 3 * MAX_POINTS as u64 - 8);
    }

    #[test]
    fn merged_buckets_keep_their_sums() {
        let mut s = Series::default();
        for (bin, v) in [(0, 1), (1, 2), (2, 4), (4, 8)] {
            s.add(bin, v);
        }
        s.merge(2);
        assert_eq!(s.bins, [3, 4, 8]);
        s.merge(4);
        assert_eq!(s.bins, [15]);
    }

    #[test]
    fn waiting_behind_a_hole() {
        let mut w = Waiting::default();
        w.start_at(1000);
        // 1000..1100 arrives at once; 1200..1300 arrives at 10 ms, ahead of the hole
        // 1100..1200 (on a slower subflow), which arrives at 50 ms.
        w.received(1000, 1100, 0);
        w.received(1200, 1300, 10_000_000);
        w.received(1300, 1400, 20_000_000);
        w.received(1100, 1200, 50_000_000);
        let s = w.wait.as_ref().unwrap().stats().unwrap();
        assert_eq!((s.samples, s.min_ms, s.max_ms), (2, 30.0, 40.0));
        assert_eq!(w.blocked_ns, 40_000_000);
        assert_eq!(w.in_order, 2);
    }

    #[test]
    fn a_lagging_data_ack_is_not_a_hole() {
        // The receiver's application is not reading: its data ACK stays behind, but everything
        // arrived in order, so nothing waited for other subflows.
        let mut w = Waiting::default();
        w.start_at(1000);
        for i in 0..10 {
            w.received(
                1000 + i * 100,
                1100 + i * 100,
                i64::try_from(i).unwrap() * 1_000_000,
            );
        }
        w.data_acked(2000, 80_000_000);
        assert!(w.wait.is_none());
        assert_eq!((w.in_order, w.blocked_ns), (10, 0));
    }

    #[test]
    fn a_data_ack_fills_a_hole_the_capture_missed() {
        let mut w = Waiting::default();
        w.start_at(1000);
        w.received(1100, 1200, 5_000_000); // 1000..1100 never seen in the capture
        w.data_acked(1200, 7_000_000);
        let s = w.wait.as_ref().unwrap().stats().unwrap();
        assert_eq!((s.samples, s.max_ms), (1, 2.0));
    }
}

/// One data segment, or one data ACK, for a time-sequence graph.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SeqPoint {
    /// Seconds from the first frame.
    pub time: f64,
    /// Bytes from the direction's first data sequence number (its IDSN + 1 when known).
    pub offset: u64,
    /// Bytes covered (0 for a data ACK).
    pub len: u32,
    /// Subflow that carried it.
    pub subflow: usize,
    /// `new`, `reinjected`, `resent` (a data segment) or `data_ack`.
    pub kind: &'static str,
}

/// Points of one direction, at most `MAX_POINTS`: when full, every other one is dropped and
/// from then on only every other one is kept, so the whole transfer stays drawn.
#[derive(Debug, Clone, Default)]
pub struct Points {
    pub points: Vec<SeqPoint>,
    stride: usize,
    skipped: usize,
}

pub const MAX_POINTS: usize = 100_000;

impl Points {
    pub fn push(&mut self, p: SeqPoint) {
        self.stride = self.stride.max(1);
        self.skipped += 1;
        if self.skipped < self.stride {
            return;
        }
        self.skipped = 0;
        if self.points.len() == MAX_POINTS {
            let mut i = 0;
            self.points.retain(|_| {
                i += 1;
                i % 2 == 1
            });
            self.stride *= 2;
        }
        self.points.push(p);
    }
}
