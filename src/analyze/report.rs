//! What `analyze` reports: connections, their subflows, events and anomalies (the JSON contract).
//!
//! Times are seconds since the first frame. "Client" is the host that sent the SYN of the
//! connection's first subflow; a subflow's own client is the host that sent its SYN.

use std::net::IpAddr;

use serde::Serialize;

use crate::mptcp::{Key, Token};

pub use super::perf::{SeqPoint, Stats};

/// The whole analysis of one capture.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Frames in the capture.
    pub packets: u64,
    pub tcp_segments: u64,
    /// TCP segments that carried at least one MPTCP option.
    pub mptcp_segments: u64,
    /// Connections that never tried MPTCP (SYNs without MP_CAPABLE); they are not listed.
    pub plain_tcp_connections: u64,
    /// Seconds from the first frame to the last.
    pub duration: f64,
    pub connections: Vec<ConnectionReport>,
    /// Subflows seen without their handshake that no data proved to belong to a connection.
    pub unlinked_subflows: Vec<SubflowReport>,
    /// Findings that belong to no connection: capture problems, joins with unknown tokens.
    pub anomalies: Vec<Anomaly>,
}

/// Which host did something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Client,
    Server,
}

impl Side {
    #[must_use]
    pub fn other(self) -> Side {
        match self {
            Side::Client => Side::Server,
            Side::Server => Side::Client,
        }
    }

    /// 0 for data the client sends, 1 for data the server sends.
    #[must_use]
    pub fn index(self) -> usize {
        match self {
            Side::Client => 0,
            Side::Server => 1,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ConnectionReport {
    pub id: usize,
    pub version: Option<u8>,
    pub client_key: Option<Key>,
    pub server_key: Option<Key>,
    /// Token derived from the client's key: what the server's joins carry.
    pub client_token: Option<Token>,
    /// Token derived from the server's key: what the client's joins carry.
    pub server_token: Option<Token>,
    pub client_idsn: Option<u64>,
    pub server_idsn: Option<u64>,
    pub client_addr: IpAddr,
    pub client_port: u16,
    pub server_addr: IpAddr,
    pub server_port: u16,
    /// `syn_sent`, `established`, `closed` (DATA_FIN both ways), `reset`, `fastclosed`.
    pub state: &'static str,
    pub fallback: bool,
    /// Why it fell back to TCP: `syn_ack_without_mp_capable`, `infinite_mapping`, `mp_fail`, ...
    pub fallback_reason: Option<&'static str>,
    /// Whether DSS checksums were negotiated (flag A in either SYN).
    pub checksums: bool,
    pub first_seen: f64,
    pub last_seen: f64,
    /// TCP payload bytes on all subflows (retransmissions included).
    pub bytes_client_to_server: u64,
    pub bytes_server_to_client: u64,
    /// MPTCP-level bytes: distinct data sequence space covered by mappings.
    pub data_bytes_client_to_server: u64,
    pub data_bytes_server_to_client: u64,
    /// The same data sent again on a different subflow than the first time.
    pub reinjections_client_to_server: u64,
    pub reinjected_bytes_client_to_server: u64,
    pub reinjections_server_to_client: u64,
    pub reinjected_bytes_server_to_client: u64,
    pub validation: Validation,
    /// MPTCP-level bytes per second, from the first to the last new data of that direction.
    pub goodput_client_to_server_bps: Option<f64>,
    pub goodput_server_to_client_bps: Option<f64>,
    /// New data-level bytes over payload bytes on all subflows: what retransmissions and
    /// reinjections cost, 0 to 1.
    pub efficiency_client_to_server: Option<f64>,
    pub efficiency_server_to_client: Option<f64>,
    /// How long data that reached the receiver ahead of the in-order point waited there.
    pub reordering_client_to_server: Option<Reordering>,
    pub reordering_server_to_client: Option<Reordering>,
    /// Plain-words findings about performance.
    pub verdicts: Vec<Verdict>,
    pub subflows: Vec<SubflowReport>,
    /// Which subflow carried data when: runs of activity, split at pauses of a second or more.
    pub timeline: Vec<Run>,
    pub events: Vec<Event>,
    pub anomalies: Vec<Anomaly>,
    /// Per time bucket, with `--interval`.
    pub series: Option<SeriesReport>,
    /// Data segments and data ACKs of each direction, for a time-sequence graph; kept only
    /// when asked for (`--plot`), and not printed in JSON.
    #[serde(skip)]
    pub points: [Vec<SeqPoint>; 2],
}

/// Data-level head-of-line blocking in one direction.
#[derive(Debug, Clone, Serialize)]
pub struct Reordering {
    /// Segments the receiver could deliver at once.
    pub segments_in_order: u64,
    /// Segments that arrived ahead of data still missing from other subflows.
    pub segments_waited: u64,
    pub wait: Option<Stats>,
    /// Seconds during which the receiver held data it could not deliver.
    pub hol_blocked_s: f64,
}

/// A plain-words finding, with a `snake_case` kind for scripts.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub kind: &'static str,
    pub text: String,
}

/// Bytes and RTT per time bucket; bucket `i` covers `[i * interval, (i + 1) * interval)`
/// seconds from the first frame. Every list has the same length.
#[derive(Debug, Clone, Serialize)]
pub struct SeriesReport {
    pub interval: f64,
    pub data_bytes_client_to_server: Vec<u64>,
    pub data_bytes_server_to_client: Vec<u64>,
    pub subflows: Vec<SubflowSeries>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SubflowSeries {
    pub id: usize,
    pub bytes_client_to_server: Vec<u64>,
    pub bytes_server_to_client: Vec<u64>,
    /// Mean RTT of the samples in the bucket, null where there were none.
    pub rtt_ms_client_to_server: Vec<Option<f64>>,
    pub rtt_ms_server_to_client: Vec<Option<f64>>,
}

/// One TCP subflow of a connection (or an unlinked one).
#[derive(Debug, Clone, Serialize)]
#[allow(clippy::struct_excessive_bools)] // JSON fields, each a yes/no question
pub struct SubflowReport {
    /// Index within the connection (0 is the first subflow), or within `unlinked_subflows`.
    pub id: usize,
    pub client_addr: IpAddr,
    pub client_port: u16,
    pub server_addr: IpAddr,
    pub server_port: u16,
    /// Opened by MP_JOIN (false for the first subflow).
    pub join: bool,
    /// Whether its SYN was in the capture; without it, client and server are a guess.
    pub handshake: bool,
    /// Address IDs of both ends: 0 for the first subflow, from MP_JOIN otherwise.
    pub client_addr_id: Option<u8>,
    pub server_addr_id: Option<u8>,
    /// Whether either host last asked for this subflow to be a backup (MP_JOIN B, MP_PRIO).
    pub backup: bool,
    pub backup_client: bool,
    pub backup_server: bool,
    /// `syn_sent`, `established`, `closed` (FIN both ways), `reset`.
    pub state: &'static str,
    pub first_seen: f64,
    pub last_seen: f64,
    pub packets_client_to_server: u64,
    pub packets_server_to_client: u64,
    /// TCP payload bytes seen (retransmissions included).
    pub bytes_client_to_server: u64,
    pub bytes_server_to_client: u64,
    /// This subflow's share of the connection's payload bytes, 0 to 1.
    pub share: f64,
    /// SYN to third ACK, in milliseconds (Wireshark's initial RTT).
    pub handshake_rtt_ms: Option<f64>,
    pub retransmissions_client_to_server: u64,
    pub retransmissions_server_to_client: u64,
    /// RTT of the data each side sent, from data segments and the ACKs that cover them.
    pub rtt_client_to_server: Option<Stats>,
    pub rtt_server_to_client: Option<Stats>,
    /// Payload bits per second, from the first to the last data of that direction.
    pub throughput_client_to_server_bps: Option<f64>,
    pub throughput_server_to_client_bps: Option<f64>,
    /// MP_TCPRST reason on the reset that closed it, if any.
    pub reset_reason: Option<u8>,
}

/// A stretch of time during which a subflow carried data.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    pub subflow: usize,
    pub start: f64,
    pub end: f64,
    pub bytes: u64,
}

/// Counts of what was checked, per connection.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Validation {
    pub join_hmac: Counts,
    pub add_addr_hmac: Counts,
    pub dss_checksum: Counts,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    pub ok: u64,
    /// ADD_ADDR only: matched with the leftmost 64 bits, as early Linux kernels computed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ok_leftmost: Option<u64>,
    pub bad: u64,
    /// Keys unknown (handshake not captured), or payload cut by the snapshot length.
    pub not_verifiable: u64,
}

/// Something that happened to a connection, in capture order.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub time: f64,
    pub frame: u64,
    #[serde(flatten)]
    pub what: EventKind,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// The MP_CAPABLE handshake completed (keys of both hosts seen).
    Established {
        subflow: usize,
    },
    /// An MP_JOIN SYN for this connection.
    Join {
        subflow: usize,
        by: Side,
        addr_id: u8,
        backup: bool,
    },
    /// The third ACK of a join: the subflow can carry data.
    JoinEstablished {
        subflow: usize,
    },
    AddAddr {
        by: Side,
        addr_id: u8,
        addr: IpAddr,
        port: Option<u16>,
        echo: bool,
        /// `ok`, `ok_leftmost`, `bad`, `not_verifiable`, or null for an echo or v0.
        hmac: Option<&'static str>,
    },
    RemoveAddr {
        by: Side,
        addr_ids: Vec<u8>,
    },
    MpPrio {
        subflow: usize,
        by: Side,
        backup: bool,
        addr_id: Option<u8>,
    },
    Fallback {
        subflow: usize,
        reason: &'static str,
    },
    MpFail {
        subflow: usize,
        by: Side,
        dsn: u64,
    },
    Fastclose {
        subflow: usize,
        by: Side,
    },
    MpTcprst {
        subflow: usize,
        by: Side,
        reason: u8,
        reason_name: Option<&'static str>,
        transient: bool,
    },
    DataFin {
        subflow: usize,
        by: Side,
        dsn: u64,
    },
    SubflowFin {
        subflow: usize,
        by: Side,
    },
    SubflowReset {
        subflow: usize,
        by: Side,
    },
    /// Data stopped on one subflow and went on on another.
    Failover {
        /// Whose data moved.
        by: Side,
        from_subflow: usize,
        to_subflow: usize,
        /// Last data on the old subflow to the first data after it on the new one.
        gap_ms: f64,
        /// Last data on the old subflow until the peer's data ACK covered it. Larger than
        /// `gap_ms`, it says that data was stranded on the old path and had to be sent again.
        last_data_acked_ms: Option<f64>,
        /// The new subflow was a backup.
        to_backup: bool,
    },
}

/// A finding: the capture or an endpoint did something wrong or unverifiable.
#[derive(Debug, Clone, Serialize)]
pub struct Anomaly {
    pub kind: &'static str,
    pub frame: Option<u64>,
    pub time: Option<f64>,
    pub subflow: Option<usize>,
    pub detail: String,
}
