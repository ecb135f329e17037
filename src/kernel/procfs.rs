//! `/proc` as a source: `net.mptcp.*` sysctls, the MPTcpExt counters, the out-of-tree
//! kernel's `/proc/net/mptcp`.
//!
//! [`Proc`] is a root directory: [`Proc::live`] for the running system, [`Proc::at`] for a
//! copy under `testdata/proc/<name>/` with the same layout (`sys/net/mptcp/*`,
//! `sys/kernel/osrelease`, `net/netstat`, ...).
//!
//! Namespaces: `/proc/sys/net` shows the network namespace of the thread that opens the file,
//! but `/proc/net` is `/proc/self/net`, the namespace of the thread-group leader. After a
//! thread entered another namespace (`--netns`), only `/proc/thread-self/net` is right, so the
//! live source reads that.
//!
//! Facts: `Documentation/networking/mptcp-sysctl.rst` (upstream sysctls; the directory is
//! listed, never a fixed list, since kernels add and drop entries), `net/mptcp/mptcp_ctrl.c` of
//! multipath-tcp/mptcp (the out-of-tree `mptcp_*` sysctls, `/proc/net/mptcp_net/mptcp` and
//! `/proc/net/mptcp_net/snmp`; v0.89 and older had `/proc/net/mptcp`).

use std::fs;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::KernelError;
use super::sock_diag::TcpState;
use crate::mptcp::types::Token;

/// A `/proc` tree: the live one or a recorded copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proc {
    root: PathBuf,
    net: PathBuf,
}

/// One sysctl value: integers as integers, anything else as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum SysctlValue {
    Int(i64),
    Text(String),
}

impl std::fmt::Display for SysctlValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SysctlValue::Int(i) => i.fmt(f),
            SysctlValue::Text(t) => t.fmt(f),
        }
    }
}

impl SysctlValue {
    /// Parses a sysctl file's text: one integer, or text with whitespace runs as one space.
    #[must_use]
    pub fn parse(text: &str) -> Self {
        let t = text.trim();
        t.parse().map_or_else(
            |_| SysctlValue::Text(t.split_whitespace().collect::<Vec<_>>().join(" ")),
            SysctlValue::Int,
        )
    }

    #[must_use]
    pub fn as_int(&self) -> Option<i64> {
        match self {
            SysctlValue::Int(i) => Some(*i),
            SysctlValue::Text(_) => None,
        }
    }
}

/// A file under `sys/net/mptcp/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sysctl {
    pub name: String,
    /// `None` when the file could not be read (write-only, or permission).
    pub value: Option<SysctlValue>,
}

/// The `net.mptcp` sysctls, sorted by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Sysctls {
    pub entries: Vec<Sysctl>,
}

impl Sysctls {
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&SysctlValue> {
        self.entries.iter().find(|s| s.name == name)?.value.as_ref()
    }

    /// The out-of-tree kernel prefixes every name with `mptcp_`; upstream never does.
    #[must_use]
    pub fn is_out_of_tree(&self) -> bool {
        self.entries.iter().any(|s| s.name.starts_with("mptcp_"))
    }
}

/// The MIB counters and where they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counters {
    pub source: PathBuf,
    /// From the out-of-tree kernel's `mptcp_net/snmp`.
    pub out_of_tree: bool,
    /// In the kernel's order.
    pub values: Vec<(String, u64)>,
}

/// One line of the out-of-tree `/proc/net/mptcp` (the table `netstat -m` printed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LegacyConnection {
    pub local_token: Token,
    pub remote_token: Token,
    pub local_addr: IpAddr,
    pub local_port: u16,
    pub remote_addr: IpAddr,
    pub remote_port: u16,
    pub state: TcpState,
    pub subflows: u32,
    pub tx_queue: u32,
    pub rx_queue: u32,
    pub inode: u64,
}

impl Proc {
    /// The running system, as seen by the calling thread.
    #[must_use]
    pub fn live() -> Self {
        Proc {
            root: PathBuf::from("/proc"),
            net: PathBuf::from("/proc/thread-self/net"),
        }
    }

    /// A copy of `/proc` under `dir` (`dir/sys/net/mptcp/...`, `dir/net/netstat`).
    #[must_use]
    pub fn at(dir: impl AsRef<Path>) -> Self {
        let root = dir.as_ref().to_path_buf();
        let net = root.join("net");
        Proc { root, net }
    }

    /// A recorded `/proc`: `testdata/proc/NAME` (see its README).
    #[cfg(test)]
    pub(crate) fn testdata(name: &str) -> Self {
        Proc::at(format!(
            "{}/testdata/proc/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
    }

    /// `kernel.osrelease`, as `uname -r` prints it.
    #[must_use]
    pub fn osrelease(&self) -> Option<String> {
        fs::read_to_string(self.root.join("sys/kernel/osrelease"))
            .ok()
            .map(|s| s.trim().to_owned())
    }

    /// Every file in `sys/net/mptcp/`; `None` when the directory does not exist.
    pub fn sysctls(&self) -> Result<Option<Sysctls>, KernelError> {
        let dir = self.root.join("sys/net/mptcp");
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(proc_error(&dir, &e)),
        };
        let mut out = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| proc_error(&dir, &e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let value = fs::read_to_string(entry.path())
                .ok()
                .map(|t| SysctlValue::parse(&t));
            out.push(Sysctl { name, value });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Some(Sysctls { entries: out }))
    }

    /// The MPTCP counters: `MPTcpExt` of `net/netstat`, else the out-of-tree
    /// `net/mptcp_net/snmp`; [`KernelError::NoCounters`] when neither exists.
    pub fn counters(&self) -> Result<Counters, KernelError> {
        let netstat = self.net.join("netstat");
        let text = fs::read_to_string(&netstat).map_err(|e| proc_error(&netstat, &e))?;
        if let Some(values) = parse_netstat(&text, "MPTcpExt") {
            return Ok(Counters {
                source: netstat,
                out_of_tree: false,
                values,
            });
        }
        let snmp = self.net.join("mptcp_net/snmp");
        match fs::read_to_string(&snmp) {
            Ok(text) => Ok(Counters {
                source: snmp,
                out_of_tree: true,
                values: parse_snmp_table(&text),
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                Err(KernelError::NoCounters { path: netstat })
            }
            Err(e) => Err(proc_error(&snmp, &e)),
        }
    }

    /// The out-of-tree kernel's connection table, `None` on upstream kernels.
    pub fn legacy_connections(&self) -> Result<Option<Vec<LegacyConnection>>, KernelError> {
        for rel in ["mptcp_net/mptcp", "mptcp"] {
            let path = self.net.join(rel);
            match fs::read_to_string(&path) {
                Ok(text) => return Ok(Some(parse_legacy_connections(&text))),
                Err(e)
                    if e.kind() == io::ErrorKind::NotFound
                        || e.raw_os_error() == Some(21 /* EISDIR */) => {}
                Err(e) => return Err(proc_error(&path, &e)),
            }
        }
        Ok(None)
    }
}

/// A process, as `/proc/PID/comm` and `/proc/PID/cmdline` describe it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Process {
    pub pid: u32,
    /// The executable's name, at most 15 bytes (`TASK_COMM_LEN`), as `ps -o comm` shows it.
    pub comm: String,
    /// The arguments, when readable.
    pub cmdline: Vec<String>,
}

impl Proc {
    /// Every process whose `comm` could be read, by PID. Processes that exit while the
    /// directory is read, or that hide from us, are skipped.
    #[must_use]
    pub fn processes(&self) -> Vec<Process> {
        let Ok(dir) = fs::read_dir(&self.root) else {
            return Vec::new();
        };
        let mut out: Vec<Process> = dir
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
            .filter_map(|pid| self.process(pid).ok())
            .collect();
        out.sort_by_key(|p| p.pid);
        out
    }

    /// One process; an error says that it does not exist (or is not visible).
    pub fn process(&self, pid: u32) -> Result<Process, KernelError> {
        let dir = self.root.join(pid.to_string());
        let comm_path = dir.join("comm");
        let comm = fs::read_to_string(&comm_path).map_err(|e| proc_error(&comm_path, &e))?;
        let cmdline = fs::read(dir.join("cmdline"))
            .map(|b| {
                b.split(|&c| c == 0)
                    .filter(|a| !a.is_empty())
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect()
            })
            .unwrap_or_default();
        Ok(Process {
            pid,
            comm: comm.trim_end_matches('\n').to_owned(),
            cmdline,
        })
    }

    /// The inodes of the sockets process `pid` has open: its `fd/*` links that read
    /// `socket:[INODE]`, the inode `sock_diag` reports as `idiag_inode`. Needs the right to
    /// read the process's file descriptors (root, or the same user).
    pub fn socket_inodes(&self, pid: u32) -> Result<Vec<u64>, KernelError> {
        let dir = self.root.join(pid.to_string()).join("fd");
        let entries = fs::read_dir(&dir).map_err(|e| proc_error(&dir, &e))?;
        let mut out: Vec<u64> = entries
            .filter_map(Result::ok)
            .filter_map(|e| fs::read_link(e.path()).ok())
            .filter_map(|target| parse_socket_link(&target.to_string_lossy()))
            .collect();
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    /// The network namespace of process `pid` (`None`: of the calling thread), as the text
    /// of its `ns/net` link (`net:[4026531840]`); equal texts are the same namespace.
    #[must_use]
    pub fn netns(&self, pid: Option<u32>) -> Option<String> {
        let who = pid.map_or_else(|| "thread-self".to_owned(), |p| p.to_string());
        fs::read_link(self.root.join(who).join("ns/net"))
            .ok()
            .map(|l| l.to_string_lossy().into_owned())
    }
}

/// `socket:[12345]` -> 12345.
#[must_use]
pub fn parse_socket_link(target: &str) -> Option<u64> {
    target
        .strip_prefix("socket:[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

fn proc_error(path: &Path, e: &io::Error) -> KernelError {
    KernelError::Proc {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// One protocol's counters from `/proc/net/netstat` or `/proc/net/snmp`: a header line of
/// names and a line of values, both starting with `"{prefix}:"`. Values that are not numbers
/// are skipped.
#[must_use]
pub fn parse_netstat(text: &str, prefix: &str) -> Option<Vec<(String, u64)>> {
    let tag = format!("{prefix}:");
    let mut lines = text
        .lines()
        .filter(|l| l.split_whitespace().next() == Some(tag.as_str()));
    let names = lines.next()?;
    let values = lines.next()?;
    Some(
        names
            .split_whitespace()
            .skip(1)
            .zip(values.split_whitespace().skip(1))
            .filter_map(|(n, v)| Some((n.to_owned(), v.parse().ok()?)))
            .collect(),
    )
}

/// `Name<whitespace>value` lines, as the out-of-tree `mptcp_net/snmp` prints them.
#[must_use]
pub fn parse_snmp_table(text: &str) -> Vec<(String, u64)> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let (name, value) = (f.next()?, f.next()?);
            Some((name.to_owned(), value.parse().ok()?))
        })
        .collect()
}

/// The out-of-tree `/proc/net/mptcp`:
/// `  sl  loc_tok  rem_tok  v6 local_address remote_address st ns tx_queue rx_queue inode`.
///
/// Addresses are `%08X` of the `__be32` words as the writing machine held them in memory
/// (like `/proc/net/tcp`), ports `%04X` in host order. Lines that do not parse are skipped.
#[must_use]
pub fn parse_legacy_connections(text: &str) -> Vec<LegacyConnection> {
    text.lines().skip(1).filter_map(parse_legacy_line).collect()
}

fn parse_legacy_line(line: &str) -> Option<LegacyConnection> {
    let f: Vec<&str> = line.split_whitespace().collect();
    let [_sl, loc, rem, v6, local, remote, st, ns, queues, inode, ..] = f.as_slice() else {
        return None;
    };
    let hex32 = |s: &str| u32::from_str_radix(s, 16).ok();
    let v6 = *v6 == "1";
    let endpoint = |s: &str| -> Option<(IpAddr, u16)> {
        let (addr, port) = s.split_once(':')?;
        let port = u16::from_str_radix(port, 16).ok()?;
        let word = |i: usize| Some(hex32(addr.get(i * 8..i * 8 + 8)?)?.to_ne_bytes());
        let ip: IpAddr = if v6 {
            let mut o = [0u8; 16];
            for i in 0..4 {
                o[i * 4..i * 4 + 4].copy_from_slice(&word(i)?);
            }
            Ipv6Addr::from(o).into()
        } else {
            Ipv4Addr::from(word(0)?).into()
        };
        Some((ip, port))
    };
    let (local_addr, local_port) = endpoint(local)?;
    let (remote_addr, remote_port) = endpoint(remote)?;
    let (tx, rx) = queues.split_once(':')?;
    Some(LegacyConnection {
        local_token: Token(hex32(loc)?),
        remote_token: Token(hex32(rem)?),
        local_addr,
        local_port,
        remote_addr,
        remote_port,
        state: TcpState::from_u8(u8::from_str_radix(st, 16).ok()?),
        subflows: hex32(ns)?,
        tx_queue: hex32(tx)?,
        rx_queue: hex32(rx)?,
        inode: inode.parse().ok()?,
    })
}

/// A one-line meaning for each upstream sysctl (`Documentation/networking/mptcp-sysctl.rst`)
/// and the out-of-tree ones (multipath-tcp.org documentation).
#[must_use]
pub fn sysctl_meaning(name: &str) -> Option<&'static str> {
    Some(match name {
        "enabled" => "MPTCP sockets can be created (1) or not (0) in this namespace",
        "add_addr_timeout" => "seconds before an unacknowledged ADD_ADDR is sent again (0: never)",
        "allow_join_initial_addr_port" => {
            "peers may send MP_JOIN to the initial subflow's address and port"
        }
        "available_path_managers" => "path managers registered in this kernel",
        "available_schedulers" => "packet schedulers registered in this kernel",
        "blackhole_timeout" => {
            "seconds MPTCP stays off for new connections after a firewall blackhole (0: no detection)"
        }
        "checksum_enabled" => "DSS checksums are requested on new connections",
        "close_timeout" => "seconds an MPTCP socket lingers after its last subflow went away",
        "path_manager" => {
            "path manager for new connections (kernel: endpoints; userspace: a daemon)"
        }
        "pm_type" => {
            "path manager as a number: 0 in-kernel, 1 userspace (older name of path_manager)"
        }
        "scheduler" => "packet scheduler for new connections",
        "stale_loss_cnt" => "retransmission intervals without progress before a subflow is stale",
        "syn_retrans_before_tcp_fallback" => {
            "SYN retransmissions with MP_CAPABLE before retrying as plain TCP"
        }
        "mptcp_enabled" => "out-of-tree: 0 off, 1 on for all sockets, 2 only for sockets that ask",
        "mptcp_checksum" => "out-of-tree: DSS checksums on (1) or off (0)",
        "mptcp_path_manager" => {
            "out-of-tree: default path manager (default, fullmesh, ndiffports, binder)"
        }
        "mptcp_scheduler" => {
            "out-of-tree: default packet scheduler (default, roundrobin, redundant)"
        }
        "mptcp_version" => "out-of-tree: MPTCP version offered (0 = RFC 6824, 1 = RFC 8684)",
        "mptcp_debug" => "out-of-tree: debug messages to the kernel log",
        "mptcp_syn_retries" => "out-of-tree: SYN retransmissions with MP_CAPABLE before fallback",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sysctl_values() {
        assert_eq!(SysctlValue::parse("120\n"), SysctlValue::Int(120));
        assert_eq!(
            SysctlValue::parse("kernel userspace\n"),
            SysctlValue::Text("kernel userspace".into())
        );
        assert_eq!(
            SysctlValue::parse("4096\t131072\n"),
            SysctlValue::Text("4096 131072".into())
        );
    }

    #[test]
    fn upstream_6_18() {
        let p = Proc::testdata("6.18");
        let s = p.sysctls().unwrap().unwrap();
        // The directory listing of this kernel, sorted (ls /proc/sys/net/mptcp).
        let names: Vec<_> = s.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "add_addr_timeout",
                "allow_join_initial_addr_port",
                "available_path_managers",
                "available_schedulers",
                "blackhole_timeout",
                "checksum_enabled",
                "close_timeout",
                "enabled",
                "path_manager",
                "pm_type",
                "scheduler",
                "stale_loss_cnt",
                "syn_retrans_before_tcp_fallback",
            ]
        );
        assert_eq!(s.get("enabled"), Some(&SysctlValue::Int(1)));
        assert_eq!(
            s.get("path_manager"),
            Some(&SysctlValue::Text("kernel".into()))
        );
        assert!(!s.is_out_of_tree());
        assert!(names.iter().all(|n| sysctl_meaning(n).is_some()));
        let c = p.counters().unwrap();
        assert!(!c.out_of_tree);
        assert_eq!(c.values.len(), 76);
        assert_eq!(c.values[0].0, "MPCapableSYNRX");
        assert_eq!(p.legacy_connections().unwrap(), None);
        assert!(p.osrelease().unwrap().starts_with("6.18"));
    }

    #[test]
    fn no_mptcp() {
        let p = Proc::testdata("no-mptcp");
        assert_eq!(p.sysctls().unwrap(), None);
        assert!(matches!(p.counters(), Err(KernelError::NoCounters { .. })));
    }

    #[cfg(target_endian = "little")]
    #[test]
    fn out_of_tree_v0_91() {
        let p = Proc::testdata("out-of-tree-0.91");
        let s = p.sysctls().unwrap().unwrap();
        assert!(s.is_out_of_tree());
        assert_eq!(s.get("mptcp_enabled"), Some(&SysctlValue::Int(1)));
        assert_eq!(
            s.get("mptcp_path_manager"),
            Some(&SysctlValue::Text("fullmesh".into()))
        );
        let c = p.counters().unwrap();
        assert!(c.out_of_tree);
        assert_eq!(c.values[0], ("MPCapableSYNRX".to_owned(), 12));
        let conns = p.legacy_connections().unwrap().unwrap();
        assert_eq!(conns.len(), 2);
        // "0: 2D0B85BA 39F8CCC5  0 6601A8C0:E89F  2DE66882:0050  01 02 00000000:00000000 21895"
        let c0 = &conns[0];
        assert_eq!(
            (c0.local_token, c0.remote_token),
            (Token(0x2d0b_85ba), Token(0x39f8_ccc5))
        );
        assert_eq!(c0.local_addr, IpAddr::from([192, 168, 1, 102]));
        assert_eq!(c0.local_port, 0xe89f);
        assert_eq!(c0.remote_addr, IpAddr::from([130, 104, 230, 45]));
        assert_eq!(c0.remote_port, 80);
        assert_eq!(c0.state, TcpState::Established);
        assert_eq!(c0.subflows, 2);
        assert_eq!(
            conns[1].local_addr,
            "2001:db8::1".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn netstat_pairs_names_and_values() {
        let text = "TcpExt: A B\nTcpExt: 1 2\nMPTcpExt: X Y Z\nMPTcpExt: 3 x 5\n";
        assert_eq!(
            parse_netstat(text, "MPTcpExt"),
            Some(vec![("X".into(), 3), ("Z".into(), 5)])
        );
        assert_eq!(parse_netstat(text, "IpExt"), None);
        assert_eq!(parse_netstat("MPTcpExt: X\n", "MPTcpExt"), None);
    }

    #[test]
    fn processes_and_their_sockets() {
        // testdata/proc/processes: two processes made by hand (see testdata/README.md).
        let p = Proc::testdata("processes");
        let all = p.processes();
        let names: Vec<_> = all.iter().map(|p| (p.pid, p.comm.as_str())).collect();
        assert_eq!(names, vec![(100, "mptcpd"), (200, "curl")]);
        assert_eq!(all[1].cmdline, vec!["curl", "https://example.org/"]);
        assert_eq!(p.socket_inodes(200).unwrap(), vec![4242, 4343]);
        assert_eq!(p.netns(Some(100)).as_deref(), Some("net:[4026531840]"));
        assert_eq!(p.netns(None).as_deref(), Some("net:[4026531840]"));
        assert!(p.process(300).is_err());
        assert_eq!(parse_socket_link("socket:[77]"), Some(77));
        assert_eq!(parse_socket_link("pipe:[77]"), None);
        assert_eq!(parse_socket_link("socket:[x]"), None);
    }

    #[test]
    fn garbage_never_panics() {
        for text in [
            "",
            "\n\n",
            "  sl\n0: zz",
            "  sl\n 0: 1 2 0 1:2 3:4 01 02 0:0 1 9\n",
            "MPTcpExt:\nMPTcpExt: 1",
        ] {
            let _ = parse_legacy_connections(text);
            let _ = parse_netstat(text, "MPTcpExt");
            let _ = parse_snmp_table(text);
        }
    }
}
