//! `sock_diag` (NETLINK_SOCK_DIAG, `inet_diag`): MPTCP sockets and their TCP subflows.
//!
//! Facts from `include/uapi/linux/inet_diag.h`, `mptcp.h`, `tcp.h` and the kernel's
//! `net/mptcp/mptcp_diag.c` (the MPTCP socket dump) and `net/mptcp/diag.c` (subflow ULP info):
//!
//! - A request is `inet_diag_req_v2` (56 bytes). Its `sdiag_protocol` is a `u8`, too small for
//!   `IPPROTO_MPTCP` (262): the kernel (`inet_diag_get_protocol`, since 5.9) takes the protocol
//!   from an `INET_DIAG_REQ_PROTOCOL` `u32` attribute after the struct instead. Each request
//!   covers one address family; the kernel filters sockets by `sdiag_family`.
//! - Each reply message is `inet_diag_msg` (72 bytes) and attributes. For an MPTCP socket,
//!   `INET_DIAG_INFO` is `struct mptcp_info`; for a TCP socket it is `struct tcp_info`, and a
//!   subflow also has `INET_DIAG_ULP_INFO`: `INET_ULP_INFO_NAME` = "mptcp" and
//!   `INET_ULP_INFO_MPTCP`, nested `MPTCP_SUBFLOW_ATTR_*` (tokens, address IDs, mapping).
//! - `mptcp_info` and `tcp_info` grow at the end from one kernel to the next. The parsers read
//!   the prefix they know; a field past the received length is `None`, extra bytes are
//!   ignored. Unknown attributes are kept in `other`, never an error.
//!
//! Main types: [`MptcpSock`] (an MPTCP socket, whose `mptcpi_token` is the LOCAL token) and
//! [`TcpSock`] (a TCP socket; a subflow when [`TcpSock::subflow`] is set).

use std::borrow::Cow;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use netlink_packet_core::{NLM_F_DUMP, NLM_F_REQUEST};
use serde::{Serialize, Serializer};

use super::netlink::{
    self, Netlink, Reply, attrs, data_messages_in, exact_u8, exact_u16, exact_u32, exact_u64,
    malformed, u8_at, u16_at, u16_be_at, u32_at, u64_at,
};
use super::{EINVAL, ENOENT, EOPNOTSUPP, KernelError};
use crate::mptcp::types::Token;

/// `SOCK_DIAG_BY_FAMILY` (`linux/sock_diag.h`).
pub const SOCK_DIAG_BY_FAMILY: u16 = 20;
pub const AF_INET: u8 = 2;
pub const AF_INET6: u8 = 10;
pub const IPPROTO_TCP: u8 = 6;
/// `IPPROTO_MPTCP` (`linux/in.h`): does not fit in `sdiag_protocol`.
pub const IPPROTO_MPTCP: u32 = 262;

/// Request attribute (`enum { INET_DIAG_REQ_NONE, ... }`).
pub const INET_DIAG_REQ_PROTOCOL: u16 = 3;

/// Reply attributes (`enum { INET_DIAG_NONE, ... }`).
pub const INET_DIAG_INFO: u16 = 2;
pub const INET_DIAG_SHUTDOWN: u16 = 8;
pub const INET_DIAG_ULP_INFO: u16 = 19;
/// `INET_DIAG_SOCKOPT`, the last attribute of Linux 6.18; later ones are kept raw.
pub const INET_DIAG_LAST_KNOWN: u16 = 22;

pub const INET_ULP_INFO_NAME: u16 = 1;
pub const INET_ULP_INFO_MPTCP: u16 = 3;

pub const MPTCP_SUBFLOW_ATTR_TOKEN_REM: u16 = 1;
pub const MPTCP_SUBFLOW_ATTR_TOKEN_LOC: u16 = 2;
pub const MPTCP_SUBFLOW_ATTR_RELWRITE_SEQ: u16 = 3;
pub const MPTCP_SUBFLOW_ATTR_MAP_SEQ: u16 = 4;
pub const MPTCP_SUBFLOW_ATTR_MAP_SFSEQ: u16 = 5;
pub const MPTCP_SUBFLOW_ATTR_SSN_OFFSET: u16 = 6;
pub const MPTCP_SUBFLOW_ATTR_MAP_DATALEN: u16 = 7;
pub const MPTCP_SUBFLOW_ATTR_FLAGS: u16 = 8;
pub const MPTCP_SUBFLOW_ATTR_ID_REM: u16 = 9;
pub const MPTCP_SUBFLOW_ATTR_ID_LOC: u16 = 10;
pub const MPTCP_SUBFLOW_ATTR_PAD: u16 = 11;

/// `mptcpi_flags` bits.
pub const MPTCP_INFO_FLAG_FALLBACK: u32 = 1 << 0;
pub const MPTCP_INFO_FLAG_REMOTE_KEY_RECEIVED: u32 = 1 << 1;

/// `MPTCP_SUBFLOW_ATTR_FLAGS` bits, with the letter `ss` prints for each.
pub const MPTCP_SUBFLOW_FLAGS: [(u32, &str, char); 9] = [
    (1 << 0, "mcap_rem", 'M'),
    (1 << 1, "mcap_loc", 'm'),
    (1 << 2, "join_rem", 'J'),
    (1 << 3, "join_loc", 'j'),
    (1 << 4, "bkup_rem", 'B'),
    (1 << 5, "bkup_loc", 'b'),
    (1 << 6, "fully_established", 'e'),
    (1 << 7, "connected", 'c'),
    (1 << 8, "mapvalid", 'v'),
];
/// `MPTCP_SUBFLOW_ATTR_FLAGS`, shown (and serialised) as the list of its flag names; bits this
/// version does not know appear as one `0x...` entry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SubflowFlags(pub u32);

impl SubflowFlags {
    fn unknown(self) -> u32 {
        MPTCP_SUBFLOW_FLAGS
            .iter()
            .fold(self.0, |r, (bit, _, _)| r & !bit)
    }

    #[must_use]
    pub fn names(self) -> Vec<Cow<'static, str>> {
        let mut names: Vec<Cow<'static, str>> = MPTCP_SUBFLOW_FLAGS
            .iter()
            .filter(|(bit, _, _)| self.0 & bit != 0)
            .map(|(_, name, _)| Cow::Borrowed(*name))
            .collect();
        if self.unknown() != 0 {
            names.push(Cow::Owned(format!("{:#x}", self.unknown())));
        }
        names
    }

    /// The letters `ss -ti` prints after `flags:`, e.g. `Mmec`.
    #[must_use]
    pub fn letters(self) -> String {
        MPTCP_SUBFLOW_FLAGS
            .iter()
            .filter(|(bit, _, _)| self.0 & bit != 0)
            .map(|(_, _, c)| *c)
            .collect()
    }
}

impl Serialize for SubflowFlags {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(None)?;
        for (bit, name, _) in MPTCP_SUBFLOW_FLAGS {
            if self.0 & bit != 0 {
                seq.serialize_element(name)?;
            }
        }
        if self.unknown() != 0 {
            seq.serialize_element(&format!("{:#x}", self.unknown()))?;
        }
        seq.end()
    }
}

pub const MPTCP_SUBFLOW_FLAG_BKUP_REM: u32 = 1 << 4;
pub const MPTCP_SUBFLOW_FLAG_BKUP_LOC: u32 = 1 << 5;

/// Length of `struct inet_diag_msg`, unchanged since it was introduced.
const INET_DIAG_MSG_LEN: usize = 72;
/// Length of `struct inet_diag_req_v2`.
const INET_DIAG_REQ_V2_LEN: usize = 56;

/// TCP states, numbered as in `include/net/tcp_states.h`; shown as `ss` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TcpState {
    Established,
    SynSent,
    SynRecv,
    FinWait1,
    FinWait2,
    TimeWait,
    Close,
    CloseWait,
    LastAck,
    Listen,
    Closing,
    NewSynRecv,
    /// A state number this version does not know.
    Other(u8),
}

impl TcpState {
    #[must_use]
    pub fn from_u8(v: u8) -> Self {
        match v {
            1 => Self::Established,
            2 => Self::SynSent,
            3 => Self::SynRecv,
            4 => Self::FinWait1,
            5 => Self::FinWait2,
            6 => Self::TimeWait,
            7 => Self::Close,
            8 => Self::CloseWait,
            9 => Self::LastAck,
            10 => Self::Listen,
            11 => Self::Closing,
            12 => Self::NewSynRecv,
            v => Self::Other(v),
        }
    }

    #[must_use]
    pub fn number(self) -> u8 {
        match self {
            Self::Established => 1,
            Self::SynSent => 2,
            Self::SynRecv => 3,
            Self::FinWait1 => 4,
            Self::FinWait2 => 5,
            Self::TimeWait => 6,
            Self::Close => 7,
            Self::CloseWait => 8,
            Self::LastAck => 9,
            Self::Listen => 10,
            Self::Closing => 11,
            Self::NewSynRecv => 12,
            Self::Other(v) => v,
        }
    }

    /// The name `ss` prints (`misc/ss.c`, `sstate_name`), e.g. `ESTAB`, `UNCONN` for CLOSE.
    #[must_use]
    pub fn ss_name(self) -> String {
        match self {
            Self::Established => "ESTAB",
            Self::SynSent => "SYN-SENT",
            Self::SynRecv => "SYN-RECV",
            Self::FinWait1 => "FIN-WAIT-1",
            Self::FinWait2 => "FIN-WAIT-2",
            Self::TimeWait => "TIME-WAIT",
            Self::Close => "UNCONN",
            Self::CloseWait => "CLOSE-WAIT",
            Self::LastAck => "LAST-ACK",
            Self::Listen => "LISTEN",
            Self::Closing => "CLOSING",
            Self::NewSynRecv => "NEW-SYN-RECV",
            Self::Other(v) => return format!("STATE-{v}"),
        }
        .to_owned()
    }

    /// The state's bit in `idiag_states`.
    #[must_use]
    pub fn bit(self) -> u32 {
        1u32.checked_shl(u32::from(self.number())).unwrap_or(0)
    }
}

impl Serialize for TcpState {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.ss_name())
    }
}

/// State masks for requests.
pub mod states {
    use super::TcpState;

    /// Every state.
    pub const ALL: u32 = u32::MAX;
    /// What `ss` shows by default: all but LISTEN, CLOSE, TIME-WAIT and SYN-RECV.
    pub const CONNECTED: u32 = ALL
        & !(1 << 10) // LISTEN
        & !(1 << 7) // CLOSE
        & !(1 << 6) // TIME_WAIT
        & !(1 << 3); // SYN_RECV
    pub const LISTEN: u32 = 1 << 10;
    /// Full sockets only: TIME-WAIT and request sockets have no ULP and no `tcp_info`.
    pub const FULL_SOCKETS: u32 = ALL & !(1 << 6) & !(1 << 12);

    /// Whether `mask` selects `state`.
    #[must_use]
    pub fn contains(mask: u32, state: TcpState) -> bool {
        mask & state.bit() != 0
    }
}

/// A dump request for all sockets of `protocol` in `family` whose state is in `states`,
/// asking for `INET_DIAG_INFO`.
///
/// `sdiag_protocol` gets the low byte of the protocol: for MPTCP that is 6 (`IPPROTO_TCP`),
/// and the kernel reads the real one from `INET_DIAG_REQ_PROTOCOL`, which `ss` sends the same
/// way (`misc/ss.c`, `sockdiag_send`).
#[must_use]
pub fn request(family: u8, protocol: u32, states: u32) -> Vec<u8> {
    let mut req = [0u8; INET_DIAG_REQ_V2_LEN];
    req[0] = family; // sdiag_family
    req[1] = protocol.to_le_bytes()[0]; // sdiag_protocol
    req[2] = 1 << (INET_DIAG_INFO - 1); // idiag_ext
    req[4..8].copy_from_slice(&states.to_ne_bytes()); // idiag_states
    // id (sport, dport, src, dst, if, cookie) stays zero: no filter.
    let mut payload = req.to_vec();
    if protocol > 255 {
        netlink::put_attr(
            &mut payload,
            INET_DIAG_REQ_PROTOCOL,
            &protocol.to_ne_bytes(),
        );
    }
    netlink::message(SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, &payload)
}

/// The MPTCP sockets of `family` in `states`.
#[must_use]
pub fn mptcp_request(family: u8, states: u32) -> Vec<u8> {
    request(family, IPPROTO_MPTCP, states)
}

/// The TCP sockets of `family` in `states`; subflows are among them.
#[must_use]
pub fn tcp_request(family: u8, states: u32) -> Vec<u8> {
    request(family, u32::from(IPPROTO_TCP), states)
}

/// Dumps MPTCP sockets. A kernel without MPTCP diag support answers `ENOENT` (no handler for
/// protocol 262) or `EINVAL` (no `INET_DIAG_REQ_PROTOCOL`, before 5.9).
pub fn dump_mptcp(nl: &mut Netlink, family: u8, states: u32) -> Result<Reply, KernelError> {
    nl.request(MPTCP_DUMP, mptcp_request(family, states))
        .map_err(mptcp_unavailable)
}

/// [`dump_mptcp`], each datagram handed to `each` as it arrives.
pub fn dump_mptcp_each(
    nl: &mut Netlink,
    family: u8,
    states: u32,
    each: impl FnMut(&[u8]) -> Result<(), KernelError>,
) -> Result<(), KernelError> {
    nl.request_each(MPTCP_DUMP, mptcp_request(family, states), each)
        .map_err(mptcp_unavailable)
}

const MPTCP_DUMP: &str = "sock_diag dump of MPTCP sockets";
const TCP_DUMP: &str = "sock_diag dump of TCP sockets";

fn mptcp_unavailable(e: KernelError) -> KernelError {
    match e {
        KernelError::Netlink { errno, .. } if [ENOENT, EINVAL, EOPNOTSUPP].contains(&errno) => {
            KernelError::MptcpDiagUnavailable { errno }
        }
        e => e,
    }
}

/// Dumps TCP sockets.
pub fn dump_tcp(nl: &mut Netlink, family: u8, states: u32) -> Result<Reply, KernelError> {
    nl.request(TCP_DUMP, tcp_request(family, states))
}

/// [`dump_tcp`], each datagram handed to `each` as it arrives.
pub fn dump_tcp_each(
    nl: &mut Netlink,
    family: u8,
    states: u32,
    each: impl FnMut(&[u8]) -> Result<(), KernelError>,
) -> Result<(), KernelError> {
    nl.request_each(TCP_DUMP, tcp_request(family, states), each)
}

/// `struct inet_diag_msg`: a socket's identity and queues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InetDiagMsg {
    pub family: u8,
    pub state: TcpState,
    pub timer: u8,
    pub retrans: u8,
    pub src: IpAddr,
    pub sport: u16,
    pub dst: IpAddr,
    pub dport: u16,
    /// `idiag_if`: the interface the socket is bound to, 0 if none.
    pub ifindex: u32,
    /// `idiag_cookie`, as `ss -e` prints it.
    pub cookie: u64,
    pub expires: u32,
    pub rqueue: u32,
    pub wqueue: u32,
    pub uid: u32,
    pub inode: u32,
}

/// Parses `inet_diag_msg`; `None` for an address family other than IPv4 and IPv6.
pub fn parse_inet_diag_msg(b: &[u8]) -> Result<Option<InetDiagMsg>, KernelError> {
    let Some(head) = b.get(..INET_DIAG_MSG_LEN) else {
        return Err(malformed(
            "sock_diag",
            format!(
                "inet_diag_msg is {} bytes, expected {INET_DIAG_MSG_LEN}",
                b.len()
            ),
        ));
    };
    let family = head[0];
    let addr = |at: usize| -> Option<IpAddr> {
        match family {
            AF_INET => Some(Ipv4Addr::from(<[u8; 4]>::try_from(&head[at..at + 4]).ok()?).into()),
            AF_INET6 => Some(Ipv6Addr::from(<[u8; 16]>::try_from(&head[at..at + 16]).ok()?).into()),
            _ => None,
        }
    };
    let (Some(src), Some(dst)) = (addr(8), addr(24)) else {
        return Ok(None);
    };
    // Every offset below is inside the 72 bytes checked above.
    let u32h = |at| u32_at(head, at).unwrap_or_default();
    Ok(Some(InetDiagMsg {
        family,
        state: TcpState::from_u8(head[1]),
        timer: head[2],
        retrans: head[3],
        sport: u16_be_at(head, 4).unwrap_or_default(),
        dport: u16_be_at(head, 6).unwrap_or_default(),
        src,
        dst,
        ifindex: u32h(40),
        cookie: u64::from(u32h(44)) | (u64::from(u32h(48)) << 32),
        expires: u32h(52),
        rqueue: u32h(56),
        wqueue: u32h(60),
        uid: u32h(64),
        inode: u32h(68),
    }))
}

/// `struct mptcp_info` (`include/uapi/linux/mptcp.h`), as much of it as the kernel sent.
///
/// Layout (offsets in bytes): the six `u8` counters 0-5, a hole, `flags` 8, `token` 12,
/// `write_seq` 16, `snd_una` 24, `rcv_nxt` 32 (the 5.7 struct, 40 bytes); `local_addr_used`
/// 40, `local_addr_max` 41, `csum_enabled` 42 (5.12+, 48 bytes with padding);
/// `retransmits` 44, `bytes_retrans` 48, `bytes_sent` 56, `bytes_received` 64, `bytes_acked`
/// 72 (6.5+, 80 bytes); `subflows_total` 80, `endp_laminar_max` 81, `endp_fullmesh_max` 82,
/// a reserved byte, `last_data_sent` 84, `last_data_recv` 88, `last_ack_recv` 92 (96 bytes).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MptcpInfo {
    /// Bytes the kernel sent: shows which fields this kernel has.
    pub size: usize,
    /// Additional subflows (`mptcpi_subflows`, alias `mptcpi_extra_subflows`).
    pub subflows: Option<u8>,
    pub add_addr_signal: Option<u8>,
    pub add_addr_accepted: Option<u8>,
    pub subflows_max: Option<u8>,
    pub add_addr_signal_max: Option<u8>,
    pub add_addr_accepted_max: Option<u8>,
    pub flags: Option<u32>,
    /// The connection's local token.
    pub token: Option<Token>,
    pub write_seq: Option<u64>,
    pub snd_una: Option<u64>,
    pub rcv_nxt: Option<u64>,
    pub local_addr_used: Option<u8>,
    pub local_addr_max: Option<u8>,
    pub csum_enabled: Option<u8>,
    pub retransmits: Option<u32>,
    pub bytes_retrans: Option<u64>,
    pub bytes_sent: Option<u64>,
    pub bytes_received: Option<u64>,
    pub bytes_acked: Option<u64>,
    pub subflows_total: Option<u8>,
    pub endp_laminar_max: Option<u8>,
    pub endp_fullmesh_max: Option<u8>,
    pub last_data_sent: Option<u32>,
    pub last_data_recv: Option<u32>,
    pub last_ack_recv: Option<u32>,
}

impl MptcpInfo {
    /// Reads any prefix of the struct; nothing here can fail.
    #[must_use]
    pub fn parse(b: &[u8]) -> Self {
        MptcpInfo {
            size: b.len(),
            subflows: u8_at(b, 0),
            add_addr_signal: u8_at(b, 1),
            add_addr_accepted: u8_at(b, 2),
            subflows_max: u8_at(b, 3),
            add_addr_signal_max: u8_at(b, 4),
            add_addr_accepted_max: u8_at(b, 5),
            flags: u32_at(b, 8),
            token: u32_at(b, 12).map(Token),
            write_seq: u64_at(b, 16),
            snd_una: u64_at(b, 24),
            rcv_nxt: u64_at(b, 32),
            local_addr_used: u8_at(b, 40),
            local_addr_max: u8_at(b, 41),
            csum_enabled: u8_at(b, 42),
            retransmits: u32_at(b, 44),
            bytes_retrans: u64_at(b, 48),
            bytes_sent: u64_at(b, 56),
            bytes_received: u64_at(b, 64),
            bytes_acked: u64_at(b, 72),
            subflows_total: u8_at(b, 80),
            endp_laminar_max: u8_at(b, 81),
            endp_fullmesh_max: u8_at(b, 82),
            last_data_sent: u32_at(b, 84),
            last_data_recv: u32_at(b, 88),
            last_ack_recv: u32_at(b, 92),
        }
    }

    /// `MPTCP_INFO_FLAG_FALLBACK`: the connection fell back to plain TCP.
    #[must_use]
    pub fn fallback(&self) -> Option<bool> {
        self.flags.map(|f| f & MPTCP_INFO_FLAG_FALLBACK != 0)
    }

    /// `MPTCP_INFO_FLAG_REMOTE_KEY_RECEIVED`.
    #[must_use]
    pub fn remote_key_received(&self) -> Option<bool> {
        self.flags
            .map(|f| f & MPTCP_INFO_FLAG_REMOTE_KEY_RECEIVED != 0)
    }
}

/// `struct tcp_info` (`include/uapi/linux/tcp.h`): the fields a subflow view needs, each
/// `None` when the kernel's struct is too short to have it. Times are microseconds (`rtt`,
/// `rttvar`, `min_rtt`, `rto`, `ato`) or milliseconds (`last_*`), as in the header.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TcpInfo {
    pub size: usize,
    pub state: Option<u8>,
    pub ca_state: Option<u8>,
    pub retransmits: Option<u8>,
    pub backoff: Option<u8>,
    pub options: Option<u8>,
    pub snd_wscale: Option<u8>,
    pub rcv_wscale: Option<u8>,
    pub rto: Option<u32>,
    pub ato: Option<u32>,
    pub snd_mss: Option<u32>,
    pub rcv_mss: Option<u32>,
    pub unacked: Option<u32>,
    pub lost: Option<u32>,
    pub retrans: Option<u32>,
    pub last_data_sent: Option<u32>,
    pub last_data_recv: Option<u32>,
    pub last_ack_recv: Option<u32>,
    pub pmtu: Option<u32>,
    pub rtt: Option<u32>,
    pub rttvar: Option<u32>,
    pub snd_ssthresh: Option<u32>,
    pub snd_cwnd: Option<u32>,
    pub advmss: Option<u32>,
    pub reordering: Option<u32>,
    pub total_retrans: Option<u32>,
    pub pacing_rate: Option<u64>,
    pub bytes_acked: Option<u64>,
    pub bytes_received: Option<u64>,
    pub segs_out: Option<u32>,
    pub segs_in: Option<u32>,
    pub notsent_bytes: Option<u32>,
    pub min_rtt: Option<u32>,
    pub data_segs_in: Option<u32>,
    pub data_segs_out: Option<u32>,
    pub delivery_rate: Option<u64>,
    pub delivered: Option<u32>,
    pub bytes_sent: Option<u64>,
    pub bytes_retrans: Option<u64>,
    pub snd_wnd: Option<u32>,
    pub rcv_wnd: Option<u32>,
    pub total_rto: Option<u16>,
}

impl TcpInfo {
    /// Reads any prefix of the struct; nothing here can fail.
    #[must_use]
    pub fn parse(b: &[u8]) -> Self {
        // tcpi_snd_wscale:4, tcpi_rcv_wscale:4 share byte 6; GCC puts the first
        // bit-field in the low bits on little-endian targets and the high bits on big-endian.
        let wscale = u8_at(b, 6);
        let (snd_ws, rcv_ws) = if cfg!(target_endian = "little") {
            (wscale.map(|w| w & 0x0f), wscale.map(|w| w >> 4))
        } else {
            (wscale.map(|w| w >> 4), wscale.map(|w| w & 0x0f))
        };
        TcpInfo {
            size: b.len(),
            state: u8_at(b, 0),
            ca_state: u8_at(b, 1),
            retransmits: u8_at(b, 2),
            backoff: u8_at(b, 4),
            options: u8_at(b, 5),
            snd_wscale: snd_ws,
            rcv_wscale: rcv_ws,
            rto: u32_at(b, 8),
            ato: u32_at(b, 12),
            snd_mss: u32_at(b, 16),
            rcv_mss: u32_at(b, 20),
            unacked: u32_at(b, 24),
            lost: u32_at(b, 32),
            retrans: u32_at(b, 36),
            last_data_sent: u32_at(b, 44),
            last_data_recv: u32_at(b, 52),
            last_ack_recv: u32_at(b, 56),
            pmtu: u32_at(b, 60),
            rtt: u32_at(b, 68),
            rttvar: u32_at(b, 72),
            snd_ssthresh: u32_at(b, 76),
            snd_cwnd: u32_at(b, 80),
            advmss: u32_at(b, 84),
            reordering: u32_at(b, 88),
            total_retrans: u32_at(b, 100),
            pacing_rate: u64_at(b, 104),
            bytes_acked: u64_at(b, 120),
            bytes_received: u64_at(b, 128),
            segs_out: u32_at(b, 136),
            segs_in: u32_at(b, 140),
            notsent_bytes: u32_at(b, 144),
            min_rtt: u32_at(b, 148),
            data_segs_in: u32_at(b, 152),
            data_segs_out: u32_at(b, 156),
            delivery_rate: u64_at(b, 160),
            delivered: u32_at(b, 192),
            bytes_sent: u64_at(b, 200),
            bytes_retrans: u64_at(b, 208),
            snd_wnd: u32_at(b, 228),
            rcv_wnd: u32_at(b, 232),
            total_rto: u16_at(b, 240),
        }
    }
}

/// An attribute this version does not know, kept so that it can be shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RawAttr {
    pub kind: u16,
    #[serde(serialize_with = "hex")]
    pub value: Vec<u8>,
}

fn hex<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&crate::mptcp::types::Hex(v))
}

/// `INET_ULP_INFO_MPTCP`: one subflow's MPTCP state (`net/mptcp/diag.c`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SubflowInfo {
    /// The peer's token. Only a subflow this side opened with MP_JOIN knows it (the kernel
    /// needs it for the SYN); the MP_CAPABLE subflow and joins accepted from the peer carry 0.
    pub token_rem: Option<Token>,
    /// The connection's local token: joins the subflow to its MPTCP socket.
    pub token_loc: Option<Token>,
    pub relwrite_seq: Option<u32>,
    pub map_seq: Option<u64>,
    pub map_sfseq: Option<u32>,
    pub ssn_offset: Option<u32>,
    pub map_datalen: Option<u16>,
    pub flags: Option<u32>,
    pub id_rem: Option<u8>,
    pub id_loc: Option<u8>,
    /// Attributes this version does not know, or known ones of an unexpected size.
    pub other: Vec<RawAttr>,
}

impl SubflowInfo {
    /// Parses the nested `MPTCP_SUBFLOW_ATTR_*` attributes.
    pub fn parse(b: &[u8]) -> Result<Self, KernelError> {
        let mut s = SubflowInfo::default();
        for a in attrs(b, "sock_diag (MPTCP subflow attributes)") {
            let a = a?;
            let v = a.value;
            let known = match a.kind {
                MPTCP_SUBFLOW_ATTR_TOKEN_REM => exact_u32(v).map(|t| s.token_rem = Some(Token(t))),
                MPTCP_SUBFLOW_ATTR_TOKEN_LOC => exact_u32(v).map(|t| s.token_loc = Some(Token(t))),
                MPTCP_SUBFLOW_ATTR_RELWRITE_SEQ => exact_u32(v).map(|x| s.relwrite_seq = Some(x)),
                MPTCP_SUBFLOW_ATTR_MAP_SEQ => exact_u64(v).map(|x| s.map_seq = Some(x)),
                MPTCP_SUBFLOW_ATTR_MAP_SFSEQ => exact_u32(v).map(|x| s.map_sfseq = Some(x)),
                MPTCP_SUBFLOW_ATTR_SSN_OFFSET => exact_u32(v).map(|x| s.ssn_offset = Some(x)),
                MPTCP_SUBFLOW_ATTR_MAP_DATALEN => exact_u16(v).map(|x| s.map_datalen = Some(x)),
                MPTCP_SUBFLOW_ATTR_FLAGS => exact_u32(v).map(|x| s.flags = Some(x)),
                MPTCP_SUBFLOW_ATTR_ID_REM => exact_u8(v).map(|x| s.id_rem = Some(x)),
                MPTCP_SUBFLOW_ATTR_ID_LOC => exact_u8(v).map(|x| s.id_loc = Some(x)),
                // Alignment padding before the 64-bit MAP_SEQ: carries nothing.
                MPTCP_SUBFLOW_ATTR_PAD => Some(()),
                _ => None,
            };
            if known.is_none() {
                s.other.push(RawAttr {
                    kind: a.kind,
                    value: v.to_vec(),
                });
            }
        }
        Ok(s)
    }

    /// Backup as the scheduler sees it: the peer asked for it (`bkup_rem`, MP_JOIN or MP_PRIO
    /// with B=1) or this side did (`bkup_loc`).
    #[must_use]
    pub fn backup(&self) -> bool {
        self.flags
            .is_some_and(|f| f & (MPTCP_SUBFLOW_FLAG_BKUP_REM | MPTCP_SUBFLOW_FLAG_BKUP_LOC) != 0)
    }

    /// Names of the set flag bits; unknown bits as one `0x...` entry.
    #[must_use]
    pub fn flag_names(&self) -> Vec<Cow<'static, str>> {
        self.flags
            .map(|f| SubflowFlags(f).names())
            .unwrap_or_default()
    }

    /// The flag letters `ss -ti` prints after `flags:`, e.g. `Mmec`.
    #[must_use]
    pub fn flag_letters(&self) -> String {
        SubflowFlags(self.flags.unwrap_or(0)).letters()
    }
}

/// An MPTCP socket (`msk`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MptcpSock {
    pub msg: InetDiagMsg,
    /// `INET_DIAG_INFO`; `None` if the kernel did not send it.
    pub info: Option<MptcpInfo>,
    pub other: Vec<RawAttr>,
}

/// A TCP socket; an MPTCP subflow when `ulp` is "mptcp".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpSock {
    pub msg: InetDiagMsg,
    pub info: Option<TcpInfo>,
    /// `INET_ULP_INFO_NAME`: "mptcp" for a subflow, "tls" for kTLS, ...
    pub ulp: Option<String>,
    /// `INET_ULP_INFO_MPTCP`; absent on the TCP listener behind an MPTCP listener.
    pub subflow: Option<SubflowInfo>,
}

impl TcpSock {
    #[must_use]
    pub fn is_subflow(&self) -> bool {
        self.ulp.as_deref() == Some("mptcp")
    }
}

/// The MPTCP sockets in a dump reply.
pub fn parse_mptcp(reply: &Reply) -> Result<Vec<MptcpSock>, KernelError> {
    let mut out = Vec::new();
    parse_mptcp_into(reply.as_bytes(), &mut out)?;
    Ok(out)
}

/// [`parse_mptcp`] of one datagram (or several), appending to `out`.
pub fn parse_mptcp_into(bytes: &[u8], out: &mut Vec<MptcpSock>) -> Result<(), KernelError> {
    for m in data_messages_in(bytes) {
        let m = m?;
        if m.kind != SOCK_DIAG_BY_FAMILY {
            continue;
        }
        let Some(msg) = parse_inet_diag_msg(m.payload)? else {
            continue;
        };
        let mut sock = MptcpSock {
            msg,
            info: None,
            other: Vec::new(),
        };
        for a in attrs(tail(m.payload), "sock_diag (MPTCP socket attributes)") {
            let a = a?;
            match a.kind {
                INET_DIAG_INFO => sock.info = Some(MptcpInfo::parse(a.value)),
                // Generic socket attributes (shutdown, mark, cgroup, socket options...).
                kind if kind <= INET_DIAG_LAST_KNOWN => {}
                kind => sock.other.push(RawAttr {
                    kind,
                    value: a.value.to_vec(),
                }),
            }
        }
        out.push(sock);
    }
    Ok(())
}

/// The MPTCP subflows (and the TCP listeners behind MPTCP listeners) in a TCP dump reply.
/// Plain TCP sockets are skipped before their `tcp_info` is decoded.
pub fn parse_subflows(reply: &Reply) -> Result<Vec<TcpSock>, KernelError> {
    let mut out = Vec::new();
    parse_subflows_into(reply.as_bytes(), &mut out)?;
    Ok(out)
}

/// [`parse_subflows`] of one datagram (or several), appending to `out`.
pub fn parse_subflows_into(bytes: &[u8], out: &mut Vec<TcpSock>) -> Result<(), KernelError> {
    for m in data_messages_in(bytes) {
        let m = m?;
        if m.kind != SOCK_DIAG_BY_FAMILY {
            continue;
        }
        if let Some(sock) = parse_tcp_sock(m.payload)?.filter(TcpSock::is_subflow) {
            out.push(sock);
        }
    }
    Ok(())
}

/// Every TCP socket in one datagram (or several), subflows and plain TCP alike, appending to
/// `out`: what `check --pid` needs to tell a program's plain TCP sockets from MPTCP ones.
pub fn parse_tcp_socks_into(bytes: &[u8], out: &mut Vec<TcpSock>) -> Result<(), KernelError> {
    for m in data_messages_in(bytes) {
        let m = m?;
        if m.kind != SOCK_DIAG_BY_FAMILY {
            continue;
        }
        out.extend(parse_tcp_sock(m.payload)?);
    }
    Ok(())
}

/// One TCP socket message: `inet_diag_msg`, `tcp_info`, ULP info.
pub fn parse_tcp_sock(payload: &[u8]) -> Result<Option<TcpSock>, KernelError> {
    let Some(msg) = parse_inet_diag_msg(payload)? else {
        return Ok(None);
    };
    let mut info = None;
    let mut ulp = None;
    let mut subflow = None;
    for a in attrs(tail(payload), "sock_diag (TCP socket attributes)") {
        let a = a?;
        match a.kind {
            INET_DIAG_INFO => info = Some(a.value),
            INET_DIAG_ULP_INFO => {
                for u in attrs(a.value, "sock_diag (ULP info)") {
                    let u = u?;
                    match u.kind {
                        INET_ULP_INFO_NAME => ulp = Some(netlink::string(u.value)),
                        INET_ULP_INFO_MPTCP => subflow = Some(SubflowInfo::parse(u.value)?),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    Ok(Some(TcpSock {
        msg,
        info: info.map(TcpInfo::parse),
        ulp,
        subflow,
    }))
}

fn tail(payload: &[u8]) -> &[u8] {
    payload.get(INET_DIAG_MSG_LEN..).unwrap_or_default()
}

#[cfg(all(test, target_endian = "little"))]
mod tests {
    use hex_literal::hex;
    use proptest::prelude::*;

    use super::*;
    use crate::kernel::netlink::testing::{done, error, fixture, msg, reply};
    use crate::kernel::netlink::{put_attr, put_nested};
    use netlink_packet_core::NLM_F_MULTIPART;

    #[test]
    fn request_carries_the_protocol_attribute() {
        let r = mptcp_request(AF_INET, states::ALL);
        assert_eq!(
            r,
            hex!(
                "50 00 00 00" // nlmsg_len 80: header 16, request 56, attribute 8
                "14 00 01 03 00 00 00 00 00 00 00 00" // SOCK_DIAG_BY_FAMILY, REQUEST|DUMP
                "02"          // sdiag_family AF_INET
                "06"          // sdiag_protocol: 262 & 0xff
                "02"          // idiag_ext: 1 << (INET_DIAG_INFO - 1)
                "00"          // pad
                "ff ff ff ff" // idiag_states: all
                "00 00 00 00 00000000000000000000000000000000 00000000000000000000000000000000"
                "00 00 00 00 00 00 00 00 00 00 00 00" // if, cookie
                "08 00 03 00" // INET_DIAG_REQ_PROTOCOL, u32
                "06 01 00 00" // 262
            )
        );
        // TCP needs no attribute.
        assert_eq!(tcp_request(AF_INET6, states::ALL).len(), 16 + 56);
    }

    /// `inet_diag_msg` for 10.0.1.1:45688 -> 10.0.1.2:5201, ESTAB (crafted).
    fn diag_msg(state: u8) -> Vec<u8> {
        hex!(
            "02"          // AF_INET
            "01"          // state (patched below)
            "00 00"       // timer, retrans
            "b2 78"       // sport 45688, big-endian
            "14 51"       // dport 5201
            "0a 00 01 01 00000000 00000000 00000000" // src
            "0a 00 01 02 00000000 00000000 00000000" // dst
            "00 00 00 00" // if
            "01 00 00 00 02 00 00 00" // cookie
            "00 00 00 00 00 00 00 00 00 00 00 00" // expires, rqueue, wqueue
            "00 00 00 00" // uid
            "39 30 00 00" // inode 12345
        )
        .iter()
        .enumerate()
        .map(|(i, b)| if i == 1 { state } else { *b })
        .collect()
    }

    #[test]
    fn inet_diag_msg_fields() {
        let m = parse_inet_diag_msg(&diag_msg(1)).unwrap().unwrap();
        assert_eq!(m.state, TcpState::Established);
        assert_eq!(m.src, IpAddr::from([10, 0, 1, 1]));
        assert_eq!((m.sport, m.dport), (45688, 5201));
        assert_eq!(m.cookie, 0x2_0000_0001);
        assert_eq!(m.inode, 12345);
        assert!(matches!(
            parse_inet_diag_msg(&diag_msg(1)[..71]),
            Err(KernelError::Malformed { .. })
        ));
    }

    #[test]
    fn mptcp_info_of_any_length() {
        // The 5.7 struct: 40 bytes; everything after rcv_nxt is None.
        let v57 = hex!(
            "01"          // subflows
            "00 00 02 00 02" // add_addr_signal, add_addr_accepted, subflows_max, signal_max, accepted_max
            "00 00"       // hole
            "02 00 00 00" // flags: REMOTE_KEY_RECEIVED
            "1c 4d 70 b8" // token b8704d1c
            "90 d7 30 c1 54 58 1e cd" // write_seq
            "90 d7 30 c1 54 58 1e cd" // snd_una
            "e8 9a a8 3b 16 71 9a 35" // rcv_nxt
        );
        let i = MptcpInfo::parse(&v57);
        assert_eq!(i.size, 40);
        assert_eq!(i.subflows, Some(1));
        assert_eq!(i.subflows_max, Some(2));
        assert_eq!(i.token, Some(Token(0xb870_4d1c)));
        assert_eq!(i.remote_key_received(), Some(true));
        assert_eq!(i.fallback(), Some(false));
        assert_eq!(i.write_seq, Some(0xcd1e_5854_c130_d790));
        assert_eq!(i.local_addr_used, None);
        assert_eq!(i.bytes_sent, None);

        // A struct longer than any known kernel's: the known prefix, the rest ignored.
        let mut long = v57.to_vec();
        long.resize(200, 0xee);
        let i = MptcpInfo::parse(&long);
        assert_eq!(i.token, Some(Token(0xb870_4d1c)));
        assert_eq!(i.local_addr_used, Some(0xee));
        assert_eq!(i.last_ack_recv, Some(0xeeee_eeee));

        // Shorter than the token: counters only.
        let i = MptcpInfo::parse(&v57[..6]);
        assert_eq!((i.subflows, i.flags, i.token), (Some(1), None, None));
    }

    #[test]
    fn tcp_info_prefix() {
        let mut b = vec![0u8; 104]; // the 4.x size
        b[0] = 1;
        b[6] = 0xa7; // snd_wscale 7, rcv_wscale 10
        b[68..72].copy_from_slice(&68u32.to_ne_bytes()); // rtt 68 us
        let i = TcpInfo::parse(&b);
        assert_eq!(i.rtt, Some(68));
        assert_eq!((i.snd_wscale, i.rcv_wscale), (Some(7), Some(10)));
        assert_eq!(i.total_retrans, Some(0));
        assert_eq!(i.bytes_acked, None);
        assert_eq!(i.bytes_sent, None);
    }

    /// A subflow's ULP info, as `net/mptcp/diag.c` builds it (crafted with its attribute order
    /// and sizes), plus one attribute from the future.
    fn ulp_info(extra: bool) -> Vec<u8> {
        let mut sf = Vec::new();
        put_attr(
            &mut sf,
            MPTCP_SUBFLOW_ATTR_TOKEN_REM,
            &0xaa4a_0500u32.to_ne_bytes(),
        );
        put_attr(
            &mut sf,
            MPTCP_SUBFLOW_ATTR_TOKEN_LOC,
            &0xb870_4d1cu32.to_ne_bytes(),
        );
        put_attr(
            &mut sf,
            MPTCP_SUBFLOW_ATTR_RELWRITE_SEQ,
            &0u32.to_ne_bytes(),
        );
        put_attr(&mut sf, MPTCP_SUBFLOW_ATTR_PAD, &[]);
        put_attr(
            &mut sf,
            MPTCP_SUBFLOW_ATTR_MAP_SEQ,
            &0x359a_7116_3ba8_9700u64.to_ne_bytes(),
        );
        put_attr(&mut sf, MPTCP_SUBFLOW_ATTR_MAP_SFSEQ, &0u32.to_ne_bytes());
        put_attr(
            &mut sf,
            MPTCP_SUBFLOW_ATTR_SSN_OFFSET,
            &0x8deb_503du32.to_ne_bytes(),
        );
        put_attr(&mut sf, MPTCP_SUBFLOW_ATTR_MAP_DATALEN, &0u16.to_ne_bytes());
        put_attr(&mut sf, MPTCP_SUBFLOW_ATTR_FLAGS, &0xe8u32.to_ne_bytes());
        put_attr(&mut sf, MPTCP_SUBFLOW_ATTR_ID_REM, &[0]);
        put_attr(&mut sf, MPTCP_SUBFLOW_ATTR_ID_LOC, &[1]);
        if extra {
            put_attr(&mut sf, 42, &[1, 2, 3]);
        }
        let mut ulp = Vec::new();
        put_attr(&mut ulp, INET_ULP_INFO_NAME, b"mptcp\0");
        put_nested(&mut ulp, INET_ULP_INFO_MPTCP, &sf);
        ulp
    }

    fn tcp_msg(with_ulp: bool, extra: bool) -> Vec<u8> {
        let mut p = diag_msg(1);
        put_attr(&mut p, INET_DIAG_INFO, &[1u8; 232]);
        if with_ulp {
            put_nested(&mut p, INET_DIAG_ULP_INFO, &ulp_info(extra));
        }
        msg(SOCK_DIAG_BY_FAMILY, NLM_F_MULTIPART, 1, &p)
    }

    #[test]
    fn subflow_attributes_and_unknown_ones() {
        let r = reply(&[tcp_msg(false, false), tcp_msg(true, true), done(1)]);
        let subs = parse_subflows(&r).unwrap();
        assert_eq!(subs.len(), 1, "the plain TCP socket is skipped");
        let sf = subs[0].subflow.as_ref().unwrap();
        assert_eq!(sf.token_rem, Some(Token(0xaa4a_0500)));
        assert_eq!(sf.token_loc, Some(Token(0xb870_4d1c)));
        assert_eq!(sf.map_seq, Some(0x359a_7116_3ba8_9700));
        assert_eq!(sf.ssn_offset, Some(0x8deb_503d));
        assert_eq!(sf.map_datalen, Some(0));
        assert_eq!((sf.id_loc, sf.id_rem), (Some(1), Some(0)));
        // 0xe8 = join_loc (0x08) | bkup_loc (0x20) | fully_established (0x40) | connected (0x80)
        assert_eq!(sf.flag_letters(), "jbec");
        assert!(sf.backup());
        assert_eq!(
            sf.other,
            vec![RawAttr {
                kind: 42,
                value: vec![1, 2, 3]
            }]
        );
        assert_eq!(subs[0].info.as_ref().unwrap().size, 232);
    }

    #[test]
    fn unknown_flag_bits_are_shown_raw() {
        let sf = SubflowInfo {
            flags: Some(0x401),
            ..SubflowInfo::default()
        };
        assert_eq!(sf.flag_names(), vec!["mcap_rem", "0x400"]);
    }

    #[test]
    fn truncated_reply_is_an_error_not_a_panic() {
        let whole = [tcp_msg(true, false), done(1)].concat();
        for cut in [20, 80, 100, whole.len() - 30] {
            let r = Reply::from_bytes(whole[..cut].to_vec());
            assert!(
                matches!(parse_subflows(&r), Err(KernelError::Malformed { .. })),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn kernel_refusal_surfaces() {
        let r = reply(&[error(1, ENOENT)]);
        assert_eq!(
            parse_mptcp(&r),
            Err(KernelError::Netlink {
                op: "netlink request".into(),
                errno: ENOENT,
                message: None
            })
        );
    }

    // Recorded replies: see testdata/README.md, "Netlink and /proc fixtures".

    #[test]
    fn recorded_mptcp_dump() {
        let socks = parse_mptcp(&fixture("sock_diag-mptcp-client.bin")).unwrap();
        // One established client connection; mptcp_info as this 6.18 kernel sends it.
        let est: Vec<_> = socks
            .iter()
            .filter(|s| s.msg.state == TcpState::Established)
            .collect();
        assert_eq!(est.len(), 1);
        let info = est[0].info.as_ref().unwrap();
        assert_eq!(info.size, 96);
        assert!(info.token.is_some_and(|t| t.0 != 0));
        assert_eq!(info.subflows, Some(1), "one additional subflow");
        assert_eq!(info.fallback(), Some(false));
    }

    #[test]
    fn recorded_subflow_dump() {
        let subs = parse_subflows(&fixture("sock_diag-tcp-client.bin")).unwrap();
        let with_info: Vec<_> = subs.iter().filter_map(|s| s.subflow.as_ref()).collect();
        assert_eq!(
            with_info.len(),
            2,
            "the MP_CAPABLE subflow and one MP_JOIN subflow"
        );
        let loc: Vec<_> = with_info.iter().map(|s| s.token_loc).collect();
        assert_eq!(loc[0], loc[1], "both belong to the same connection");
        // Only the join this side opened knows the peer's token.
        let mpc = with_info.iter().find(|s| s.id_loc == Some(0)).unwrap();
        let join = with_info.iter().find(|s| s.id_loc == Some(1)).unwrap();
        assert_eq!(mpc.token_rem, Some(Token(0)));
        assert!(join.token_rem.is_some_and(|t| t.0 != 0));
        assert!(mpc.other.is_empty() && join.other.is_empty());
    }

    proptest! {
        #[test]
        fn any_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = parse_inet_diag_msg(&data);
            let _ = MptcpInfo::parse(&data);
            let _ = TcpInfo::parse(&data);
            let _ = SubflowInfo::parse(&data);
            let _ = parse_tcp_sock(&data);
            let r = Reply::from_bytes(data);
            let _ = parse_mptcp(&r);
            let _ = parse_subflows(&r);
        }

        #[test]
        fn framed_garbage_never_panics(payload in proptest::collection::vec(any::<u8>(), 0..400)) {
            let r = reply(&[msg(SOCK_DIAG_BY_FAMILY, NLM_F_MULTIPART, 1, &payload), done(1)]);
            let _ = parse_mptcp(&r);
            let _ = parse_subflows(&r);
        }
    }
}
