//! Small questions to the current network namespace: can an MPTCP socket be created here,
//! and what are an interface's name and index.
//!
//! `socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP)` fails with `EPROTONOSUPPORT` (or `EINVAL`)
//! on a kernel without `CONFIG_MPTCP`, and with `ENOPROTOOPT` when `net.mptcp.enabled` is 0
//! in this namespace (`net/mptcp/protocol.c`, `mptcp_init_sock`). Interface names come from
//! the `SIOCGIFNAME`/`SIOCGIFINDEX` ioctls on a socket, which answer for the socket's own
//! namespace (sysfs would answer for the namespace it was mounted in).

use std::os::fd::AsFd;

use socket2::{Domain, Protocol, Socket, Type};

use super::sock_diag::IPPROTO_MPTCP;
use super::{EINVAL, ENOPROTOOPT, EPROTONOSUPPORT, KernelError, errno_of};

/// Creates (and closes) an MPTCP socket; the `errno` when that fails.
pub fn mptcp_socket() -> Result<(), i32> {
    // IPPROTO_MPTCP is 262: it fits in the c_int socket2 takes.
    let proto = Protocol::from(i32::try_from(IPPROTO_MPTCP).unwrap_or(262));
    Socket::new(Domain::IPV4, Type::STREAM, Some(proto))
        .map(drop)
        .map_err(|e| errno_of(&e))
}

/// Why an MPTCP socket could not be created, in a few words.
#[must_use]
pub fn explain_socket_errno(errno: i32) -> String {
    match errno {
        ENOPROTOOPT => "MPTCP is disabled in this namespace (net.mptcp.enabled = 0)".into(),
        EPROTONOSUPPORT | EINVAL => "this kernel has no MPTCP (CONFIG_MPTCP)".into(),
        e => std::io::Error::from_raw_os_error(e).to_string(),
    }
}

fn ioctl_socket() -> Result<Socket, KernelError> {
    Socket::new(Domain::IPV4, Type::DGRAM, None)
        .map_err(|e| KernelError::os("opening a socket for interface lookups", &e))
}

/// The name of interface `index` in this namespace, `None` if there is none.
#[must_use]
pub fn ifname(index: u32) -> Option<String> {
    let s = ioctl_socket().ok()?;
    rustix::net::netdevice::index_to_name(s.as_fd(), index).ok()
}

/// The index of interface `name` in this namespace.
pub fn ifindex(name: &str) -> Result<u32, KernelError> {
    let s = ioctl_socket()?;
    rustix::net::netdevice::name_to_index(s.as_fd(), name).map_err(|e| KernelError::Os {
        op: format!("looking up interface \"{name}\""),
        errno: e.raw_os_error(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_index_1_by_name() {
        // Every namespace has lo, and it is always created first.
        assert_eq!(ifindex("lo"), Ok(1));
        assert_eq!(ifname(1).as_deref(), Some("lo"));
        assert!(ifindex("no-such-if0").is_err());
    }

    #[test]
    fn explanations() {
        assert!(explain_socket_errno(ENOPROTOOPT).contains("net.mptcp.enabled = 0"));
        assert!(explain_socket_errno(EPROTONOSUPPORT).contains("CONFIG_MPTCP"));
    }
}
