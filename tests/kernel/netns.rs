//! Network namespaces for live tests: uniquely named, removed when dropped (even when the
//! test fails), with helpers to run `ip`, `ss`, `sysctl` and our own code inside them.
//!
//! Nothing here touches the root namespace: every interface, address, endpoint, sysctl and
//! socket is created inside a namespace a test owns.

#![allow(dead_code)] // each test file uses its own subset

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use mptcpstat::kernel::netns::{NetnsTarget, run_in};
use socket2::{Domain, Protocol, Socket, Type};

static NEXT: AtomicU32 = AtomicU32::new(1);

/// `IPPROTO_MPTCP`.
pub const IPPROTO_MPTCP: i32 = 262;

/// Whether live tests can run here: root, MPTCP, `ip` and `ss`. Prints why not and returns
/// false; with `MPTCPSTAT_REQUIRE_KERNEL=1` a skip is a failure instead.
pub fn can_run(test: &str) -> bool {
    let why_not = if !is_root() {
        Some("not root (namespaces need CAP_SYS_ADMIN)")
    } else if !std::path::Path::new("/proc/sys/net/mptcp/enabled").exists() {
        Some("this kernel has no MPTCP (no /proc/sys/net/mptcp/enabled)")
    } else if Command::new("ip").arg("-V").output().is_err() {
        Some("`ip` (iproute2) is not installed")
    } else if Command::new("ss").arg("-V").output().is_err() {
        Some("`ss` (iproute2) is not installed")
    } else {
        None
    };
    why_not.is_none_or(|reason| skip(test, reason))
}

/// Whether `tool` runs (`tool ARG`, e.g. `--version`); if not, skips `test` as `can_run` does.
pub fn require_tool(test: &str, tool: &str, arg: &str) -> bool {
    Command::new(tool).arg(arg).output().is_ok()
        || skip(test, &format!("`{tool}` is not installed"))
}

/// Prints why `test` does not run and returns false; with `MPTCPSTAT_REQUIRE_KERNEL=1`,
/// fails instead.
fn skip(test: &str, reason: &str) -> bool {
    assert!(
        std::env::var_os("MPTCPSTAT_REQUIRE_KERNEL").is_none_or(|v| v != "1"),
        "{test}: cannot run: {reason} (MPTCPSTAT_REQUIRE_KERNEL=1)"
    );
    eprintln!("skipping {test}: {reason}");
    false
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines()
            .find(|l| l.starts_with("Uid:"))
            .and_then(|l| l.split_whitespace().nth(2))
            == Some("0")
    })
}

/// Runs a command, panics with its stderr when it fails, returns its stdout.
pub fn run(argv: &[&str]) -> String {
    let out = output(argv);
    assert!(
        out.status.success(),
        "{} failed: {}",
        argv.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn output(argv: &[&str]) -> Output {
    Command::new(argv[0])
        .args(&argv[1..])
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", argv[0]))
}

/// A network namespace named `mptcpstat-{tag}-{pid}-{n}`, deleted on drop.
pub struct Netns {
    name: String,
}

impl Netns {
    pub fn new(tag: &str) -> Self {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = format!("mptcpstat-{tag}-{}-{n}", std::process::id());
        run(&["ip", "netns", "add", &name]);
        let ns = Netns { name };
        ns.ip(&["link", "set", "lo", "up"]);
        ns
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// `ip -n NAME ARGS...`, which must succeed.
    pub fn ip(&self, args: &[&str]) -> String {
        let mut cmd = vec!["ip", "-n", &self.name];
        cmd.extend_from_slice(args);
        run(&cmd)
    }

    /// `ip mptcp limits set subflows SUBFLOWS add_addr_accepted ADD_ADDR_ACCEPTED`.
    pub fn limits(&self, subflows: u32, add_addr_accepted: u32) {
        let (s, a) = (subflows.to_string(), add_addr_accepted.to_string());
        self.ip(&[
            "mptcp",
            "limits",
            "set",
            "subflows",
            &s,
            "add_addr_accepted",
            &a,
        ]);
    }

    /// `ip netns exec NAME ARGV...`, whatever its outcome.
    pub fn exec(&self, argv: &[&str]) -> Output {
        let mut full = vec!["ip", "netns", "exec", &self.name];
        full.extend_from_slice(argv);
        output(&full)
    }

    /// `ip netns exec NAME ARGV...`, which must succeed; its stdout.
    pub fn exec_ok(&self, argv: &[&str]) -> String {
        let mut full = vec!["ip", "netns", "exec", &self.name];
        full.extend_from_slice(argv);
        run(&full)
    }

    /// Sets a sysctl inside this namespace only.
    pub fn sysctl(&self, key: &str, value: &str) {
        self.exec_ok(&["sysctl", "-qw", &format!("{key}={value}")]);
    }

    /// Runs `f` inside this namespace; sockets it creates belong here.
    pub fn run<T>(&self, f: impl FnOnce() -> T) -> T {
        run_in(Some(&NetnsTarget::Name(self.name.clone())), f).expect("entering the namespace")
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        // Interfaces and sockets go with the namespace.
        let _ = output(&["ip", "netns", "del", &self.name]);
    }
}

/// A veth pair between two namespaces, each end up and addressed (`addr` with prefix).
pub fn veth(a: &Netns, a_if: &str, a_addr: &str, b: &Netns, b_if: &str, b_addr: &str) {
    run(&[
        "ip",
        "link",
        "add",
        a_if,
        "netns",
        a.name(),
        "type",
        "veth",
        "peer",
        "name",
        b_if,
        "netns",
        b.name(),
    ]);
    a.ip(&["addr", "add", a_addr, "dev", a_if, "nodad"]);
    b.ip(&["addr", "add", b_addr, "dev", b_if, "nodad"]);
    a.ip(&["link", "set", a_if, "up"]);
    b.ip(&["link", "set", b_if, "up"]);
}

/// Client and server namespaces joined by two paths (10.0.1.0/24 on c1-s1, 10.0.2.0/24 on
/// c2-s2). Both accept 2 extra subflows; the client has a `subflow` endpoint on 10.0.2.1, so
/// each connection gets an MP_JOIN subflow from 10.0.2.1 to the server's address.
pub struct TwoPaths {
    pub client: Netns,
    pub server: Netns,
}

pub const SERVER_ADDR: [u8; 4] = [10, 0, 1, 2];

impl TwoPaths {
    pub fn new(tag: &str) -> Self {
        let client = Netns::new(&format!("{tag}c"));
        let server = Netns::new(&format!("{tag}s"));
        veth(&client, "c1", "10.0.1.1/24", &server, "s1", "10.0.1.2/24");
        veth(&client, "c2", "10.0.2.1/24", &server, "s2", "10.0.2.2/24");
        for ns in [&client, &server] {
            ns.limits(2, 2);
        }
        client.ip(&[
            "mptcp", "endpoint", "add", "10.0.2.1", "dev", "c2", "subflow",
        ]);
        TwoPaths { client, server }
    }
}

/// `net.mptcp.enabled` is still 1 in the namespace the tests run in: a test that turned it off
/// in its own namespace left this one alone.
pub fn assert_root_mptcp_enabled() {
    let enabled = std::fs::read_to_string("/proc/sys/net/mptcp/enabled").unwrap();
    assert_eq!(
        enabled.trim(),
        "1",
        "net.mptcp.enabled outside the test namespaces"
    );
}

/// An MPTCP socket of `domain`.
pub fn mptcp_socket(domain: Domain) -> Socket {
    Socket::new(domain, Type::STREAM, Some(Protocol::from(IPPROTO_MPTCP))).expect("MPTCP socket")
}

/// A listening MPTCP socket on `addr`, created in `ns`.
pub fn listen(ns: &Netns, addr: SocketAddr) -> Socket {
    ns.run(|| {
        let s = mptcp_socket(Domain::for_address(addr));
        s.set_reuse_address(true).unwrap();
        s.bind(&addr.into()).unwrap();
        s.listen(128).unwrap();
        s
    })
}

/// An open connection: both ends, with some data exchanged both ways.
pub struct Connection {
    pub client: Socket,
    pub server: Socket,
}

/// Connects from `client` to `listener` (at `to`), accepts, sends `up` bytes to the server
/// and `down` bytes back.
pub fn connect(
    client: &Netns,
    listener: &Socket,
    to: SocketAddr,
    up: usize,
    down: usize,
) -> Connection {
    let c = client.run(|| {
        let s = mptcp_socket(Domain::for_address(to));
        s.connect(&to.into()).unwrap();
        s
    });
    let (s, _) = listener.accept().unwrap();
    let (mut cw, mut sw) = (&c, &s);
    cw.write_all(&vec![b'u'; up]).unwrap();
    let mut buf = vec![0; up];
    (&s).read_exact(&mut buf).unwrap();
    sw.write_all(&vec![b'd'; down]).unwrap();
    let mut buf = vec![0; down];
    (&c).read_exact(&mut buf).unwrap();
    Connection {
        client: c,
        server: s,
    }
}

/// Polls `done` every 50 ms until it holds; panics with `what` after `timeout`. A wait for
/// the kernel to finish something, not a timing assertion.
pub fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}
