//! Path manager events: the `mptcp_pm_events` multicast group of the `mptcp_pm` generic
//! netlink family, what `ip mptcp monitor` listens to.
//!
//! Facts from `include/uapi/linux/mptcp_pm.h` (generated from
//! `Documentation/netlink/specs/mptcp_pm.yaml`; `enum mptcp_event_type` and `enum
//! mptcp_event_attr`, as of Linux 6.18), `include/uapi/linux/mptcp.h` (`MPTCP_PM_EV_GRP_NAME`,
//! `MPTCP_PM_EV_FLAG_*`) and the kernel code that fills them (`net/mptcp/pm_netlink.c`,
//! `mptcp_event_*`). Each event is one message whose type is the family id and whose
//! `genlmsghdr.cmd` is the event type; the attributes are flat (not nested):
//!
//! - tokens `u32`, address ids `u8`, family `u16`, addresses `in_addr`/`in6_addr` as on the
//!   wire, ports `__be16`, `backup` and `error` (a copy of the subflow's `sk_err`) `u8`,
//!   `if_idx` `s32`, `reset_reason` (the MP_TCPRST code of RFC 8684 §3.6) and `reset_flags`
//!   `u32`, `flags` `u16` (`deny_join_id0`, and `server_side` since 6.18, which also still
//!   sends the older `server_side` `u8` attribute), `timeout` `u32`.
//!
//! [`parse_event`] is pure; [`EventSocket`] joins the group and hands over datagrams.
//! Unknown event types and attributes are kept, never dropped.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use super::netlink::{self, Netlink, Protocol, attrs, exact_u8, exact_u16, exact_u32, u16_be_at};
use super::pm::{self, GENL_HDRLEN, MPTCP_PM_EV_GRP_NAME, MPTCP_PM_NAME};
use super::sock_diag::RawAttr;
use super::{ENOENT, KernelError};
use crate::mptcp::types::Token;

pub const MPTCP_EVENT_CREATED: u8 = 1;
pub const MPTCP_EVENT_ESTABLISHED: u8 = 2;
pub const MPTCP_EVENT_CLOSED: u8 = 3;
pub const MPTCP_EVENT_ANNOUNCED: u8 = 6;
pub const MPTCP_EVENT_REMOVED: u8 = 7;
pub const MPTCP_EVENT_SUB_ESTABLISHED: u8 = 10;
pub const MPTCP_EVENT_SUB_CLOSED: u8 = 11;
pub const MPTCP_EVENT_SUB_PRIORITY: u8 = 13;
pub const MPTCP_EVENT_LISTENER_CREATED: u8 = 15;
pub const MPTCP_EVENT_LISTENER_CLOSED: u8 = 16;

pub const MPTCP_ATTR_TOKEN: u16 = 1;
pub const MPTCP_ATTR_FAMILY: u16 = 2;
pub const MPTCP_ATTR_LOC_ID: u16 = 3;
pub const MPTCP_ATTR_REM_ID: u16 = 4;
pub const MPTCP_ATTR_SADDR4: u16 = 5;
pub const MPTCP_ATTR_SADDR6: u16 = 6;
pub const MPTCP_ATTR_DADDR4: u16 = 7;
pub const MPTCP_ATTR_DADDR6: u16 = 8;
pub const MPTCP_ATTR_SPORT: u16 = 9;
pub const MPTCP_ATTR_DPORT: u16 = 10;
pub const MPTCP_ATTR_BACKUP: u16 = 11;
pub const MPTCP_ATTR_ERROR: u16 = 12;
pub const MPTCP_ATTR_FLAGS: u16 = 13;
pub const MPTCP_ATTR_TIMEOUT: u16 = 14;
pub const MPTCP_ATTR_IF_IDX: u16 = 15;
pub const MPTCP_ATTR_RESET_REASON: u16 = 16;
pub const MPTCP_ATTR_RESET_FLAGS: u16 = 17;
pub const MPTCP_ATTR_SERVER_SIDE: u16 = 18;

/// `MPTCP_ATTR_FLAGS` bits.
pub const MPTCP_PM_EV_FLAG_DENY_JOIN_ID0: u16 = 1 << 0;
pub const MPTCP_PM_EV_FLAG_SERVER_SIDE: u16 = 1 << 1;

/// `MPTCP_ATTR_RESET_FLAGS`: `MPTCP_RST_TRANSIENT`, the T flag of MP_TCPRST.
pub const MPTCP_RST_TRANSIENT: u32 = 1 << 0;

/// `enum mptcp_event_type`; a type this version does not know keeps its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Created,
    Established,
    Closed,
    Announced,
    Removed,
    SubEstablished,
    SubClosed,
    SubPriority,
    ListenerCreated,
    ListenerClosed,
    Unknown(u8),
}

impl EventKind {
    #[must_use]
    pub fn from_u8(v: u8) -> Self {
        match v {
            MPTCP_EVENT_CREATED => Self::Created,
            MPTCP_EVENT_ESTABLISHED => Self::Established,
            MPTCP_EVENT_CLOSED => Self::Closed,
            MPTCP_EVENT_ANNOUNCED => Self::Announced,
            MPTCP_EVENT_REMOVED => Self::Removed,
            MPTCP_EVENT_SUB_ESTABLISHED => Self::SubEstablished,
            MPTCP_EVENT_SUB_CLOSED => Self::SubClosed,
            MPTCP_EVENT_SUB_PRIORITY => Self::SubPriority,
            MPTCP_EVENT_LISTENER_CREATED => Self::ListenerCreated,
            MPTCP_EVENT_LISTENER_CLOSED => Self::ListenerClosed,
            v => Self::Unknown(v),
        }
    }

    #[must_use]
    pub fn number(self) -> u8 {
        match self {
            Self::Created => MPTCP_EVENT_CREATED,
            Self::Established => MPTCP_EVENT_ESTABLISHED,
            Self::Closed => MPTCP_EVENT_CLOSED,
            Self::Announced => MPTCP_EVENT_ANNOUNCED,
            Self::Removed => MPTCP_EVENT_REMOVED,
            Self::SubEstablished => MPTCP_EVENT_SUB_ESTABLISHED,
            Self::SubClosed => MPTCP_EVENT_SUB_CLOSED,
            Self::SubPriority => MPTCP_EVENT_SUB_PRIORITY,
            Self::ListenerCreated => MPTCP_EVENT_LISTENER_CREATED,
            Self::ListenerClosed => MPTCP_EVENT_LISTENER_CLOSED,
            Self::Unknown(v) => v,
        }
    }

    /// The uapi name without its `MPTCP_EVENT_` prefix, in `snake_case`; `unknown` for a type
    /// this version does not know.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Established => "established",
            Self::Closed => "closed",
            Self::Announced => "announced",
            Self::Removed => "removed",
            Self::SubEstablished => "sub_established",
            Self::SubClosed => "sub_closed",
            Self::SubPriority => "sub_priority",
            Self::ListenerCreated => "listener_created",
            Self::ListenerClosed => "listener_closed",
            Self::Unknown(_) => "unknown",
        }
    }
}

/// One path manager event, with every attribute the kernel sent; `None` for what it did not.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Event {
    /// `genlmsghdr.cmd`: the event type.
    pub kind: u8,
    /// The connection's local token.
    pub token: Option<Token>,
    pub family: Option<u16>,
    pub loc_id: Option<u8>,
    pub rem_id: Option<u8>,
    pub saddr: Option<IpAddr>,
    pub daddr: Option<IpAddr>,
    pub sport: Option<u16>,
    pub dport: Option<u16>,
    pub backup: Option<u8>,
    /// The subflow's socket error (`sk_err`), an `errno`.
    pub error: Option<u8>,
    pub flags: Option<u16>,
    pub timeout: Option<u32>,
    pub if_idx: Option<i32>,
    pub reset_reason: Option<u32>,
    pub reset_flags: Option<u32>,
    /// The older `MPTCP_ATTR_SERVER_SIDE` attribute.
    pub server_side_attr: Option<u8>,
    /// Attributes this version does not know, or known ones of an unexpected size.
    pub other: Vec<RawAttr>,
}

impl Event {
    #[must_use]
    pub fn kind(&self) -> EventKind {
        EventKind::from_u8(self.kind)
    }

    /// This host accepted the connection: `MPTCP_PM_EV_FLAG_SERVER_SIDE` or the older
    /// attribute; `None` when the event carries neither (only created and established do).
    #[must_use]
    pub fn server_side(&self) -> Option<bool> {
        let from_flags = self.flags.map(|f| f & MPTCP_PM_EV_FLAG_SERVER_SIDE != 0);
        let from_attr = self.server_side_attr.map(|v| v != 0);
        match (from_flags, from_attr) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(false) || b.unwrap_or(false)),
        }
    }

    /// `MPTCP_PM_EV_FLAG_DENY_JOIN_ID0`: the peer asked not to be joined on its initial
    /// address (the C flag of MP_CAPABLE).
    #[must_use]
    pub fn deny_join_id0(&self) -> Option<bool> {
        self.flags.map(|f| f & MPTCP_PM_EV_FLAG_DENY_JOIN_ID0 != 0)
    }
}

/// Parses one event message's payload: `genlmsghdr`, then the attributes.
pub fn parse_event(payload: &[u8]) -> Result<Event, KernelError> {
    const WHAT: &str = "an mptcp_pm event";
    let Some((&cmd, _)) = payload.split_first() else {
        return Err(netlink::malformed(WHAT, "empty message"));
    };
    let mut e = Event {
        kind: cmd,
        ..Event::default()
    };
    for a in attrs(payload.get(GENL_HDRLEN..).unwrap_or_default(), WHAT) {
        let a = a?;
        let v = a.value;
        let known = match a.kind {
            MPTCP_ATTR_TOKEN => exact_u32(v).map(|t| e.token = Some(Token(t))),
            MPTCP_ATTR_FAMILY => exact_u16(v).map(|f| e.family = Some(f)),
            MPTCP_ATTR_LOC_ID => exact_u8(v).map(|i| e.loc_id = Some(i)),
            MPTCP_ATTR_REM_ID => exact_u8(v).map(|i| e.rem_id = Some(i)),
            MPTCP_ATTR_SADDR4 => v4(v).map(|a| e.saddr = Some(a)),
            MPTCP_ATTR_SADDR6 => v6(v).map(|a| e.saddr = Some(a)),
            MPTCP_ATTR_DADDR4 => v4(v).map(|a| e.daddr = Some(a)),
            MPTCP_ATTR_DADDR6 => v6(v).map(|a| e.daddr = Some(a)),
            // nla_put_be16: network byte order, unlike the endpoint port of GET_ADDR.
            MPTCP_ATTR_SPORT => u16_be_at(v, 0)
                .filter(|_| v.len() == 2)
                .map(|p| e.sport = Some(p)),
            MPTCP_ATTR_DPORT => u16_be_at(v, 0)
                .filter(|_| v.len() == 2)
                .map(|p| e.dport = Some(p)),
            MPTCP_ATTR_BACKUP => exact_u8(v).map(|b| e.backup = Some(b)),
            MPTCP_ATTR_ERROR => exact_u8(v).map(|b| e.error = Some(b)),
            MPTCP_ATTR_FLAGS => exact_u16(v).map(|f| e.flags = Some(f)),
            MPTCP_ATTR_TIMEOUT => exact_u32(v).map(|t| e.timeout = Some(t)),
            MPTCP_ATTR_IF_IDX => {
                exact_u32(v).map(|i| e.if_idx = Some(i32::from_ne_bytes(i.to_ne_bytes())))
            }
            MPTCP_ATTR_RESET_REASON => exact_u32(v).map(|r| e.reset_reason = Some(r)),
            MPTCP_ATTR_RESET_FLAGS => exact_u32(v).map(|r| e.reset_flags = Some(r)),
            MPTCP_ATTR_SERVER_SIDE => exact_u8(v).map(|s| e.server_side_attr = Some(s)),
            _ => None,
        };
        if known.is_none() {
            e.other.push(RawAttr {
                kind: a.kind,
                value: v.to_vec(),
            });
        }
    }
    Ok(e)
}

fn v4(v: &[u8]) -> Option<IpAddr> {
    Some(Ipv4Addr::from(<[u8; 4]>::try_from(v).ok()?).into())
}

fn v6(v: &[u8]) -> Option<IpAddr> {
    Some(Ipv6Addr::from(<[u8; 16]>::try_from(v).ok()?).into())
}

/// The events in one received datagram (or several concatenated): messages of family
/// `family` only; a malformed one is an error for that message, the others still count.
#[must_use]
pub fn parse_datagram(bytes: &[u8], family: u16) -> Vec<Result<Event, KernelError>> {
    netlink::messages(bytes)
        .filter(|m| m.as_ref().map_or(true, |m| m.kind == family))
        .map(|m| parse_event(m?.payload))
        .collect()
}

/// A socket subscribed to `mptcp_pm_events` in the namespace it was opened in.
pub struct EventSocket {
    nl: Netlink,
    family: u16,
}

/// Receive buffer for events: a burst of a few thousand connections opening and closing at
/// once fits before the kernel has to drop any (`ENOBUFS`).
const EVENT_RCVBUF: usize = 4 << 20;

impl EventSocket {
    /// Resolves the family and joins its event group. Enter a namespace before calling this.
    pub fn open() -> Result<Self, KernelError> {
        let mut nl = Netlink::open(Protocol::Generic)?;
        let reply = nl
            .request("CTRL_CMD_GETFAMILY", pm::family_request(MPTCP_PM_NAME))
            .map_err(|e| match e {
                KernelError::Netlink { errno: ENOENT, .. } => KernelError::FamilyNotFound {
                    name: MPTCP_PM_NAME.into(),
                },
                e => e,
            })?;
        let family = pm::parse_family(&reply, MPTCP_PM_NAME)?;
        let group = family.group(MPTCP_PM_EV_GRP_NAME).ok_or_else(|| {
            netlink::malformed(
                "CTRL_CMD_GETFAMILY",
                format!("family {MPTCP_PM_NAME} has no \"{MPTCP_PM_EV_GRP_NAME}\" group"),
            )
        })?;
        nl.set_receive_buffer(EVENT_RCVBUF);
        nl.add_membership(group)?;
        Ok(EventSocket {
            nl,
            family: family.id,
        })
    }

    /// The family id events carry as their message type.
    #[must_use]
    pub fn family(&self) -> u16 {
        self.family
    }

    /// The next datagram of events, or `None` when `timeout` passed first. Its bytes are
    /// valid until the next call; parse them with [`parse_datagram`].
    pub fn recv(&mut self, timeout: Duration) -> Result<Option<&[u8]>, KernelError> {
        self.nl.recv_multicast(timeout)
    }
}

#[cfg(all(test, target_endian = "little"))]
mod tests {
    use hex_literal::hex;
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn sub_closed_with_error_and_reset_reason() {
        // Crafted from the kernel's mptcp_event_sub_closed: a join refused with ECONNREFUSED.
        let payload = hex!(
            "0b 01 00 00"             // cmd 11 (SUB_CLOSED), version 1
            "08 00 01 00 86 34 22 26" // TOKEN 0x26223486
            "06 00 02 00 02 00 00 00" // FAMILY AF_INET
            "08 00 05 00 0a 00 02 01" // SADDR4 10.0.2.1
            "08 00 07 00 0a 00 02 02" // DADDR4 10.0.2.2
            "06 00 09 00 87 97 00 00" // SPORT 34711, network order
            "06 00 0a 00 14 51 00 00" // DPORT 5201
            "05 00 03 00 01 00 00 00" // LOC_ID 1
            "05 00 04 00 01 00 00 00" // REM_ID 1
            "05 00 0b 00 00 00 00 00" // BACKUP 0
            "05 00 0c 00 6f 00 00 00" // ERROR 111 (ECONNREFUSED)
            "08 00 10 00 01 00 00 00" // RESET_REASON 1
            "08 00 11 00 01 00 00 00" // RESET_FLAGS transient
            "08 00 63 00 aa bb cc dd" // attribute 99: unknown, kept
        );
        let e = parse_event(&payload).unwrap();
        assert_eq!(e.kind(), EventKind::SubClosed);
        assert_eq!(e.token, Some(Token(0x2622_3486)));
        assert_eq!(e.saddr, Some(IpAddr::from([10, 0, 2, 1])));
        assert_eq!(e.daddr, Some(IpAddr::from([10, 0, 2, 2])));
        assert_eq!((e.sport, e.dport), (Some(34711), Some(5201)));
        assert_eq!((e.loc_id, e.rem_id), (Some(1), Some(1)));
        assert_eq!(e.error, Some(111));
        assert_eq!((e.reset_reason, e.reset_flags), (Some(1), Some(1)));
        assert_eq!(e.server_side(), None);
        assert_eq!(
            e.other,
            vec![RawAttr {
                kind: 99,
                value: vec![0xaa, 0xbb, 0xcc, 0xdd]
            }]
        );
    }

    #[test]
    fn server_side_from_flags_or_the_older_attribute() {
        let mut e = Event {
            flags: Some(MPTCP_PM_EV_FLAG_SERVER_SIDE),
            ..Event::default()
        };
        assert_eq!(e.server_side(), Some(true));
        assert_eq!(e.deny_join_id0(), Some(false));
        e.flags = Some(MPTCP_PM_EV_FLAG_DENY_JOIN_ID0);
        assert_eq!(e.server_side(), Some(false));
        e.server_side_attr = Some(1);
        assert_eq!(e.server_side(), Some(true));
    }

    #[test]
    fn unknown_event_type_is_kept_with_its_number() {
        let e = parse_event(&hex!("2a 01 00 00 08 00 01 00 01 00 00 00")).unwrap();
        assert_eq!(e.kind(), EventKind::Unknown(42));
        assert_eq!(e.kind().name(), "unknown");
        assert_eq!(e.token, Some(Token(1)));
        for n in [1u8, 2, 3, 6, 7, 10, 11, 13, 15, 16] {
            assert_eq!(EventKind::from_u8(n).number(), n);
            assert_ne!(EventKind::from_u8(n).name(), "unknown");
        }
    }

    #[test]
    fn wrong_sizes_are_kept_raw() {
        // A 4-byte SPORT is not a port.
        let e = parse_event(&hex!("0a 01 00 00 08 00 09 00 14 51 00 00")).unwrap();
        assert_eq!(e.sport, None);
        assert_eq!(e.other.len(), 1);
        assert!(parse_event(&[]).is_err());
    }

    #[test]
    fn recorded_connection_with_a_join_and_an_announcement() {
        // testdata/netlink/genl-events.bin: the client side of TwoPaths, the server announcing
        // 10.0.2.2 (testdata/README.md).
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/netlink/genl-events.bin"
        );
        let bytes = std::fs::read(path).unwrap();
        let family = netlink::messages(&bytes).next().unwrap().unwrap().kind;
        let events: Vec<Event> = parse_datagram(&bytes, family)
            .into_iter()
            .collect::<Result<_, _>>()
            .unwrap();
        let kinds: Vec<_> = events.iter().map(|e| e.kind().name()).collect();
        assert_eq!(
            kinds,
            [
                "created",
                "established",
                "announced",
                "sub_established",
                "sub_closed",
                "closed"
            ]
        );
        let token = events[0].token;
        assert!(token.is_some() && events.iter().all(|e| e.token == token));
        let v4 = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        // The initial subflow 10.0.1.1 -> 10.0.1.2:5201.
        assert_eq!(
            (events[0].saddr, events[0].daddr),
            (v4("10.0.1.1"), v4("10.0.1.2"))
        );
        assert_eq!(events[0].dport, Some(5201));
        assert_eq!(
            events[0].family,
            Some(u16::from(super::super::sock_diag::AF_INET))
        );
        // The server's announcement: id 1, its address and the connection's port; no family.
        assert_eq!(
            (events[2].rem_id, events[2].daddr),
            (Some(1), v4("10.0.2.2"))
        );
        assert_eq!(events[2].family, None);
        // The join from the c2 endpoint (id 1), bound to c2.
        assert_eq!(
            (events[3].saddr, events[3].loc_id),
            (v4("10.0.2.1"), Some(1))
        );
        assert_eq!(events[3].backup, Some(0));
        assert!(events[3].if_idx.is_some_and(|i| i > 1));
        // The join to the announced address: nothing listens on 10.0.2.2:5201.
        assert_eq!(
            (events[4].daddr, events[4].rem_id),
            (v4("10.0.2.2"), Some(1))
        );
        assert_eq!(events[4].error, Some(111));
        assert!(events.iter().all(|e| e.other.is_empty()));
    }

    proptest! {
        #[test]
        fn any_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = parse_event(&data);
            let _ = parse_datagram(&data, 0x1c);
        }
    }
}
