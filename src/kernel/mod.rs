//! The live kernel: sysctls, generic netlink `mptcp_pm`, `sock_diag`, MIB counters.
//!
//! Every source has three parts: a pure function that builds the request bytes, a few lines
//! of I/O (all netlink traffic goes through [`netlink`]), and a pure parser fed by the reply.
//! Tests feed the parsers recorded replies from `testdata/netlink/` and copies of `/proc`
//! from `testdata/proc/`.
//!
//! - [`netlink`]: the socket, the request/reply loop, message and attribute walking.
//! - [`sock_diag`]: MPTCP sockets (`struct mptcp_info`) and TCP subflows (`tcp_info`, ULP info).
//! - [`pm`]: the `mptcp_pm` generic netlink family: endpoints and limits.
//! - [`procfs`]: `net.mptcp.*` sysctls, `/proc/net/netstat`, the out-of-tree `/proc/net/mptcp`.
//! - [`mib`]: the MPTcpExt counters: what each one counts, which ones signal trouble.
//! - [`netns`]: `--netns NAME`: run a query inside another network namespace.
//! - [`probe`]: can an MPTCP socket be created here; interface index and name.
//! - [`route`]: rtnetlink: interfaces, addresses, routes and policy rules, and which route the
//!   kernel would pick for traffic from an address.
//! - [`events`]: the `mptcp_pm_events` multicast group: path manager events as they happen.
//!
//! Errors are [`KernelError`]; every message ends with what to do about it.

pub mod events;
pub mod mib;
pub mod netlink;
pub mod netns;
pub mod pm;
pub mod probe;
pub mod procfs;
pub mod route;
pub mod sock_diag;

use std::fmt;
use std::io;
use std::path::PathBuf;

/// What went wrong talking to the kernel, with a hint in every message.
///
/// Errors carry the `errno` rather than an `io::Error` so that tests can compare them exactly.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KernelError {
    /// `CTRL_CMD_GETFAMILY` answered `ENOENT`.
    #[error("generic netlink family \"{name}\" not found: is this kernel built with CONFIG_MPTCP?")]
    FamilyNotFound { name: String },

    /// `sock_diag` has no handler for `IPPROTO_MPTCP`.
    #[error(
        "sock_diag cannot list MPTCP sockets ({}): is this kernel built with CONFIG_MPTCP and CONFIG_INET_MPTCP_DIAG (module mptcp_diag)?",
        Errno(*.errno)
    )]
    MptcpDiagUnavailable { errno: i32 },

    /// The kernel refused a request with an `NLMSG_ERROR`; `message` is its own explanation
    /// (extended acknowledgement), when it gave one.
    #[error(
        "{op}: {}{}{}",
        Errno(*.errno),
        message.as_ref().map(|m| format!(" (kernel: {m})")).unwrap_or_default(),
        if message.is_some() && *.errno != EPERM { "" } else { errno_hint(*.errno) }
    )]
    Netlink {
        op: String,
        errno: i32,
        message: Option<String>,
    },

    /// A system call on our side failed (socket, bind, send, recv).
    #[error("{op}: {}{}", Errno(*.errno), errno_hint(*.errno))]
    Os { op: String, errno: i32 },

    /// A reply that does not follow the documented layout.
    #[error(
        "malformed netlink reply to {what}: {detail}: the kernel sent something this version does not understand; please report it with the output of `uname -r`"
    )]
    Malformed { what: String, detail: String },

    /// A reply whose sequence number is not the one of our request.
    #[error(
        "netlink reply out of sequence (expected {expected}, got {got}): run the command again"
    )]
    Sequence { expected: u32, got: u32 },

    /// `--netns NAME` where `/run/netns/NAME` does not exist.
    #[error("network namespace \"{name}\" not found: list the named ones with `ip netns list`")]
    NetnsNotFound { name: String },

    /// Opening or entering a namespace failed.
    #[error("cannot enter network namespace {target}: {}{}", Errno(*.errno), netns_hint(*.errno))]
    Netns { target: String, errno: i32 },

    /// A file under `/proc` could not be read.
    #[error("reading {}: {message}: is /proc mounted?", path.display())]
    Proc { path: PathBuf, message: String },

    /// `/proc/net/netstat` has no MPTcpExt line and there is no out-of-tree `mptcp_net/snmp`.
    #[error("no MPTCP counters in {}: this kernel has no MPTCP (CONFIG_MPTCP)", path.display())]
    NoCounters { path: PathBuf },
}

impl KernelError {
    /// A failed system call of ours, from the `io::Error` std or a crate returned.
    pub(crate) fn os(op: impl Into<String>, e: &io::Error) -> Self {
        KernelError::Os {
            op: op.into(),
            errno: errno_of(e),
        }
    }

    /// The `errno` behind this error, if it came from the kernel or a system call.
    #[must_use]
    pub fn errno(&self) -> Option<i32> {
        match self {
            KernelError::MptcpDiagUnavailable { errno }
            | KernelError::Netlink { errno, .. }
            | KernelError::Os { errno, .. }
            | KernelError::Netns { errno, .. } => Some(*errno),
            _ => None,
        }
    }
}

/// The `errno` of an I/O error; `EIO` for the rare error that has none.
pub(crate) fn errno_of(e: &io::Error) -> i32 {
    const EIO: i32 = 5;
    e.raw_os_error().unwrap_or(EIO)
}

/// An `errno` shown as the C library would: "Operation not permitted (os error 1)".
struct Errno(i32);

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        io::Error::from_raw_os_error(self.0).fmt(f)
    }
}

// errno values of Linux (asm-generic/errno-base.h, errno.h), for hints only.
pub(crate) const EPERM: i32 = 1;
pub(crate) const ENOENT: i32 = 2;
pub(crate) const EACCES: i32 = 13;
pub(crate) const EEXIST: i32 = 17;
pub(crate) const EINVAL: i32 = 22;
pub(crate) const EMFILE: i32 = 24;
pub(crate) const ENOBUFS: i32 = 105;
pub(crate) const ENOPROTOOPT: i32 = 92;
pub(crate) const EPROTONOSUPPORT: i32 = 93;
pub(crate) const EOPNOTSUPP: i32 = 95;

fn errno_hint(errno: i32) -> &'static str {
    match errno {
        EPERM | EACCES => ": run as root (changing MPTCP settings needs CAP_NET_ADMIN)",
        ENOENT => ": no such entry; list what exists first",
        EEXIST => ": it already exists; delete it first or pick another id",
        EINVAL => {
            ": the kernel rejected the request; it may be older than this feature, or a value is out of range"
        }
        EMFILE => ": too many open files; raise `ulimit -n`",
        EOPNOTSUPP => ": not supported by this kernel or path manager",
        _ => "",
    }
}

fn netns_hint(errno: i32) -> &'static str {
    match errno {
        EPERM | EACCES => ": entering a namespace needs CAP_SYS_ADMIN; run as root",
        ENOENT => ": no such file; list named namespaces with `ip netns list`",
        EINVAL => ": that is not a network namespace",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_is_one_line_with_a_hint() {
        let errors = [
            KernelError::FamilyNotFound {
                name: "mptcp_pm".into(),
            },
            KernelError::MptcpDiagUnavailable { errno: ENOENT },
            KernelError::Netlink {
                op: "MPTCP_PM_CMD_ADD_ADDR".into(),
                errno: EPERM,
                message: None,
            },
            KernelError::NetnsNotFound {
                name: "blue".into(),
            },
            KernelError::Netns {
                target: "/proc/1/ns/net".into(),
                errno: EPERM,
            },
            KernelError::NoCounters {
                path: "/proc/net/netstat".into(),
            },
        ];
        for e in errors {
            let text = e.to_string();
            assert!(!text.contains('\n'), "{text}");
            assert!(text.contains(": "), "{text}");
        }
        assert_eq!(
            KernelError::FamilyNotFound {
                name: "mptcp_pm".into()
            }
            .to_string(),
            "generic netlink family \"mptcp_pm\" not found: is this kernel built with CONFIG_MPTCP?"
        );
        assert_eq!(
            KernelError::Netlink {
                op: "MPTCP_PM_CMD_DEL_ADDR".into(),
                errno: EINVAL,
                message: Some("address not found".into()),
            }
            .to_string(),
            "MPTCP_PM_CMD_DEL_ADDR: Invalid argument (os error 22) (kernel: address not found)"
        );
        assert!(
            KernelError::Netlink {
                op: "x".into(),
                errno: EPERM,
                message: None,
            }
            .to_string()
            .ends_with("run as root (changing MPTCP settings needs CAP_NET_ADMIN)")
        );
    }
}
