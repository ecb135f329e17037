//! `export`: `status`, `counters` and a summary of `conns` as Prometheus metrics, for
//! node_exporter's textfile collector (`--output /var/lib/node_exporter/textfile/mptcp.prom`,
//! written to a temporary file in the same directory and renamed over the old one, so the
//! collector never reads half a file).
//!
//! Names follow the Prometheus conventions: the `mptcp_` prefix, base units in the name
//! (`_bytes`, `_ratio`), `_total` on counters, `_info` for constant-1 gauges that carry labels.
//! MIB counters keep the kernel's names as a label (`mptcp_mib_events_total{name=
//! "MPCapableFallbackACK"}`), so they read like `nstat`, and carry their level (`trouble`,
//! `warn`, `info`) for alerting on failures as a group. Per-subflow series can be many on a
//! busy host: `--no-subflows` leaves them out and keeps the per-path sums.
//!
//! With `--json` the same families are printed as JSON.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Serialize;

use crate::cli::NetnsArg;
use crate::cmd::conns::{self, ConnsReport, Filter};
use crate::cmd::status::{self, StatusReport};
use crate::cmd::{Status, in_netns};
use crate::kernel::mib::{self, Level};
use crate::kernel::probe;
use crate::kernel::procfs::{Counters, Proc, SysctlValue};
use crate::kernel::sock_diag::TcpState;
use crate::output::prometheus::{self, Family, MetricType};
use crate::output::{Output, Render, Style};

pub const EXAMPLES: &str = "Examples:\n  \
    mptcpstat export\n  \
    mptcpstat export --output /var/lib/node_exporter/textfile/mptcp.prom\n  \
    mptcpstat export --netns blue --no-subflows\n\n\
    For node_exporter's textfile collector, run it every minute (cron, systemd timer) with\n\
    --output in the directory given to --collector.textfile.directory.";

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Write the metrics to FILE, atomically (a temporary file beside it, then renamed).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Leave out the per-subflow series; the per-path sums stay.
    #[arg(long)]
    pub no_subflows: bool,
    #[command(flatten)]
    pub netns: NetnsArg,
}

/// `export`: metric families; `--json` prints `{"metrics": [...]}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportReport {
    pub metrics: Vec<Family>,
}

impl Render for ExportReport {
    fn render(&self, w: &mut dyn Write, _style: Style) -> std::io::Result<()> {
        prometheus::write(w, &self.metrics)
    }
}

fn bool_value(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

/// A count as a sample value; counts beyond 2^53 lose their last digits, as Prometheus keeps
/// every value as a float64 anyway.
#[allow(clippy::cast_precision_loss)]
fn num(v: u64) -> f64 {
    v as f64
}

fn level_name(l: Level) -> &'static str {
    match l {
        Level::Info => "info",
        Level::Warn => "warn",
        Level::Trouble => "trouble",
    }
}

/// The families of `status`: enabled, the sysctls, limits and endpoints.
fn status_families(s: &StatusReport) -> Vec<Family> {
    let mut enabled = Family::new(
        "mptcp_enabled",
        MetricType::Gauge,
        "Whether applications can use MPTCP here (net.mptcp.enabled, or mptcp_enabled on out-of-tree kernels).",
    );
    enabled.sample(&[], bool_value(s.enabled));
    let text = |name: &str| {
        s.sysctls
            .get(name)
            .and_then(|v| v.as_ref())
            .map(ToString::to_string)
            .unwrap_or_default()
    };
    let mut info = Family::new(
        "mptcp_info",
        MetricType::Gauge,
        "Constant 1, labelled with the kernel release, path manager and scheduler.",
    );
    info.sample(
        &[
            ("kernel", s.kernel.as_deref().unwrap_or("")),
            ("path_manager", &text("path_manager")),
            ("scheduler", &text("scheduler")),
        ],
        1.0,
    );
    let mut sysctls = Family::new(
        "mptcp_sysctl",
        MetricType::Gauge,
        "Integer net.mptcp sysctls, by name (as under /proc/sys/net/mptcp/).",
    );
    for (name, value) in &s.sysctls {
        if let Some(SysctlValue::Int(i)) = value {
            #[allow(clippy::cast_precision_loss)] // sysctls are small
            sysctls.sample(&[("name", name)], *i as f64);
        }
    }
    let mut out = vec![enabled, info, sysctls];
    if let Some(l) = &s.limits {
        for (name, help, v) in [
            (
                "mptcp_limit_subflows",
                "Additional subflows each connection may have (ip mptcp limits).",
                l.subflows,
            ),
            (
                "mptcp_limit_add_addr_accepted",
                "ADD_ADDR announcements accepted per connection (ip mptcp limits).",
                l.add_addr_accepted,
            ),
        ] {
            let mut f = Family::new(name, MetricType::Gauge, help);
            if let Some(v) = v {
                f.sample(&[], f64::from(v));
            }
            out.push(f);
        }
    }
    if let Some(eps) = &s.endpoints {
        let mut info = Family::new(
            "mptcp_endpoint_info",
            MetricType::Gauge,
            "Constant 1 per path manager endpoint, labelled as ip mptcp endpoint shows it.",
        );
        let mut by_flag: BTreeMap<&str, u32> = BTreeMap::new();
        for e in eps {
            let id = e.id.map(|i| i.to_string()).unwrap_or_default();
            let addr = e.address.map(|a| a.to_string()).unwrap_or_default();
            let port = e.port.map(|p| p.to_string()).unwrap_or_default();
            let flags = e.flags.join(",");
            info.sample(
                &[
                    ("id", &id),
                    ("address", &addr),
                    ("port", &port),
                    ("dev", e.dev.as_deref().unwrap_or("")),
                    ("flags", &flags),
                ],
                1.0,
            );
            for f in &e.flags {
                *by_flag.entry(f.as_str()).or_default() += 1;
            }
        }
        let mut count = Family::new(
            "mptcp_endpoints",
            MetricType::Gauge,
            "Path manager endpoints with each flag.",
        );
        for flag in ["signal", "subflow", "backup", "fullmesh"] {
            count.sample(
                &[("flag", flag)],
                f64::from(by_flag.get(flag).copied().unwrap_or(0)),
            );
        }
        out.push(info);
        out.push(count);
    }
    out
}

/// The MIB: counters as `mptcp_mib_events_total`, gauges (`MPCurrEstab`) as `mptcp_mib_current`.
fn counter_families(c: &Counters) -> Vec<Family> {
    let mut events = Family::new(
        "mptcp_mib_events_total",
        MetricType::Counter,
        "MPTCP MIB counters (MPTcpExt in /proc/net/netstat) by kernel name; level trouble marks failures.",
    );
    let mut current = Family::new(
        "mptcp_mib_current",
        MetricType::Gauge,
        "MPTCP MIB values that are current counts, not running totals (MPCurrEstab).",
    );
    for (name, value) in &c.values {
        if mib::is_gauge(name) {
            current.sample(&[("name", name)], num(*value));
        } else {
            events.sample(
                &[("name", name), ("level", level_name(mib::level(name)))],
                num(*value),
            );
        }
    }
    vec![events, current]
}

/// Subflows grouped by path: (local address, remote address, interface).
type PathKey = (String, String, String);

#[derive(Default)]
struct PathSum {
    subflows: u64,
    sent: u64,
    received: u64,
}

/// Connections by state, subflows per connection, bytes per path and per subflow.
fn conns_families(r: &ConnsReport, per_subflow: bool) -> Vec<Family> {
    let mut by_state: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_subflows: BTreeMap<usize, u64> = BTreeMap::new();
    let mut fallback = 0u64;
    let mut paths: BTreeMap<PathKey, PathSum> = BTreeMap::new();
    let mut sent = Family::new(
        "mptcp_subflow_sent_bytes_total",
        MetricType::Counter,
        "Bytes sent on each open subflow (tcpi_bytes_sent), by connection token and 4-tuple.",
    );
    let mut received = Family::new(
        "mptcp_subflow_received_bytes_total",
        MetricType::Counter,
        "Bytes received on each open subflow (tcpi_bytes_received).",
    );
    for c in &r.connections {
        *by_state.entry(c.state.ss_name()).or_default() += 1;
        if c.state == TcpState::Listen {
            continue;
        }
        *by_subflows.entry(c.subflows.len()).or_default() += 1;
        if c.fallback == Some(true) {
            fallback += 1;
        }
        let token = c.local_token.map(|t| t.to_string()).unwrap_or_default();
        for s in &c.subflows {
            let (la, ra) = (s.local_addr.to_string(), s.remote_addr.to_string());
            let dev = s.dev.clone().unwrap_or_default();
            let p = paths
                .entry((la.clone(), ra.clone(), dev.clone()))
                .or_default();
            p.subflows += 1;
            p.sent += s.bytes_sent.unwrap_or(0);
            p.received += s.bytes_received.unwrap_or(0);
            if per_subflow {
                let (lp, rp) = (s.local_port.to_string(), s.remote_port.to_string());
                let labels = [
                    ("token", token.as_str()),
                    ("local_addr", la.as_str()),
                    ("local_port", lp.as_str()),
                    ("remote_addr", ra.as_str()),
                    ("remote_port", rp.as_str()),
                    ("dev", dev.as_str()),
                ];
                if let Some(b) = s.bytes_sent {
                    sent.sample(&labels, num(b));
                }
                if let Some(b) = s.bytes_received {
                    received.sample(&labels, num(b));
                }
            }
        }
    }
    let mut conns = Family::new(
        "mptcp_connections",
        MetricType::Gauge,
        "MPTCP sockets by state, as ss -M names them (listeners included).",
    );
    for (state, n) in &by_state {
        conns.sample(&[("state", state)], num(*n));
    }
    let mut fb = Family::new(
        "mptcp_connections_fallback",
        MetricType::Gauge,
        "Open connections that fell back to plain TCP.",
    );
    fb.sample(&[], num(fallback));
    let mut per = Family::new(
        "mptcp_connections_by_subflows",
        MetricType::Gauge,
        "Connections (listeners excluded) with this many subflows open.",
    );
    for (n, count) in &by_subflows {
        per.sample(&[("subflows", &n.to_string())], num(*count));
    }
    let mut out = vec![conns, fb, per];
    out.extend(path_families(&paths));
    out.extend([sent, received]);
    out
}

/// Per path: open subflows, bytes, and each path's share of all bytes.
fn path_families(paths: &BTreeMap<PathKey, PathSum>) -> Vec<Family> {
    let total_sent: u64 = paths.values().map(|p| p.sent).sum();
    let total_received: u64 = paths.values().map(|p| p.received).sum();
    let mut path_subflows = Family::new(
        "mptcp_path_subflows",
        MetricType::Gauge,
        "Open subflows per path (local address, remote address, interface).",
    );
    let mut path_sent = Family::new(
        "mptcp_path_sent_bytes",
        MetricType::Gauge,
        "Bytes sent by the subflows open now on each path; falls when subflows close.",
    );
    let mut path_received = Family::new(
        "mptcp_path_received_bytes",
        MetricType::Gauge,
        "Bytes received by the subflows open now on each path.",
    );
    let mut share_sent = Family::new(
        "mptcp_path_sent_ratio",
        MetricType::Gauge,
        "Each path's share of the bytes sent by all open subflows (0 to 1).",
    );
    let mut share_received = Family::new(
        "mptcp_path_received_ratio",
        MetricType::Gauge,
        "Each path's share of the bytes received by all open subflows (0 to 1).",
    );
    let share = |part: u64, whole: u64| {
        if whole == 0 {
            0.0
        } else {
            num(part) / num(whole)
        }
    };
    for ((la, ra, dev), p) in paths {
        let labels = [
            ("local_addr", la.as_str()),
            ("remote_addr", ra.as_str()),
            ("dev", dev.as_str()),
        ];
        path_subflows.sample(&labels, num(p.subflows));
        path_sent.sample(&labels, num(p.sent));
        path_received.sample(&labels, num(p.received));
        share_sent.sample(&labels, share(p.sent, total_sent));
        share_received.sample(&labels, share(p.received, total_received));
    }
    vec![
        path_subflows,
        path_sent,
        path_received,
        share_sent,
        share_received,
    ]
}

/// The report from what `status`, `counters` and `conns` read; a source that could not be
/// read leaves its families out. Pure.
#[must_use]
pub fn collect(
    status: &StatusReport,
    counters: Option<&Counters>,
    conns: Option<&ConnsReport>,
    per_subflow: bool,
) -> ExportReport {
    let mut metrics = status_families(status);
    if let Some(c) = counters {
        metrics.extend(counter_families(c));
    }
    if let Some(r) = conns {
        metrics.extend(conns_families(r, per_subflow));
    }
    ExportReport { metrics }
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename,
/// so that a reader sees the old file or the new one, never a part.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .with_context(|| format!("{} is not a file name", path.display()))?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| -> std::io::Result<()> {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.with_context(|| format!("writing {}", path.display()))
}

pub fn run(args: &ExportArgs, out: &mut Output<'_>) -> anyhow::Result<Status> {
    let report = in_netns(&args.netns, || {
        let proc = Proc::live();
        let status = status::collect(&proc, probe::mptcp_socket(), status::ask_pm())?;
        let counters = proc.counters().ok();
        let all = Filter::every_socket();
        // Without MPTCP there is nothing to list; the other families still say so.
        let conns = conns::fetch(&all).ok();
        Ok(collect(
            &status,
            counters.as_ref(),
            conns.as_ref(),
            !args.no_subflows,
        ))
    })?;
    match &args.output {
        None => out.report(&report)?,
        Some(path) => {
            let mut buf = Vec::new();
            Output::new(&mut buf, out.format(), Style::default()).report(&report)?;
            write_atomically(path, &buf)?;
        }
    }
    Ok(Status::Ok)
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // small integers and ratios computed the same way: exact
mod tests {
    use std::net::IpAddr;

    use super::*;
    use crate::cmd::conns::{Connection, Subflow};
    use crate::kernel::sock_diag::AF_INET;
    use crate::kernel::sock_diag::SubflowFlags;
    use crate::mptcp::types::Token;
    use crate::output::Format;

    /// (name, labels, value) of each sample.
    type Samples = Vec<(String, BTreeMap<String, String>, f64)>;

    /// A minimal parser of the text format: (name, labels, value) per sample, and the TYPE
    /// of each family; checks that every sample follows its family's HELP and TYPE.
    pub(crate) fn parse(text: &str) -> (Samples, BTreeMap<String, String>) {
        let mut samples = Vec::new();
        let mut types = BTreeMap::new();
        let mut current = String::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# HELP ") {
                current = rest.split(' ').next().unwrap().to_owned();
                continue;
            }
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (name, kind) = rest.split_once(' ').unwrap();
                assert_eq!(name, current, "TYPE after its HELP");
                types.insert(name.to_owned(), kind.to_owned());
                continue;
            }
            let (series, value) = line.rsplit_once(' ').unwrap();
            let (name, labels) = match series.split_once('{') {
                None => (series.to_owned(), BTreeMap::new()),
                Some((family, list)) => {
                    let mut labels = BTreeMap::new();
                    let mut rest = list.strip_suffix('}').unwrap();
                    while !rest.is_empty() {
                        let (key, quoted) = rest.split_once("=\"").unwrap();
                        let mut value = String::new();
                        let mut chars = quoted.char_indices();
                        let end = loop {
                            match chars.next().unwrap() {
                                (_, '\\') => match chars.next().unwrap().1 {
                                    'n' => value.push('\n'),
                                    c => value.push(c),
                                },
                                (i, '"') => break i,
                                (_, c) => value.push(c),
                            }
                        };
                        labels.insert(key.to_owned(), value);
                        rest = quoted[end + 1..].trim_start_matches(',');
                    }
                    (family.to_owned(), labels)
                }
            };
            assert_eq!(name, current, "sample of the family announced last");
            samples.push((name, labels, value.parse().unwrap()));
        }
        (samples, types)
    }

    fn subflow(local: &str, remote: &str, dev: Option<&str>, sent: u64, received: u64) -> Subflow {
        let (la, lp) = local.rsplit_once(':').unwrap();
        let (ra, rp) = remote.rsplit_once(':').unwrap();
        let la: IpAddr = la.parse().unwrap();
        let ra: IpAddr = ra.parse().unwrap();
        let mut s = Subflow::new(
            crate::kernel::sock_diag::TcpSock {
                msg: crate::kernel::sock_diag::InetDiagMsg {
                    family: AF_INET,
                    state: TcpState::Established,
                    timer: 0,
                    retrans: 0,
                    src: la,
                    sport: lp.parse().unwrap(),
                    dst: ra,
                    dport: rp.parse().unwrap(),
                    ifindex: 0,
                    cookie: 0,
                    expires: 0,
                    rqueue: 0,
                    wqueue: 0,
                    uid: 0,
                    inode: 0,
                },
                info: None,
                ulp: Some("mptcp".into()),
                subflow: None,
            },
            dev.map(str::to_owned),
        );
        s.bytes_sent = Some(sent);
        s.bytes_received = Some(received);
        s.flags = SubflowFlags(0);
        s
    }

    fn report() -> ConnsReport {
        let conn = |subflows: Vec<Subflow>, fallback, state| Connection {
            state,
            local_addr: "10.0.1.1".parse().unwrap(),
            local_port: 40000,
            remote_addr: "10.0.1.2".parse().unwrap(),
            remote_port: 5201,
            local_token: Some(Token(0x0102_0304)),
            remote_token: None,
            remote_token_source: None,
            fallback: Some(fallback),
            recv_q: 0,
            send_q: 0,
            uid: 0,
            inode: 0,
            bytes_sent: None,
            bytes_received: None,
            bytes_acked: None,
            bytes_retrans: None,
            subflows,
            mptcp_info: None,
            cookie: 0,
            rates: None,
        };
        ConnsReport {
            time: None,
            connections: vec![
                conn(
                    vec![
                        subflow("10.0.1.1:40000", "10.0.1.2:5201", None, 3000, 100),
                        subflow("10.0.2.1:40001", "10.0.1.2:5201", Some("c2"), 1000, 300),
                    ],
                    false,
                    TcpState::Established,
                ),
                conn(
                    vec![subflow("10.0.1.1:40002", "10.0.1.2:5201", None, 4000, 0)],
                    true,
                    TcpState::Established,
                ),
                conn(Vec::new(), false, TcpState::Listen),
            ],
            unlinked_subflows: Vec::new(),
        }
    }

    fn exported(per_subflow: bool) -> (Samples, BTreeMap<String, String>) {
        let status = status::collect(
            &Proc::testdata("6.18"),
            Ok(()),
            Ok((
                crate::kernel::pm::Limits {
                    subflows: Some(2),
                    add_addr_accepted: Some(3),
                },
                Vec::new(),
            )),
        )
        .unwrap();
        let counters = Proc::testdata("6.18").counters().unwrap();
        let r = collect(&status, Some(&counters), Some(&report()), per_subflow);
        let mut buf = Vec::new();
        Output::new(&mut buf, Format::Text, Style::default())
            .report(&r)
            .unwrap();
        parse(&String::from_utf8(buf).unwrap())
    }

    fn value(s: &Samples, name: &str, labels: &[(&str, &str)]) -> f64 {
        let found: Vec<_> = s
            .iter()
            .filter(|(n, l, _)| {
                n == name
                    && labels
                        .iter()
                        .all(|(k, v)| l.get(*k).map(String::as_str) == Some(*v))
            })
            .collect();
        assert_eq!(found.len(), 1, "{name} {labels:?}");
        found[0].2
    }

    #[test]
    fn status_and_counters_as_metrics() {
        let (s, types) = exported(true);
        assert_eq!(value(&s, "mptcp_enabled", &[]), 1.0);
        assert_eq!(value(&s, "mptcp_limit_add_addr_accepted", &[]), 3.0);
        assert_eq!(
            value(&s, "mptcp_sysctl", &[("name", "add_addr_timeout")]),
            120.0
        );
        assert_eq!(value(&s, "mptcp_info", &[("path_manager", "kernel")]), 1.0);
        // Every counter of the recorded netstat, with its value.
        let counters = Proc::testdata("6.18").counters().unwrap();
        for (name, v) in &counters.values {
            let family = if mib::is_gauge(name) {
                "mptcp_mib_current"
            } else {
                "mptcp_mib_events_total"
            };
            #[allow(clippy::cast_precision_loss)]
            let expected = *v as f64;
            assert_eq!(value(&s, family, &[("name", name)]), expected, "{name}");
        }
        assert_eq!(
            s.iter()
                .find(|(_, l, _)| l.get("name").map(String::as_str) == Some("DataCsumErr"))
                .unwrap()
                .1["level"],
            "trouble"
        );
        // Conventions: counters end in _total, and nothing else does.
        for (name, kind) in &types {
            assert!(name.starts_with("mptcp_"));
            assert_eq!(name.ends_with("_total"), kind == "counter", "{name} {kind}");
        }
    }

    #[test]
    fn connections_paths_and_subflows() {
        let (s, _) = exported(true);
        assert_eq!(value(&s, "mptcp_connections", &[("state", "ESTAB")]), 2.0);
        assert_eq!(value(&s, "mptcp_connections", &[("state", "LISTEN")]), 1.0);
        assert_eq!(value(&s, "mptcp_connections_fallback", &[]), 1.0);
        assert_eq!(
            value(&s, "mptcp_connections_by_subflows", &[("subflows", "2")]),
            1.0
        );
        assert_eq!(
            value(&s, "mptcp_connections_by_subflows", &[("subflows", "1")]),
            1.0
        );
        // Path 10.0.1.1 -> 10.0.1.2 carries two subflows: 3000 + 4000 of 8000 bytes sent.
        let p1 = [
            ("local_addr", "10.0.1.1"),
            ("remote_addr", "10.0.1.2"),
            ("dev", ""),
        ];
        let p2 = [
            ("local_addr", "10.0.2.1"),
            ("remote_addr", "10.0.1.2"),
            ("dev", "c2"),
        ];
        assert_eq!(value(&s, "mptcp_path_subflows", &p1), 2.0);
        assert_eq!(value(&s, "mptcp_path_sent_bytes", &p1), 7000.0);
        assert_eq!(value(&s, "mptcp_path_sent_ratio", &p1), 7000.0 / 8000.0);
        assert_eq!(value(&s, "mptcp_path_sent_ratio", &p2), 1000.0 / 8000.0);
        assert_eq!(value(&s, "mptcp_path_received_ratio", &p2), 0.75);
        assert_eq!(
            value(
                &s,
                "mptcp_subflow_sent_bytes_total",
                &[("local_port", "40001"), ("token", "01020304")]
            ),
            1000.0
        );
        let (s, _) = exported(false);
        assert!(s.iter().all(|(n, _, _)| !n.starts_with("mptcp_subflow_")));
        assert_eq!(value(&s, "mptcp_path_sent_bytes", &p2), 1000.0);
    }

    #[test]
    fn output_file_is_replaced_whole() {
        let dir = std::env::temp_dir().join(format!("mptcpstat-export-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("mptcp.prom");
        fs::write(&path, "old").unwrap();
        write_atomically(&path, b"new\n").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new\n");
        let left: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            left,
            vec![std::ffi::OsString::from("mptcp.prom")],
            "no temporary file left"
        );
        assert!(write_atomically(&dir.join("missing/x.prom"), b"x").is_err());
        fs::remove_dir_all(&dir).unwrap();
    }
}
