//! Why a multipath connection is slow: RTT per subflow, data-level reordering, throughput.
//!
//! - RTT: each new data segment is timed until the subflow's ACK covers it (Karn's rule: a
//!   retransmitted range gives no sample). Measured where the capture was taken, this is the
//!   path RTT when the capture is on the sender's side, and less elsewhere.
//! - Reordering (head-of-line blocking at the data level): when the receiver has a segment
//!   but not the data before it, its subflow ACK covers the segment while its data ACK stays
//!   behind. The time from the first to the second is how long the segment waited for data
//!   sent on other subflows. Both ACKs come from the receiver, so this holds wherever the
//!   capture was taken. A segment counts as waiting only if data before it was still in
//!   flight on another subflow when its subflow ACK came: a data ACK that merely trails
//!   (a receiver that sends it with its next segment) is no reordering.
//! - Throughput: payload bytes per time bucket, per subflow and direction, when asked for.
//!
//! Distributions are kept in log-scale histograms, so memory does not grow with samples.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use serde::Serialize;

/// Histogram buckets per decade; the quantiles are exact to within half a bucket (±6%).
const PER_DECADE: f64 = 20.0;
/// The smallest duration told apart: 1 µs; smaller ones count in the first bucket.
const FLOOR_NS: f64 = 1e3;
/// 1 µs to 10^4 s.
const BUCKETS: usize = 200;

/// A distribution of durations.
#[derive(Debug, Clone)]
pub struct Histogram {
    counts: Box<[u32; BUCKETS]>,
    samples: u64,
    min_ns: i64,
    max_ns: i64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: Box::new([0; BUCKETS]),
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
        #[allow(
            clippy::cast_precision_loss,
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss
        )]
        let bucket = if (ns as f64) <= FLOOR_NS {
            0
        } else {
            ((ns as f64 / FLOOR_NS).log10() * PER_DECADE) as usize
        };
        let b = &mut self.counts[bucket.min(BUCKETS - 1)];
        *b = b.saturating_add(1);
        self.samples += 1;
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
        let mut seen = 0u64;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += u64::from(c);
            if seen >= rank {
                #[allow(clippy::cast_precision_loss)]
                let mid = FLOOR_NS * 10f64.powf((i as f64 + 0.5) / PER_DECADE);
                #[allow(clippy::cast_precision_loss)]
                return mid.clamp(self.min_ns as f64, self.max_ns as f64);
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
                median_ms: self.quantile(0.5) / 1e6,
                p90_ms: self.quantile(0.9) / 1e6,
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
    /// Its data sequence range, if mapped.
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
    /// A data segment `[seq, seq_end)` was sent.
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

    /// The first data sequence number still in flight, if any is mapped.
    #[must_use]
    pub fn lowest_dsn(&self) -> Option<u64> {
        self.in_flight.front()?.dsn.map(|(start, _)| start)
    }

    /// The subflow ACK reached `ack` at `t`, when the data ACK for this direction stood at
    /// `data_ack` and other subflows had data from `elsewhere` on in flight. Segments it
    /// covers give RTT samples, returned as (sum in µs, count); those that must wait for
    /// data on other subflows go to `waiting`.
    pub fn acked(
        &mut self,
        ack: u32,
        t: i64,
        data_ack: Option<u64>,
        elsewhere: Option<u64>,
        waiting: &mut Waiting,
    ) -> (u64, u64) {
        let (mut sum_us, mut n) = (0, 0);
        while let Some(f) = self.in_flight.front().copied() {
            if super::subflow::before(ack, f.seq_end) {
                break;
            }
            self.in_flight.pop_front();
            if !f.resent {
                let rtt = t - f.sent_ns;
                self.rtt.get_or_insert_with(Box::default).record(rtt);
                sum_us += u64::try_from(rtt / 1000).unwrap_or(0);
                n += 1;
            }
            if let Some(dsn) = f.dsn {
                waiting.arrived(dsn, t, data_ack, elsewhere);
            }
        }
        waiting.update_blocked(t);
        (sum_us, n)
    }
}

/// Most segments remembered per direction while they wait for their data ACK.
const MAX_WAITING: usize = 65_536;

/// Segments a receiver has (its subflow ACK says so) but has not yet delivered in order (its
/// data ACK does not cover them), by data sequence end: one per data direction of a connection.
#[derive(Debug, Clone, Default)]
pub struct Waiting {
    heap: BinaryHeap<Reverse<(u64, i64)>>,
    /// How long segments that arrived ahead of the in-order point waited.
    pub wait: Option<Box<Histogram>>,
    /// Segments that arrived in order, for the share that had to wait.
    pub in_order: u64,
    /// Since when something has been waiting behind a hole, if it is.
    blocked_since: Option<i64>,
    pub blocked_ns: i64,
}

impl Waiting {
    /// The receiver acknowledged, on its subflow, the segment `[start, end)` of the data
    /// sequence space. It waits if the data ACK does not cover it and data before it is in
    /// flight on another subflow (`elsewhere`).
    fn arrived(
        &mut self,
        (start, end): (u64, u64),
        t: i64,
        data_ack: Option<u64>,
        elsewhere: Option<u64>,
    ) {
        let delivered = data_ack.is_some_and(|a| end.wrapping_sub(a).cast_signed() <= 0);
        let behind_a_hole = elsewhere.is_some_and(|e| start.wrapping_sub(e).cast_signed() > 0);
        if delivered || !behind_a_hole {
            self.in_order += 1;
        } else if self.heap.len() < MAX_WAITING {
            self.heap.push(Reverse((end, t)));
        }
    }

    /// The data ACK reached `ack` at `t`.
    pub fn data_acked(&mut self, ack: u64, t: i64) {
        while let Some(&Reverse((dsn_end, since))) = self.heap.peek() {
            if dsn_end.wrapping_sub(ack).cast_signed() > 0 {
                break;
            }
            self.wait.get_or_insert_with(Box::default).record(t - since);
            self.heap.pop();
        }
        self.update_blocked(t);
    }

    /// Called after subflow ACKs too: the receiver is blocked while anything waits.
    pub fn update_blocked(&mut self, t: i64) {
        match (self.heap.is_empty(), self.blocked_since) {
            (false, None) => self.blocked_since = Some(t),
            (true, Some(since)) => {
                self.blocked_ns += t - since;
                self.blocked_since = None;
            }
            _ => {}
        }
    }

    /// Closes an open blocked stretch at the end of the capture... without counting it: it
    /// did not end in the capture, so its length is unknown.
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
        self.bins[bin] += v;
    }

    /// Merges every `factor` adjacent buckets into one, for buckets `factor` times as wide.
    pub fn merge(&mut self, factor: usize) {
        if factor > 1 {
            self.bins = self.bins.chunks(factor).map(|c| c.iter().sum()).collect();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn rtt_samples_skip_retransmissions() {
        let mut d = PathDir::default();
        let mut w = Waiting::default();
        d.sent(0, 100, Some((1000, 1100)), 0, false);
        d.sent(100, 200, Some((1100, 1200)), 1_000_000, false);
        d.sent(200, 300, Some((1200, 1300)), 2_000_000, false);
        d.sent(100, 200, Some((1100, 1200)), 5_000_000, true); // 100..200 again
        // 0..100 and 200..300 are timed, 100..200 is not.
        assert_eq!(
            d.acked(300, 10_000_000, None, None, &mut w),
            (10_000 + 8_000, 2)
        );
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
    fn waiting_for_the_data_ack() {
        let mut w = Waiting::default();
        // Segment 1500..2000 is in at t=10ms while 1000..1500 is in flight on another
        // subflow; the hole fills at t=50ms. 800..900 was delivered already, and 3000..3100
        // has nothing missing before it on other subflows: the data ACK only trails.
        w.arrived((1500, 2000), 10_000_000, Some(1000), Some(1000));
        w.arrived((800, 900), 10_000_000, Some(1000), Some(1000));
        w.update_blocked(10_000_000);
        w.data_acked(1000, 20_000_000);
        w.data_acked(2000, 50_000_000);
        let s = w.wait.as_ref().unwrap().stats().unwrap();
        assert_eq!(s.samples, 1);
        assert!((s.max_ms - 40.0).abs() < 1e-9);
        assert_eq!(w.blocked_ns, 40_000_000);
        w.arrived((3000, 3100), 60_000_000, Some(2000), Some(4000));
        w.arrived((4100, 4200), 60_000_000, Some(2000), None);
        w.update_blocked(60_000_000);
        assert_eq!(w.heap.len(), 0);
        assert_eq!(w.in_order, 3);
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
