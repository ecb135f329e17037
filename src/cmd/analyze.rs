//! `analyze FILE|-`: rebuild the MPTCP connections of a capture, say what happened, check them.
//!
//! One pass over the capture with [`Analyzer`]; the report is printed at the end: one block
//! per connection (tokens, keys, version, state; its subflows with their share of the bytes;
//! events; anomalies), or one JSON document with `--json`.

use std::io::{self, Write};
use std::ops::ControlFlow;
use std::path::PathBuf;

use anyhow::Context;

use crate::analyze::report::{
    Anomaly, ConnectionReport, Counts, EventKind, Report, SeriesReport, Side, SubflowReport,
};
use crate::analyze::{Analyzer, Limits};
use crate::capture::{self, CaptureError};
use crate::cmd::Status;
use crate::output::{self, Output, Render, Style};
use crate::plot;

pub const EXAMPLES: &str = "Examples:
  mptcpstat analyze testdata/pcap/v1-failover.pcap
  mptcpstat analyze --json capture.pcapng | jq '.connections[] | {server_token, subflows: [.subflows[].share]}'
  mptcpstat analyze --interval 0.5 capture.pcap
  mptcpstat analyze capture.pcap --plot conn.svg --connection 0
  tcpdump -i any -w - 'tcp port 5201' | mptcpstat analyze -";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Capture file (pcap or pcapng), or - for standard input.
    #[arg(value_name = "FILE|-")]
    pub file: PathBuf,

    /// Also report bytes and RTT per time bucket of SECS seconds (`series` in JSON). Where
    /// the capture's subflows would need millions of buckets, they widen (a `series_widened`
    /// anomaly says to what).
    #[arg(long, value_name = "SECS", value_parser = parse_interval)]
    pub interval: Option<f64>,

    /// Draw one connection as an SVG file: its data-level time-sequence graph, throughput and
    /// RTT per subflow over time, with failover and address events marked.
    #[arg(long, value_name = "OUT.svg")]
    pub plot: Option<PathBuf>,

    /// The connection to plot, by its number in the report (default: the one with the most data).
    #[arg(long, value_name = "ID", requires = "plot")]
    pub connection: Option<usize>,

    /// Most connections to track; later ones are counted, not analyzed.
    #[arg(long, default_value_t = Limits::default().connections, value_name = "N")]
    pub max_connections: usize,
}

/// Buckets of a plot's throughput and RTT lines when no `--interval` was given: the width
/// doubles from 1 ms until the capture fits in this many (so 100 to 200 of them).
const PLOT_BUCKETS: usize = 200;

fn parse_interval(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v >= 0.001 && v.is_finite() => Ok(v),
        _ => Err("expected seconds, at least 0.001 (1 ms)".to_owned()),
    }
}

pub fn run(args: &Args, out: &mut Output<'_>) -> anyhow::Result<Status> {
    if let Some(path) = &args.plot
        && !path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("svg"))
    {
        anyhow::bail!(
            "--plot {}: only SVG is drawn; name the file .svg (convert it with `rsvg-convert -o plot.png plot.svg`)",
            path.display()
        );
    }
    let input = capture::open_input(&args.file)
        .with_context(|| format!("cannot open {}", args.file.display()))?;
    let limits = Limits {
        connections: args.max_connections,
        flows: args
            .max_connections
            .saturating_mul(2)
            .max(Limits::default().flows),
        ..Limits::default()
    };
    let mut analyzer = Analyzer::new(limits);
    if let Some(secs) = args.interval {
        #[allow(clippy::cast_possible_truncation)] // at least 1 ms, at most years
        let ns = (secs * 1e9).round() as i64;
        analyzer = analyzer.with_series(ns);
    } else if args.plot.is_some() {
        analyzer = analyzer.with_series_buckets(PLOT_BUCKETS);
    }
    if args.plot.is_some() {
        analyzer = analyzer.with_points();
    }
    let reading = || format!("reading {}", args.file.display());
    // A capture corrupt after some frames: the report of those, then the error.
    let (mut report, corrupt) = analyze(input, analyzer, out).with_context(reading)?;
    if let Some(path) = &args.plot {
        let c = pick_connection(&report, args.connection)?;
        let svg = plot::connection_svg(c)?;
        std::fs::write(path, svg).with_context(|| format!("writing {}", path.display()))?;
        if args.interval.is_none() {
            // Buckets chosen for the picture are not what the table was asked to show.
            for c in &mut report.connections {
                c.series = None;
            }
        }
    }
    out.report(&report)?;
    match corrupt {
        Some(e) => Err(anyhow::Error::new(e).context(reading())),
        None => Ok(Status::Ok),
    }
}

/// The connection `--connection` names, or the one that carried the most data.
fn pick_connection(report: &Report, id: Option<usize>) -> anyhow::Result<&ConnectionReport> {
    let conns = &report.connections;
    match id {
        Some(id) => conns
            .iter()
            .find(|c| c.id == id)
            .with_context(|| match conns.len() {
                0 => format!("--connection {id}: the capture has no MPTCP connection to plot"),
                1 => format!(
                    "--connection {id}: no such connection; the capture has only connection 0"
                ),
                n => format!(
                    "--connection {id}: no such connection; the capture has connections 0 to {}",
                    n - 1
                ),
            }),
        None => conns
            .iter()
            .max_by_key(|c| {
                (
                    c.data_bytes_client_to_server + c.data_bytes_server_to_client,
                    c.bytes_client_to_server + c.bytes_server_to_client,
                    std::cmp::Reverse(c.id),
                )
            })
            .context("nothing to plot: the capture has no MPTCP connection"),
    }
}

/// Reads a whole capture into a report; progress goes to stderr when it is a terminal.
///
/// A capture that turns out corrupt after its start gives the report of the frames before
/// the corruption, with the error beside it; input that is no capture is an error alone.
pub fn analyze(
    input: impl io::Read,
    mut analyzer: Analyzer,
    out: &mut Output<'_>,
) -> anyhow::Result<(Report, Option<CaptureError>)> {
    let mut seen = 0u64;
    let summary = capture::read_capture(input, |event| {
        analyzer.feed(&event);
        seen += 1;
        if seen.is_multiple_of(1 << 20) {
            out.progress(&format!("{seen} frames read"));
        }
        ControlFlow::Continue(())
    });
    out.progress_done();
    match summary {
        Ok(summary) => Ok((analyzer.finish(summary.frames), None)),
        // Frames read: all before the one that could not be.
        Err(e @ CaptureError::Corrupt { frame, .. }) => Ok((analyzer.finish(frame), Some(e))),
        Err(e @ CaptureError::RecordTooLarge { frame, .. }) => {
            Ok((analyzer.finish(frame.saturating_sub(1)), Some(e)))
        }
        Err(e) => Err(e.into()),
    }
}

impl Render for Report {
    fn render(&self, w: &mut dyn Write, style: Style) -> io::Result<()> {
        writeln!(
            w,
            "{} frames, {} TCP segments ({} with MPTCP options), {:.3} s; {} MPTCP connection{}, {} plain TCP",
            self.packets,
            self.tcp_segments,
            self.mptcp_segments,
            self.duration,
            self.connections.len(),
            plural(self.connections.len()),
            self.plain_tcp_connections
        )?;
        for c in &self.connections {
            writeln!(w)?;
            render_connection(c, w, style)?;
        }
        if !self.unlinked_subflows.is_empty() {
            writeln!(w)?;
            writeln!(
                w,
                "{}",
                style.strong("Subflows seen without their handshake, in no known connection")
            )?;
            subflow_table(&self.unlinked_subflows, w)?;
        }
        if !self.anomalies.is_empty() {
            writeln!(w)?;
            writeln!(w, "{}", style.strong("Capture anomalies"))?;
            anomaly_lines(&self.anomalies, w, style)?;
        }
        Ok(())
    }
}

fn render_connection(c: &ConnectionReport, w: &mut dyn Write, style: Style) -> io::Result<()> {
    let version = c
        .version
        .map_or_else(|| "v?".to_owned(), |v| format!("v{v}"));
    let head = format!(
        "Connection {}  MPTCP {version}  {} -> {}  {}",
        c.id,
        endpoint(&c.client_addr.to_string(), c.client_port),
        endpoint(&c.server_addr.to_string(), c.server_port),
        c.state
    );
    writeln!(w, "{}", style.strong(&head))?;
    let hex = |v: Option<String>| v.unwrap_or_else(|| "-".into());
    writeln!(
        w,
        "  client token {}  key {}    server token {}  key {}",
        hex(c.client_token.map(|t| t.to_string())),
        hex(c.client_key.map(|k| k.to_string())),
        hex(c.server_token.map(|t| t.to_string())),
        hex(c.server_key.map(|k| k.to_string())),
    )?;
    if let Some(reason) = c.fallback_reason {
        writeln!(
            w,
            "  {}",
            style.warn(&format!("fell back to TCP: {}", reason.replace('_', " ")))
        )?;
    }
    writeln!(
        w,
        "  data {} client->server, {} server->client; subflow payload {} / {}; reinjected {} / {}",
        bytes(c.data_bytes_client_to_server),
        bytes(c.data_bytes_server_to_client),
        bytes(c.bytes_client_to_server),
        bytes(c.bytes_server_to_client),
        bytes(c.reinjected_bytes_client_to_server),
        bytes(c.reinjected_bytes_server_to_client),
    )?;
    let v = &c.validation;
    writeln!(
        w,
        "  checks: join HMAC {}; ADD_ADDR HMAC {}; DSS checksum {}",
        counts(&v.join_hmac),
        counts(&v.add_addr_hmac),
        if c.checksums {
            counts(&v.dss_checksum)
        } else {
            "not negotiated".into()
        }
    )?;
    performance_lines(c, w)?;
    for v in &c.verdicts {
        writeln!(w, "  {} {}", style.warn("verdict:"), v.text)?;
    }
    subflow_table(&c.subflows, w)?;
    if let Some(series) = &c.series {
        series_table(series, c, w)?;
    }
    if !c.events.is_empty() {
        writeln!(w, "  Events")?;
        for e in &c.events {
            writeln!(w, "    {:>10.6}  {}", e.time, describe(&e.what))?;
        }
    }
    if !c.anomalies.is_empty() {
        writeln!(w, "  Anomalies")?;
        anomaly_lines(&c.anomalies, w, style)?;
    }
    Ok(())
}

/// Goodput, efficiency and head-of-line blocking of each direction that carried data.
fn performance_lines(c: &ConnectionReport, w: &mut dyn Write) -> io::Result<()> {
    use std::fmt::Write as _;
    for (who, goodput, efficiency, reordering) in [
        (
            "client->server",
            c.goodput_client_to_server_bps,
            c.efficiency_client_to_server,
            &c.reordering_client_to_server,
        ),
        (
            "server->client",
            c.goodput_server_to_client_bps,
            c.efficiency_server_to_client,
            &c.reordering_server_to_client,
        ),
    ] {
        let Some(goodput) = goodput else { continue };
        let mut line = format!("  {who}: goodput {}", rate(goodput));
        if let Some(e) = efficiency {
            let _ = write!(line, " ({:.1}% of subflow bytes were new data)", e * 100.0);
        }
        if let Some(r) = reordering {
            let total = r.segments_in_order + r.segments_waited;
            let _ = write!(
                line,
                "; {} of {total} segments waited for data on other subflows",
                r.segments_waited
            );
            if let Some(wait) = r.wait {
                let _ = write!(
                    line,
                    " (median {:.1} ms, p90 {:.1} ms, max {:.1} ms), head-of-line blocked {:.2} s",
                    wait.median_ms, wait.p90_ms, wait.max_ms, r.hol_blocked_s
                );
            }
        }
        writeln!(w, "{line}")?;
    }
    Ok(())
}

/// The subflows: where, what kind, how much, how fast. Rate and RTT are those of the
/// direction that carried more (RTT from data and ACKs; the handshake's when there was none).
fn subflow_table(subflows: &[SubflowReport], w: &mut dyn Write) -> io::Result<()> {
    let mut t = output::table(&[
        "  Sf", "Client", "Server", "Kind", "IDs", "Backup", "State", "First", "Last", "C->S",
        "S->C", "Share", "Rate", "RTT ms", "Retrans",
    ]);
    for s in subflows {
        let ids = format!(
            "{}/{}",
            s.client_addr_id.map_or("-".into(), |i| i.to_string()),
            s.server_addr_id.map_or("-".into(), |i| i.to_string())
        );
        let kind = match (s.join, s.handshake) {
            (false, true) => "initial",
            (true, true) => "join",
            (_, false) => "midstream",
        };
        t.add_row(vec![
            format!("  {}", s.id),
            endpoint(&s.client_addr.to_string(), s.client_port),
            endpoint(&s.server_addr.to_string(), s.server_port),
            kind.to_owned(),
            ids,
            if s.backup { "yes" } else { "no" }.to_owned(),
            s.state.to_owned(),
            format!("{:.3}", s.first_seen),
            format!("{:.3}", s.last_seen),
            bytes(s.bytes_client_to_server),
            bytes(s.bytes_server_to_client),
            format!("{:.1}%", s.share * 100.0),
            busier(
                s,
                s.throughput_client_to_server_bps,
                s.throughput_server_to_client_bps,
            )
            .map_or("-".into(), rate),
            busier(s, s.rtt_client_to_server, s.rtt_server_to_client)
                .map(|r| r.median_ms)
                .or(s.handshake_rtt_ms)
                .map_or("-".into(), |r| format!("{r:.3}")),
            (s.retransmissions_client_to_server + s.retransmissions_server_to_client).to_string(),
        ]);
    }
    output::write_table(w, &t)
}

/// Of two per-direction values, the one of the direction that carried more bytes.
fn busier<T>(
    s: &SubflowReport,
    client_to_server: Option<T>,
    server_to_client: Option<T>,
) -> Option<T> {
    if s.bytes_client_to_server >= s.bytes_server_to_client {
        client_to_server.or(server_to_client)
    } else {
        server_to_client.or(client_to_server)
    }
}

/// Throughput and RTT per bucket, for each direction that carried data.
fn series_table(series: &SeriesReport, c: &ConnectionReport, w: &mut dyn Write) -> io::Result<()> {
    let directions = [
        (
            "client->server",
            &series.data_bytes_client_to_server,
            c.data_bytes_client_to_server > 0 || c.bytes_client_to_server > 0,
        ),
        (
            "server->client",
            &series.data_bytes_server_to_client,
            c.data_bytes_server_to_client > 0 || c.bytes_server_to_client > 0,
        ),
    ];
    for (i, (who, data, used)) in directions.into_iter().enumerate() {
        if !used {
            continue;
        }
        writeln!(
            w,
            "  {who} per {} s (rates in Mbit/s, RTT in ms)",
            series.interval
        )?;
        let mut headers = vec!["  Time".to_owned()];
        for s in &series.subflows {
            headers.push(format!("Sf {} rate", s.id));
            headers.push(format!("Sf {} RTT", s.id));
        }
        headers.push("Data rate".to_owned());
        let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
        let mut t = output::table(&headers);
        #[allow(clippy::cast_precision_loss)]
        let mbps = |b: u64| format!("{:.2}", b as f64 * 8.0 / series.interval / 1e6);
        for (bin, data_bytes) in data.iter().enumerate() {
            #[allow(clippy::cast_precision_loss)]
            let mut row = vec![format!("  {:.3}", bin as f64 * series.interval)];
            for s in &series.subflows {
                let (bytes, rtt) = if i == 0 {
                    (&s.bytes_client_to_server, &s.rtt_ms_client_to_server)
                } else {
                    (&s.bytes_server_to_client, &s.rtt_ms_server_to_client)
                };
                row.push(mbps(bytes[bin]));
                row.push(rtt[bin].map_or("-".into(), |r| format!("{r:.1}")));
            }
            row.push(mbps(*data_bytes));
            t.add_row(row);
        }
        output::write_table(w, &t)?;
    }
    Ok(())
}

fn anomaly_lines(anomalies: &[Anomaly], w: &mut dyn Write, style: Style) -> io::Result<()> {
    for a in anomalies {
        let at = match (a.frame, a.time) {
            (Some(f), Some(t)) => format!("frame {f} at {t:.6}: "),
            (Some(f), None) => format!("frame {f}: "),
            _ => String::new(),
        };
        writeln!(w, "    {} {at}{}", style.bad(a.kind), a.detail)?;
    }
    Ok(())
}

/// One line for an event, in words.
#[allow(clippy::too_many_lines)] // one arm per kind of event
fn describe(e: &EventKind) -> String {
    let side = |s: &Side| match s {
        Side::Client => "client",
        Side::Server => "server",
    };
    match e {
        EventKind::Established { subflow } => format!("established on subflow {subflow}"),
        EventKind::Join {
            subflow,
            by,
            addr_id,
            backup,
        } => format!(
            "{} joins subflow {subflow} (address ID {addr_id}{})",
            side(by),
            if *backup { ", backup" } else { "" }
        ),
        EventKind::JoinEstablished { subflow } => format!("subflow {subflow} established"),
        EventKind::AddAddr {
            by,
            addr_id,
            addr,
            port,
            echo,
            hmac,
        } => format!(
            "{} {} address ID {addr_id} {}{}{}",
            side(by),
            if *echo { "echoes" } else { "announces" },
            addr,
            port.map_or(String::new(), |p| format!(" port {p}")),
            hmac.map_or(String::new(), |h| format!(
                " (HMAC {})",
                h.replace('_', " ")
            ))
        ),
        EventKind::RemoveAddr { by, addr_ids } => {
            format!("{} removes address ID {addr_ids:?}", side(by))
        }
        EventKind::MpPrio {
            subflow,
            by,
            backup,
            addr_id,
        } => format!(
            "{} sets {} {} backup",
            side(by),
            addr_id.map_or(format!("subflow {subflow}"), |id| format!(
                "address ID {id}"
            )),
            if *backup { "to" } else { "off" }
        ),
        EventKind::Fallback { subflow, reason } => {
            format!(
                "falls back to TCP on subflow {subflow}: {}",
                reason.replace('_', " ")
            )
        }
        EventKind::MpFail { subflow, by, dsn } => format!(
            "{} sends MP_FAIL on subflow {subflow} at DSN {dsn}",
            side(by)
        ),
        EventKind::Fastclose { subflow, by } => format!(
            "{} fast-closes the connection (on subflow {subflow})",
            side(by)
        ),
        EventKind::MpTcprst {
            subflow,
            by,
            reason,
            reason_name,
            transient,
        } => format!(
            "{} resets subflow {subflow}: reason {reason}{}{}",
            side(by),
            reason_name.map_or(String::new(), |n| format!(" ({})", n.replace('_', " "))),
            if *transient { ", transient" } else { "" }
        ),
        EventKind::DataFin { subflow, by, dsn } => format!(
            "{} sends DATA_FIN (DSN {dsn}) on subflow {subflow}",
            side(by)
        ),
        EventKind::SubflowFin { subflow, by } => {
            format!("{} closes subflow {subflow} (FIN)", side(by))
        }
        EventKind::SubflowReset { subflow, by } => {
            format!("{} resets subflow {subflow} (RST)", side(by))
        }
        EventKind::Failover {
            by,
            from_subflow,
            to_subflow,
            gap_ms,
            last_data_acked_ms,
            to_backup,
        } => format!(
            "{}'s data moves from subflow {from_subflow} to {}subflow {to_subflow}: gap {gap_ms:.1} ms{}",
            side(by),
            if *to_backup { "backup " } else { "" },
            last_data_acked_ms.map_or(String::new(), |r| format!(
                ", its last data acknowledged after {r:.1} ms"
            ))
        ),
    }
}

fn counts(c: &Counts) -> String {
    let mut parts = Vec::new();
    if c.ok > 0 {
        parts.push(format!("{} ok", c.ok));
    }
    if let Some(n) = c.ok_leftmost {
        parts.push(format!("{n} ok (leftmost 64 bits)"));
    }
    if c.bad > 0 {
        parts.push(format!("{} BAD", c.bad));
    }
    if c.not_verifiable > 0 {
        parts.push(format!("{} not verifiable", c.not_verifiable));
    }
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `10.0.1.1:5201`, `[fd00::1]:5201`.
fn endpoint(addr: &str, port: u16) -> String {
    if addr.contains(':') {
        format!("[{addr}]:{port}")
    } else {
        format!("{addr}:{port}")
    }
}

/// Bits per second in kbit/s, Mbit/s, Gbit/s.
fn rate(bps: f64) -> String {
    if bps >= 1e9 {
        format!("{:.2} Gbit/s", bps / 1e9)
    } else if bps >= 1e6 {
        format!("{:.1} Mbit/s", bps / 1e6)
    } else {
        format!("{:.1} kbit/s", bps / 1e3)
    }
}

/// Bytes in B, kB, MB, GB (powers of 1000, as `ss` prints rates).
#[allow(clippy::cast_precision_loss)] // a rounded display
fn bytes(n: u64) -> String {
    match n {
        0..1_000 => format!("{n} B"),
        1_000..1_000_000 => format!("{:.1} kB", n as f64 / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1} MB", n as f64 / 1e6),
        _ => format!("{:.2} GB", n as f64 / 1e9),
    }
}
