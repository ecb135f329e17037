//! `--netns NAME`: run a query inside another network namespace, like `ip -n` and `ss -N`.
//!
//! A target is a name under `/run/netns/` (what `ip netns add` creates), a path to a
//! namespace file (`/proc/PID/ns/net`, a bind mount), or a bare PID. Entering is `setns(2)`
//! through rustix's safe wrapper, restricted to network namespaces so that another kind of
//! file is refused with `EINVAL`.
//!
//! `setns` moves only the calling thread. [`run_in`] therefore does the work on a scoped
//! thread that enters the namespace first, then opens its sockets and `/proc` files, and ends
//! with the query: the caller's thread (and a test harness running commands in process)
//! never changes namespace. The `/proc` reads on that thread use `/proc/thread-self/net`
//! (see `procfs`).

use std::fmt;
use std::fs::File;
use std::io;
use std::os::fd::AsFd;
use std::path::PathBuf;

use rustix::thread::{LinkNameSpaceType, move_into_link_name_space};

use super::{KernelError, errno_of};

/// Where `ip netns` keeps named namespaces.
pub const NETNS_RUN_DIR: &str = "/run/netns";

/// A network namespace to enter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetnsTarget {
    /// `/run/netns/NAME`.
    Name(String),
    /// A namespace file, e.g. `/proc/1234/ns/net`.
    Path(PathBuf),
    /// The namespace of a process: `/proc/PID/ns/net`.
    Pid(u32),
}

impl NetnsTarget {
    /// Digits are a PID, anything with a `/` a path, the rest a name.
    #[must_use]
    pub fn parse(s: &str) -> Self {
        if let Ok(pid) = s.parse::<u32>() {
            NetnsTarget::Pid(pid)
        } else if s.contains('/') {
            NetnsTarget::Path(PathBuf::from(s))
        } else {
            NetnsTarget::Name(s.to_owned())
        }
    }

    /// The file to open.
    #[must_use]
    pub fn path(&self) -> PathBuf {
        match self {
            NetnsTarget::Name(n) => PathBuf::from(NETNS_RUN_DIR).join(n),
            NetnsTarget::Path(p) => p.clone(),
            NetnsTarget::Pid(pid) => PathBuf::from(format!("/proc/{pid}/ns/net")),
        }
    }
}

impl fmt::Display for NetnsTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NetnsTarget::Name(n) => write!(f, "\"{n}\""),
            NetnsTarget::Path(p) => write!(f, "{}", p.display()),
            NetnsTarget::Pid(pid) => write!(f, "of PID {pid}"),
        }
    }
}

/// Moves the calling thread into `target`'s network namespace.
pub fn enter(target: &NetnsTarget) -> Result<(), KernelError> {
    let file = File::open(target.path()).map_err(|e| match (target, e.kind()) {
        (NetnsTarget::Name(name), io::ErrorKind::NotFound) => {
            KernelError::NetnsNotFound { name: name.clone() }
        }
        _ => KernelError::Netns {
            target: target.to_string(),
            errno: errno_of(&e),
        },
    })?;
    move_into_link_name_space(file.as_fd(), Some(LinkNameSpaceType::Network)).map_err(|e| {
        KernelError::Netns {
            target: target.to_string(),
            errno: e.raw_os_error(),
        }
    })
}

/// Runs `f` inside `target` on a thread of its own, or on this thread when `target` is
/// `None`. A panic in `f` is passed on to the caller.
pub fn run_in<T: Send>(
    target: Option<&NetnsTarget>,
    f: impl FnOnce() -> T + Send,
) -> Result<T, KernelError> {
    let Some(target) = target else { return Ok(f()) };
    std::thread::scope(|s| {
        let worker = s.spawn(|| {
            enter(target)?;
            Ok(f())
        });
        worker
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(NetnsTarget::parse("blue"), NetnsTarget::Name("blue".into()));
        assert_eq!(NetnsTarget::parse("1234"), NetnsTarget::Pid(1234));
        assert_eq!(
            NetnsTarget::parse("/proc/1/ns/net"),
            NetnsTarget::Path("/proc/1/ns/net".into())
        );
        assert_eq!(
            NetnsTarget::Name("blue".into()).path(),
            PathBuf::from("/run/netns/blue")
        );
        assert_eq!(NetnsTarget::Pid(7).path(), PathBuf::from("/proc/7/ns/net"));
    }

    #[test]
    fn missing_named_namespace_is_a_clear_error() {
        let name = format!("mptcpstat-missing-{}", std::process::id());
        let t = NetnsTarget::Name(name.clone());
        assert_eq!(
            run_in(Some(&t), || ()),
            Err(KernelError::NetnsNotFound { name })
        );
    }

    #[test]
    fn a_file_that_is_no_namespace_is_refused() {
        // /proc/self/ns/uts is a namespace, but not a network one: EINVAL (or EPERM when
        // not privileged). Either way the thread stays where it was.
        let t = NetnsTarget::Path("/proc/self/ns/uts".into());
        let r = run_in(Some(&t), || ());
        assert!(matches!(r, Err(KernelError::Netns { .. })), "{r:?}");
        let t = NetnsTarget::Path("/dev/null".into());
        assert!(matches!(
            run_in(Some(&t), || ()),
            Err(KernelError::Netns { .. })
        ));
    }
}
