//! `--netns NAME`: run a query inside another network namespace, like `ip -n` and `ss -N`.
//!
//! A target is a name under `/run/netns/` (what `ip netns add` creates), a path to a
//! namespace file (`/proc/PID/ns/net`, a bind mount), or a bare PID. Entering is `setns(2)`
//! through rustix's safe wrapper, restricted to network namespaces so that another kind of
//! file is refused with `EINVAL`.
//!
//! `setns` moves only the calling thread. [`run_in`] enters the namespace, runs the query
//! (which opens its sockets and `/proc` files there) and moves the thread back to where it
//! was, so the caller (and a test harness running commands in process) keeps its namespace.
//! Sockets stay in the namespace they were opened in; `/proc` reads use
//! `/proc/thread-self/net` (see `procfs`).

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

/// Runs `f` inside `target`, or right here when `target` is `None`.
///
/// The calling thread enters the namespace, runs `f` and goes back to the namespace it was in
/// before returning, also when `f` panics; threads `f` starts begin in `target`.
pub fn run_in<T>(target: Option<&NetnsTarget>, f: impl FnOnce() -> T) -> Result<T, KernelError> {
    let Some(target) = target else { return Ok(f()) };
    let here = File::open(THIS_THREAD).map_err(|e| KernelError::Netns {
        target: THIS_THREAD.into(),
        errno: errno_of(&e),
    })?;
    enter(target)?;
    let mut home = Home(Some(here));
    let out = f();
    home.go_back()?;
    Ok(out)
}

/// The calling thread's own network namespace.
const THIS_THREAD: &str = "/proc/thread-self/ns/net";

/// The namespace to return to; dropping it returns (the path taken when `f` panics).
struct Home(Option<File>);

impl Home {
    fn go_back(&mut self) -> Result<(), KernelError> {
        match self.0.take() {
            Some(file) => move_into_link_name_space(file.as_fd(), Some(LinkNameSpaceType::Network))
                .map_err(|e| KernelError::Netns {
                    target: THIS_THREAD.into(),
                    errno: e.raw_os_error(),
                }),
            None => Ok(()),
        }
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        // Only reached while unwinding: nothing better to do with a failure than go on.
        let _ = self.go_back();
    }
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
    fn the_thread_comes_back() {
        // Entering the namespace we are in: allowed as root, EPERM otherwise; either way the
        // thread ends where it started. (tests/kernel.rs checks a real move and return.)
        let before = std::fs::read_link(THIS_THREAD).unwrap();
        let t = NetnsTarget::Path("/proc/self/ns/net".into());
        let inside = run_in(Some(&t), || std::fs::read_link(THIS_THREAD).unwrap());
        assert_eq!(std::fs::read_link(THIS_THREAD).unwrap(), before);
        if let Ok(inside) = inside {
            assert_eq!(inside, before);
        }
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
