//! `evaluate` on facts built by hand: each check's verdict, message and fix.

use std::path::PathBuf;

use super::*;
use crate::kernel::route::{
    Address, IFF_LOWER_UP, IFF_UP, Link, OperState, Route, RouteType, Rule,
};
use crate::kernel::sock_diag::MptcpInfo;

fn endpoint(id: u8, addr: &str, flags: &[&str], dev: Option<(i32, &str)>) -> EndpointRecord {
    EndpointRecord {
        id: Some(id),
        address: Some(addr.parse().unwrap()),
        port: None,
        dev: dev.map(|(_, n)| n.to_owned()),
        ifindex: dev.map(|(i, _)| i),
        flags: flags.iter().map(|f| (*f).to_owned()).collect(),
        raw_flags: 0,
        other_attributes: Vec::new(),
    }
}

fn link(index: u32, name: &str) -> Link {
    Link {
        index,
        name: name.into(),
        flags: IFF_UP | IFF_LOWER_UP,
        operstate: Some(OperState::Up),
    }
}

fn unicast(table: u32, dst: Option<(&str, u8)>, oif: u32, gateway: Option<&str>) -> Route {
    Route {
        family: AF_INET,
        table,
        kind: RouteType::Unicast,
        dst: dst.map(|(d, _)| d.parse().unwrap()),
        dst_len: dst.map_or(0, |(_, l)| l),
        metric: 0,
        oifs: vec![oif],
        gateway: gateway.map(|g| g.parse().unwrap()),
    }
}

/// A host with eth0 (2, 10.0.1.1/24, default route) and eth1 (3, 10.0.2.1/24).
fn network() -> Network {
    Network {
        links: vec![link(1, "lo"), link(2, "eth0"), link(3, "eth1")],
        addresses: vec![
            Address {
                index: 2,
                address: "10.0.1.1".parse().unwrap(),
                prefix_len: 24,
                scope: 0,
                flags: 0,
            },
            Address {
                index: 3,
                address: "10.0.2.1".parse().unwrap(),
                prefix_len: 24,
                scope: 0,
                flags: 0,
            },
        ],
        routes: vec![
            unicast(RT_TABLE_MAIN, None, 2, Some("10.0.1.254")),
            unicast(RT_TABLE_MAIN, Some(("10.0.1.0", 24)), 2, None),
            unicast(RT_TABLE_MAIN, Some(("10.0.2.0", 24)), 3, None),
        ],
        rules: Vec::new(),
    }
}

fn counters(values: &[(&str, u64)]) -> Counters {
    Counters {
        source: PathBuf::from("/proc/net/netstat"),
        out_of_tree: false,
        values: values.iter().map(|(n, v)| ((*n).to_owned(), *v)).collect(),
    }
}

fn facts() -> Facts {
    Facts {
        netns: None,
        osrelease: Some("6.18.0".into()),
        sysctls: Proc::testdata("6.18").sysctls().unwrap(),
        socket: Ok(()),
        pm: Ok((
            Limits {
                subflows: Some(2),
                add_addr_accepted: Some(2),
            },
            vec![endpoint(1, "10.0.2.1", &["subflow"], Some((3, "eth1")))],
        )),
        network: Ok(network()),
        counters: Ok(counters(&[("MPCapableSYNTX", 3)])),
        connections: Ok(ConnsReport {
            time: None,
            connections: Vec::new(),
            unlinked_subflows: Vec::new(),
        }),
        daemons: Vec::new(),
        processes: Vec::new(),
    }
}

fn of<'a>(r: &'a CheckReport, check: &str) -> Vec<&'a Finding> {
    r.checks.iter().filter(|c| c.check == check).collect()
}

fn render(r: &CheckReport) -> String {
    let mut buf = Vec::new();
    r.render(&mut buf, Style::default()).unwrap();
    String::from_utf8(buf).unwrap()
}

#[test]
fn a_kernel_without_mptcp_is_the_only_finding() {
    let mut f = facts();
    f.sysctls = None;
    f.socket = Err(crate::kernel::EPROTONOSUPPORT);
    let r = evaluate(&f);
    assert!(!r.ok);
    assert_eq!(r.checks.len(), 1);
    assert_eq!(r.checks[0].check, "kernel");
    assert_eq!(r.checks[0].status, Verdict::Problem);
    assert!(
        r.checks[0]
            .fix
            .as_deref()
            .unwrap()
            .contains("CONFIG_MPTCP=y")
    );
}

#[test]
fn out_of_tree_kernel_is_judged_by_its_own_sysctl() {
    let mut f = facts();
    f.sysctls = Proc::testdata("out-of-tree-0.91").sysctls().unwrap();
    f.socket = Err(crate::kernel::EPROTONOSUPPORT);
    let r = evaluate(&f);
    assert!(r.ok, "{r:#?}");
    assert_eq!(of(&r, "enabled")[0].status, Verdict::Ok);
    assert_eq!(of(&r, "path_manager")[0].status, Verdict::Skipped);
    assert!(of(&r, "endpoint").is_empty());
}

#[test]
fn disabled_by_sysctl_is_a_problem_with_the_command_for_its_namespace() {
    let mut f = facts();
    f.sysctls = Proc::testdata("6.18-disabled").sysctls().unwrap();
    f.socket = Err(ENOPROTOOPT);
    f.netns = Some("blue".into());
    let r = evaluate(&f);
    let e = of(&r, "enabled")[0];
    assert_eq!(e.status, Verdict::Problem);
    assert_eq!(
        e.fix.as_deref(),
        Some("ip netns exec blue sysctl -w net.mptcp.enabled=1")
    );
    // A namespace given as a path or PID gets nsenter.
    f.netns = Some("1234".into());
    let r = evaluate(&f);
    assert_eq!(
        of(&r, "enabled")[0].fix.as_deref(),
        Some("nsenter --net=/proc/1234/ns/net sysctl -w net.mptcp.enabled=1")
    );
}

#[test]
fn healthy_host_is_all_ok_with_its_route_named() {
    let mut f = facts();
    let mut net = network();
    net.rules = vec![
        Rule {
            src: Some("10.0.2.1".parse().unwrap()),
            src_len: 32,
            ..Rule::lookup(AF_INET, 100, 102)
        },
        Rule::lookup(AF_INET, 32766, RT_TABLE_MAIN),
    ];
    net.routes.push(unicast(102, None, 3, Some("10.0.2.254")));
    f.network = Ok(net);
    let r = evaluate(&f);
    assert!(r.ok);
    assert_eq!(r.warnings, 0, "{r:#?}");
    assert_eq!(
        of(&r, "endpoint_route")[0].message,
        "endpoint 10.0.2.1 (id 1): traffic from it leaves by eth1 via 10.0.2.254 (table 102, rule 100)"
    );
    let text = render(&r);
    assert!(
        text.ends_with("\nMPTCP works here: 0 problems, 0 warnings\n"),
        "{text}"
    );
    assert!(text.starts_with(
        "ok       kernel              MPTCP is built into this kernel (Linux 6.18.0)\n"
    ));
}

#[test]
fn default_route_out_of_another_interface_suggests_policy_routing() {
    let mut f = facts();
    // Not bound to a device: the main default via eth0 carries traffic from 10.0.2.1.
    f.pm = Ok((
        Limits {
            subflows: Some(2),
            add_addr_accepted: Some(2),
        },
        vec![endpoint(1, "10.0.2.1", &["subflow"], None)],
    ));
    let r = evaluate(&f);
    let route = of(&r, "endpoint_route")[0];
    assert_eq!(route.status, Verdict::Problem);
    assert!(
        route
            .message
            .contains("leaves by eth0 (default route of table main), not by eth1")
    );
    assert_eq!(
        route.fix.as_deref(),
        Some(
            "ip rule add from 10.0.2.1 table 100 && ip route add default via GATEWAY dev eth1 table 100"
        )
    );
    // Bound to eth1, the eth0 default does not apply; its subnet is all it reaches.
    f.pm = Ok((
        Limits {
            subflows: Some(2),
            add_addr_accepted: Some(2),
        },
        vec![endpoint(1, "10.0.2.1", &["subflow"], Some((3, "eth1")))],
    ));
    let r = evaluate(&f);
    let route = of(&r, "endpoint_route")[0];
    assert_eq!(route.status, Verdict::Warning);
    assert!(
        route
            .message
            .ends_with("its subflows reach only 10.0.2.0/24"),
        "{}",
        route.message
    );
}

#[test]
fn limits_against_endpoints() {
    let mut f = facts();
    f.pm = Ok((
        Limits {
            subflows: Some(1),
            add_addr_accepted: Some(0),
        },
        vec![
            endpoint(1, "10.0.2.1", &["subflow"], Some((3, "eth1"))),
            endpoint(2, "10.0.1.1", &["subflow", "backup"], Some((2, "eth0"))),
        ],
    ));
    f.counters = Ok(counters(&[("AddAddr", 4)]));
    let r = evaluate(&f);
    let limits = of(&r, "limits");
    assert_eq!(limits[0].status, Verdict::Warning);
    assert!(limits[0].message.contains("only 1 of them are used"));
    assert_eq!(
        limits[0].fix.as_deref(),
        Some("ip mptcp limits set subflows 2")
    );
    assert_eq!(limits[1].subject.as_deref(), Some("add_addr_accepted"));
    assert!(
        limits[1]
            .message
            .ends_with("4 ADD_ADDR received so far (counter AddAddr)")
    );
    // A server that only announces does not need to accept ADD_ADDR.
    f.pm = Ok((
        Limits {
            subflows: Some(2),
            add_addr_accepted: Some(0),
        },
        vec![endpoint(1, "10.0.2.1", &["signal"], None)],
    ));
    let r = evaluate(&f);
    assert!(of(&r, "limits").iter().all(|l| l.status == Verdict::Ok));
}

#[test]
fn interface_down_or_without_carrier() {
    let mut f = facts();
    let mut net = network();
    net.links[2].flags = 0;
    f.network = Ok(net.clone());
    let r = evaluate(&f);
    let i = of(&r, "endpoint_interface")[0];
    assert_eq!(i.status, Verdict::Problem);
    assert_eq!(i.fix.as_deref(), Some("ip link set dev eth1 up"));
    assert!(
        of(&r, "endpoint_route").is_empty(),
        "no route check on a down interface"
    );
    net.links[2].flags = IFF_UP;
    net.links[2].operstate = Some(OperState::LowerLayerDown);
    f.network = Ok(net);
    let r = evaluate(&f);
    assert!(
        of(&r, "endpoint_interface")[0]
            .message
            .contains("no carrier (state LOWERLAYERDOWN)")
    );
}

#[test]
fn counters_are_grouped_with_a_hint_each() {
    let mut f = facts();
    f.counters = Ok(counters(&[
        ("MPCapableFallbackSYNACK", 2),
        ("MPCapableFallbackACK", 1),
        ("DataCsumErr", 3),
        ("MPJoinSynRx", 9),
        ("MPTCPRetrans", 5),
    ]));
    let r = evaluate(&f);
    let c = of(&r, "counters");
    assert_eq!(c.len(), 2, "info and warn levels are not findings: {c:#?}");
    assert_eq!(c[0].subject.as_deref(), Some("fallback"));
    assert!(
        c[0].message
            .starts_with("MPCapableFallbackSYNACK 2, MPCapableFallbackACK 1"),
        "in the kernel's order: {}",
        c[0].message
    );
    assert_eq!(c[1].subject.as_deref(), Some("checksum"));
    // checksum_enabled is 0 in the recorded sysctls: the hint turns it on.
    assert!(
        c[1].fix
            .as_deref()
            .unwrap()
            .ends_with("sysctl -w net.mptcp.checksum_enabled=1")
    );
    assert!(r.ok, "counters are warnings");
}

fn connection(
    local: (&str, u16),
    remote: (&str, u16),
    state: TcpState,
    info: MptcpInfo,
) -> conns::Connection {
    conns::Connection {
        state,
        local_addr: local.0.parse().unwrap(),
        local_port: local.1,
        remote_addr: remote.0.parse().unwrap(),
        remote_port: remote.1,
        local_token: Some(crate::mptcp::types::Token(0xabcd_0001)),
        remote_token: None,
        remote_token_source: None,
        fallback: info.fallback(),
        recv_q: 0,
        send_q: 0,
        uid: 0,
        inode: 1,
        bytes_sent: None,
        bytes_received: None,
        bytes_acked: None,
        bytes_retrans: None,
        subflows: Vec::new(),
        mptcp_info: Some(info),
        cookie: 0,
        rates: None,
    }
}

#[test]
fn connections_that_fell_back_or_lack_subflows() {
    let info = |subflows, flags| MptcpInfo {
        subflows: Some(subflows),
        subflows_max: Some(2),
        local_addr_max: Some(1),
        flags: Some(flags),
        ..MptcpInfo::default()
    };
    let mut f = facts();
    f.connections = Ok(ConnsReport {
        time: None,
        connections: vec![
            connection(
                ("10.0.1.1", 40000),
                ("192.0.2.1", 443),
                TcpState::Established,
                info(0, 0),
            ),
            connection(
                ("10.0.1.1", 40001),
                ("192.0.2.1", 443),
                TcpState::Established,
                info(1, 0),
            ),
            connection(
                ("10.0.1.1", 40002),
                ("192.0.2.2", 443),
                TcpState::Established,
                info(0, 1),
            ),
            // Accepted here (a listener on 8080): the client opens the subflows, not us.
            connection(
                ("0.0.0.0", 8080),
                ("0.0.0.0", 0),
                TcpState::Listen,
                info(0, 0),
            ),
            connection(
                ("10.0.1.1", 8080),
                ("192.0.2.3", 5555),
                TcpState::Established,
                info(0, 0),
            ),
        ],
        unlinked_subflows: Vec::new(),
    });
    let r = evaluate(&f);
    let c = of(&r, "connections");
    assert_eq!(c.len(), 2);
    assert_eq!(c[0].subject.as_deref(), Some("fallback"));
    assert!(c[0].message.starts_with(
        "1 of 4 open connections fell back to plain TCP: 10.0.1.1:40002 -> 192.0.2.2:443"
    ));
    assert_eq!(c[1].subject.as_deref(), Some("subflows"));
    assert_eq!(
        c[1].message,
        "1 open connection has fewer subflows than the endpoints allow: 10.0.1.1:40000 -> 192.0.2.1:443 (token abcd0001)"
    );
}

#[test]
fn userspace_path_manager_needs_a_daemon() {
    let mut f = facts();
    let mut s = Proc::testdata("6.18").sysctls().unwrap().unwrap();
    for e in &mut s.entries {
        if e.name == "path_manager" {
            e.value = Some(SysctlValue::Text("userspace".into()));
        }
    }
    f.sysctls = Some(s);
    let r = evaluate(&f);
    let pm = of(&r, "path_manager")[0];
    assert_eq!(pm.status, Verdict::Problem);
    assert!(
        pm.fix
            .as_deref()
            .unwrap()
            .ends_with("sysctl -w net.mptcp.path_manager=kernel")
    );
    assert_eq!(of(&r, "limits")[0].status, Verdict::Skipped);
    f.daemons = Proc::testdata("processes")
        .processes()
        .into_iter()
        .filter(|p| p.comm == "mptcpd")
        .collect();
    let r = evaluate(&f);
    assert_eq!(
        of(&r, "path_manager")[0].message,
        "net.mptcp.path_manager = userspace, driven by mptcpd (PID 100)"
    );
    assert!(r.ok);
}

#[test]
fn processes_plain_tcp_mptcp_and_idle() {
    let proc = Proc::testdata("processes");
    let curl = proc.process(200).unwrap();
    let mut f = facts();
    f.processes = vec![ProcessSockets {
        process: curl.clone(),
        error: None,
        mptcp: Vec::new(),
        tcp: vec![(
            "10.0.1.1:40000".into(),
            "93.184.215.14:443".into(),
            TcpState::Established,
        )],
    }];
    let r = evaluate(&f);
    let p = of(&r, "process")[0];
    assert_eq!(p.status, Verdict::Problem);
    assert_eq!(p.subject.as_deref(), Some("curl (PID 200)"));
    assert_eq!(
        p.fix.as_deref(),
        Some(
            "restart it under mptcpize: mptcpize run curl https://example.org/ (for a systemd service: mptcpize enable UNIT)"
        )
    );
    assert!(!r.ok);
    f.processes[0].mptcp.push((
        "10.0.1.1:40001".into(),
        "93.184.215.14:443".into(),
        TcpState::Established,
        false,
    ));
    assert_eq!(of(&evaluate(&f), "process")[0].status, Verdict::Warning);
    f.processes[0].tcp.clear();
    let r = evaluate(&f);
    assert_eq!(of(&r, "process")[0].status, Verdict::Ok);
    f.processes[0].mptcp.clear();
    assert_eq!(of(&evaluate(&f), "process")[0].status, Verdict::Skipped);
}

#[test]
fn command_lines_are_quoted_for_a_shell() {
    let p = |args: &[&str]| Process {
        pid: 1,
        comm: "prog".into(),
        cmdline: args.iter().map(|a| (*a).to_owned()).collect(),
    };
    assert_eq!(
        command_line(&p(&["iperf3", "-c", "10.0.0.1"])),
        "iperf3 -c 10.0.0.1"
    );
    assert_eq!(
        command_line(&p(&["sh", "-c", "echo it's"])),
        "sh -c 'echo it'\\''s'"
    );
    assert_eq!(command_line(&p(&[])), "prog ARGS...");
    assert_eq!(command_line(&p(&["x", &"y".repeat(300)])), "prog ARGS...");
}

#[test]
fn private_addresses() {
    for a in [
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "100.64.0.1",
        "169.254.1.1",
        "fd00::1",
        "fe80::1",
    ] {
        assert!(is_private(a.parse().unwrap()), "{a}");
    }
    for a in [
        "192.0.2.1",
        "100.128.0.1",
        "8.8.8.8",
        "2001:db8::1",
        "::ffff:8.8.8.8",
    ] {
        assert!(!is_private(a.parse().unwrap()), "{a}");
    }
    assert!(is_private("::ffff:10.0.0.1".parse().unwrap()));
}
