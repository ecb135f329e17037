//! Plain-words findings about a connection's performance, from its report alone.
//!
//! The usual reason an aggregate is slower than the sum of its links is latency mismatch:
//! data sent on the slow path arrives late, the receiver must hold everything after it
//! (head-of-line blocking at the data level), and the fast path stalls. These rules say so
//! when the numbers show it, and say what to try.

use std::fmt::Write as _;

use super::report::{ConnectionReport, Reordering, Side, Stats, SubflowReport, Verdict};

/// RTT ratio between the slowest and fastest busy subflows that counts as a mismatch...
const MISMATCH: f64 = 2.0;
/// ...when they also differ by this much: below it, reordering costs little anyway.
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

/// Head-of-line blocking for a large share of the transfer, whatever its cause.
fn head_of_line(c: &ConnectionReport, side: Side, out: &mut Vec<Verdict>) {
    let (who, reordering, bytes, goodput) = match side {
        Side::Client => (
            "client",
            &c.reordering_client_to_server,
            c.data_bytes_client_to_server,
            c.goodput_client_to_server_bps,
        ),
        Side::Server => (
            "server",
            &c.reordering_server_to_client,
            c.data_bytes_server_to_client,
            c.goodput_server_to_client_bps,
        ),
    };
    let (Some(r), Some(goodput)) = (reordering, goodput) else {
        return;
    };
    #[allow(clippy::cast_precision_loss)]
    let transfer_s = bytes as f64 * 8.0 / goodput;
    if let Some(w) = r.wait
        && transfer_s > 0.0
        && r.hol_blocked_s >= BLOCKED_SHARE * transfer_s
    {
        out.push(Verdict {
                kind: "head_of_line_blocking",
                text: format!(
                    "the {who}'s data: the receiver held data it could not deliver for {:.0}% of the transfer \
                     ({:.2} s); segments waited a median of {:.1} ms (p90 {:.1} ms) for data on other subflows",
                    (100.0 * r.hol_blocked_s / transfer_s).min(100.0),
                    r.hol_blocked_s,
                    w.median_ms,
                    w.p90_ms
                ),
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
    let (who, reordering) = match side {
        Side::Client => ("client", &c.reordering_client_to_server),
        Side::Server => ("server", &c.reordering_server_to_client),
    };
    let mut text = format!(
        "the {who}'s data: subflow {} ({}) has {ratio:.1}x the RTT of subflow {} ({}): median {:.1} ms against {:.1} ms",
        slow.0.id,
        slow.0.client_addr,
        fast.0.id,
        fast.0.client_addr,
        slow.1.median_ms,
        fast.1.median_ms
    );
    if let Some(Reordering {
        wait: Some(w),
        hol_blocked_s,
        ..
    }) = reordering
    {
        let _ = write!(
            text,
            "; data that arrived ahead waited a median of {:.1} ms (p90 {:.1} ms) for data on the slow path, \
             and the receiver was head-of-line blocked for {hol_blocked_s:.2} s",
            w.median_ms, w.p90_ms
        );
    }
    text.push_str(
        "; consider making the slow path a backup (ip mptcp endpoint change id ID backup) or a scheduler \
         that accounts for RTT",
    );
    out.push(Verdict {
        kind: "latency_mismatch",
        text,
    });
    true
}
