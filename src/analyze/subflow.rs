//! TCP-level state of one subflow: handshake, sequence numbers, bytes, retransmissions, runs.

use std::net::IpAddr;

use crate::capture::Segment;
use crate::mptcp::crypto::Checksum;
use crate::mptcp::{Hmac64, Nonce, Token};

use super::perf::{PathDir, Series};
use super::report::Side;

/// How a flow came to be tracked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Its SYN or SYN-ACK carried MP_CAPABLE, or its third ACK both keys.
    Initial,
    /// Its SYN carried MP_JOIN with a known token.
    Join,
    /// Its SYN carried MP_JOIN with a token no connection has.
    UnknownJoin,
    /// Seen mid-stream with MPTCP options, no handshake.
    Midstream,
}

/// A DSS mapping in force on one direction of a subflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mapping {
    /// 64-bit DSN of the first byte.
    pub dsn: u64,
    /// Relative subflow sequence number of the first byte.
    pub ssn: u32,
    /// Payload bytes it maps (the data-level length less one for a DATA_FIN).
    pub payload: u32,
}

/// A DSS checksum being summed over the segments of its mapping.
#[derive(Debug, Clone, Copy)]
pub struct PendingChecksum {
    pub frame: u64,
    pub dsn: u64,
    pub ssn: u32,
    pub data_len: u16,
    pub checksum: u16,
    pub sum: Checksum,
    /// Next relative sequence number to sum.
    pub next: u32,
    /// One past the mapping's last payload byte, relative.
    pub end: u32,
    /// A byte of the mapping was not captured: the result cannot be known.
    pub cut: bool,
}

/// One direction of a subflow, by the subflow's own client and server.
#[derive(Debug, Clone, Copy, Default)]
pub struct Dir {
    pub packets: u64,
    pub bytes: u64,
    pub retransmissions: u64,
    pub isn: Option<u32>,
    /// One past the highest sequence number seen.
    pub next_seq: Option<u32>,
    pub fin: bool,
    pub mapping: Option<Mapping>,
    pub checksum: Option<PendingChecksum>,
}

/// Per data direction of the connection (by connection side, not subflow side).
#[derive(Debug, Clone, Copy, Default)]
pub struct DataDir {
    pub last_data_ns: Option<i64>,
    /// The first data on another subflow after this one's last data: (subflow, time).
    pub handoff: Option<(usize, i64)>,
    /// One past the highest DSN this subflow sent.
    pub dsn_end: Option<u64>,
    /// When the peer's data ACK first covered `dsn_end`.
    pub recovered_ns: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct Flow {
    pub client: (IpAddr, u16),
    pub server: (IpAddr, u16),
    pub origin: Origin,
    /// Whether its SYN was seen (client and server are then certain).
    pub handshake: bool,
    pub conn: Option<usize>,
    /// Index within the connection's subflows.
    pub index: usize,
    /// The subflow's client is the connection's client (false for joins the server opened).
    pub client_is_conn_client: bool,
    pub first_ns: i64,
    pub last_ns: i64,
    pub syn_ns: Option<i64>,
    pub ack_ns: Option<i64>,
    pub dir: [Dir; 2],
    pub data: [DataDir; 2],
    pub client_addr_id: Option<u8>,
    pub server_addr_id: Option<u8>,
    /// Backup requested by the connection's client / server (MP_JOIN B, MP_PRIO).
    pub backup: [bool; 2],
    /// MP_JOIN: the token of the SYN, the nonces of initiator and listener, the SYN-ACK's HMAC.
    pub join_token: Option<Token>,
    pub nonce: [Option<Nonce>; 2],
    pub thmac: Option<Hmac64>,
    pub rst: bool,
    pub reset_reason: Option<u8>,
    /// Current run of data activity: start, last, bytes.
    pub run: Option<(i64, i64, u64)>,
    /// Attempts left to prove, from its data sequence numbers, which connection it belongs to.
    pub link_attempts: u8,
    /// RTT and data in flight, by the subflow's own client and server.
    pub path: [PathDir; 2],
    /// Payload bytes per time bucket, by subflow side, when series are asked for.
    pub series: Option<Box<FlowSeries>>,
}

/// Time series of one subflow, by the subflow's own client and server.
#[derive(Debug, Clone, Default)]
pub struct FlowSeries {
    pub bytes: [Series; 2],
    /// Sum of RTT samples (µs) and their count, per bucket, of the data each side sent.
    pub rtt_us: [Series; 2],
    pub rtt_samples: [Series; 2],
}

impl Flow {
    pub fn new(seg: &Segment<'_>, client_is_src: bool, origin: Origin) -> Self {
        let (src, dst) = ((seg.src, seg.sport), (seg.dst, seg.dport));
        let (client, server) = if client_is_src {
            (src, dst)
        } else {
            (dst, src)
        };
        Flow {
            client,
            server,
            origin,
            handshake: false,
            conn: None,
            index: 0,
            client_is_conn_client: true,
            first_ns: seg.time_ns,
            last_ns: seg.time_ns,
            syn_ns: None,
            ack_ns: None,
            dir: [Dir::default(); 2],
            data: [DataDir::default(); 2],
            client_addr_id: None,
            server_addr_id: None,
            backup: [false; 2],
            join_token: None,
            nonce: [None; 2],
            thmac: None,
            rst: false,
            reset_reason: None,
            run: None,
            link_attempts: 16,
            path: [PathDir::default(), PathDir::default()],
            series: None,
        }
    }

    /// Who sent `seg`, as the subflow's client or server.
    pub fn flow_side(&self, seg: &Segment<'_>) -> Side {
        if (seg.src, seg.sport) == self.client {
            Side::Client
        } else {
            Side::Server
        }
    }

    /// The connection side of a subflow side.
    pub fn conn_side(&self, flow_side: Side) -> Side {
        if self.client_is_conn_client {
            flow_side
        } else {
            flow_side.other()
        }
    }

    /// TCP bookkeeping for one segment: counts, handshake times, retransmissions.
    /// Returns true when the segment carries payload that was sent before (a retransmission).
    pub fn track_tcp(&mut self, seg: &Segment<'_>, side: Side) -> bool {
        self.last_ns = seg.time_ns;
        let flags = seg.flags;
        if flags.syn() {
            if flags.ack() {
                self.handshake = true;
            } else if self.syn_ns.is_none() {
                self.syn_ns = Some(seg.time_ns);
                self.handshake = true;
            }
        } else if flags.ack()
            && side == Side::Client
            && self.ack_ns.is_none()
            && self.syn_ns.is_some()
        {
            self.ack_ns = Some(seg.time_ns);
        }
        let d = &mut self.dir[side.index()];
        d.packets += 1;
        d.bytes += u64::from(seg.payload_len);
        if flags.syn() {
            d.isn = Some(seg.seq);
        }
        if flags.fin() {
            d.fin = true;
        }
        if flags.rst() {
            self.rst = true;
        }
        let consumed = seg.payload_len + u32::from(flags.syn()) + u32::from(flags.fin());
        let end = seg.seq.wrapping_add(consumed);
        let mut retransmission = false;
        match d.next_seq {
            Some(next) => {
                if seg.payload_len > 0 && before(seg.seq, next) {
                    d.retransmissions += 1;
                    retransmission = true;
                }
                if before(next, end) {
                    d.next_seq = Some(end);
                }
            }
            None => d.next_seq = Some(end),
        }
        retransmission
    }

    /// Relative sequence number of `seq` in direction `side`, if that direction's ISN is known.
    pub fn relative(&self, side: Side, seq: u32) -> Option<u32> {
        self.dir[side.index()].isn.map(|isn| seq.wrapping_sub(isn))
    }

    pub fn backup_any(&self) -> bool {
        self.backup[0] || self.backup[1]
    }

    pub fn state(&self) -> &'static str {
        if self.rst {
            "reset"
        } else if self.dir[0].fin && self.dir[1].fin {
            "closed"
        } else if self.dir[1].packets == 0 && self.syn_ns.is_some() {
            "syn_sent"
        } else {
            "established"
        }
    }
}

/// `a` comes before `b` in 32-bit sequence space (RFC 1982).
pub fn before(a: u32, b: u32) -> bool {
    a.wrapping_sub(b).cast_signed() < 0
}
