//! `check`: why is MPTCP not used, or why only one subflow? A doctor that runs every check
//! and prints one line each: `ok`, `warning` or `problem`, what it found in plain words, and
//! the command that fixes it.
//!
//! The checks, in order: the kernel has MPTCP; `net.mptcp.enabled` (or the out-of-tree
//! `mptcp_enabled`); the path manager (a userspace one needs a daemon such as mptcpd running
//! in the namespace); limits against endpoints; for each endpoint, that its address is on an
//! interface, the interface is up, and traffic from the address leaves by that interface (the
//! policy routing a multi-homed host needs, evaluated by `kernel::route::default_route`);
//! `signal` endpoints with private addresses on a host that looks NATed; MIB counters of
//! fallbacks, checksum, join and address errors; open connections that fell back or have
//! fewer subflows than their endpoints allow; and with `--pid`/`--program`, whether a
//! process's TCP sockets are MPTCP or plain TCP.
//!
//! A `problem` is something that keeps MPTCP, or the multipath this host is set up for, from
//! working: the exit status is then 1, so scripts can gate on it. A `warning` may be intended
//! (a client that ignores ADD_ADDR, counters from an earlier incident) and leaves it 0.
//!
//! [`gather`] reads the live sources into [`Facts`]; [`evaluate`] is pure, so every check is
//! tested on facts built by hand.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;
use std::net::IpAddr;

use anyhow::bail;
use serde::Serialize;

use crate::cli::NetnsArg;
use crate::cmd::conns::{self, ConnsReport, Filter, addr_port};
use crate::cmd::endpoints::EndpointRecord;
use crate::cmd::status::{self, State, answer};
use crate::cmd::{Status, in_netns};
use crate::kernel::mib::{self, Group, Level as MibLevel};
use crate::kernel::netlink::{Netlink, Protocol};
use crate::kernel::netns::{NetnsTarget, run_in};
use crate::kernel::pm::Limits;
use crate::kernel::procfs::{Counters, Proc, Process, SysctlValue, Sysctls};
use crate::kernel::route::{self, Lookup, Network, OperState, RT_TABLE_MAIN};
use crate::kernel::sock_diag::{
    self, AF_INET, AF_INET6, MptcpInfo, MptcpSock, TcpSock, TcpState, states,
};
use crate::kernel::{ENOPROTOOPT, probe};
use crate::output::{Output, Render, Style};

pub const EXAMPLES: &str = "Examples:\n  \
    mptcpstat check\n  \
    mptcpstat check --netns blue\n  \
    mptcpstat check --program curl\n  \
    mptcpstat check --pid 1234 --json | jq '.checks[] | select(.status != \"ok\")'\n\n\
    Exit status: 0 when MPTCP works (warnings included), 1 when a problem keeps it, or the\n\
    multipath this host is set up for, from working.";

/// Path manager daemons that drive the userspace path manager.
pub const PM_DAEMONS: [&str; 1] = ["mptcpd"];

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Also check whether process PID's TCP sockets are MPTCP or plain TCP (looked up in the
    /// process's own network namespace).
    #[arg(long, value_name = "PID", conflicts_with = "program")]
    pub pid: Option<u32>,
    /// Also check the TCP sockets of every process named NAME (its `comm`, as `ps -C` matches
    /// it, or the file name of its argv[0]).
    #[arg(long, value_name = "NAME")]
    pub program: Option<String>,
    #[command(flatten)]
    pub netns: NetnsArg,
}

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Ok,
    /// Could not be checked (a source was unreadable, or the check does not apply).
    Skipped,
    Warning,
    Problem,
}

impl Verdict {
    fn word(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Skipped => "skipped",
            Verdict::Warning => "warning",
            Verdict::Problem => "problem",
        }
    }
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Which check: `kernel`, `enabled`, `path_manager`, `limits`, `endpoint`,
    /// `endpoint_interface`, `endpoint_route`, `nat`, `counters`, `connections`, `process`.
    pub check: &'static str,
    pub status: Verdict,
    /// What it is about, when the check has several: an endpoint, a counter group, a process.
    pub subject: Option<String>,
    /// What was found, in plain words.
    pub message: String,
    /// A command that fixes it (or finds out more), for warnings and problems.
    pub fix: Option<String>,
}

/// `check --json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    /// No problem was found: MPTCP works as configured.
    pub ok: bool,
    pub problems: usize,
    pub warnings: usize,
    pub checks: Vec<Finding>,
}

/// A process's sockets, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessSockets {
    pub process: Process,
    /// Why its sockets could not be read.
    pub error: Option<String>,
    /// Its MPTCP sockets, `(local, remote, state, fell back)`.
    pub mptcp: Vec<(String, String, TcpState, bool)>,
    /// Its plain TCP sockets, `(local, remote, state)`.
    pub tcp: Vec<(String, String, TcpState)>,
}

/// Everything the checks look at, read from one namespace.
#[derive(Debug, Clone)]
pub struct Facts {
    /// `--netns`, so that fixes can say where to run.
    pub netns: Option<String>,
    pub osrelease: Option<String>,
    pub sysctls: Option<Sysctls>,
    /// The MPTCP socket probe: `Err(errno)` when it failed.
    pub socket: Result<(), i32>,
    pub pm: Result<(Limits, Vec<EndpointRecord>), String>,
    pub network: Result<Network, String>,
    pub counters: Result<Counters, String>,
    pub connections: Result<ConnsReport, String>,
    /// Path manager daemons running in this namespace.
    pub daemons: Vec<Process>,
    /// `--pid` / `--program`.
    pub processes: Vec<ProcessSockets>,
}

/// How fixes are spelt for the namespace being checked.
struct Fixes<'a> {
    netns: Option<&'a str>,
}

impl Fixes<'_> {
    /// `ip ARGS`, run in the namespace.
    fn ip(&self, args: &str) -> String {
        match self.netns.map(NetnsTarget::parse) {
            None => format!("ip {args}"),
            Some(NetnsTarget::Name(n)) => format!("ip -n {n} {args}"),
            Some(t) => format!("nsenter --net={} ip {args}", t.path().display()),
        }
    }

    /// `sysctl -w KEY=VALUE`, run in the namespace.
    fn sysctl(&self, kv: &str) -> String {
        self.exec(&format!("sysctl -w {kv}"))
    }

    fn exec(&self, command: &str) -> String {
        match self.netns.map(NetnsTarget::parse) {
            None => command.to_owned(),
            Some(NetnsTarget::Name(n)) => format!("ip netns exec {n} {command}"),
            Some(t) => format!("nsenter --net={} {command}", t.path().display()),
        }
    }

    fn mptcpstat(&self, args: &str) -> String {
        match self.netns {
            None => format!("mptcpstat {args}"),
            Some(n) => format!("mptcpstat {args} --netns {n}"),
        }
    }
}

/// The findings so far.
#[derive(Default)]
struct Findings(Vec<Finding>);

impl Findings {
    fn add(
        &mut self,
        check: &'static str,
        status: Verdict,
        subject: Option<String>,
        message: impl Into<String>,
        fix: Option<String>,
    ) {
        self.0.push(Finding {
            check,
            status,
            subject,
            message: message.into(),
            fix: fix.filter(|_| status >= Verdict::Warning),
        });
    }

    fn ok(&mut self, check: &'static str, message: impl Into<String>) {
        self.add(check, Verdict::Ok, None, message, None);
    }

    fn skipped(&mut self, check: &'static str, message: impl Into<String>) {
        self.add(check, Verdict::Skipped, None, message, None);
    }
}

/// Runs every check on `facts`. Pure.
#[must_use]
pub fn evaluate(facts: &Facts) -> CheckReport {
    let fix = Fixes {
        netns: facts.netns.as_deref(),
    };
    let mut f = Findings::default();
    if check_kernel(facts, &fix, &mut f) {
        check_path_manager_and_endpoints(facts, &fix, &mut f);
        check_counters(facts, &fix, &mut f);
        check_connections(facts, &fix, &mut f);
    }
    check_processes(facts, &mut f);
    let problems = f.0.iter().filter(|x| x.status == Verdict::Problem).count();
    let warnings = f.0.iter().filter(|x| x.status == Verdict::Warning).count();
    CheckReport {
        ok: problems == 0,
        problems,
        warnings,
        checks: f.0,
    }
}

/// `kernel` and `enabled`. Returns whether the upstream checks that follow apply.
fn check_kernel(facts: &Facts, fix: &Fixes<'_>, f: &mut Findings) -> bool {
    let release = facts
        .osrelease
        .as_deref()
        .map(|r| format!(" (Linux {r})"))
        .unwrap_or_default();
    let (state, reason) = answer(facts.sysctls.as_ref(), facts.socket);
    let out_of_tree = facts.sysctls.as_ref().is_some_and(Sysctls::is_out_of_tree);
    if state == State::NotAvailable {
        f.add(
            "kernel",
            Verdict::Problem,
            None,
            format!(
                "this kernel has no MPTCP{release}: {}",
                reason.as_deref().unwrap_or("no /proc/sys/net/mptcp")
            ),
            Some(
                "boot a kernel built with CONFIG_MPTCP=y (Linux 5.6 or later; 5.15 or later for path manager endpoints)"
                    .into(),
            ),
        );
        return false;
    }
    if out_of_tree {
        f.ok(
            "kernel",
            format!("out-of-tree MPTCP kernel (multipath-tcp.org){release}"),
        );
        let value = facts
            .sysctls
            .as_ref()
            .and_then(|s| s.get("mptcp_enabled"))
            .and_then(SysctlValue::as_int);
        match value {
            Some(0) => f.add(
                "enabled",
                Verdict::Problem,
                None,
                "net.mptcp.mptcp_enabled = 0: no connection uses MPTCP",
                Some(fix.sysctl("net.mptcp.mptcp_enabled=1")),
            ),
            Some(2) => f.add(
                "enabled",
                Verdict::Warning,
                None,
                "net.mptcp.mptcp_enabled = 2: only applications that set the MPTCP_ENABLED socket option use MPTCP",
                Some(fix.sysctl("net.mptcp.mptcp_enabled=1")),
            ),
            _ => f.ok(
                "enabled",
                "net.mptcp.mptcp_enabled = 1: every TCP connection tries MPTCP",
            ),
        }
        f.skipped(
            "path_manager",
            "the out-of-tree kernel has its own path managers (net.mptcp.mptcp_path_manager); endpoint checks apply to upstream kernels only",
        );
        return false;
    }
    f.ok(
        "kernel",
        format!("MPTCP is built into this kernel{release}"),
    );
    match (state, facts.socket) {
        (State::Disabled, _) => f.add(
            "enabled",
            Verdict::Problem,
            None,
            "net.mptcp.enabled = 0: applications cannot create MPTCP sockets in this namespace, so every connection is plain TCP",
            Some(fix.sysctl("net.mptcp.enabled=1")),
        ),
        (_, Err(errno)) if errno != ENOPROTOOPT => f.add(
            "enabled",
            Verdict::Problem,
            None,
            format!(
                "an MPTCP socket cannot be created here: {}",
                probe::explain_socket_errno(errno)
            ),
            Some("check that the mptcp module is loaded and that no security policy (seccomp, LSM) refuses IPPROTO_MPTCP".into()),
        ),
        _ => f.ok(
            "enabled",
            "net.mptcp.enabled = 1: applications can create MPTCP sockets",
        ),
    }
    true
}

fn has_flag(e: &EndpointRecord, flag: &str) -> bool {
    e.flags.iter().any(|x| x == flag)
}

fn endpoint_name(e: &EndpointRecord) -> String {
    let addr = e.address.map_or_else(|| "?".to_owned(), |a| a.to_string());
    match e.id {
        Some(id) => format!("{addr} (id {id})"),
        None => addr,
    }
}

/// `path_manager`, `limits`, `endpoint*` and `nat`.
fn check_path_manager_and_endpoints(facts: &Facts, fix: &Fixes<'_>, f: &mut Findings) {
    let sysctl = |name| facts.sysctls.as_ref().and_then(|s| s.get(name));
    let userspace = match (sysctl("path_manager"), sysctl("pm_type")) {
        (Some(SysctlValue::Text(t)), _) => t == "userspace",
        (_, Some(SysctlValue::Int(1))) => true,
        _ => false,
    };
    if userspace {
        let (name, value) = if sysctl("path_manager").is_some() {
            ("net.mptcp.path_manager", "userspace")
        } else {
            ("net.mptcp.pm_type", "1")
        };
        match facts.daemons.first() {
            Some(d) => f.ok(
                "path_manager",
                format!(
                    "{name} = {value}, driven by {} (PID {})",
                    d.comm, d.pid
                ),
            ),
            None => f.add(
                "path_manager",
                Verdict::Problem,
                None,
                format!(
                    "{name} = {value}, but no path manager daemon ({}) runs in this namespace: connections get no extra subflows and announce no addresses",
                    PM_DAEMONS.join(", ")
                ),
                Some(format!(
                    "start one ({}), or let the kernel manage paths: {}",
                    fix.exec("mptcpd"),
                    fix.sysctl(if name.ends_with("pm_type") {
                        "net.mptcp.pm_type=0"
                    } else {
                        "net.mptcp.path_manager=kernel"
                    })
                )),
            ),
        }
        f.skipped(
            "limits",
            "the userspace path manager does not use the kernel's endpoints and limits",
        );
        return;
    }
    f.ok(
        "path_manager",
        "in-kernel path manager: subflows and announcements follow the endpoints and limits",
    );
    let (limits, endpoints) = match &facts.pm {
        Ok((l, e)) => (l, e),
        Err(e) => {
            f.skipped("limits", format!("cannot read the path manager: {e}"));
            return;
        }
    };
    check_limits(facts, limits, endpoints, fix, f);
    match &facts.network {
        Ok(net) => {
            for e in endpoints {
                check_endpoint(net, e, fix, f);
            }
            check_nat(net, endpoints, fix, f);
        }
        Err(e) if !endpoints.is_empty() => {
            f.skipped(
                "endpoint",
                format!("cannot read interfaces and routes: {e}"),
            );
        }
        Err(_) => {}
    }
}

fn check_limits(
    facts: &Facts,
    limits: &Limits,
    endpoints: &[EndpointRecord],
    fix: &Fixes<'_>,
    f: &mut Findings,
) {
    let subflow: Vec<String> = endpoints
        .iter()
        .filter(|e| has_flag(e, "subflow"))
        .map(endpoint_name)
        .collect();
    let signal = endpoints.iter().filter(|e| has_flag(e, "signal")).count();
    let n = subflow.len();
    let want = n.clamp(1, 8);
    match limits.subflows {
        Some(0) if n > 0 => f.add(
            "limits",
            Verdict::Problem,
            Some("subflows".into()),
            format!(
                "{n} endpoint{} with the subflow flag ({}), but the subflows limit is 0: the kernel opens no extra subflow",
                if n == 1 { "" } else { "s" },
                subflow.join(", ")
            ),
            Some(fix.ip(&format!("mptcp limits set subflows {want}"))),
        ),
        Some(0) => f.add(
            "limits",
            Verdict::Warning,
            Some("subflows".into()),
            "the subflows limit is 0: this host opens no extra subflow and accepts no MP_JOIN from peers, so every connection stays on one path",
            Some(fix.ip("mptcp limits set subflows 2")),
        ),
        Some(max) if usize::try_from(max).is_ok_and(|m| m < n) => f.add(
            "limits",
            Verdict::Warning,
            Some("subflows".into()),
            format!(
                "{n} endpoints with the subflow flag, but the subflows limit is {max}: only {max} of them are used per connection"
            ),
            Some(fix.ip(&format!("mptcp limits set subflows {want}"))),
        ),
        Some(max) if n == 0 => f.ok(
            "limits",
            format!("subflows limit {max}: up to {max} extra subflows per connection, joined by peers or opened to addresses they announce"),
        ),
        Some(max) => f.ok(
            "limits",
            format!(
                "subflows limit {max}: room for the {n} subflow endpoint{}",
                if n == 1 { "" } else { "s" }
            ),
        ),
        None => f.skipped("limits", "the kernel did not report the subflows limit"),
    }
    let received = facts
        .counters
        .as_ref()
        .ok()
        .and_then(|c| c.values.iter().find(|(n, _)| n == "AddAddr"))
        .map_or(0, |(_, v)| *v);
    let server_only = signal > 0 && n == 0;
    match limits.add_addr_accepted {
        Some(0) if !server_only => f.add(
            "limits",
            Verdict::Warning,
            Some("add_addr_accepted".into()),
            format!(
                "add_addr_accepted is 0: addresses that servers announce (ADD_ADDR) are ignored, so a client gets no subflow to a multi-homed server's other addresses{}",
                if received > 0 {
                    format!("; {received} ADD_ADDR received so far (counter AddAddr)")
                } else {
                    String::new()
                }
            ),
            Some(fix.ip("mptcp limits set add_addr_accepted 2")),
        ),
        Some(n) => f.ok(
            "limits",
            format!("add_addr_accepted {n}: addresses announced by peers are used for up to {n} extra subflows"),
        ),
        None => {}
    }
    if endpoints.is_empty() {
        f.ok(
            "endpoint",
            "no endpoints: this host opens extra subflows only to addresses that peers announce (add_addr_accepted)",
        );
    }
}

/// The interface a subflow from endpoint `e` leaves by: its `dev`, else the interface that
/// holds its address.
fn endpoint_interface(net: &Network, e: &EndpointRecord, addr: IpAddr) -> Option<u32> {
    e.ifindex
        .and_then(|i| u32::try_from(i).ok())
        .or_else(|| net.find_address(addr).next().map(|a| a.index))
}

/// A table number no rule or route uses yet, for the suggested policy routing.
fn free_table(net: &Network) -> u32 {
    (100..250)
        .find(|t| {
            !net.routes.iter().any(|r| r.table == *t) && !net.rules.iter().any(|r| r.table == *t)
        })
        .unwrap_or(100)
}

/// The policy routing that sends traffic from `addr` out of `dev`.
fn policy_routing_fix(net: &Network, addr: IpAddr, oif: u32, fix: &Fixes<'_>) -> String {
    let dev = net.name(oif);
    let table = free_table(net);
    // A gateway already known on that interface, if any route names one.
    let gateway = net
        .routes
        .iter()
        .filter(|r| r.oifs.contains(&oif) && r.family == family(addr))
        .find_map(|r| r.gateway)
        .map_or_else(|| "GATEWAY".to_owned(), |g| g.to_string());
    let inet6 = if addr.is_ipv6() { "-6 " } else { "" };
    format!(
        "{} && {}",
        fix.ip(&format!("{inet6}rule add from {addr} table {table}")),
        fix.ip(&format!(
            "{inet6}route add default via {gateway} dev {dev} table {table}"
        ))
    )
}

fn family(addr: IpAddr) -> u8 {
    if addr.to_canonical().is_ipv4() {
        AF_INET
    } else {
        AF_INET6
    }
}

fn table_name(t: u32) -> String {
    match t {
        RT_TABLE_MAIN => "main".into(),
        route::RT_TABLE_LOCAL => "local".into(),
        route::RT_TABLE_DEFAULT => "default".into(),
        t => t.to_string(),
    }
}

/// `endpoint`, `endpoint_interface`, `endpoint_route` for one endpoint.
fn check_endpoint(net: &Network, e: &EndpointRecord, fix: &Fixes<'_>, f: &mut Findings) {
    let Some(addr) = e.address else { return };
    let name = endpoint_name(e);
    let subject = Some(name.clone());
    let subflow = has_flag(e, "subflow");
    let here: Vec<_> = net.find_address(addr).collect();
    if here.is_empty() {
        let delete =
            e.id.map(|id| fix.ip(&format!("mptcp endpoint delete id {id}")));
        if subflow || e.port.is_some() {
            f.add(
                "endpoint",
                Verdict::Problem,
                subject,
                format!(
                    "endpoint {name}: no interface has this address, so {}",
                    if subflow {
                        "no subflow can leave from it"
                    } else {
                        "nothing listens on its port for joins"
                    }
                ),
                Some(format!(
                    "{}{}",
                    fix.ip(&format!("addr add {addr}/PREFIX dev IFACE")),
                    delete
                        .map(|d| format!(", or drop it: {d}"))
                        .unwrap_or_default()
                )),
            );
        } else {
            f.add(
                "endpoint",
                Verdict::Warning,
                subject,
                format!(
                    "endpoint {name} announces an address that is not on this host: peers reach it only if a NAT or load balancer forwards it here"
                ),
                delete,
            );
        }
        return;
    }
    if let Some(a) = here.iter().find(|a| a.unusable()) {
        f.add(
            "endpoint",
            Verdict::Problem,
            subject,
            format!(
                "endpoint {name}: the address on {} is tentative or failed duplicate address detection, so sockets cannot bind to it",
                net.name(a.index)
            ),
            Some(fix.ip(&format!("addr show dev {}", net.name(a.index)))),
        );
        return;
    }
    let Some(oif) = endpoint_interface(net, e, addr) else {
        return;
    };
    let dev = net.name(oif);
    let where_ = if e.dev.is_some() { "bound to" } else { "on" };
    match net.link(oif) {
        None => {
            f.add(
                "endpoint_interface",
                Verdict::Problem,
                subject,
                format!("endpoint {name} is bound to interface {dev}, which does not exist"),
                e.id.map(|id| fix.ip(&format!("mptcp endpoint delete id {id}"))),
            );
            return;
        }
        Some(l) if !l.admin_up() => {
            f.add(
                "endpoint_interface",
                Verdict::Problem,
                subject,
                format!("endpoint {name}: interface {dev} is down, so no subflow can use it"),
                Some(fix.ip(&format!("link set dev {dev} up"))),
            );
            return;
        }
        Some(l) if !l.carrier() => {
            f.add(
                "endpoint_interface",
                Verdict::Problem,
                subject,
                format!(
                    "endpoint {name}: interface {dev} has no carrier (state {}): its cable, Wi-Fi association or veth peer is down",
                    l.operstate.map_or_else(|| "?".to_owned(), OperState::name)
                ),
                Some(fix.ip(&format!("link show dev {dev}"))),
            );
            return;
        }
        Some(_) => f.ok(
            "endpoint_interface",
            format!("endpoint {name}: {where_} {dev}, which is up"),
        ),
    }
    check_endpoint_route(net, e, addr, oif, fix, f);
}

fn check_endpoint_route(
    net: &Network,
    e: &EndpointRecord,
    addr: IpAddr,
    oif: u32,
    fix: &Fixes<'_>,
    f: &mut Findings,
) {
    let name = endpoint_name(e);
    let subject = Some(name.clone());
    let dev = net.name(oif);
    let bound = e
        .ifindex
        .and_then(|i| u32::try_from(i).ok())
        .filter(|_| e.dev.is_some());
    let via_rule = |table: u32, rule: Option<u32>| match rule {
        Some(p) if table != RT_TABLE_MAIN => format!("table {}, rule {p}", table_name(table)),
        _ => format!("table {}", table_name(table)),
    };
    // An address on loopback belongs to the host, not to a path: any interface may carry it.
    let on_loopback = bound.is_none() && net.link(oif).is_some_and(route::Link::loopback);
    match route::default_route(net, addr, bound) {
        Lookup::Route {
            table,
            rule_priority,
            oifs,
            gateway,
            ..
        } if on_loopback || oifs.contains(&oif) => f.ok(
            "endpoint_route",
            format!(
                "endpoint {name}: traffic from it leaves by {}{} ({})",
                oifs.iter()
                    .map(|i| net.name(*i))
                    .collect::<Vec<_>>()
                    .join(", "),
                gateway.map(|g| format!(" via {g}")).unwrap_or_default(),
                via_rule(table, rule_priority)
            ),
        ),
        Lookup::Route {
            table,
            rule_priority,
            oifs,
            ..
        } => {
            let other = oifs
                .iter()
                .map(|i| net.name(*i))
                .collect::<Vec<_>>()
                .join(", ");
            f.add(
                "endpoint_route",
                Verdict::Problem,
                subject,
                format!(
                    "endpoint {name}: traffic from it leaves by {other} (default route of {}), not by {dev}: its subflows take the other path, where providers drop packets whose source address is not theirs",
                    via_rule(table, rule_priority)
                ),
                Some(policy_routing_fix(net, addr, oif, fix)),
            );
        }
        Lookup::Blocked {
            table,
            rule_priority,
            kind,
        } => {
            let by = match (table, rule_priority) {
                (Some(t), _) => {
                    format!("a {} default route in table {}", kind.name(), table_name(t))
                }
                (None, Some(p)) => format!("rule {p} ({})", kind.name()),
                (None, None) => kind.name(),
            };
            f.add(
                "endpoint_route",
                Verdict::Problem,
                subject,
                format!("endpoint {name}: traffic from it is dropped by {by}"),
                Some(policy_routing_fix(net, addr, oif, fix)),
            );
        }
        Lookup::NoRoute => no_default_route(net, e, addr, oif, fix, f),
    }
}

/// `endpoint_route` when no default route applies: the endpoint reaches at most the
/// networks routed through its interface.
fn no_default_route(
    net: &Network,
    e: &EndpointRecord,
    addr: IpAddr,
    oif: u32,
    fix: &Fixes<'_>,
    f: &mut Findings,
) {
    let name = endpoint_name(e);
    let subject = Some(name.clone());
    let dev = net.name(oif);
    let reach: Vec<String> = route::routes_via(net, addr, oif)
        .iter()
        .map(|r| {
            r.dst
                .map_or_else(|| "default".to_owned(), |d| format!("{d}/{}", r.dst_len))
        })
        .collect();
    if reach.is_empty() {
        f.add(
            "endpoint_route",
            Verdict::Problem,
            subject,
            format!(
                "endpoint {name}: no route sends traffic from it out of {dev}, so its subflows have nowhere to go"
            ),
            Some(policy_routing_fix(net, addr, oif, fix)),
        );
    } else {
        f.add(
            "endpoint_route",
            Verdict::Warning,
            subject,
            format!(
                "endpoint {name}: no default route out of {dev} for traffic from it: its subflows reach only {}",
                reach.join(", ")
            ),
            Some(policy_routing_fix(net, addr, oif, fix)),
        );
    }
}

/// RFC 1918, shared address space (RFC 6598), link-local, and IPv6 ULA and link-local.
#[must_use]
pub fn is_private(addr: IpAddr) -> bool {
    match addr.to_canonical() {
        IpAddr::V4(a) => {
            let [x, y, ..] = a.octets();
            a.is_private() || a.is_link_local() || (x == 100 && (64..128).contains(&y))
        }
        IpAddr::V6(a) => {
            let first = a.segments()[0];
            first & 0xfe00 == 0xfc00 || first & 0xffc0 == 0xfe80
        }
    }
}

fn is_public(addr: IpAddr) -> bool {
    let a = addr.to_canonical();
    !is_private(a) && !a.is_loopback() && !a.is_unspecified() && !a.is_multicast()
}

/// `nat`: a `signal` endpoint announcing a private address from a host that reaches other
/// networks but has no public address of that family.
fn check_nat(net: &Network, endpoints: &[EndpointRecord], fix: &Fixes<'_>, f: &mut Findings) {
    for e in endpoints.iter().filter(|e| has_flag(e, "signal")) {
        let Some(addr) = e.address.filter(|a| is_private(*a)) else {
            continue;
        };
        let public = net
            .addresses
            .iter()
            .any(|a| family(a.address) == family(addr) && is_public(a.address));
        let routed = matches!(route::default_route(net, addr, None), Lookup::Route { .. });
        if public || !routed {
            continue;
        }
        let name = endpoint_name(e);
        f.add(
            "nat",
            Verdict::Warning,
            Some(name.clone()),
            format!(
                "signal endpoint {name} announces a private address, and this host has no public {} address: it is probably behind NAT, where peers outside your network cannot reach {addr} and their joins to it fail. Ignore this if your peers are on the same private network",
                if addr.is_ipv4() { "IPv4" } else { "IPv6" }
            ),
            Some(format!(
                "announce the public address instead, with the port forwarded here: {}{}",
                fix.ip("mptcp endpoint add PUBLIC_ADDRESS signal"),
                e.id.map(|id| format!(" && {}", fix.ip(&format!("mptcp endpoint delete id {id}"))))
                    .unwrap_or_default()
            )),
        );
    }
}

/// `counters`: trouble counters that are not zero, by group.
fn check_counters(facts: &Facts, fix: &Fixes<'_>, f: &mut Findings) {
    let counters = match &facts.counters {
        Ok(c) => c,
        Err(e) => {
            f.skipped("counters", format!("cannot read the MIB counters: {e}"));
            return;
        }
    };
    let mut groups: BTreeMap<Group, Vec<(&str, u64)>> = BTreeMap::new();
    for (name, value) in &counters.values {
        if *value != 0 && mib::level(name) == MibLevel::Trouble {
            groups
                .entry(mib::group(name))
                .or_default()
                .push((name.as_str(), *value));
        }
    }
    if groups.is_empty() {
        f.ok(
            "counters",
            "no fallback, checksum, join or address errors in the MIB counters",
        );
        return;
    }
    let checksums_on = facts
        .sysctls
        .as_ref()
        .and_then(|s| s.get("checksum_enabled"))
        .and_then(SysctlValue::as_int)
        == Some(1);
    for (group, list) in groups {
        let listed = list
            .iter()
            .map(|(n, v)| format!("{n} {v}"))
            .collect::<Vec<_>>()
            .join(", ");
        let (subject, what, hint) = match group {
            Group::Fallback => (
                "fallback",
                "connections ran as plain TCP: the peer does not speak MPTCP, or a middlebox removed the option",
                format!(
                    "see which: {}; or capture handshakes (tcpdump -i any -w hs.pcap 'tcp[tcpflags] & tcp-syn != 0') and run mptcpstat analyze hs.pcap",
                    fix.mptcpstat("conns")
                ),
            ),
            Group::Checksum => (
                "checksum",
                "data was changed or lost at the MPTCP level on the path",
                if checksums_on {
                    "capture the affected traffic and look for the rewriting middlebox with mptcpstat analyze".to_owned()
                } else {
                    format!(
                        "ask peers for DSS checksums, which detect the rewrite and fall back cleanly: {}",
                        fix.sysctl("net.mptcp.checksum_enabled=1")
                    )
                },
            ),
            Group::Join => (
                "join",
                "extra subflows were refused or could not be opened",
                format!(
                    "watch joins fail with their error: {}; MPJoinRejected means a subflows limit was reached",
                    fix.mptcpstat("monitor")
                ),
            ),
            Group::Address => (
                "address",
                "ADD_ADDR or RM_ADDR were dropped",
                fix.ip("mptcp limits set add_addr_accepted 2"),
            ),
            Group::Other => ("other", "MPTCP errors", fix.mptcpstat("counters")),
        };
        f.add(
            "counters",
            Verdict::Warning,
            Some(subject.into()),
            format!("{listed} (since boot or namespace creation): {what}"),
            Some(hint),
        );
    }
}

/// At most this many connections are named in one line; JSON has them all in the message
/// count.
const NAMED: usize = 3;

fn describe_conn(c: &conns::Connection) -> String {
    format!(
        "{} -> {}{}",
        addr_port(c.local_addr, c.local_port, None),
        addr_port(c.remote_addr, c.remote_port, None),
        c.local_token
            .map(|t| format!(" (token {t})"))
            .unwrap_or_default()
    )
}

fn name_some(list: &[&conns::Connection]) -> String {
    let mut s = list
        .iter()
        .take(NAMED)
        .map(|c| describe_conn(c))
        .collect::<Vec<_>>()
        .join(", ");
    if list.len() > NAMED {
        let _ = write!(s, " and {} more", list.len() - NAMED);
    }
    s
}

/// `connections`: open connections that fell back, or have fewer subflows than allowed.
fn check_connections(facts: &Facts, fix: &Fixes<'_>, f: &mut Findings) {
    let report = match &facts.connections {
        Ok(r) => r,
        Err(e) => {
            f.skipped("connections", format!("cannot list connections: {e}"));
            return;
        }
    };
    let listening: Vec<(IpAddr, u16)> = report
        .connections
        .iter()
        .filter(|c| c.state == TcpState::Listen)
        .map(|c| (c.local_addr.to_canonical(), c.local_port))
        .collect();
    let accepted = |c: &conns::Connection| {
        listening.iter().any(|(a, p)| {
            *p == c.local_port && (a.is_unspecified() || *a == c.local_addr.to_canonical())
        })
    };
    let open: Vec<&conns::Connection> = report
        .connections
        .iter()
        .filter(|c| c.state == TcpState::Established)
        .collect();
    if open.is_empty() {
        f.ok("connections", "no MPTCP connection is open now");
        return;
    }
    let fell_back: Vec<&conns::Connection> = open
        .iter()
        .copied()
        .filter(|c| c.fallback == Some(true))
        .collect();
    // Connections this host opened: the in-kernel path manager adds subflows from the
    // subflow endpoints, up to the limit (mptcpi_local_addr_max, mptcpi_subflows_max).
    let short: Vec<&conns::Connection> = open
        .iter()
        .copied()
        .filter(|c| c.fallback != Some(true) && !accepted(c))
        .filter(|c| {
            c.mptcp_info.as_ref().is_some_and(|i| {
                let allowed = i
                    .subflows_max
                    .unwrap_or(0)
                    .min(i.local_addr_max.unwrap_or(0));
                i.subflows.unwrap_or(0) < allowed
            })
        })
        .collect();
    if !fell_back.is_empty() {
        f.add(
            "connections",
            Verdict::Warning,
            Some("fallback".into()),
            format!(
                "{} of {} open connections fell back to plain TCP: {}",
                fell_back.len(),
                open.len(),
                name_some(&fell_back)
            ),
            Some(
                "check that the peer speaks MPTCP; capture a handshake and run mptcpstat analyze on it"
                    .into(),
            ),
        );
    }
    if !short.is_empty() {
        f.add(
            "connections",
            Verdict::Warning,
            Some("subflows".into()),
            format!(
                "{} open connection{} fewer subflows than the endpoints allow: {}",
                short.len(),
                if short.len() == 1 { " has" } else { "s have" },
                name_some(&short)
            ),
            Some(format!(
                "see why joins fail: {} (sub_closed with an error) and {}",
                fix.mptcpstat("monitor"),
                fix.mptcpstat("counters")
            )),
        );
    }
    if fell_back.is_empty() && short.is_empty() {
        f.ok(
            "connections",
            format!(
                "{} open connection{}, none fell back, each with the subflows its endpoints allow",
                open.len(),
                if open.len() == 1 { "" } else { "s" }
            ),
        );
    }
}

/// `process`: plain TCP or MPTCP, for `--pid` and `--program`.
fn check_processes(facts: &Facts, f: &mut Findings) {
    for p in &facts.processes {
        let who = format!("{} (PID {})", p.process.comm, p.process.pid);
        let subject = Some(who.clone());
        if let Some(e) = &p.error {
            f.add(
                "process",
                Verdict::Skipped,
                subject,
                format!("{who}: cannot read its sockets: {e}"),
                None,
            );
            continue;
        }
        let show_tcp = |v: &[(String, String, TcpState)]| {
            let mut s = v
                .iter()
                .take(NAMED)
                .map(|(l, r, st)| show_sock(l, r, *st))
                .collect::<Vec<_>>()
                .join(", ");
            if v.len() > NAMED {
                let _ = write!(s, " and {} more", v.len() - NAMED);
            }
            s
        };
        let run = command_line(&p.process);
        let (m, t) = (p.mptcp.len(), p.tcp.len());
        let fell_back = p.mptcp.iter().filter(|s| s.3).count();
        if m == 0 && t == 0 {
            f.add(
                "process",
                Verdict::Skipped,
                subject,
                format!("{who} has no TCP socket open now: check again while it is connected"),
                None,
            );
        } else if m == 0 {
            f.add(
                "process",
                Verdict::Problem,
                subject,
                format!(
                    "{who} uses plain TCP: {t} TCP socket{} ({}), none MPTCP, because it does not ask for IPPROTO_MPTCP",
                    if t == 1 { "" } else { "s" },
                    show_tcp(&p.tcp)
                ),
                Some(format!(
                    "restart it under mptcpize: mptcpize run {run} (for a systemd service: mptcpize enable UNIT)"
                )),
            );
        } else if t > 0 {
            f.add(
                "process",
                Verdict::Warning,
                subject,
                format!(
                    "{who} has {m} MPTCP socket{} and {t} plain TCP socket{} ({})",
                    if m == 1 { "" } else { "s" },
                    if t == 1 { "" } else { "s" },
                    show_tcp(&p.tcp)
                ),
                Some(format!("make all its sockets MPTCP: mptcpize run {run}")),
            );
        } else if fell_back > 0 {
            f.add(
                "process",
                Verdict::Warning,
                subject,
                format!(
                    "{who} uses MPTCP ({m} socket{}), but {fell_back} connection{} fell back to plain TCP",
                    if m == 1 { "" } else { "s" },
                    if fell_back == 1 { "" } else { "s" }
                ),
                Some("check that its peers speak MPTCP".into()),
            );
        } else {
            let socks: Vec<(String, String, TcpState)> = p
                .mptcp
                .iter()
                .map(|(l, r, st, _)| (l.clone(), r.clone(), *st))
                .collect();
            f.ok(
                "process",
                format!(
                    "{who} uses MPTCP: {m} MPTCP socket{} ({})",
                    if m == 1 { "" } else { "s" },
                    show_tcp(&socks)
                ),
            );
        }
    }
}

/// The process's command line as a shell would take it back; its name and `ARGS...` when
/// that is too long to suggest.
fn command_line(p: &Process) -> String {
    let quoted = p
        .cmdline
        .iter()
        .map(|a| {
            if !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_./:=@%+,-".contains(c))
            {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    if quoted.is_empty() || quoted.len() > 200 {
        format!("{} ARGS...", p.comm)
    } else {
        quoted
    }
}

fn show_sock(local: &str, remote: &str, state: TcpState) -> String {
    if state == TcpState::Listen {
        format!("listening on {local}")
    } else {
        format!("{local} -> {remote}")
    }
}

impl Render for CheckReport {
    fn render(&self, w: &mut dyn Write, style: Style) -> std::io::Result<()> {
        for c in &self.checks {
            let word = format!("{:<8}", c.status.word());
            let word = match c.status {
                Verdict::Ok => style.good(&word),
                Verdict::Skipped => word,
                Verdict::Warning => style.warn(&word),
                Verdict::Problem => style.bad(&word),
            };
            let fix = c
                .fix
                .as_ref()
                .map(|x| format!(". Fix: {x}"))
                .unwrap_or_default();
            writeln!(w, "{word} {:<19} {}{fix}", c.check, c.message)?;
        }
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let summary = if self.ok {
            format!(
                "MPTCP works here: {}, {}",
                plural(self.problems, "problem"),
                plural(self.warnings, "warning")
            )
        } else {
            format!(
                "MPTCP does not work as configured: {}, {}",
                plural(self.problems, "problem"),
                plural(self.warnings, "warning")
            )
        };
        let summary = if self.ok {
            style.good(&summary)
        } else {
            style.bad(&summary)
        };
        writeln!(w, "\n{}", style.strong(&summary))
    }
}

/// The path manager daemons running in the calling thread's namespace.
fn daemons(proc: &Proc) -> Vec<Process> {
    let here = proc.netns(None);
    proc.processes()
        .into_iter()
        .filter(|p| PM_DAEMONS.contains(&p.comm.as_str()))
        .filter(|p| here.is_none() || proc.netns(Some(p.pid)) == here)
        .collect()
}

/// Reads everything [`evaluate`] looks at from the current namespace (`--netns` entered).
#[must_use]
pub fn gather(netns: Option<String>) -> Facts {
    let proc = Proc::live();
    let sysctls = proc.sysctls().ok().flatten();
    let pm = status::ask_pm();
    let all = Filter::every_socket();
    Facts {
        netns,
        osrelease: proc.osrelease(),
        socket: probe::mptcp_socket(),
        pm,
        network: route::fetch().map_err(|e| e.to_string()),
        counters: proc.counters().map_err(|e| e.to_string()),
        connections: conns::fetch(&all).map_err(|e| format!("{e:#}")),
        daemons: daemons(&proc),
        processes: Vec::new(),
        sysctls,
    }
}

/// The processes `--pid` or `--program` name.
fn wanted_processes(args: &CheckArgs, proc: &Proc) -> anyhow::Result<Vec<Process>> {
    if let Some(pid) = args.pid {
        return proc
            .process(pid)
            .map(|p| vec![p])
            .map_err(|_| anyhow::anyhow!("no process with PID {pid}: list them with `ps -e`"));
    }
    let Some(name) = &args.program else {
        return Ok(Vec::new());
    };
    // comm holds at most 15 bytes (TASK_COMM_LEN - 1); ps -C compares the same way.
    let short: String = name.chars().take(15).collect();
    let me = std::process::id();
    let found: Vec<Process> = proc
        .processes()
        .into_iter()
        .filter(|p| p.pid != me)
        .filter(|p| {
            p.comm == short
                || p.cmdline.first().is_some_and(|a| {
                    std::path::Path::new(a)
                        .file_name()
                        .is_some_and(|f| f.to_string_lossy() == name.as_str())
                })
        })
        .collect();
    if found.is_empty() {
        bail!("no process named {name:?} is running: check with `ps -C {name}`");
    }
    Ok(found)
}

/// Classifies a process's sockets with dumps taken in `target`, its own namespace (`None`:
/// the one we are in).
fn process_sockets(p: Process, target: Option<&NetnsTarget>) -> ProcessSockets {
    let proc = Proc::live();
    let mut out = ProcessSockets {
        process: p,
        error: None,
        mptcp: Vec::new(),
        tcp: Vec::new(),
    };
    let inodes = match proc.socket_inodes(out.process.pid) {
        Ok(i) => i,
        Err(e) => {
            out.error = Some(format!("{e} (reading another user's sockets needs root)"));
            return out;
        }
    };
    let dumps = run_in(
        target,
        || -> Result<(Vec<MptcpSock>, Vec<TcpSock>), String> {
            let mut nl = Netlink::open(Protocol::SockDiag).map_err(|e| e.to_string())?;
            let (mut msks, mut tcps) = (Vec::new(), Vec::new());
            for family in [AF_INET, AF_INET6] {
                sock_diag::dump_mptcp_each(&mut nl, family, states::ALL, |d| {
                    sock_diag::parse_mptcp_into(d, &mut msks)
                })
                .map_err(|e| e.to_string())?;
                sock_diag::dump_tcp_each(&mut nl, family, states::ALL, |d| {
                    sock_diag::parse_tcp_socks_into(d, &mut tcps)
                })
                .map_err(|e| e.to_string())?;
            }
            Ok((msks, tcps))
        },
    );
    let (msks, tcps) = match dumps {
        Ok(Ok(d)) => d,
        Ok(Err(e)) => {
            out.error = Some(e);
            return out;
        }
        Err(e) => {
            out.error = Some(e.to_string());
            return out;
        }
    };
    let mine = |inode: u32| inode != 0 && inodes.binary_search(&u64::from(inode)).is_ok();
    for m in msks.iter().filter(|m| mine(m.msg.inode)) {
        out.mptcp.push((
            addr_port(m.msg.src, m.msg.sport, None),
            addr_port(m.msg.dst, m.msg.dport, None),
            m.msg.state,
            m.info.as_ref().and_then(MptcpInfo::fallback) == Some(true),
        ));
    }
    for t in tcps.iter().filter(|t| mine(t.msg.inode) && !t.is_subflow()) {
        out.tcp.push((
            addr_port(t.msg.src, t.msg.sport, None),
            addr_port(t.msg.dst, t.msg.dport, None),
            t.msg.state,
        ));
    }
    out
}

pub fn run(args: &CheckArgs, out: &mut Output<'_>) -> anyhow::Result<Status> {
    let proc = Proc::live();
    let wanted = wanted_processes(args, &proc)?;
    let mut facts = in_netns(&args.netns, || Ok(gather(args.netns.netns.clone())))?;
    let here = proc.netns(None);
    for p in wanted {
        // A process's sockets live in its own namespace, whatever --netns says.
        let target = (proc.netns(Some(p.pid)) != here).then_some(NetnsTarget::Pid(p.pid));
        facts.processes.push(process_sockets(p, target.as_ref()));
    }
    let report = evaluate(&facts);
    out.report(&report)?;
    Ok(if report.ok {
        Status::Ok
    } else {
        Status::Problem
    })
}

#[cfg(test)]
mod tests;
