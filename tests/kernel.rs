//! End-to-end tests against the running kernel, in network namespaces each test creates and
//! removes. mptcpstat's answers are compared with the kernel's own tools run in the same
//! namespace: `ss -M` and `ss -ti` for connections, `ip -j mptcp` for endpoints and limits,
//! `/proc/sys/net/mptcp` for sysctls, `nstat` for counters.
//!
//! `slow_path` shapes two paths with tc and checks `analyze` and `conns --watch` against the
//! rates and queues it set.
//!
//! Each test skips with one line when it cannot run (not root, no MPTCP, no tcpdump);
//! `MPTCPSTAT_REQUIRE_KERNEL=1` turns that into a failure. `UPDATE_FIXTURES=1` re-records the
//! netlink replies and `/proc` copies under `testdata/` (see `testdata/README.md`).

#[path = "kernel/check.rs"]
mod check;
#[path = "kernel/export.rs"]
mod export;
#[path = "kernel/monitor.rs"]
mod monitor;
#[path = "kernel/netns.rs"]
mod netns;
#[path = "kernel/slow_path.rs"]
mod slow_path;

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use mptcpstat::kernel::netlink::{Netlink, Protocol};
use mptcpstat::kernel::pm::{self, Pm};
use mptcpstat::kernel::sock_diag::{self, AF_INET, states};
use serde_json::Value;

use netns::{Netns, SERVER_ADDR, TwoPaths, can_run, connect, listen, wait_until};

/// Runs the built binary.
fn mptcpstat(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_mptcpstat"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("running mptcpstat")
}

/// Runs the binary with `--json`, which must succeed, and parses its output.
fn json(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let out = mptcpstat(&all);
    assert!(
        out.status.success(),
        "mptcpstat {} failed: {}",
        all.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

fn token(v: &Value) -> Option<u32> {
    v.as_str().map(|s| {
        assert_eq!(s.len(), 8, "tokens are 8 hex digits: {s}");
        u32::from_str_radix(s, 16).unwrap()
    })
}

/// One socket as `ss -H -n -i` prints it: the address line and its detail line.
#[derive(Debug, Clone)]
struct SsSocket {
    state: String,
    local: (IpAddr, u16),
    peer: (IpAddr, u16),
    detail: String,
}

/// Parses `10.0.2.1%c2:58115`, `[::1]:5201`, `0.0.0.0:*`.
fn ss_endpoint(s: &str) -> (IpAddr, u16) {
    let (addr, port) = s.rsplit_once(':').unwrap();
    let addr = addr
        .split('%')
        .next()
        .unwrap()
        .trim_start_matches('[')
        .trim_end_matches(']');
    let port = if port == "*" {
        0
    } else {
        port.parse().unwrap()
    };
    (addr.parse().unwrap(), port)
}

fn ss(ns: &Netns, args: &[&str]) -> Vec<SsSocket> {
    let mut cmd = vec!["ss", "-H", "-n", "-i"];
    cmd.extend_from_slice(args);
    let text = ns.exec_ok(&cmd);
    let mut out: Vec<SsSocket> = Vec::new();
    for line in text.lines() {
        if line.starts_with(char::is_whitespace) {
            if let Some(last) = out.last_mut() {
                last.detail.push_str(line);
            }
            continue;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        // State Recv-Q Send-Q Local Peer
        out.push(SsSocket {
            state: f[0].to_owned(),
            local: ss_endpoint(f[3]),
            peer: ss_endpoint(f[4]),
            detail: String::new(),
        });
    }
    out
}

/// The value after `key:` in an `ss` detail line.
fn ss_field<'a>(detail: &'a str, key: &str) -> Option<&'a str> {
    detail
        .split_whitespace()
        .find_map(|w| w.strip_prefix(key)?.strip_prefix(':'))
}

/// `tcp-ulp-mptcp ... token:REM(id:R)/LOC(id:L)`: (remote token, remote id, local token, local id).
fn ss_subflow_tokens(detail: &str) -> (u32, u8, u32, u8) {
    let t = ss_field(detail, "token").unwrap();
    let (rem, loc) = t.split_once('/').unwrap();
    let part = |p: &str| {
        let (tok, id) = p.split_once("(id:").unwrap();
        (
            u32::from_str_radix(tok, 16).unwrap(),
            id.trim_end_matches(')').parse().unwrap(),
        )
    };
    let (r, ri) = part(rem);
    let (l, li) = part(loc);
    (r, ri, l, li)
}

fn addr_of(v: &Value, addr: &str, port: &str) -> (IpAddr, u16) {
    (
        v[addr].as_str().unwrap().parse().unwrap(),
        v[port].as_u64().unwrap().try_into().unwrap(),
    )
}

/// A subflow as both tools can describe it.
type SubflowKey = ((IpAddr, u16), (IpAddr, u16), u8, u8, String);

fn our_subflows(conn: &Value) -> BTreeSet<SubflowKey> {
    conn["subflows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let letters: String = s["flags"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| match f.as_str().unwrap() {
                    "mcap_rem" => 'M',
                    "mcap_loc" => 'm',
                    "join_rem" => 'J',
                    "join_loc" => 'j',
                    "bkup_rem" => 'B',
                    "bkup_loc" => 'b',
                    "fully_established" => 'e',
                    "connected" => 'c',
                    "mapvalid" => 'v',
                    other => panic!("unexpected flag {other}"),
                })
                .collect();
            (
                addr_of(s, "local_addr", "local_port"),
                addr_of(s, "remote_addr", "remote_port"),
                u8::try_from(s["local_id"].as_u64().unwrap()).unwrap(),
                u8::try_from(s["remote_id"].as_u64().unwrap()).unwrap(),
                letters,
            )
        })
        .collect()
}

fn ss_subflows_of(subflows: &[SsSocket], local_token: u32) -> BTreeSet<SubflowKey> {
    subflows
        .iter()
        .filter(|s| s.detail.contains("tcp-ulp-mptcp") && ss_field(&s.detail, "token").is_some())
        .filter(|s| ss_subflow_tokens(&s.detail).2 == local_token)
        .map(|s| {
            let (_, rid, _, lid) = ss_subflow_tokens(&s.detail);
            let flags = ss_field(&s.detail, "flags").unwrap_or("").to_owned();
            (s.local, s.peer, lid, rid, flags)
        })
        .collect()
}

/// Compares `conns` with `ss -M` and `ss -t` in one namespace; returns our connections.
fn compare_conns_with_ss(ns: &Netns, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["conns", "--netns", ns.name()];
    args.extend_from_slice(extra);
    let ours = json(&args)["connections"].as_array().unwrap().clone();
    let mut ss_args = vec!["-M"];
    ss_args.extend_from_slice(extra);
    let msks = ss(ns, &ss_args);
    let mut ss_args = vec!["-t"];
    ss_args.extend_from_slice(extra);
    let tcps = ss(ns, &ss_args);

    assert_eq!(
        ours.len(),
        msks.len(),
        "same number of MPTCP sockets as ss -M: {msks:?}"
    );
    for m in &msks {
        let c = ours
            .iter()
            .find(|c| {
                addr_of(c, "local_addr", "local_port") == m.local
                    && addr_of(c, "remote_addr", "remote_port") == m.peer
            })
            .unwrap_or_else(|| panic!("ss -M has {m:?}, mptcpstat does not"));
        assert_eq!(c["state"], m.state.as_str());
        // ss prints the token with %x when it is not 0.
        let ss_token = ss_field(&m.detail, "token").map(|t| u32::from_str_radix(t, 16).unwrap());
        assert_eq!(token(&c["local_token"]), ss_token, "local token of {m:?}");
        if let Some(local) = ss_token {
            assert_eq!(
                our_subflows(c),
                ss_subflows_of(&tcps, local),
                "subflows of {m:?}"
            );
            // A remote token learnt from a join must be the one ss shows on that join.
            if c["remote_token_source"] == "mp_join" {
                let ss_rem: BTreeSet<u32> = tcps
                    .iter()
                    .filter(|s| ss_field(&s.detail, "token").is_some())
                    .map(|s| ss_subflow_tokens(&s.detail))
                    .filter(|t| t.2 == local && t.0 != 0)
                    .map(|t| t.0)
                    .collect();
                assert_eq!(ss_rem, BTreeSet::from([token(&c["remote_token"]).unwrap()]));
            }
        }
    }
    ours
}

fn wait_for_join(client: &Netns) {
    wait_until("the MP_JOIN subflow", Duration::from_secs(10), || {
        ss(client, &["-M"])
            .iter()
            .any(|m| ss_field(&m.detail, "subflows") == Some("1"))
    });
}

#[test]
fn conns_match_ss_on_both_sides() {
    if !can_run("conns_match_ss_on_both_sides") {
        return;
    }
    let net = TwoPaths::new("conns");
    let to = SocketAddr::from((SERVER_ADDR, 5201));
    let listener = listen(&net.server, to);
    let _conn = connect(&net.client, &listener, to, 5000, 70_000);
    wait_for_join(&net.client);

    let client = compare_conns_with_ss(&net.client, &[]);
    assert_eq!(client.len(), 1);
    let c = &client[0];
    assert_eq!(
        c["subflows"].as_array().unwrap().len(),
        2,
        "MP_CAPABLE subflow and one join"
    );
    assert_eq!(c["remote_token_source"], "mp_join");
    assert_eq!(c["bytes_sent"], 5000);
    assert_eq!(c["bytes_received"], 70_000);
    let join = c["subflows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["local_id"] == 1)
        .unwrap();
    assert_eq!(join["dev"], "c2", "bound to the endpoint's device");
    assert_eq!(join["local_addr"], "10.0.2.1");

    // The server side, with its listener; the client's remote token is the server's local one.
    let server = compare_conns_with_ss(&net.server, &["-a"]);
    let est: Vec<_> = server.iter().filter(|c| c["state"] == "ESTAB").collect();
    assert_eq!(est.len(), 1);
    assert_eq!(token(&c["remote_token"]), token(&est[0]["local_token"]));
    let l = server.iter().find(|c| c["state"] == "LISTEN").unwrap();
    assert_eq!(l["local_token"], Value::Null);
    assert_eq!(
        l["subflows"][0]["state"], "LISTEN",
        "the TCP listener behind it"
    );

    // -l shows the listener only; the default hides it, like ss.
    let listening = json(&["conns", "-l", "--netns", net.server.name()]);
    assert_eq!(listening["connections"].as_array().unwrap().len(), 1);
    assert_eq!(listening["connections"][0]["state"], "LISTEN");
    let default = json(&["conns", "--netns", net.server.name()]);
    assert!(
        default["connections"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["state"] != "LISTEN")
    );

    // Filters.
    let n = |args: &[&str]| {
        let mut a = vec!["conns", "--netns", net.client.name()];
        a.extend_from_slice(args);
        json(&a)["connections"].as_array().unwrap().len()
    };
    assert_eq!(n(&["--dport", "5201"]), 1);
    assert_eq!(n(&["--dport", "5202"]), 0);
    assert_eq!(
        n(&["--addr", "10.0.2.1"]),
        1,
        "a subflow's address finds its connection"
    );
    assert_eq!(n(&["-6"]), 0);

    // The table: one line per connection, its subflows indented under it.
    let out = mptcpstat(&["conns", "--netns", net.client.name()]);
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<_> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[1].starts_with("ESTAB") && lines[1].contains(c["local_token"].as_str().unwrap()));
    assert!(
        lines[2].starts_with("  └ ESTAB") && lines[3].starts_with("  └ ESTAB"),
        "{text}"
    );
}

#[test]
fn conns_on_ipv6_loopback_find_the_peer_token() {
    if !can_run("conns_on_ipv6_loopback_find_the_peer_token") {
        return;
    }
    let ns = Netns::new("v6");
    let to: SocketAddr = "[::1]:5300".parse().unwrap();
    let listener = listen(&ns, to);
    let _a = connect(&ns, &listener, to, 10, 10);
    let _b = connect(&ns, &listener, to, 10, 10);
    // Both ends of both connections are here: no joins, so each remote token is the peer's
    // local token, which ss -M shows on the peer's line.
    let conns = compare_conns_with_ss(&ns, &["-6"]);
    assert_eq!(conns.len(), 4);
    for c in &conns {
        assert_eq!(c["remote_token_source"], "local_peer");
        let peer = conns
            .iter()
            .find(|p| p["local_port"] == c["remote_port"] && p["remote_port"] == c["local_port"])
            .unwrap();
        assert_eq!(token(&c["remote_token"]), token(&peer["local_token"]));
        assert_eq!(c["subflows"].as_array().unwrap().len(), 1);
    }
    assert_eq!(
        json(&["conns", "-4", "--netns", ns.name()])["connections"],
        Value::Array(vec![])
    );
}

#[test]
fn conns_watch_streams_json_lines() {
    if !can_run("conns_watch_streams_json_lines") {
        return;
    }
    let ns = Netns::new("watch");
    let out = mptcpstat(&[
        "conns",
        "--watch",
        "0.1",
        "--count",
        "3",
        "--json",
        "--netns",
        ns.name(),
    ]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 3);
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        assert!(v["connections"].is_array() && v["time"].is_f64());
    }
}

/// Endpoints by id: address, port, device, flags.
type Endpoints = BTreeMap<u64, (String, Option<u64>, Option<String>, BTreeSet<String>)>;

/// Endpoints as `ip -j mptcp endpoint show` prints them: flags are keys with `true`.
fn ip_endpoints(ns: &Netns) -> Endpoints {
    let v: Value = serde_json::from_str(&ns.ip(&["-j", "mptcp", "endpoint", "show"])).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let flags = [
                "signal", "subflow", "backup", "fullmesh", "implicit", "laminar",
            ]
            .iter()
            .filter(|f| e[**f] == true)
            .map(|f| (*f).to_owned())
            .collect();
            (
                e["id"].as_u64().unwrap(),
                (
                    e["address"].as_str().unwrap().to_owned(),
                    e["port"].as_u64(),
                    e["dev"].as_str().map(str::to_owned),
                    flags,
                ),
            )
        })
        .collect()
}

fn our_endpoints(v: &Value) -> Endpoints {
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let flags = e["flags"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f.as_str().unwrap().to_owned())
                .collect();
            (
                e["id"].as_u64().unwrap(),
                (
                    e["address"].as_str().unwrap().to_owned(),
                    e["port"].as_u64(),
                    e["dev"].as_str().map(str::to_owned),
                    flags,
                ),
            )
        })
        .collect()
}

/// `ip mptcp limits show`: "add_addr_accepted 2 subflows 2" (iproute2 6.1 has no JSON here).
fn ip_limits(ns: &Netns) -> Value {
    let text = ns.ip(&["mptcp", "limits", "show"]);
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut v = serde_json::Map::new();
    for pair in words.chunks(2) {
        v.insert(pair[0].to_owned(), pair[1].parse::<u64>().unwrap().into());
    }
    Value::Object(v)
}

/// `ip -n NS WORDS...`.
fn ip(ns: &Netns, words: &str) -> String {
    ns.ip(&words.split_whitespace().collect::<Vec<_>>())
}

/// `mptcpstat WORDS... --netns NS`.
fn mptcpstat_in(ns: &Netns, words: &str) -> Output {
    let mut args: Vec<&str> = words.split_whitespace().collect();
    args.extend(["--netns", ns.name()]);
    mptcpstat(&args)
}

/// `mptcpstat WORDS... --netns NS --json`, which must succeed.
fn json_in(ns: &Netns, words: &str) -> Value {
    let mut args: Vec<&str> = words.split_whitespace().collect();
    args.extend(["--netns", ns.name()]);
    json(&args)
}

fn flags(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

#[test]
fn endpoints_and_limits_match_ip() {
    if !can_run("endpoints_and_limits_match_ip") {
        return;
    }
    let ns = Netns::new("ep");
    let peer = Netns::new("eppeer");
    netns::veth(&ns, "e1", "10.0.2.1/24", &peer, "p1", "10.0.2.2/24");
    // An endpoint with a port listens on it: its address must be local.
    ip(&ns, "addr add 10.0.3.1/32 dev lo");
    ip(&ns, "mptcp limits set subflows 3 add_addr_accepted 4");
    ip(&ns, "mptcp endpoint add 10.0.2.1 dev e1 subflow");
    ip(&ns, "mptcp endpoint add 10.0.3.1 port 8080 signal backup");
    ip(&ns, "mptcp endpoint add dead:beef::1 subflow fullmesh");

    let ours = json_in(&ns, "endpoints");
    assert_eq!(our_endpoints(&ours["endpoints"]), ip_endpoints(&ns));
    assert_eq!(our_endpoints(&ours["endpoints"]).len(), 3);
    assert_eq!(json_in(&ns, "limits"), ip_limits(&ns));
}

#[test]
fn endpoint_and_limit_changes_match_ip() {
    if !can_run("endpoint_and_limit_changes_match_ip") {
        return;
    }
    let ns = Netns::new("epset");
    ip(&ns, "addr add 10.0.4.1/32 dev lo"); // the port endpoint listens there
    ip(&ns, "mptcp limits set subflows 3 add_addr_accepted 4");

    json_in(&ns, "endpoints add 10.0.4.1 signal --id 9 --port 9000");
    assert_eq!(
        ip_endpoints(&ns)[&9],
        ("10.0.4.1".to_owned(), Some(9000), None, flags(&["signal"]))
    );
    json_in(&ns, "endpoints add 10.0.5.1 subflow fullmesh --id 10");
    json_in(&ns, "endpoints set --id 10 backup");
    assert_eq!(
        ip_endpoints(&ns)[&10].3,
        flags(&["subflow", "fullmesh", "backup"]),
        "fullmesh stays"
    );
    json_in(&ns, "endpoints set --id 10 nobackup nofullmesh");
    assert_eq!(ip_endpoints(&ns)[&10].3, flags(&["subflow"]));
    let after = json_in(&ns, "endpoints delete --id 9");
    assert!(!ip_endpoints(&ns).contains_key(&9));
    assert_eq!(our_endpoints(&after["endpoints"]), ip_endpoints(&ns));
    let limits = serde_json::json!({"subflows": 1, "add_addr_accepted": 4});
    assert_eq!(json_in(&ns, "limits set --subflows 1"), limits);
    assert_eq!(ip_limits(&ns), limits);
    json_in(&ns, "endpoints flush");
    assert!(ip_endpoints(&ns).is_empty());

    // The kernel's refusals come back as one line that says what to do.
    let out = mptcpstat_in(&ns, "endpoints delete --id 77");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("mptcpstat: deleting endpoint id 77: "),
        "{err}"
    );
    assert!(
        err.contains("(kernel: "),
        "the kernel's own explanation: {err}"
    );
    // ip's own check, made before asking the kernel.
    let out = mptcpstat_in(&ns, "endpoints add 10.0.6.1 subflow --port 1");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("--port needs the signal flag"), "{err}");
}

/// `/proc/sys/net/mptcp` read inside the namespace, by the shell.
fn proc_sysctls(ns: &Netns) -> BTreeMap<String, String> {
    ns.exec_ok(&[
        "sh",
        "-c",
        "cd /proc/sys/net/mptcp && for f in *; do printf '%s=%s\\n' \"$f\" \"$(cat $f)\"; done",
    ])
    .lines()
    .map(|l| {
        let (k, v) = l.split_once('=').unwrap();
        (k.to_owned(), v.to_owned())
    })
    .collect()
}

#[test]
fn status_matches_proc_sys_and_ip() {
    if !can_run("status_matches_proc_sys_and_ip") {
        return;
    }
    let ns = Netns::new("status");
    ns.sysctl("net.mptcp.add_addr_timeout", "77");
    ns.limits(5, 6);
    ns.ip(&["mptcp", "endpoint", "add", "10.0.9.1", "signal"]);

    let s = json(&["status", "--netns", ns.name()]);
    assert_eq!(s["enabled"], true);
    assert_eq!(s["socket"]["ok"], true);
    let ours: BTreeMap<String, String> = s["sysctls"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_str().map_or_else(|| v.to_string(), str::to_owned),
            )
        })
        .collect();
    // `cat` keeps tabs between multiple values; ours joins them with one space.
    let proc: BTreeMap<String, String> = proc_sysctls(&ns)
        .into_iter()
        .map(|(k, v)| (k, v.split_whitespace().collect::<Vec<_>>().join(" ")))
        .collect();
    assert_eq!(ours, proc);
    assert_eq!(s["sysctls"]["add_addr_timeout"], 77, "integers as integers");
    assert_eq!(s["limits"], ip_limits(&ns));
    assert_eq!(our_endpoints(&s["endpoints"]), ip_endpoints(&ns));

    let out = mptcpstat(&["status", "--netns", ns.name()]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().next(), Some("MPTCP: enabled"));
    assert!(text.contains("net.mptcp.add_addr_timeout"));
}

#[test]
fn status_in_a_namespace_with_mptcp_disabled() {
    if !can_run("status_in_a_namespace_with_mptcp_disabled") {
        return;
    }
    let ns = Netns::new("off");
    ns.sysctl("net.mptcp.enabled", "0");
    let out = mptcpstat(&["status", "--netns", ns.name()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "off is an answer, not a failure"
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text.lines().next(),
        Some("MPTCP: disabled (net.mptcp.enabled = 0)")
    );
    let s = json(&["status", "--netns", ns.name()]);
    assert_eq!(s["enabled"], false);
    assert_eq!(s["state"], "disabled");
    assert_eq!(
        s["socket"]["ok"], false,
        "the kernel refuses MPTCP sockets there"
    );
    netns::assert_root_mptcp_enabled();
}

#[test]
fn netns_by_path_and_by_pid() {
    if !can_run("netns_by_path_and_by_pid") {
        return;
    }
    let ns = Netns::new("pid");
    ns.ip(&["mptcp", "limits", "set", "subflows", "7"]);
    let path = format!("/run/netns/{}", ns.name());
    assert_eq!(json(&["limits", "--netns", &path])["subflows"], 7);
    let mut sleeper = std::process::Command::new("ip")
        .args(["netns", "exec", ns.name(), "sleep", "30"])
        .spawn()
        .unwrap();
    // `ip netns exec` execs sleep in place: the PID is the sleeper's once it is in the namespace.
    let pid = sleeper.id().to_string();
    wait_until(
        "the sleeper to enter the namespace",
        Duration::from_secs(5),
        || {
            std::fs::read_link(format!("/proc/{pid}/ns/net")).ok()
                != std::fs::read_link("/proc/self/ns/net").ok()
        },
    );
    let by_pid = json(&["limits", "--netns", &pid]);
    let _ = sleeper.kill();
    let _ = sleeper.wait();
    assert_eq!(by_pid["subflows"], 7);
}

#[test]
fn in_process_queries_return_to_their_namespace() {
    if !can_run("in_process_queries_return_to_their_namespace") {
        return;
    }
    let ns = Netns::new("back");
    let here = || std::fs::read_link("/proc/thread-self/ns/net").unwrap();
    let before = here();
    let inside = ns.run(here);
    assert_ne!(inside, before, "the closure ran in the other namespace");
    assert_eq!(here(), before, "and the thread came back");
    // The same through the command layer, in process.
    let cli = <mptcpstat::cli::Cli as clap::Parser>::parse_from([
        "mptcpstat",
        "limits",
        "--json",
        "--netns",
        ns.name(),
    ]);
    let mut out = Vec::new();
    mptcpstat::cmd::run(cli, &mut out).unwrap();
    assert!(String::from_utf8(out).unwrap().contains("\"subflows\""));
    assert_eq!(here(), before);
}

#[test]
fn missing_namespace_is_a_one_line_error() {
    // Needs neither root nor MPTCP.
    let name = format!("mptcpstat-missing-{}", std::process::id());
    for cmd in [
        "status",
        "conns",
        "endpoints",
        "limits",
        "counters",
        "check",
        "monitor",
        "export",
    ] {
        let out = mptcpstat(&[cmd, "--netns", &name]);
        assert_eq!(out.status.code(), Some(1), "{cmd}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(
            err,
            format!(
                "mptcpstat: network namespace \"{name}\" not found: list the named ones with `ip netns list`\n"
            )
        );
        assert!(out.stdout.is_empty());
    }
}

/// Runs the binary inside `ns` as user and group 65534 (nobody), with no supplementary
/// groups and so no capabilities: `ip netns exec` enters as root, `setpriv` drops the rest.
fn mptcpstat_as_nobody(ns: &Netns, args: &[&str]) -> Output {
    let mut command = vec![
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        env!("CARGO_BIN_EXE_mptcpstat"),
    ];
    command.extend_from_slice(args);
    ns.exec(&command)
}

/// What the kernel lets anyone do it answers; what needs a capability (changing the path
/// manager: `GENL_UNS_ADMIN_PERM`, so CAP_NET_ADMIN; entering a namespace: CAP_SYS_ADMIN) is
/// refused in one line that says so, and nothing changes.
#[test]
fn not_root_reads_answer_and_changes_are_refused_in_one_line() {
    if !can_run("not_root_reads_answer_and_changes_are_refused_in_one_line") {
        return;
    }
    let ns = Netns::new("nobody");
    let other = Netns::new("nobody-other");
    ns.ip(&["mptcp", "limits", "set", "subflows", "3"]);
    ns.ip(&["mptcp", "endpoint", "add", "10.9.0.1", "id", "5", "signal"]);
    if !mptcpstat_as_nobody(&ns, &["--version"]).status.success() {
        eprintln!(
            "skipping not_root_reads_answer_and_changes_are_refused_in_one_line: setpriv is missing or nobody cannot run the binary"
        );
        return;
    }
    let read = |args: &[&str]| {
        let out = mptcpstat_as_nobody(&ns, args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<Value>(&out.stdout).expect("JSON output")
    };
    let status = read(&["status", "--json"]);
    assert_eq!(status["enabled"], true);
    assert_eq!(status["limits"]["subflows"], 3);
    assert_eq!(status["endpoints"][0]["address"], "10.9.0.1");
    let endpoints = read(&["endpoints", "--json"]);
    assert_eq!(endpoints["endpoints"][0]["id"], 5);
    assert_eq!(
        endpoints["endpoints"][0]["flags"],
        serde_json::json!(["signal"])
    );
    assert_eq!(read(&["limits", "--json"])["subflows"], 3);
    assert_eq!(
        read(&["conns", "--json"])["connections"],
        serde_json::json!([])
    );

    let refused = |args: &[&str], says: &str| {
        let out = mptcpstat_as_nobody(&ns, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("mptcpstat: "), "{err}");
        assert!(err.contains("Operation not permitted"), "{err}");
        assert!(err.contains(says), "{args:?}: {err}");
    };
    refused(&["limits", "set", "--subflows", "4"], "CAP_NET_ADMIN");
    refused(&["endpoints", "add", "10.9.0.2", "signal"], "CAP_NET_ADMIN");
    refused(&["endpoints", "delete", "--id", "5"], "CAP_NET_ADMIN");
    for cmd in ["status", "conns", "endpoints"] {
        refused(&[cmd, "--netns", other.name()], "CAP_SYS_ADMIN");
    }
    // Nothing changed, as `ip` shows.
    assert_eq!(ip_limits(&ns)["subflows"], 3);
    let endpoints = ip(&ns, "mptcp endpoint show");
    assert_eq!(endpoints.lines().count(), 1, "{endpoints}");
    assert!(endpoints.starts_with("10.9.0.1 id 5 signal"), "{endpoints}");
}

/// `nstat -asz` in the namespace: absolute values, zeros too, history untouched.
fn nstat(ns: &Netns) -> BTreeMap<String, i128> {
    ns.exec_ok(&["nstat", "-asz"])
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let name = f.next()?.strip_prefix("MPTcpExt")?;
            Some((name.to_owned(), f.next()?.parse().ok()?))
        })
        .collect()
}

#[test]
fn counters_match_nstat() {
    if !can_run("counters_match_nstat") {
        return;
    }
    let net = TwoPaths::new("mib");
    let to = SocketAddr::from((SERVER_ADDR, 5201));
    let listener = listen(&net.server, to);
    let _conn = connect(&net.client, &listener, to, 100, 100);
    wait_for_join(&net.client);

    for ns in [&net.client, &net.server] {
        let all = json(&["counters", "--all", "--netns", ns.name()]);
        let ours: BTreeMap<String, i128> = all["counters"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), i128::from(v.as_u64().unwrap())))
            .collect();
        assert_eq!(ours, nstat(ns));
        // By default only what is not zero.
        let nonzero = json(&["counters", "--netns", ns.name()]);
        let expected: BTreeMap<_, _> = ours.iter().filter(|(_, v)| **v != 0).collect();
        assert_eq!(
            nonzero["counters"].as_object().unwrap().len(),
            expected.len()
        );
    }
    let client = json(&["counters", "--netns", net.client.name()]);
    assert_eq!(client["counters"]["MPCapableSYNTX"], 1);
    assert_eq!(client["counters"]["MPJoinSynTx"], 1);
    assert_eq!(
        client["trouble"],
        Value::Array(vec![]),
        "a clean connection"
    );

    // --interval: one JSON line per sample, deltas; a second connection shows up as +1.
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_mptcpstat"))
        .args([
            "counters",
            "--interval",
            "1",
            "--count",
            "2",
            "--json",
            "--netns",
            net.server.name(),
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let _conn2 = connect(&net.client, &listener, to, 10, 10);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["sample"], 1);
    assert_eq!(lines[0]["interval"], 1.0);
    let syn_rx: u64 = lines
        .iter()
        .filter_map(|l| l["counters"]["MPCapableSYNRX"].as_u64())
        .sum();
    assert_eq!(syn_rx, 1, "one new MP_CAPABLE SYN in the two samples");
}

/// Re-records the fixtures in testdata/ with `UPDATE_FIXTURES=1`.
#[test]
fn record_fixtures() {
    if std::env::var_os("UPDATE_FIXTURES").is_none_or(|v| v != "1") {
        return;
    }
    assert!(can_run("record_fixtures"), "recording needs root and MPTCP");

    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let write = |rel: &str, bytes: &[u8]| {
        let p: PathBuf = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
    };

    // Connections: the TwoPaths setup, one connection, both sides.
    let net = TwoPaths::new("rec");
    let to = SocketAddr::from((SERVER_ADDR, 5201));
    let listener = listen(&net.server, to);
    let _conn = connect(&net.client, &listener, to, 5000, 70_000);
    wait_for_join(&net.client);
    for (side, ns) in [("client", &net.client), ("server", &net.server)] {
        let (m, t) = ns.run(|| {
            let mut nl = Netlink::open(Protocol::SockDiag).unwrap();
            let m = sock_diag::dump_mptcp(&mut nl, AF_INET, states::ALL).unwrap();
            let t = sock_diag::dump_tcp(&mut nl, AF_INET, states::FULL_SOCKETS).unwrap();
            (m, t)
        });
        write(&format!("netlink/sock_diag-mptcp-{side}.bin"), m.as_bytes());
        write(&format!("netlink/sock_diag-tcp-{side}.bin"), t.as_bytes());
    }
    // /proc of the client after the connection: sysctls, counters, release.
    let (sysctls, netstat, release) = net.client.run(|| {
        let dir = std::fs::read_dir("/proc/sys/net/mptcp").unwrap();
        let sysctls: Vec<(String, Vec<u8>)> = dir
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().into_string().unwrap(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        (
            sysctls,
            std::fs::read("/proc/thread-self/net/netstat").unwrap(),
            std::fs::read("/proc/sys/kernel/osrelease").unwrap(),
        )
    });
    for (name, value) in &sysctls {
        write(&format!("proc/6.18/sys/net/mptcp/{name}"), value);
        let value = if name == "enabled" {
            b"0\n".to_vec()
        } else {
            value.clone()
        };
        write(&format!("proc/6.18-disabled/sys/net/mptcp/{name}"), &value);
    }
    for dir in ["6.18", "6.18-disabled"] {
        write(&format!("proc/{dir}/net/netstat"), &netstat);
        write(&format!("proc/{dir}/sys/kernel/osrelease"), &release);
    }

    // The path manager: three endpoints of different kinds, limits 2 and 2.
    let ns = Netns::new("recpm");
    let peer = Netns::new("recpmpeer");
    netns::veth(&ns, "c2", "10.0.2.1/24", &peer, "p2", "10.0.2.2/24");
    ns.ip(&["addr", "add", "10.0.3.1/32", "dev", "lo"]); // the port endpoint listens there
    ns.limits(2, 2);
    ns.ip(&[
        "mptcp", "endpoint", "add", "10.0.2.1", "dev", "c2", "subflow",
    ]);
    ns.ip(&[
        "mptcp", "endpoint", "add", "10.0.3.1", "port", "8080", "signal", "backup",
    ]);
    ns.ip(&[
        "mptcp",
        "endpoint",
        "add",
        "dead:beef::1",
        "subflow",
        "fullmesh",
    ]);
    let (family, addrs, limits) = ns.run(|| {
        let mut nl = Netlink::open(Protocol::Generic).unwrap();
        let family = nl
            .request("CTRL_CMD_GETFAMILY", pm::family_request(pm::MPTCP_PM_NAME))
            .unwrap();
        let mut p = Pm::open().unwrap();
        (
            family,
            p.endpoints_reply().unwrap(),
            p.limits_reply().unwrap(),
        )
    });
    write("netlink/genl-family-mptcp_pm.bin", family.as_bytes());
    write("netlink/genl-get-addr.bin", addrs.as_bytes());
    write("netlink/genl-get-limits.bin", limits.as_bytes());
}

/// Re-records the rtnetlink and event fixtures with `UPDATE_FIXTURES=1` (run this test
/// alone: `cargo test --test kernel record_route_and_event_fixtures`).
#[test]
fn record_route_and_event_fixtures() {
    if std::env::var_os("UPDATE_FIXTURES").is_none_or(|v| v != "1") {
        return;
    }
    assert!(
        can_run("record_route_and_event_fixtures"),
        "recording needs root and MPTCP"
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/netlink");

    // Interfaces, addresses, routes and rules of a multi-homed host (testdata/README.md).
    let ns = Netns::new("recrt");
    let peer = Netns::new("recrtp");
    netns::veth(&ns, "c1", "10.0.1.1/24", &peer, "p1", "10.0.1.2/24");
    netns::veth(&ns, "c2", "10.0.2.1/24", &peer, "p2", "10.0.2.2/24");
    netns::veth(&ns, "c3", "10.0.3.1/24", &peer, "p3", "10.0.3.2/24");
    ns.ip(&["link", "set", "c3", "down"]);
    ns.ip(&["addr", "add", "2001:db8:1::1/64", "dev", "c1", "nodad"]);
    ns.ip(&["route", "add", "default", "via", "10.0.1.2", "dev", "c1"]);
    ns.ip(&[
        "rule", "add", "from", "10.0.2.1", "table", "102", "prio", "100",
    ]);
    ns.ip(&[
        "route", "add", "default", "via", "10.0.2.2", "dev", "c2", "table", "102",
    ]);
    let replies = ns.run(|| mptcpstat::kernel::route::fetch_replies().unwrap());
    for (name, reply) in replies {
        std::fs::write(root.join(format!("rtnl-{name}.bin")), reply.as_bytes()).unwrap();
    }

    // Events of one connection on the client: created, established, the server's
    // announcement, the join over c2, the refused join to the announced address, closed.
    let net = TwoPaths::new("recev");
    net.server.ip(&[
        "mptcp", "endpoint", "add", "10.0.2.2", "dev", "s2", "signal",
    ]);
    let mut events = net
        .client
        .run(|| mptcpstat::kernel::events::EventSocket::open().unwrap());
    let to = SocketAddr::from((SERVER_ADDR, 5201));
    let listener = listen(&net.server, to);
    let conn = connect(&net.client, &listener, to, 100, 100);
    wait_for_join(&net.client);
    drop(conn);
    let family = events.family();
    let mut recorded = Vec::new();
    let start = std::time::Instant::now();
    loop {
        assert!(start.elapsed() < Duration::from_secs(10), "no closed event");
        let Some(d) = events.recv(Duration::from_millis(200)).unwrap() else {
            continue;
        };
        let d = d.to_vec();
        let closed = mptcpstat::kernel::events::parse_datagram(&d, family)
            .iter()
            .any(|e| e.as_ref().is_ok_and(|e| e.kind == 3));
        recorded.extend_from_slice(&d);
        if closed {
            break;
        }
    }
    std::fs::write(root.join("genl-events.bin"), recorded).unwrap();
}
