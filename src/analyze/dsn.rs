//! Data sequence space: 32-to-64-bit expansion and which subflow first sent each range.
//!
//! A DSS option may carry only the low 32 bits of a DSN or data ACK (RFC 8684 §3.3). The
//! receiver expands it against the last 64-bit value it knows, picking whichever of the
//! candidates with those low bits lies closest, so the space may wrap forwards or backwards
//! (as `__mptcp_expand_seq()` in `net/mptcp/options.c` does). A DSN is expanded because flag
//! `m` says it is 4 bytes, a data ACK because flag `a` says so: each by its own flag.

use std::collections::VecDeque;

/// Expands a value that carries only the low 32 bits of a 64-bit sequence number, to the
/// candidate nearest to `last`, the last full value known in that space.
#[must_use]
pub fn expand(last: u64, low32: u32) -> u64 {
    let candidate = (last & !0xffff_ffff) | u64::from(low32);
    let last32 = low_half(last);
    // Compare the low halves as 32-bit sequence numbers (serial arithmetic, RFC 1982).
    let delta = low32.wrapping_sub(last32).cast_signed();
    if delta >= 0 && low32 < last32 {
        candidate.wrapping_add(1 << 32)
    } else if delta < 0 && low32 > last32 {
        candidate.wrapping_sub(1 << 32)
    } else {
        candidate
    }
}

/// The low 32 bits, as a 4-byte DSS field carries them.
#[must_use]
#[allow(clippy::cast_possible_truncation)] // truncation is the point
pub fn low_half(v: u64) -> u32 {
    v as u32
}

/// A range of data sequence space first sent on one subflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Sent {
    start: u64,
    end: u64,
    subflow: u32,
}

/// What a newly seen range of data was.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Classified {
    /// Bytes never seen before in this direction.
    pub new: u64,
    /// Bytes first sent on another subflow: a reinjection.
    pub reinjected: u64,
    /// Bytes sent again on the subflow that first sent them.
    pub resent: u64,
    /// Bytes below what is still remembered (already acknowledged, or forgotten).
    pub old: u64,
}

/// The ranges of one direction's data sequence space, in order, with the subflow that first
/// sent each. At most `cap` ranges are kept: past it the oldest are forgotten, so memory is
/// bounded while a capture whose frames are not in time order (dumpcap on several
/// interfaces writes such files) is still classified right within the last `cap` ranges.
/// Neighbouring ranges of one subflow merge, so a transfer on one path is a single range.
#[derive(Debug, Clone)]
pub struct SentMap {
    ranges: VecDeque<Sent>,
    /// Everything below this is forgotten.
    floor: Option<u64>,
    cap: usize,
}

impl SentMap {
    #[must_use]
    pub fn new(cap: usize) -> Self {
        SentMap {
            ranges: VecDeque::new(),
            floor: None,
            cap: cap.max(1),
        }
    }

    /// The end of the highest range seen.
    #[must_use]
    pub fn highest(&self) -> Option<u64> {
        self.ranges.back().map(|r| r.end).or(self.floor)
    }

    /// Records `[start, end)` sent on `subflow` and says what it was. Parts not seen before
    /// are new even below the highest DSN seen: subflows deliver out of order.
    pub fn record(&mut self, start: u64, end: u64, subflow: u32) -> Classified {
        let mut c = Classified::default();
        let mut start = start;
        if let Some(floor) = self.floor
            && start < floor
        {
            c.old += end.min(floor).saturating_sub(start);
            start = floor;
        }
        if end <= start {
            return c;
        }
        // The common case: data past everything seen, appended.
        if self.ranges.back().is_none_or(|r| r.end <= start) {
            c.new = end - start;
            self.insert(self.ranges.len(), start, end, subflow);
            return c;
        }
        // Walk the remembered ranges that overlap, filling the holes between them.
        let mut i = self.ranges.partition_point(|r| r.end <= start);
        let mut at = start;
        while at < end {
            match self.ranges.get(i).copied() {
                Some(r) if r.start <= at => {
                    let upto = r.end.min(end);
                    if r.subflow == subflow {
                        c.resent += upto - at;
                    } else {
                        c.reinjected += upto - at;
                    }
                    at = upto;
                    i += 1;
                }
                next => {
                    let upto = next.map_or(end, |r| r.start.min(end));
                    c.new += upto - at;
                    i = self.insert(i, at, upto, subflow);
                    at = upto;
                }
            }
        }
        c
    }

    /// The subflow that first sent the byte at `dsn`, if it is still remembered.
    #[must_use]
    pub fn first_sender(&self, dsn: u64) -> Option<u32> {
        let i = self.ranges.partition_point(|r| r.end <= dsn);
        self.ranges
            .get(i)
            .filter(|r| r.start <= dsn)
            .map(|r| r.subflow)
    }

    /// Inserts a range at position `i` (merging with the range before it when they touch and
    /// share a subflow) and returns the position after it.
    fn insert(&mut self, i: usize, start: u64, end: u64, subflow: u32) -> usize {
        if let Some(prev) = i.checked_sub(1).and_then(|p| self.ranges.get_mut(p))
            && prev.subflow == subflow
            && prev.end == start
        {
            prev.end = end;
            return i;
        }
        self.ranges.insert(
            i,
            Sent {
                start,
                end,
                subflow,
            },
        );
        if self.ranges.len() > self.cap
            && let Some(dropped) = self.ranges.pop_front()
        {
            self.floor = Some(dropped.end);
            return i;
        }
        i + 1
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The bytes of a segment that were new, reinjected, resent and old.
    fn split(new: u64, reinjected: u64, resent: u64, old: u64) -> Classified {
        Classified {
            new,
            reinjected,
            resent,
            old,
        }
    }

    #[test]
    fn expansion_follows_wraparound_both_ways() {
        assert_eq!(expand(0x0000_0001_0000_0010, 0x20), 0x0000_0001_0000_0020);
        // Forwards across a 32-bit wrap.
        assert_eq!(expand(0x0000_0001_ffff_fff0, 0x10), 0x0000_0002_0000_0010);
        // Backwards across it: a retransmission of data just below the wrap.
        assert_eq!(
            expand(0x0000_0002_0000_0010, 0xffff_fff0),
            0x0000_0001_ffff_fff0
        );
        // At the very top of the 64-bit space, sequence numbers wrap to zero.
        assert_eq!(expand(u64::MAX - 5, 3), 3);
    }

    proptest! {
        #[test]
        fn expansion_recovers_any_value_within_2_31(last in any::<u64>(), delta in -(1i64 << 31) + 1..(1i64 << 31)) {
            let value = last.wrapping_add_signed(delta);
            prop_assert_eq!(expand(last, low_half(value)), value);
        }

        #[test]
        fn expansion_is_monotonic_across_wraparound(start in any::<u64>(), steps in proptest::collection::vec(0u32..1 << 30, 1..64)) {
            // Feeding each expansion back as the base, like a receiver does, never goes backwards.
            let mut last = start;
            let mut truth = start;
            for step in steps {
                truth = truth.wrapping_add(u64::from(step));
                let got = expand(last, low_half(truth));
                prop_assert_eq!(got, truth);
                prop_assert!(got.wrapping_sub(last) < 1 << 31);
                last = got;
            }
        }
    }

    #[test]
    fn classifies_new_reinjected_and_resent() {
        let mut m = SentMap::new(100);
        assert_eq!(m.record(1000, 2000, 0), split(1000, 0, 0, 0));
        assert_eq!(m.record(2000, 3000, 1), split(1000, 0, 0, 0));
        // The first subflow's data again on the second: a reinjection.
        assert_eq!(m.record(1500, 2000, 1), split(0, 500, 0, 0));
        // The second subflow's data again on the second: a plain retransmission.
        assert_eq!(m.record(2500, 3500, 1), split(500, 0, 500, 0));
        assert_eq!(m.first_sender(1999), Some(0));
        assert_eq!(m.first_sender(2000), Some(1));
        // Acknowledged data stays remembered (within the cap): sent again, it is classified.
        assert_eq!(m.record(1000, 2600, 0), split(0, 600, 1000, 0));
    }

    #[test]
    fn out_of_order_data_fills_holes() {
        let mut m = SentMap::new(100);
        // Subflow 1's segment is seen before subflow 0's, which comes first in DSN order.
        assert_eq!(m.record(2000, 3000, 1), split(1000, 0, 0, 0));
        assert_eq!(m.record(1000, 2000, 0), split(1000, 0, 0, 0));
        assert_eq!(m.record(4000, 5000, 0), split(1000, 0, 0, 0));
        // Straddling a hole: the hole is new, the rest a reinjection of subflow 1's data.
        assert_eq!(m.record(2500, 4500, 0), split(1000, 500, 500, 0));
        assert_eq!(m.first_sender(3500), Some(0));
        assert_eq!(m.first_sender(2999), Some(1));
    }

    #[test]
    fn memory_is_capped() {
        let mut m = SentMap::new(4);
        for i in 0..100u64 {
            // Alternating subflows: no two neighbours merge.
            m.record(i * 10, i * 10 + 10, u32::try_from(i % 2).unwrap());
        }
        assert_eq!(m.ranges.len(), 4);
        assert_eq!(m.highest(), Some(1000));
        assert_eq!(m.record(0, 10, 1), split(0, 0, 0, 10));
    }
}
