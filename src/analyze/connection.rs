//! MPTCP-level state of one connection: keys, tokens, data sequence space, events, anomalies.

use std::net::IpAddr;

use crate::mptcp::crypto::{self, KeyHash};
use crate::mptcp::{Key, Token, Version};

use super::dsn::SentMap;
use super::perf::{Points, Series, Waiting};
use super::report::{Anomaly, Event, Run, Side, Validation};

/// Ranges of sent data remembered per direction: enough for a window of about 12 MB in
/// 1500-byte segments on alternating subflows, before the data ACK lets them go.
pub const SENT_RANGES: usize = 8192;

/// One direction of the data sequence space: data sent by one host.
#[derive(Debug, Clone)]
pub struct DataSpace {
    pub key_hash: Option<KeyHash>,
    /// Last 64-bit DSN seen, to expand 4-byte DSNs.
    pub last_dsn: Option<u64>,
    /// Highest data ACK the peer sent for this data.
    pub data_ack: Option<u64>,
    pub sent: SentMap,
    pub data_bytes: u64,
    pub reinjections: u64,
    pub reinjected_bytes: u64,
    pub data_fin: bool,
    /// Saw a mapping (DSS or MP_CAPABLE with data) in this direction.
    pub mapped: bool,
    /// Segments the receiver holds but has not delivered in order.
    pub waiting: Waiting,
    /// New data-level bytes per time bucket, when series are asked for.
    pub series: Option<Series>,
    /// Data segments and data ACKs for a time-sequence graph, when asked for.
    pub points: Option<Box<Points>>,
    /// Where `points` offsets start: the first DSN of this direction.
    pub origin: Option<u64>,
}

impl DataSpace {
    fn new() -> Self {
        DataSpace {
            key_hash: None,
            last_dsn: None,
            data_ack: None,
            sent: SentMap::new(SENT_RANGES),
            data_bytes: 0,
            reinjections: 0,
            reinjected_bytes: 0,
            data_fin: false,
            mapped: false,
            waiting: Waiting::default(),
            series: None,
            points: None,
            origin: None,
        }
    }

    /// Where 4-byte DSNs of this direction are expanded from.
    pub fn dsn_base(&self) -> Option<u64> {
        self.last_dsn
            .or(self.sent.highest())
            .or(self.key_hash.map(|k| k.idsn.wrapping_add(1)))
    }

    /// Where 4-byte data ACKs for this direction are expanded from.
    pub fn ack_base(&self) -> Option<u64> {
        self.data_ack.or(self.dsn_base())
    }
}

#[derive(Debug, Clone)]
pub struct Conn {
    pub version: Option<Version>,
    /// Keys of the client and the server.
    pub keys: [Option<Key>; 2],
    pub checksums: bool,
    /// Flows of this connection, in the order they were seen (indices into the flow table).
    pub subflows: Vec<usize>,
    pub first_ns: i64,
    pub last_ns: i64,
    pub established: bool,
    pub fallback: Option<&'static str>,
    pub fastclosed: bool,
    pub data: [DataSpace; 2],
    /// Addresses each host announced: (address ID, address, port).
    pub announced: [Vec<(u8, IpAddr, Option<u16>)>; 2],
    pub validation: Validation,
    pub events: Vec<Event>,
    pub anomalies: Vec<Anomaly>,
    pub suppressed: u64,
    pub timeline: Vec<Run>,
}

impl Conn {
    pub fn new(version: Option<Version>, time_ns: i64) -> Self {
        Conn {
            version,
            keys: [None; 2],
            checksums: false,
            subflows: Vec::new(),
            first_ns: time_ns,
            last_ns: time_ns,
            established: false,
            fallback: None,
            fastclosed: false,
            data: [DataSpace::new(), DataSpace::new()],
            announced: [Vec::new(), Vec::new()],
            validation: Validation::default(),
            events: Vec::new(),
            anomalies: Vec::new(),
            suppressed: 0,
            timeline: Vec::new(),
        }
    }

    /// Sets a host's key and derives its token and IDSN. Returns the token if it is new.
    pub fn set_key(&mut self, side: Side, key: Key) -> Option<Token> {
        if self.keys[side.index()].is_some() {
            return None;
        }
        self.keys[side.index()] = Some(key);
        let hash = crypto::key_hash(self.version.unwrap_or(Version::V1), key);
        self.data[side.index()].key_hash = hash;
        if let Some(h) = hash {
            // The direction's data starts at the IDSN + 1 (RFC 8684 §3.3.1).
            self.data[side.index()]
                .waiting
                .start_at(h.idsn.wrapping_add(1));
        }
        hash.map(|h| h.token)
    }

    pub fn token(&self, side: Side) -> Option<Token> {
        self.data[side.index()].key_hash.map(|h| h.token)
    }

    pub fn key(&self, side: Side) -> Option<Key> {
        self.keys[side.index()]
    }

    pub fn state(&self, flows_done: bool, any_reset: bool) -> &'static str {
        if self.fastclosed {
            "fastclosed"
        } else if self.data[0].data_fin && self.data[1].data_fin {
            "closed"
        } else if flows_done && any_reset {
            "reset"
        } else if flows_done {
            "closed"
        } else if self.established || self.fallback.is_some() {
            "established"
        } else {
            "syn_sent"
        }
    }
}
