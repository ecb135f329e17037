//! `conns --watch`: throughput over each interval, from the kernel's own byte counters.
//!
//! Between two snapshots, a subflow's rates are the growth of its `tcp_info` counters
//! (`tcpi_bytes_sent`, `tcpi_bytes_acked`, `tcpi_bytes_received`: Linux 4.19+;
//! `tcpi_total_retrans`) over the time between the two dumps, and a connection's the growth
//! of its data-level `mptcp_info` counters (`mptcpi_bytes_*`, Linux 6.5+). Subflows are
//! matched by 4-tuple and socket cookie (`idiag_cookie`; subflows have no inode), connections
//! by 4-tuple, cookie and local token. A socket that was not in the previous snapshot, a
//! counter the kernel did not send, and a counter that went backwards all give null: never a
//! negative or made-up rate.
//!
//! On a terminal the table is redrawn in place; `--json` gives one snapshot per line.

use std::collections::HashMap;
use std::io::{self, Write};
use std::net::IpAddr;

use serde::Serialize;

use super::{Connection, ConnsReport, Subflow, addr_port};
use crate::kernel::sock_diag::TcpState;
use crate::output::{self, Render, Style};

/// One subflow's throughput over the last interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubflowRates {
    /// Seconds since the previous snapshot that had this subflow; null if none had it.
    pub interval: Option<f64>,
    /// Bits per second of payload sent, retransmissions included (`tcpi_bytes_sent`).
    pub sent_bps: Option<f64>,
    /// Bits per second of payload the peer acknowledged (`tcpi_bytes_acked`).
    pub acked_bps: Option<f64>,
    /// Bits per second of payload received (`tcpi_bytes_received`).
    pub received_bps: Option<f64>,
    /// This subflow's part of its connection's subflow throughput (acked plus received,
    /// over the subflows that have both), 0 to 1.
    pub share: Option<f64>,
    /// Segments retransmitted during the interval (`tcpi_total_retrans`).
    pub retransmits: Option<u64>,
}

/// One connection's throughput over the last interval, and how far apart its paths are.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConnectionRates {
    /// Seconds since the previous snapshot that had this connection; null if none had it.
    pub interval: Option<f64>,
    /// Data-level bits per second (`mptcpi_bytes_sent`, `_acked`, `_received`, Linux 6.5+):
    /// what the application's byte stream moved, without retransmissions or reinjections.
    pub sent_bps: Option<f64>,
    pub acked_bps: Option<f64>,
    pub received_bps: Option<f64>,
    /// Sum of the subflows' acked and received bits per second, over those that have both.
    pub subflows_bps: Option<f64>,
    /// Smoothed RTT of the fastest and the slowest established subflow, and their difference:
    /// data on the slow one arrives this much later, and the receiver holds what came after.
    pub rtt_min_ms: Option<f64>,
    pub rtt_max_ms: Option<f64>,
    pub rtt_spread_ms: Option<f64>,
}

/// What identifies a subflow from one snapshot to the next.
type SubflowKey = (IpAddr, u16, IpAddr, u16, u64);
/// ... and a connection.
type ConnKey = (IpAddr, u16, IpAddr, u16, u64, Option<u32>);

/// The counters a rate is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counters {
    sent: Option<u64>,
    acked: Option<u64>,
    received: Option<u64>,
    retrans: Option<u32>,
}

/// One snapshot's counters, by socket.
#[derive(Debug, Default)]
struct Sample {
    at: f64,
    subflows: HashMap<SubflowKey, Counters>,
    conns: HashMap<ConnKey, Counters>,
}

/// Keeps the previous snapshot's counters and fills in each new snapshot's rates.
#[derive(Debug, Default)]
pub struct Rates {
    prev: Option<Sample>,
}

impl Rates {
    /// Fills in the rates of `report`, a snapshot taken at `at` seconds on a monotonic
    /// clock, from the growth of its counters since the previous call.
    pub fn update(&mut self, report: &mut ConnsReport, at: f64) {
        let prev = self.prev.take();
        let mut next = Sample {
            at,
            ..Sample::default()
        };
        // Time since the previous snapshot, if the clock moved forward.
        let elapsed = prev.as_ref().map(|p| at - p.at).filter(|&d| d > 0.0);
        for c in &mut report.connections {
            for s in &mut c.subflows {
                let key = subflow_key(s);
                let now = Counters {
                    sent: s.bytes_sent,
                    acked: s.bytes_acked,
                    received: s.bytes_received,
                    retrans: s.total_retrans,
                };
                let before = prev.as_ref().and_then(|p| p.subflows.get(&key));
                s.rates = Some(subflow_rates(before, &now, elapsed));
                next.subflows.insert(key, now);
            }
            set_shares(&mut c.subflows);
            let key = conn_key(c);
            let now = Counters {
                sent: c.bytes_sent,
                acked: c.bytes_acked,
                received: c.bytes_received,
                retrans: None,
            };
            let before = prev.as_ref().and_then(|p| p.conns.get(&key));
            c.rates = Some(connection_rates(c, before, &now, elapsed));
            next.conns.insert(key, now);
        }
        self.prev = Some(next);
    }
}

fn subflow_key(s: &Subflow) -> SubflowKey {
    (
        s.local_addr.to_canonical(),
        s.local_port,
        s.remote_addr.to_canonical(),
        s.remote_port,
        s.cookie,
    )
}

fn conn_key(c: &Connection) -> ConnKey {
    (
        c.local_addr.to_canonical(),
        c.local_port,
        c.remote_addr.to_canonical(),
        c.remote_port,
        c.cookie,
        c.local_token.map(|t| t.0),
    )
}

/// Bits per second of a byte counter that went from `before` to `now` in `secs`: none when
/// either is unknown or the counter went backwards (a wrap or a reset looks the same).
fn rate(before: Option<u64>, now: Option<u64>, secs: f64) -> Option<f64> {
    let grown = now?.checked_sub(before?)?;
    #[allow(clippy::cast_precision_loss)]
    let bps = grown as f64 * 8.0 / secs;
    Some(bps)
}

fn subflow_rates(before: Option<&Counters>, now: &Counters, elapsed: Option<f64>) -> SubflowRates {
    let (Some(b), Some(secs)) = (before, elapsed) else {
        return SubflowRates {
            interval: None,
            sent_bps: None,
            acked_bps: None,
            received_bps: None,
            share: None,
            retransmits: None,
        };
    };
    SubflowRates {
        interval: Some(secs),
        sent_bps: rate(b.sent, now.sent, secs),
        acked_bps: rate(b.acked, now.acked, secs),
        received_bps: rate(b.received, now.received, secs),
        share: None,
        retransmits: now
            .retrans
            .zip(b.retrans)
            .and_then(|(n, b)| n.checked_sub(b))
            .map(u64::from),
    }
}

/// Acked plus received bits per second, when both are known.
fn both_ways(s: &Subflow) -> Option<f64> {
    let r = s.rates.as_ref()?;
    Some(r.acked_bps? + r.received_bps?)
}

fn set_shares(subflows: &mut [Subflow]) {
    let total: f64 = subflows.iter().filter_map(both_ways).sum();
    for s in subflows.iter_mut() {
        let share = both_ways(s).filter(|_| total > 0.0).map(|b| b / total);
        if let Some(r) = s.rates.as_mut() {
            r.share = share;
        }
    }
}

fn connection_rates(
    c: &Connection,
    before: Option<&Counters>,
    now: &Counters,
    elapsed: Option<f64>,
) -> ConnectionRates {
    let rtts: Vec<f64> = c
        .subflows
        .iter()
        .filter(|s| s.state == TcpState::Established)
        .filter_map(|s| s.rtt_ms)
        .collect();
    let rtt_min_ms = rtts.iter().copied().reduce(f64::min);
    let rtt_max_ms = rtts.iter().copied().reduce(f64::max);
    let rtt_spread_ms = rtt_max_ms
        .zip(rtt_min_ms)
        .filter(|_| rtts.len() > 1)
        .map(|(max, min)| max - min);
    let with_rates: Vec<f64> = c.subflows.iter().filter_map(both_ways).collect();
    let subflows_bps = (!with_rates.is_empty()).then(|| with_rates.iter().sum());
    let interval = before.and(elapsed);
    let data = |f: fn(&Counters) -> Option<u64>| {
        let (b, secs) = (before?, interval?);
        rate(f(b), f(now), secs)
    };
    ConnectionRates {
        interval,
        sent_bps: data(|c| c.sent),
        acked_bps: data(|c| c.acked),
        received_bps: data(|c| c.received),
        subflows_bps,
        rtt_min_ms,
        rtt_max_ms,
        rtt_spread_ms,
    }
}

/// One `--watch` record: the snapshot with its rates; rendered as the rates table.
#[derive(Debug, Clone, Serialize)]
pub struct Watch {
    #[serde(flatten)]
    pub report: ConnsReport,
    /// Seconds the rates cover, for the heading.
    #[serde(skip)]
    pub interval: Option<f64>,
}

const HEADERS: [&str; 12] = [
    "State",
    "Local Address:Port",
    "Peer Address:Port",
    "Token",
    "Send Mbit/s",
    "Recv Mbit/s",
    "Share",
    "RTT ms",
    "RTTvar ms",
    "Spread ms",
    "Cwnd",
    "Retrans",
];

fn mbps(bps: Option<f64>) -> String {
    bps.map_or_else(|| "-".to_owned(), |b| format!("{:.2}", b / 1e6))
}

fn ms(v: Option<f64>) -> String {
    v.map_or_else(String::new, |v| format!("{v:.1}"))
}

/// `HH:MM:SS UTC` of a time in seconds since the epoch.
fn clock(epoch: f64) -> String {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let s = epoch.max(0.0) as u64 % 86_400;
    format!("{:02}:{:02}:{:02} UTC", s / 3600, s / 60 % 60, s % 60)
}

impl Render for Watch {
    fn render(&self, w: &mut dyn Write, style: Style) -> io::Result<()> {
        let r = &self.report;
        let when = r.time.map(clock).unwrap_or_default();
        let over = self.interval.map_or_else(
            || "rates from the next sample on".to_owned(),
            |i| format!("rates over the last {i:.2} s"),
        );
        writeln!(
            w,
            "{}",
            style.strong(&format!(
                "{when}  {} MPTCP connection{}, {over}; Send counts what the peer acknowledged",
                r.connections.len(),
                if r.connections.len() == 1 { "" } else { "s" }
            ))
        )?;
        let mut t = output::table(&HEADERS);
        for c in &r.connections {
            let rates = c.rates.as_ref();
            // The data level when the kernel counts it (6.5+), the subflows' sum otherwise.
            let send = rates.and_then(|r| r.acked_bps);
            let recv = rates.and_then(|r| r.received_bps);
            t.add_row(vec![
                c.state.ss_name(),
                addr_port(c.local_addr, c.local_port, None),
                addr_port(c.remote_addr, c.remote_port, None),
                c.local_token.map(|t| t.to_string()).unwrap_or_default(),
                mbps(send),
                mbps(recv),
                String::new(),
                String::new(),
                String::new(),
                ms(rates.and_then(|r| r.rtt_spread_ms)),
                String::new(),
                String::new(),
            ]);
            for s in &c.subflows {
                let sr = s.rates.as_ref();
                let backup = if s.backup { " backup" } else { "" };
                t.add_row(vec![
                    format!("  └ {}{backup}", s.state.ss_name()),
                    addr_port(s.local_addr, s.local_port, s.dev.as_deref()),
                    addr_port(s.remote_addr, s.remote_port, None),
                    String::new(),
                    mbps(sr.and_then(|r| r.acked_bps)),
                    mbps(sr.and_then(|r| r.received_bps)),
                    sr.and_then(|r| r.share)
                        .map_or_else(|| "-".to_owned(), |v| format!("{:.0}%", v * 100.0)),
                    ms(s.rtt_ms),
                    ms(s.rttvar_ms),
                    String::new(),
                    s.cwnd.map(|c| c.to_string()).unwrap_or_default(),
                    sr.and_then(|r| r.retransmits)
                        .map_or_else(|| "-".to_owned(), |n| n.to_string()),
                ]);
            }
        }
        output::write_table(w, &t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::sock_diag::SubflowFlags;
    use crate::mptcp::types::Token;

    /// A subflow with only what rates need: addresses, cookie, counters, state and RTT.
    fn subflow(port: u16, cookie: u64, acked: u64, received: u64, rtt: f64) -> Subflow {
        Subflow {
            local_addr: IpAddr::from([10, 0, 1, 1]),
            local_port: port,
            remote_addr: IpAddr::from([10, 0, 1, 2]),
            remote_port: 5201,
            state: TcpState::Established,
            cookie,
            backup: false,
            dev: None,
            local_id: None,
            remote_id: None,
            flags: SubflowFlags(0),
            token_local: None,
            token_remote: None,
            map_seq: None,
            map_sfseq: None,
            ssn_offset: None,
            map_datalen: None,
            relwrite_seq: None,
            bytes_sent: Some(acked.saturating_add(1000)),
            bytes_received: Some(received),
            bytes_acked: Some(acked),
            bytes_retrans: None,
            rtt_ms: Some(rtt),
            rttvar_ms: Some(rtt / 4.0),
            min_rtt_ms: None,
            rto_ms: None,
            cwnd: Some(10),
            ssthresh: None,
            retrans: None,
            total_retrans: Some(0),
            lost: None,
            unacked: None,
            pmtu: None,
            snd_mss: None,
            rcv_mss: None,
            segs_out: None,
            segs_in: None,
            delivery_rate: None,
            snd_wnd: None,
            rcv_wnd: None,
            last_data_sent_ms: None,
            last_data_recv_ms: None,
            last_ack_recv_ms: None,
            rates: None,
        }
    }

    fn snapshot(subflows: Vec<Subflow>, data_acked: Option<u64>) -> ConnsReport {
        ConnsReport {
            time: None,
            connections: vec![Connection {
                state: TcpState::Established,
                local_addr: IpAddr::from([10, 0, 1, 1]),
                local_port: 40000,
                remote_addr: IpAddr::from([10, 0, 1, 2]),
                remote_port: 5201,
                local_token: Some(Token(0x1234_5678)),
                remote_token: None,
                remote_token_source: None,
                fallback: Some(false),
                recv_q: 0,
                send_q: 0,
                uid: 0,
                inode: 7,
                cookie: 99,
                bytes_sent: data_acked,
                bytes_received: data_acked.map(|_| 0),
                bytes_acked: data_acked,
                bytes_retrans: None,
                subflows,
                mptcp_info: None,
                rates: None,
            }],
            unlinked_subflows: Vec::new(),
        }
    }

    fn of(r: &ConnsReport, i: usize) -> &SubflowRates {
        r.connections[0].subflows[i].rates.as_ref().unwrap()
    }

    #[test]
    fn rates_are_counter_growth_over_time() {
        let mut tracker = Rates::default();
        let mut first = snapshot(
            vec![
                subflow(40000, 1, 1_000_000, 0, 10.0),
                subflow(40001, 2, 0, 0, 50.0),
            ],
            Some(1_000_000),
        );
        tracker.update(&mut first, 100.0);
        // Nothing to compare with yet: every rate is null, the RTT spread is known.
        assert_eq!(of(&first, 0).interval, None);
        assert_eq!(of(&first, 0).acked_bps, None);
        let c = first.connections[0].rates.as_ref().unwrap();
        assert_eq!((c.interval, c.acked_bps), (None, None));
        assert_eq!(c.rtt_spread_ms, Some(40.0));

        // Two seconds later: 3 MB more acked on the first subflow, 1 MB on the second.
        let mut second = snapshot(
            vec![
                subflow(40000, 1, 4_000_000, 0, 12.0),
                subflow(40001, 2, 1_000_000, 0, 52.0),
            ],
            Some(5_000_000),
        );
        second.connections[0].subflows[1].total_retrans = Some(3);
        tracker.update(&mut second, 102.0);
        let a = of(&second, 0);
        assert_eq!(a.interval, Some(2.0));
        assert_eq!(a.acked_bps, Some(3_000_000.0 * 8.0 / 2.0)); // 12 Mbit/s
        assert_eq!(a.sent_bps, Some(12_000_000.0));
        assert_eq!(a.received_bps, Some(0.0));
        assert_eq!(a.share, Some(0.75));
        assert_eq!(a.retransmits, Some(0));
        let b = of(&second, 1);
        assert_eq!((b.acked_bps, b.share), (Some(4_000_000.0), Some(0.25)));
        assert_eq!(b.retransmits, Some(3));
        let c = second.connections[0].rates.as_ref().unwrap();
        assert_eq!(c.interval, Some(2.0));
        assert_eq!(
            c.acked_bps,
            Some(16_000_000.0),
            "data level, from mptcp_info"
        );
        assert_eq!(c.subflows_bps, Some(16_000_000.0));
        assert_eq!((c.rtt_min_ms, c.rtt_max_ms), (Some(12.0), Some(52.0)));
        assert_eq!(c.rtt_spread_ms, Some(40.0));
    }

    #[test]
    fn a_counter_that_went_backwards_gives_null() {
        // The same socket (same cookie) whose counters are lower than before: a wrap or a
        // reset, which cannot be told apart, so no rate rather than a wrong one.
        let mut tracker = Rates::default();
        let mut first = snapshot(vec![subflow(40000, 1, u64::MAX - 10, 500, 10.0)], None);
        first.connections[0].subflows[0].total_retrans = Some(5);
        tracker.update(&mut first, 0.0);
        let mut second = snapshot(vec![subflow(40000, 1, 100, 1500, 10.0)], None);
        second.connections[0].subflows[0].total_retrans = Some(2);
        tracker.update(&mut second, 1.0);
        let r = of(&second, 0);
        assert_eq!(r.interval, Some(1.0));
        assert_eq!((r.acked_bps, r.sent_bps), (None, None));
        assert_eq!(r.retransmits, None);
        assert_eq!(
            r.received_bps,
            Some(8000.0),
            "the counter that grew still counts"
        );
        // A share needs both directions of this subflow.
        assert_eq!(r.share, None);
        // No data-level counters (kernels before 6.5): null, not zero.
        let c = second.connections[0].rates.as_ref().unwrap();
        assert_eq!((c.acked_bps, c.received_bps), (None, None));
    }

    #[test]
    fn a_new_subflow_or_a_new_socket_on_the_same_ports_has_no_rate_yet() {
        let mut tracker = Rates::default();
        let mut first = snapshot(vec![subflow(40000, 1, 5_000, 0, 10.0)], Some(5_000));
        tracker.update(&mut first, 0.0);
        // The old subflow closed, a new one opened on the same ports (new cookie) with
        // counters above the old ones, and a join appeared.
        let mut second = snapshot(
            vec![
                subflow(40000, 7, 9_000, 0, 10.0),
                subflow(40001, 8, 1_000, 0, 30.0),
            ],
            Some(15_000),
        );
        tracker.update(&mut second, 1.0);
        for i in [0, 1] {
            let r = of(&second, i);
            assert_eq!(
                (r.interval, r.acked_bps, r.share),
                (None, None, None),
                "subflow {i}"
            );
        }
        let c = second.connections[0].rates.as_ref().unwrap();
        assert_eq!(c.subflows_bps, None);
        assert_eq!(
            c.acked_bps,
            Some(80_000.0),
            "the connection itself is the same"
        );
        // The next sample has rates for both.
        let mut third = snapshot(
            vec![
                subflow(40000, 7, 10_000, 0, 10.0),
                subflow(40001, 8, 2_000, 0, 30.0),
            ],
            Some(17_000),
        );
        tracker.update(&mut third, 2.0);
        assert_eq!(of(&third, 0).acked_bps, Some(8_000.0));
        assert_eq!(of(&third, 1).acked_bps, Some(8_000.0));
    }

    #[test]
    fn a_clock_that_did_not_move_gives_no_rate() {
        let mut tracker = Rates::default();
        let mut a = snapshot(vec![subflow(40000, 1, 0, 0, 10.0)], None);
        tracker.update(&mut a, 5.0);
        let mut b = snapshot(vec![subflow(40000, 1, 1000, 0, 10.0)], None);
        tracker.update(&mut b, 5.0);
        assert_eq!(of(&b, 0).acked_bps, None);
    }

    #[test]
    fn table_shows_rates_and_spread() {
        let mut tracker = Rates::default();
        let mut a = snapshot(
            vec![subflow(40000, 1, 0, 0, 10.0), subflow(40001, 2, 0, 0, 50.0)],
            Some(0),
        );
        tracker.update(&mut a, 0.0);
        let mut b = snapshot(
            vec![
                subflow(40000, 1, 3_000_000, 0, 10.0),
                subflow(40001, 2, 1_000_000, 0, 50.0),
            ],
            Some(4_000_000),
        );
        b.time = Some(3_600.0 * 13.0 + 62.0);
        tracker.update(&mut b, 1.0);
        let mut buf = Vec::new();
        Watch {
            report: b,
            interval: Some(1.0),
        }
        .render(&mut buf, Style::default())
        .unwrap();
        let text = String::from_utf8(buf).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].starts_with("13:01:02 UTC  1 MPTCP connection, rates over the last 1.00 s")
        );
        assert!(lines[1].starts_with("State"));
        let conn: Vec<&str> = lines[2].split_whitespace().collect();
        assert_eq!(
            conn,
            [
                "ESTAB",
                "10.0.1.1:40000",
                "10.0.1.2:5201",
                "12345678",
                "32.00",
                "0.00",
                "40.0"
            ]
        );
        let sf: Vec<&str> = lines[3].split_whitespace().collect();
        assert_eq!(
            sf,
            [
                "└",
                "ESTAB",
                "10.0.1.1:40000",
                "10.0.1.2:5201",
                "24.00",
                "0.00",
                "75%",
                "10.0",
                "2.5",
                "10",
                "0"
            ]
        );
        assert!(text.lines().all(|l| !l.ends_with(' ')));
    }
}
