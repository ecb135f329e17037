//! `check` against namespaces set up with one misconfiguration each, and a healthy one.
//!
//! Where the kernel can answer the same question, its answer is the oracle: `ip route get
//! DST from ADDR` says which interface traffic from an endpoint's address really leaves by,
//! `nstat` which counters moved. Where a fix is a command, the test runs it and checks that
//! the finding goes away.

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::netns::{self, Netns, SERVER_ADDR, TwoPaths, can_run, connect, listen, wait_until};
use crate::{mptcpstat, wait_for_join};

/// `mptcpstat check --json --netns NS EXTRA...`: the exit code and the report.
fn check(ns: &Netns, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["check", "--json", "--netns", ns.name()];
    args.extend_from_slice(extra);
    let out = mptcpstat(&args);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "check printed no JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap(), report)
}

/// The findings of `check` named `name`.
fn findings<'a>(report: &'a Value, name: &str) -> Vec<&'a Value> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["check"] == name)
        .collect()
}

/// The one finding of `name` with `status`; panics with the report otherwise.
fn finding<'a>(report: &'a Value, name: &str, status: &str) -> &'a Value {
    let found: Vec<_> = findings(report, name)
        .into_iter()
        .filter(|c| c["status"] == status)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one {status} for {name} in {}",
        serde_json::to_string_pretty(report).unwrap()
    );
    found[0]
}

fn statuses(report: &Value) -> Vec<(String, String)> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["check"].as_str().unwrap().to_owned(),
                c["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Runs a suggested fix: a shell command line (`A && B`).
fn apply(fix: &Value) {
    let fix = fix.as_str().unwrap();
    let out = Command::new("sh").args(["-c", fix]).output().unwrap();
    assert!(
        out.status.success(),
        "fix `{fix}` failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The interface `ip route get` names for traffic from `src` to a far-away address.
fn kernel_route_dev(ns: &Netns, src: &str, oif: Option<&str>) -> Option<String> {
    let mut args = vec!["-n", ns.name(), "route", "get", "192.0.2.99", "from", src];
    if let Some(d) = oif {
        args.extend(["oif", d]);
    }
    let out = Command::new("ip").args(&args).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut words = text.split_whitespace();
    words.find(|w| *w == "dev")?;
    words.next().map(str::to_owned)
}

#[test]
fn check_healthy_namespaces_pass() {
    if !can_run("check_healthy_namespaces_pass") {
        return;
    }
    let net = TwoPaths::new("chk");
    // Policy routing as a multi-homed host needs it: main default via c1, and traffic from
    // the c2 endpoint by its own table.
    net.client
        .ip(&["route", "add", "default", "via", "10.0.1.2", "dev", "c1"]);
    net.client.ip(&[
        "rule", "add", "from", "10.0.2.1", "table", "102", "prio", "100",
    ]);
    net.client.ip(&[
        "route", "add", "default", "via", "10.0.2.2", "dev", "c2", "table", "102",
    ]);
    // The kernel agrees: traffic from 10.0.2.1 leaves by c2, other traffic by c1.
    assert_eq!(
        kernel_route_dev(&net.client, "10.0.2.1", None).as_deref(),
        Some("c2")
    );
    assert_eq!(
        kernel_route_dev(&net.client, "10.0.1.1", None).as_deref(),
        Some("c1")
    );

    let to = SocketAddr::from((SERVER_ADDR, 5201));
    let listener = listen(&net.server, to);
    let _conn = connect(&net.client, &listener, to, 100, 100);
    wait_for_join(&net.client);

    for ns in [&net.client, &net.server] {
        let (code, report) = check(ns, &[]);
        assert_eq!(
            code,
            0,
            "{}",
            serde_json::to_string_pretty(&report).unwrap()
        );
        assert_eq!(report["ok"], true);
        assert_eq!(report["problems"], 0);
        let not_ok: Vec<_> = statuses(&report)
            .into_iter()
            .filter(|(_, s)| s != "ok")
            .collect();
        assert!(not_ok.is_empty(), "all ok: {not_ok:?}");
    }
    let (_, report) = check(&net.client, &[]);
    let route = finding(&report, "endpoint_route", "ok");
    let msg = route["message"].as_str().unwrap();
    assert!(
        msg.contains("leaves by c2 via 10.0.2.2 (table 102, rule 100)"),
        "{msg}"
    );
    assert!(
        finding(&report, "endpoint_interface", "ok")["message"]
            .as_str()
            .unwrap()
            .contains("bound to c2")
    );
    assert!(
        finding(&report, "connections", "ok")["message"]
            .as_str()
            .unwrap()
            .starts_with("1 open connection")
    );

    // The text form: one line per check, then the verdict.
    let out = mptcpstat(&["check", "--netns", net.client.name()]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<_> = text.lines().collect();
    assert_eq!(lines.len(), report["checks"].as_array().unwrap().len() + 2);
    assert!(lines[0].starts_with("ok       kernel "), "{text}");
    assert_eq!(
        lines.last(),
        Some(&"MPTCP works here: 0 problems, 0 warnings")
    );
}

#[test]
fn check_names_mptcp_disabled() {
    if !can_run("check_names_mptcp_disabled") {
        return;
    }
    let ns = Netns::new("chkoff");
    ns.sysctl("net.mptcp.enabled", "0");
    let (code, report) = check(&ns, &[]);
    assert_eq!(code, 1);
    assert_eq!(report["ok"], false);
    let f = finding(&report, "enabled", "problem");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("net.mptcp.enabled = 0")
    );
    assert_eq!(
        f["fix"],
        format!("ip netns exec {} sysctl -w net.mptcp.enabled=1", ns.name())
    );
    apply(&f["fix"]);
    let (code, report) = check(&ns, &[]);
    assert_eq!(code, 0);
    finding(&report, "enabled", "ok");
    netns::assert_root_mptcp_enabled();
}

#[test]
fn check_names_a_subflow_endpoint_with_limit_zero() {
    if !can_run("check_names_a_subflow_endpoint_with_limit_zero") {
        return;
    }
    let ns = Netns::new("chklim");
    let peer = Netns::new("chklimp");
    netns::veth(&ns, "c2", "10.0.2.1/24", &peer, "p2", "10.0.2.2/24");
    ns.limits(0, 0);
    ns.ip(&[
        "mptcp", "endpoint", "add", "10.0.2.1", "dev", "c2", "subflow",
    ]);
    let (code, report) = check(&ns, &[]);
    assert_eq!(code, 1);
    let f = finding(&report, "limits", "problem");
    assert_eq!(f["subject"], "subflows");
    assert!(f["message"].as_str().unwrap().contains("10.0.2.1 (id 1)"));
    assert_eq!(
        f["fix"],
        format!("ip -n {} mptcp limits set subflows 1", ns.name())
    );
    // A client that ignores ADD_ADDR: a warning, not a problem.
    assert_eq!(
        finding(&report, "limits", "warning")["subject"],
        "add_addr_accepted"
    );
    apply(&f["fix"]);
    let (_, report) = check(&ns, &[]);
    assert!(
        findings(&report, "limits")
            .iter()
            .all(|f| f["status"] != "problem")
    );
}

#[test]
fn check_names_a_missing_endpoint_address() {
    if !can_run("check_names_a_missing_endpoint_address") {
        return;
    }
    let ns = Netns::new("chkaddr");
    ns.ip(&["mptcp", "endpoint", "add", "10.0.9.1", "id", "7", "subflow"]);
    ns.ip(&[
        "mptcp",
        "endpoint",
        "add",
        "192.0.2.80",
        "id",
        "8",
        "signal",
    ]);
    let (code, report) = check(&ns, &[]);
    assert_eq!(code, 1);
    let f = finding(&report, "endpoint", "problem");
    assert_eq!(f["subject"], "10.0.9.1 (id 7)");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("no interface has this address")
    );
    assert!(
        f["fix"]
            .as_str()
            .unwrap()
            .ends_with(&format!("ip -n {} mptcp endpoint delete id 7", ns.name()))
    );
    // An announced address that is not here may be a NAT's: a warning.
    assert_eq!(
        finding(&report, "endpoint", "warning")["subject"],
        "192.0.2.80 (id 8)"
    );
}

#[test]
fn check_names_a_down_interface_and_the_missing_subflow() {
    if !can_run("check_names_a_down_interface_and_the_missing_subflow") {
        return;
    }
    let net = TwoPaths::new("chkdown");
    net.client.ip(&["link", "set", "c2", "down"]);
    let to = SocketAddr::from((SERVER_ADDR, 5201));
    let listener = listen(&net.server, to);
    let _conn = connect(&net.client, &listener, to, 100, 100);

    let (code, report) = check(&net.client, &[]);
    assert_eq!(code, 1);
    let f = finding(&report, "endpoint_interface", "problem");
    assert_eq!(f["subject"], "10.0.2.1 (id 1)");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("interface c2 is down")
    );
    // The connection could not add its subflow over c2.
    let c = finding(&report, "connections", "warning");
    assert_eq!(c["subject"], "subflows");
    assert!(c["message"].as_str().unwrap().contains("-> 10.0.1.2:5201"));

    apply(&f["fix"]);
    wait_until("c2 to come up", Duration::from_secs(5), || {
        check(&net.client, &[]).1["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["check"] == "endpoint_interface" && c["status"] == "ok")
    });

    // Down on the other side: the veth has no carrier.
    net.server.ip(&["link", "set", "s2", "down"]);
    let (_, report) = check(&net.client, &[]);
    let f = finding(&report, "endpoint_interface", "problem");
    assert!(f["message"].as_str().unwrap().contains("no carrier"), "{f}");
}

#[test]
fn check_names_a_missing_route_out_of_the_endpoint_interface() {
    if !can_run("check_names_a_missing_route_out_of_the_endpoint_interface") {
        return;
    }
    let ns = Netns::new("chkrt");
    let peer = Netns::new("chkrtp");
    netns::veth(&ns, "c1", "10.0.1.1/24", &peer, "p1", "10.0.1.2/24");
    netns::veth(&ns, "c2", "10.0.2.1/32", &peer, "p2", "10.0.2.2/24");
    ns.ip(&["route", "add", "default", "via", "10.0.1.2", "dev", "c1"]);
    ns.ip(&["mptcp", "endpoint", "add", "10.0.2.1", "subflow"]);
    // The kernel sends traffic from 10.0.2.1 out of c1: that is what check must report.
    assert_eq!(
        kernel_route_dev(&ns, "10.0.2.1", None).as_deref(),
        Some("c1")
    );
    let (code, report) = check(&ns, &[]);
    assert_eq!(code, 1);
    let f = finding(&report, "endpoint_route", "problem");
    let msg = f["message"].as_str().unwrap();
    assert!(msg.contains("leaves by c1"), "{msg}");
    assert!(msg.contains("not by c2"), "{msg}");
    let fix = f["fix"].as_str().unwrap();
    assert!(
        fix.contains("rule add from 10.0.2.1 table 100")
            && fix.contains("route add default via GATEWAY dev c2 table 100"),
        "{fix}"
    );
    // With the gateway filled in, the fix makes the kernel and check agree on c2.
    apply(&Value::from(fix.replace("GATEWAY", "10.0.2.2 onlink")));
    assert_eq!(
        kernel_route_dev(&ns, "10.0.2.1", None).as_deref(),
        Some("c2")
    );
    let (_, report) = check(&ns, &[]);
    assert!(
        finding(&report, "endpoint_route", "ok")["message"]
            .as_str()
            .unwrap()
            .contains("leaves by c2 via 10.0.2.2 (table 100, rule")
    );

    // Bound to c2 with no route through it at all: nowhere to go.
    let ns = Netns::new("chkrt2");
    let peer = Netns::new("chkrt2p");
    netns::veth(&ns, "c2", "10.0.2.1/32", &peer, "p2", "10.0.2.2/24");
    ns.ip(&[
        "mptcp", "endpoint", "add", "10.0.2.1", "dev", "c2", "subflow",
    ]);
    let (code, report) = check(&ns, &[]);
    assert_eq!(code, 1);
    let f = finding(&report, "endpoint_route", "problem");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("no route sends traffic from it out of c2")
    );
}

#[test]
fn check_names_a_userspace_path_manager_without_daemon() {
    if !can_run("check_names_a_userspace_path_manager_without_daemon") {
        return;
    }
    let ns = Netns::new("chkpm");
    let key = if std::path::Path::new("/proc/sys/net/mptcp/path_manager").exists() {
        ("net.mptcp.path_manager", "userspace")
    } else {
        ("net.mptcp.pm_type", "1")
    };
    ns.sysctl(key.0, key.1);
    // A daemon named mptcpd in another namespace does not count: run one in the root one.
    let dir = std::env::temp_dir().join(format!("mptcpstat-chkpm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fake = dir.join("mptcpd");
    std::fs::copy("/bin/sleep", &fake).unwrap();
    let mut outside = Command::new(&fake).arg("30").spawn().unwrap();

    let (code, report) = check(&ns, &[]);
    let _ = outside.kill();
    let _ = outside.wait();
    assert_eq!(code, 1);
    let f = finding(&report, "path_manager", "problem");
    assert!(f["message"].as_str().unwrap().contains(&format!(
        "{} = {}, but no path manager daemon",
        key.0, key.1
    )));

    // One inside the namespace does.
    let mut inside = Command::new("ip")
        .args(["netns", "exec", ns.name()])
        .arg(&fake)
        .arg("30")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let pid = inside.id();
    wait_until("the daemon to start", Duration::from_secs(5), || {
        std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == "mptcpd")
    });
    let (code, report) = check(&ns, &[]);
    let _ = inside.kill();
    let _ = inside.wait();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(code, 0, "{report}");
    let f = finding(&report, "path_manager", "ok");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains(&format!("driven by mptcpd (PID {pid})"))
    );
}

/// A Python process in `ns` listening on `port` with a plain TCP or an MPTCP socket, and
/// keeping one connection to itself open.
fn python_server(ns: &Netns, port: u16, mptcp: bool) -> std::process::Child {
    let proto = if mptcp { "socket.IPPROTO_MPTCP" } else { "0" };
    let script = format!(
        "import socket,time\n\
         l=socket.socket(socket.AF_INET,socket.SOCK_STREAM,{proto})\n\
         l.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n\
         l.bind(('127.0.0.1',{port}));l.listen()\n\
         c=socket.socket(socket.AF_INET,socket.SOCK_STREAM,{proto});c.connect(('127.0.0.1',{port}))\n\
         a,_=l.accept()\n\
         time.sleep(30)\n"
    );
    Command::new("ip")
        .args(["netns", "exec", ns.name(), "python3", "-c", &script])
        .spawn()
        .unwrap()
}

#[test]
fn check_tells_plain_tcp_programs_from_mptcp_ones() {
    if !can_run("check_tells_plain_tcp_programs_from_mptcp_ones") {
        return;
    }
    let ns = Netns::new("chkpid");
    let mut plain = python_server(&ns, 7001, false);
    let mut multi = python_server(&ns, 7002, true);
    wait_until("both servers", Duration::from_secs(10), || {
        let ss = ns.exec_ok(&["ss", "-Htn", "state", "established"]);
        ss.contains(":7001") && ss.contains(":7002")
    });
    let (code_plain, plain_report) = check(&ns, &["--pid", &plain.id().to_string()]);
    let (code_multi, multi_report) = check(&ns, &["--pid", &multi.id().to_string()]);
    // The same processes, found by name, from outside their namespace.
    let by_name = mptcpstat(&["check", "--json", "--program", "python3"]);
    let _ = plain.kill();
    let _ = multi.kill();
    let _ = plain.wait();
    let _ = multi.wait();

    assert_eq!(code_plain, 1);
    let f = finding(&plain_report, "process", "problem");
    let msg = f["message"].as_str().unwrap();
    // A listener and two ends of one connection, all plain TCP.
    assert!(msg.contains("uses plain TCP: 3 TCP sockets"), "{msg}");
    assert!(msg.contains("listening on 127.0.0.1:7001"), "{msg}");
    let fix = f["fix"].as_str().unwrap();
    assert!(
        fix.starts_with("restart it under mptcpize: mptcpize run "),
        "{fix}"
    );
    // The script makes the command line too long to repeat: the fix names the program.
    assert!(fix.contains("python3 ARGS..."), "{fix}");

    assert_eq!(code_multi, 0, "{multi_report}");
    let f = finding(&multi_report, "process", "ok");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("uses MPTCP: 3 MPTCP sockets")
    );

    let report: Value = serde_json::from_slice(&by_name.stdout).unwrap();
    let verdicts: Vec<_> = findings(&report, "process")
        .iter()
        .map(|f| f["status"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        verdicts.contains(&"problem".to_owned()) && verdicts.contains(&"ok".to_owned()),
        "{verdicts:?}"
    );

    let out = mptcpstat(&["check", "--program", "no-such-program-here"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no process named"));
}

#[test]
fn check_names_fallbacks_and_a_private_signal_address_behind_nat() {
    if !can_run("check_names_fallbacks_and_a_private_signal_address_behind_nat") {
        return;
    }
    let net = TwoPaths::new("chknat");
    // The client announces a private address and has no public one, but a default route.
    net.client
        .ip(&["route", "add", "default", "via", "10.0.1.2", "dev", "c1"]);
    net.client.ip(&["addr", "add", "10.0.3.1/32", "dev", "lo"]);
    net.client
        .ip(&["mptcp", "endpoint", "add", "10.0.3.1", "id", "5", "signal"]);
    // An MPTCP client talking to a plain TCP server: the connection falls back.
    let plain = net
        .server
        .run(|| std::net::TcpListener::bind("10.0.1.2:7100").unwrap());
    let client = net.client.run(|| {
        let s = netns::mptcp_socket(socket2::Domain::IPV4);
        s.connect(&SocketAddr::from((SERVER_ADDR, 7100)).into())
            .unwrap();
        s
    });
    let (_server_end, _) = plain.accept().unwrap();

    let (code, report) = check(&net.client, &[]);
    drop(client);
    assert_eq!(code, 0, "warnings only: {report}");
    let nat = finding(&report, "nat", "warning");
    assert_eq!(nat["subject"], "10.0.3.1 (id 5)");
    assert!(
        nat["message"]
            .as_str()
            .unwrap()
            .contains("probably behind NAT")
    );
    // nstat is the oracle for the counter.
    let nstat = net
        .client
        .exec_ok(&["nstat", "-asz", "MPTcpExtMPCapableFallbackSYNACK"]);
    let n: u64 = nstat
        .lines()
        .find_map(|l| l.strip_prefix("MPTcpExtMPCapableFallbackSYNACK"))
        .and_then(|v| v.split_whitespace().next())
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(n, 1);
    let c = finding(&report, "counters", "warning");
    assert_eq!(c["subject"], "fallback");
    assert!(
        c["message"]
            .as_str()
            .unwrap()
            .contains(&format!("MPCapableFallbackSYNACK {n}"))
    );
    let open = findings(&report, "connections");
    assert!(
        open.iter().any(|f| f["subject"] == "fallback"
            && f["message"]
                .as_str()
                .unwrap()
                .contains("1 of 1 open connections fell back")),
        "{open:?}"
    );
}
