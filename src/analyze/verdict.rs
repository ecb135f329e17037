//! Plain-words findings about a connection's performance, from its report alone.
//!
//! The usual reason an aggregate is slower than the sum of its links is latency mismatch:
//! data sent on the slow path arrives late, the receiver must hold everything after it
//! (head-of-line blocking at the data level), and the fast path stalls. These rules say so
//! when the numbers show it, and say what to try.

use std::fmt::Write as _;

use super::report::{ConnectionReport, Reordering, Side, Stats, SubflowReport, Verdict};

/// RTT ratio between the slowest and fastest busy subflows that counts as a mismatch...
/// (2 was too high a bar: a 20 Mbit/s path with a 50 ms queue beside a 5 Mbit/s one with a
/// 400 ms queue measured 47 against 94 ms under cubic, with the receiver blocked throughout.)
const MISMATCH: f64 = 1.5;
/// ...when they also differ by this much: below it, reordering costs little anyway. Also
/// the p90 wait below which head-of-line blocking is not worth a word.
const MISMATCH_MS: f64 = 10.0;
/// Share of a direction's transfer time spent head-of-line blocked that deserves a word.
const BLOCKED_SHARE: f64 = 0.25;
/// A subflow carrying less than this share of a direction's bytes is not busy there.
const BUSY_SHARE: f64 = 0.05;

#[must_use]
pub fn verdicts(c: &ConnectionReport) -> Vec<Verdict> {
    let mut out = Vec::new();
    for side in [Side::Client, Side::Server] {
        if !latency_mismatch(c, side, &mut out) {
            head_of_line(c, side, &mut out);
        }
    }
    let reinjected = c.reinjected_bytes_client_to_server + c.reinjected_bytes_server_to_client;
    let data = c.data_bytes_client_to_server + c.data_bytes_server_to_client;
    #[allow(clippy::cast_precision_loss)]
    if data > 0 && reinjected as f64 > 0.02 * data as f64 {
        out.push(Verdict {
            kind: "reinjections",
            text: format!(
                "{:.1}% of the data was sent again on another subflow (reinjected): a path lost \
                 packets or stalled",
                100.0 * reinjected as f64 / data as f64
            ),
        });
    }
    for s in &c.subflows {
        let retrans = s.retransmissions_client_to_server + s.retransmissions_server_to_client;
        let packets = s.packets_client_to_server + s.packets_server_to_client;
        #[allow(clippy::cast_precision_loss)]
        if packets >= 100 && retrans as f64 > 0.05 * packets as f64 {
            out.push(Verdict {
                kind: "retransmissions",
                text: format!(
                    "subflow {} ({}) retransmitted {retrans} of {packets} segments: that path loses packets",
                    s.id, s.client_addr
                ),
            });
        }
    }
    if let Some(reason) = c.fallback_reason {
        out.push(Verdict {
            kind: "fallback",
            text: format!(
                "the connection fell back to plain TCP ({}): one path only",
                reason.replace('_', " ")
            ),
        });
    }
    out
}

fn rtt(s: &SubflowReport, side: Side) -> Option<Stats> {
    match side {
        Side::Client => s.rtt_client_to_server,
        Side::Server => s.rtt_server_to_client,
    }
}

fn bytes(s: &SubflowReport, side: Side) -> u64 {
    match side {
        Side::Client => s.bytes_client_to_server,
        Side::Server => s.bytes_server_to_client,
    }
}

/// What the verdicts need of one direction of data.
struct Direction<'a> {
    /// `client->server`, as the table names directions.
    name: &'static str,
    reordering: Option<&'a Reordering>,
    goodput_bps: Option<f64>,
    /// Seconds the transfer took at the goodput.
    transfer_s: Option<f64>,
}

impl<'a> Direction<'a> {
    fn of(c: &'a ConnectionReport, side: Side) -> Self {
        let (name, reordering, bytes, goodput_bps) = match side {
            Side::Client => (
                "client->server",
                c.reordering_client_to_server.as_ref(),
                c.data_bytes_client_to_server,
                c.goodput_client_to_server_bps,
            ),
            Side::Server => (
                "server->client",
                c.reordering_server_to_client.as_ref(),
                c.data_bytes_server_to_client,
                c.goodput_server_to_client_bps,
            ),
        };
        #[allow(clippy::cast_precision_loss)]
        let transfer_s = goodput_bps
            .filter(|&g| g > 0.0)
            .map(|g| bytes as f64 * 8.0 / g)
            .filter(|&t| t > 0.0);
        Direction {
            name,
            reordering,
            goodput_bps,
            transfer_s,
        }
    }

    /// Share of the transfer the receiver spent head-of-line blocked, in percent (a blocked
    /// stretch can outlast the transfer by the last RTT, hence the cap).
    fn blocked_pct(&self) -> Option<f64> {
        let r = self.reordering?;
        Some((100.0 * r.hol_blocked_s / self.transfer_s?).min(100.0))
    }

    /// What the receiver must hold to keep every path busy: data arriving at the goodput
    /// while the longest wait lasts.
    fn buffer_needed(&self) -> Option<String> {
        let wait = self.reordering?.wait?;
        let bytes = self.goodput_bps? / 8.0 * wait.max_ms / 1e3;
        Some(if bytes >= 1e6 {
            format!("{:.1} MB", bytes / 1e6)
        } else {
            format!("{:.0} kB", bytes / 1e3)
        })
    }

    /// How long data waited and what that cost, as a clause of a verdict.
    fn waiting(&self, waited_for: &str) -> Option<String> {
        let r = self.reordering?;
        let w = r.wait?;
        let mut text = format!(
            "data that arrived ahead waited a median of {:.1} ms (p90 {:.1} ms, max {:.1} ms) \
             for data on {waited_for}",
            w.median_ms, w.p90_ms, w.max_ms
        );
        if let Some(pct) = self.blocked_pct() {
            let _ = write!(
                text,
                "; the receiver held out-of-order data for {pct:.0}% of the transfer ({:.2} s)",
                r.hol_blocked_s
            );
        }
        if let Some(buffer) = self.buffer_needed() {
            let _ = write!(
                text,
                " and needs about {buffer} of receive buffer to keep every path busy (goodput \
                 x longest wait; see net.ipv4.tcp_rmem)"
            );
        }
        Some(text)
    }
}

/// Head-of-line blocking for a large share of the transfer, whatever its cause, when data
/// waited long enough to matter.
fn head_of_line(c: &ConnectionReport, side: Side, out: &mut Vec<Verdict>) {
    let d = Direction::of(c, side);
    let (Some(pct), Some(w)) = (d.blocked_pct(), d.reordering.and_then(|r| r.wait)) else {
        return;
    };
    if pct < 100.0 * BLOCKED_SHARE || w.p90_ms < MISMATCH_MS {
        return;
    }
    if let Some(waiting) = d.waiting("other subflows") {
        out.push(Verdict {
            kind: "head_of_line_blocking",
            text: format!("{}: {waiting}", d.name),
        });
    }
}

/// Two busy subflows whose RTTs differ by `MISMATCH` or more, with what it cost. Returns
/// whether it said so.
fn latency_mismatch(c: &ConnectionReport, side: Side, out: &mut Vec<Verdict>) -> bool {
    let total: u64 = c.subflows.iter().map(|s| bytes(s, side)).sum();
    #[allow(clippy::cast_precision_loss)]
    let busy: Vec<(&SubflowReport, Stats)> = c
        .subflows
        .iter()
        .filter(|s| total > 0 && bytes(s, side) as f64 >= BUSY_SHARE * total as f64)
        .filter_map(|s| rtt(s, side).map(|r| (s, r)))
        .collect();
    let (Some(fast), Some(slow)) = (
        busy.iter()
            .min_by(|a, b| a.1.median_ms.total_cmp(&b.1.median_ms)),
        busy.iter()
            .max_by(|a, b| a.1.median_ms.total_cmp(&b.1.median_ms)),
    ) else {
        return false;
    };
    if fast.0.id == slow.0.id || fast.1.median_ms <= 0.0 {
        return false;
    }
    let ratio = slow.1.median_ms / fast.1.median_ms;
    if ratio < MISMATCH || slow.1.median_ms - fast.1.median_ms < MISMATCH_MS {
        return false;
    }
    let d = Direction::of(c, side);
    let mut text = format!(
        "{}: subflow {} ({} -> {}) has {ratio:.1}x the RTT of subflow {} ({} -> {}), median \
         {:.1} ms against {:.1} ms",
        d.name,
        slow.0.id,
        slow.0.client_addr,
        slow.0.server_addr,
        fast.0.id,
        fast.0.client_addr,
        fast.0.server_addr,
        slow.1.median_ms,
        fast.1.median_ms
    );
    if let Some(waiting) = d.waiting("the slower path") {
        let _ = write!(text, "; {waiting}");
    }
    text.push_str(
        "; if the connection is slower than its fastest path alone, make the slow path a backup \
         (ip mptcp endpoint change id ID backup, on either host) or use a scheduler that \
         accounts for RTT",
    );
    out.push(Verdict {
        kind: "latency_mismatch",
        text,
    });
    true
}
