//! Crafted captures that pin down the performance figures: RTT from data and ACKs, the
//! reordering delay and head-of-line blocking at the data level, the verdicts, the series
//! buckets, the time-sequence points, and the plot drawn from them.
//!
//! Every time is set by hand (`c.t`), so each expected number follows from the scenario: a
//! segment's RTT is its subflow ACK's time minus its own, and a segment that arrived ahead
//! waits from its subflow ACK to the data ACK that covers it.

use crate::analyze::report::{ConnectionReport, SeqPoint};
use crate::mptcp::option::RemoveAddr;
use crate::plot;

use super::*;

/// `dsn + offset`, the data sequence number of the client's data at `offset`.
fn at(base: u64, offset: u64) -> u64 {
    base.wrapping_add(offset)
}

/// Client data on `p` at `ms` after T0: `len` bytes at data offset `offset`, subflow
/// sequence `ssn` (relative, 1 is the first byte).
#[allow(clippy::too_many_arguments)]
fn data(c: &mut Capture, p: &mut Path, ms: i64, base: u64, offset: u64, ssn: u32, len: u16) {
    c.t = T0 + ms * MS;
    c.send(
        p,
        true,
        ACK,
        &[dss(None, at(base, offset), ssn, len, None)],
        &vec![0x61; usize::from(len)],
    );
}

/// The server's ACK on `p` at `ms`, covering everything the client sent on `p`, with the
/// data ACK at data offset `acked`.
fn ack(c: &mut Capture, p: &mut Path, ms: i64, base: u64, acked: u64) {
    c.t = T0 + ms * MS;
    c.send(p, false, ACK, &[data_ack(at(base, acked))], &[]);
}

/// Subflow 1 is the slow path: it carries the first data of each round, subflow 0 the rest,
/// which arrives first and waits.
///
/// ```text
/// ms   subflow 1 (slow)            subflow 0 (fast)
/// 100  data   0..1000
/// 101                              data 1000..2000
/// 102                              data 2000..3000
/// 111                              ACK both, data ACK 0     -> both wait from 111
/// 151  ACK, data ACK 3000                                   -> waited 40 and 40 ms
/// 200  data 3000..4000
/// 201                              data 4000..5000
/// 211                              ACK, data ACK 3000       -> waits from 211
/// 231  ACK, data ACK 5000                                   -> waited 20 ms
/// 300                              data 5000..6000
/// 310                              ACK, data ACK 6000       -> in order
/// ```
fn slow_path_capture() -> (Capture, u64) {
    let (mut c, mut p0, mut p1, base) = two_subflows();
    data(&mut c, &mut p1, 100, base, 0, 1, 1000);
    data(&mut c, &mut p0, 101, base, 1000, 1, 1000);
    data(&mut c, &mut p0, 102, base, 2000, 1001, 1000);
    ack(&mut c, &mut p0, 111, base, 0);
    ack(&mut c, &mut p1, 151, base, 3000);
    data(&mut c, &mut p1, 200, base, 3000, 1001, 1000);
    data(&mut c, &mut p0, 201, base, 4000, 2001, 1000);
    ack(&mut c, &mut p0, 211, base, 3000);
    ack(&mut c, &mut p1, 231, base, 5000);
    data(&mut c, &mut p0, 300, base, 5000, 3001, 1000);
    ack(&mut c, &mut p0, 310, base, 6000);
    (c, base)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn reordering_delay_and_head_of_line_blocking_from_acks() {
    let (c, _) = slow_path_capture();
    let r = c.analyze(Limits::default());
    let conn = &r.connections[0];
    let ro = conn.reordering_client_to_server.as_ref().unwrap();
    // Three segments waited (40, 40, 20 ms); three did not: the slow path's two, each
    // delivered by the data ACK that came with its own subflow ACK, and the last one.
    assert_eq!((ro.segments_waited, ro.segments_in_order), (3, 3));
    let w = ro.wait.unwrap();
    assert_eq!(w.samples, 3);
    assert!(close(w.min_ms, 20.0) && close(w.max_ms, 40.0), "{w:?}");
    // The 2nd and 3rd of (20, 40, 40): 40 ms, exact for so few samples.
    assert!(close(w.median_ms, 40.0) && close(w.p90_ms, 40.0), "{w:?}");
    // Blocked 111..151 and 211..231.
    assert!(close(ro.hol_blocked_s, 0.060), "{}", ro.hol_blocked_s);
    // The other direction carried no data.
    assert!(conn.reordering_server_to_client.is_none());

    // RTT: subflow 0's segments 10, 9, 10, 10 ms; subflow 1's 51 and 31 ms.
    let rtt0 = conn.subflows[0].rtt_client_to_server.unwrap();
    let rtt1 = conn.subflows[1].rtt_client_to_server.unwrap();
    assert_eq!((rtt0.samples, rtt1.samples), (4, 2));
    assert!(
        close(rtt0.min_ms, 9.0) && close(rtt0.max_ms, 10.0),
        "{rtt0:?}"
    );
    assert!(close(rtt0.median_ms, 10.0), "{rtt0:?}");
    assert!(
        close(rtt1.min_ms, 31.0) && close(rtt1.max_ms, 51.0),
        "{rtt1:?}"
    );
    assert!(close(rtt1.median_ms, 31.0), "{rtt1:?}");

    // 6000 bytes of data from 100 to 300 ms: 240 kbit/s, every byte new.
    assert_eq!(conn.data_bytes_client_to_server, 6000);
    assert!(close(conn.goodput_client_to_server_bps.unwrap(), 240_000.0));
    assert!(close(conn.efficiency_client_to_server.unwrap(), 1.0));
}

#[test]
fn latency_mismatch_verdict_says_what_it_cost() {
    let (c, _) = slow_path_capture();
    let r = c.analyze(Limits::default());
    let conn = &r.connections[0];
    let kinds: Vec<&str> = conn.verdicts.iter().map(|v| v.kind).collect();
    // The mismatch explains the blocking, so the blocking is not a verdict of its own.
    assert_eq!(kinds, ["latency_mismatch"]);
    let text = &conn.verdicts[0].text;
    for part in [
        "client->server: subflow 1 (10.0.2.1 -> 10.0.1.2) has 3.1x the RTT of subflow 0 \
         (10.0.1.1 -> 10.0.1.2), median 31.0 ms against 10.0 ms",
        "waited a median of 40.0 ms (p90 40.0 ms, max 40.0 ms) for data on the slower path",
        // 0.06 s of the 0.2 s the 6000 bytes took at 240 kbit/s.
        "held out-of-order data for 30% of the transfer (0.06 s)",
        // 30 000 bytes/s for 40 ms.
        "about 1 kB of receive buffer",
        "ip mptcp endpoint change id ID backup",
    ] {
        assert!(text.contains(part), "{part:?} not in {text:?}");
    }
}

#[test]
fn head_of_line_blocking_without_a_slower_path() {
    // Subflow 1's segment is lost and resent 200 ms later: no RTT sample for it (Karn), so
    // no mismatch, but subflow 0's data waits at the receiver for 199 ms.
    let (mut c, mut p0, mut p1, base) = two_subflows();
    data(&mut c, &mut p1, 100, base, 0, 1, 1000);
    data(&mut c, &mut p0, 101, base, 1000, 1, 1000);
    ack(&mut c, &mut p0, 111, base, 0);
    p1.seq[0] = p1.seq[0].wrapping_sub(1000);
    data(&mut c, &mut p1, 300, base, 0, 1, 1000);
    ack(&mut c, &mut p1, 310, base, 2000);
    let r = c.analyze(Limits::default());
    let conn = &r.connections[0];
    let ro = conn.reordering_client_to_server.as_ref().unwrap();
    assert_eq!((ro.segments_waited, ro.segments_in_order), (1, 1));
    assert!(close(ro.wait.unwrap().max_ms, 199.0));
    assert!(close(ro.hol_blocked_s, 0.199));
    assert_eq!(conn.subflows[1].rtt_client_to_server, None);
    assert_eq!(conn.subflows[1].retransmissions_client_to_server, 1);
    let kinds: Vec<&str> = conn.verdicts.iter().map(|v| v.kind).collect();
    assert_eq!(kinds, ["head_of_line_blocking"]);
    let text = &conn.verdicts[0].text;
    // 2000 bytes from 100 to 300 ms (the resend is the last data): 0.2 s; blocked 0.199 s.
    assert!(
        text.starts_with(
            "client->server: data that arrived ahead waited a median of 199.0 ms (p90 \
             199.0 ms, max 199.0 ms) for data on other subflows; the receiver held \
             out-of-order data for 100% of the transfer (0.20 s)"
        ),
        "{text}"
    );
}

#[test]
fn a_data_ack_that_trails_is_no_reordering() {
    // All data on one subflow, the data ACK 80 ms behind the subflow ACK (a receiver that
    // sends it with its next segment): nothing was missing, nothing waited, no verdict.
    let (mut c, mut p0, _, base) = two_subflows();
    data(&mut c, &mut p0, 100, base, 0, 1, 1000);
    data(&mut c, &mut p0, 101, base, 1000, 1001, 1000);
    ack(&mut c, &mut p0, 111, base, 0);
    ack(&mut c, &mut p0, 191, base, 2000);
    let r = c.analyze(Limits::default());
    let conn = &r.connections[0];
    let ro = conn.reordering_client_to_server.as_ref().unwrap();
    assert_eq!((ro.segments_waited, ro.segments_in_order), (0, 2));
    assert_eq!(ro.wait, None);
    assert!(close(ro.hol_blocked_s, 0.0));
    assert!(conn.verdicts.is_empty(), "{:?}", conn.verdicts);
}

#[test]
fn short_waits_are_not_a_verdict() {
    // The shape of the slow path, every 4 ms: subflow 1 carries the first half of each
    // round, subflow 0's half waits 2 ms for it. Blocked half the time, but each wait is
    // short and the RTTs (1 and 3 ms) differ by less than 10 ms.
    let (mut c, mut p0, mut p1, base) = two_subflows();
    for round in 0..20u16 {
        let t = 100 + 4 * i64::from(round);
        let off = 2000 * u64::from(round);
        let ssn = 1 + 1000 * u32::from(round);
        data(&mut c, &mut p1, t, base, off, ssn, 1000);
        data(&mut c, &mut p0, t, base, off + 1000, ssn, 1000);
        ack(&mut c, &mut p0, t + 1, base, off);
        ack(&mut c, &mut p1, t + 3, base, off + 2000);
    }
    let r = c.analyze(Limits::default());
    let conn = &r.connections[0];
    let ro = conn.reordering_client_to_server.as_ref().unwrap();
    assert_eq!(ro.segments_waited, 20);
    assert!(close(ro.wait.unwrap().max_ms, 2.0));
    assert!(close(ro.hol_blocked_s, 0.040));
    // 40 000 bytes from 100 to 176 ms: blocked for more than half of the transfer.
    assert!(close(
        conn.goodput_client_to_server_bps.unwrap(),
        40_000.0 * 8.0 / 0.076
    ));
    assert!(conn.verdicts.is_empty(), "{:?}", conn.verdicts);
}

#[test]
fn series_buckets_widen_to_fit_and_keep_their_sums() {
    let (c, _) = slow_path_capture();
    let r = c.analyze_with(Analyzer::default().with_series_buckets(8));
    // 310 ms of capture in at most 8 buckets: 1 ms doubled to 64 ms (5 buckets).
    let series = r.connections[0].series.as_ref().unwrap();
    assert!(close(series.interval, 0.064), "{}", series.interval);
    assert_eq!(series.data_bytes_client_to_server.len(), 5);
    // Bucket 1 (64..128 ms) has round 1, bucket 3 (192..256 ms) round 2, bucket 4 the rest.
    assert_eq!(series.data_bytes_client_to_server, [0, 3000, 0, 2000, 1000]);
    assert_eq!(
        series.subflows[0].bytes_client_to_server,
        [0, 2000, 0, 1000, 1000]
    );
    assert_eq!(
        series.subflows[1].bytes_client_to_server,
        [0, 1000, 0, 1000, 0]
    );
    // Mean RTT per bucket: subflow 0's (10 + 9) / 2 in bucket 1, subflow 1's 51 ms in
    // bucket 2 (its ACK came at 151 ms).
    let rtt0 = &series.subflows[0].rtt_ms_client_to_server;
    assert!(close(rtt0[1].unwrap(), 9.5), "{rtt0:?}");
    assert_eq!(series.subflows[1].rtt_ms_client_to_server[2], Some(51.0));
    assert_eq!(series.subflows[1].rtt_ms_client_to_server[0], None);
}

/// Every bucket a report holds: per connection, its two data series and six per subflow.
fn series_cells(r: &Report) -> usize {
    r.connections
        .iter()
        .filter_map(|c| c.series.as_ref())
        .map(|s| {
            s.data_bytes_client_to_server.len()
                + s.data_bytes_server_to_client.len()
                + s.subflows
                    .iter()
                    .map(|f| {
                        f.bytes_client_to_server.len()
                            + f.bytes_server_to_client.len()
                            + f.rtt_ms_client_to_server.len()
                            + f.rtt_ms_server_to_client.len()
                    })
                    .sum::<usize>()
        })
        .sum()
}

/// 1 ms buckets over 100 s for 500 connections would be 500 × 6 series of 100 000 buckets
/// (a 300 KB capture taking gigabytes): the buckets widen instead, and the report says so.
#[test]
fn fine_buckets_over_many_connections_widen_to_stay_bounded() {
    let mut c = Capture::new();
    let mut paths: Vec<Path> = (0..500u16)
        .map(|i| {
            let [hi, lo] = i.to_be_bytes();
            Path::new(&format!("10.1.{hi}.{lo}:40000"), "10.0.0.2:80", 1, 1000)
        })
        .collect();
    for p in &mut paths {
        c.send(p, true, SYN, &[mpc(Version::V1, 0x01, None, None)], &[]);
    }
    c.t = T0 + 100_000 * MS;
    for p in &mut paths {
        c.send(p, true, ACK, &[dss(None, 1, 1, 10, None)], &[0x61; 10]);
    }
    let r = c.analyze_with(Analyzer::default().with_series(1_000_000));
    let cells = series_cells(&r);
    assert!(cells > 0 && cells <= 4_000_000, "{cells} buckets");
    let interval = r.connections[0].series.as_ref().unwrap().interval;
    // 500 × 2 + 500 × 6 = 4000 series share 4 000 000 buckets: 1000 each, so 100 s need
    // buckets of at least 100 ms: 1 ms doubled to 128 ms.
    assert!(close(interval, 0.128), "{interval}");
    let widened: Vec<_> = r
        .anomalies
        .iter()
        .filter(|a| a.kind == "series_widened")
        .collect();
    assert_eq!(widened.len(), 1);
    assert!(
        widened[0]
            .detail
            .starts_with("series buckets of 0.001 s widened to 0.128 s")
    );
    // The bytes are all there, whatever the width.
    let total: u64 = r
        .connections
        .iter()
        .filter_map(|c| c.series.as_ref())
        .map(|s| s.data_bytes_client_to_server.iter().sum::<u64>())
        .sum();
    assert_eq!(total, 500 * 10);
}

#[test]
fn fine_buckets_over_one_connection_stay_as_asked() {
    let (c, _) = slow_path_capture();
    let r = c.analyze_with(Analyzer::default().with_series(1_000_000));
    let series = r.connections[0].series.as_ref().unwrap();
    assert!(close(series.interval, 0.001), "{}", series.interval);
    assert!(r.anomalies.iter().all(|a| a.kind != "series_widened"));
}

/// Data on both subflows, the first 1000 bytes reinjected on subflow 1 and resent on
/// subflow 0, with data ACKs.
fn resent_and_reinjected() -> ConnectionReport {
    let (mut c, mut p0, mut p1, base) = two_subflows();
    data(&mut c, &mut p0, 100, base, 0, 1, 1000);
    data(&mut c, &mut p0, 101, base, 1000, 1001, 500);
    data(&mut c, &mut p1, 150, base, 0, 1, 1000); // reinjected
    p0.seq[0] = p0.seq[0].wrapping_sub(1500);
    data(&mut c, &mut p0, 160, base, 0, 1, 1000); // resent
    ack(&mut c, &mut p1, 170, base, 1500);
    let r = c.analyze_with(Analyzer::default().with_points());
    r.connections.into_iter().next().unwrap()
}

#[test]
fn time_sequence_points_tell_new_reinjected_and_resent_data() {
    let conn = resent_and_reinjected();
    let kinds: Vec<(&str, u64, u32, usize)> = conn.points[0]
        .iter()
        .map(|p: &SeqPoint| (p.kind, p.offset, p.len, p.subflow))
        .collect();
    assert_eq!(
        kinds,
        [
            ("new", 0, 1000, 0),
            ("new", 1000, 500, 0),
            ("reinjected", 0, 1000, 1),
            ("resent", 0, 1000, 0),
            ("data_ack", 1500, 0, 1),
        ]
    );
    assert!(close(conn.points[0][2].time, 0.150));
    assert!(conn.points[1].is_empty(), "the server sent no data");
}

/// `#1F77B4`, as the SVG backend writes a colour.
fn hex(c: plotters::style::RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

#[test]
fn plot_marks_resends_reinjections_and_events() {
    let (mut c, mut p0, mut p1, base) = two_subflows();
    data(&mut c, &mut p0, 100, base, 0, 1, 1000);
    data(&mut c, &mut p1, 101, base, 1000, 1, 1000);
    data(&mut c, &mut p1, 102, base, 0, 1001, 1000); // reinjected on subflow 1
    c.t = T0 + 200 * MS;
    c.send(
        &mut p1,
        true,
        ACK,
        &[MptcpOption::MpPrio(MpPrio {
            backup: true,
            addr_id: None,
        })],
        &[],
    );
    c.t = T0 + 300 * MS;
    c.send(
        &mut p0,
        false,
        ACK,
        &[MptcpOption::RemoveAddr(RemoveAddr { addr_ids: &[3] })],
        &[],
    );
    ack(&mut c, &mut p1, 400, base, 2000);
    let r = c.analyze_with(Analyzer::default().with_points().with_series_buckets(50));
    let svg = plot::connection_svg(&r.connections[0]).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    let texts: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(|t| t.trim().to_owned()))
        .collect();
    for label in [
        "MP_PRIO backup sf 1",
        "REMOVE_ADDR 3",
        "reinjected (sent again on another subflow)",
    ] {
        assert!(texts.iter().any(|t| t == label), "{label} in {texts:?}");
    }
    assert!(
        !texts
            .iter()
            .any(|t| t == "retransmitted on the same subflow")
    );
    // The reinjection is a cross: two lines in subflow 1's colour (the legend's is grey).
    let orange = hex(plot::subflow_color(1));
    let crosses = doc
        .descendants()
        .filter(|n| n.has_tag_name("line") && n.attribute("stroke") == Some(&orange))
        .count();
    assert_eq!(crosses, 2);
    // Subflow 0: its one new segment, its legend key, and one RTT sample (the segment that
    // carried REMOVE_ADDR acknowledged its data).
    let dots = doc
        .descendants()
        .filter(|n| {
            n.has_tag_name("circle") && n.attribute("fill") == Some(&hex(plot::subflow_color(0)))
        })
        .count();
    assert_eq!(dots, 3);
}
