//! Connection tracking over decoded segments, in one streaming pass, with bounded memory.
//!
//! Segments go in one at a time ([`Analyzer::segment`]); at the end, [`Analyzer::finish`]
//! gives the [`Report`]. Between the two, the analyzer keeps:
//!
//! - a flow table of TCP subflows by 4-tuple ([`subflow`]): only flows that carry MPTCP
//!   options or whose SYN asked for MPTCP; plain TCP is counted, never stored;
//! - connections ([`connection`]), found by the token of an MP_JOIN SYN (RFC 8684 §3.2);
//! - per connection and direction, the data sequence space ([`dsn`]): 32-bit DSNs expanded
//!   by the `m` flag and data ACKs by the `a` flag, reinjections, DATA_FIN;
//! - the checks no other tool makes: MP_JOIN and ADD_ADDR HMACs, DSS checksums ([`validate`]).
//!
//! Everything that grows with the input has a cap ([`Limits`]); reaching one is an anomaly.

pub mod dsn;
pub mod hash;
pub mod perf;
pub mod report;

mod connection;
mod options;
mod subflow;
#[cfg(test)]
pub(crate) mod tests;
mod validate;
mod verdict;

use std::net::IpAddr;

use crate::capture::{self, FrameIssue, Segment};
use crate::mptcp::tcp_options::TCPOPT_MPTCP;
use crate::mptcp::{Found, MptcpOption, Token, options as mptcp_options};

use connection::Conn;
use hash::FxHashMap;
use report::{
    Anomaly, ConnectionReport, Event, EventKind, Reordering, Report, Run, SeriesReport, Side,
    SubflowReport, SubflowSeries,
};
use subflow::{Flow, Origin};

/// Caps on what the analyzer keeps; past one, new items are counted but not tracked.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub connections: usize,
    pub flows: usize,
    pub events_per_connection: usize,
    pub anomalies_per_connection: usize,
    pub anomalies: usize,
    pub timeline_runs: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            connections: 100_000,
            flows: 200_000,
            events_per_connection: 10_000,
            anomalies_per_connection: 1_000,
            anomalies: 10_000,
            timeline_runs: 10_000,
        }
    }
}

/// A subflow that pauses this long ends a run of the timeline, and a subflow whose data
/// stopped this long before the connection's has failed over.
const IDLE_NS: i64 = 1_000_000_000;

/// MPTCP options of a segment kept without allocating: Linux puts at most three on one.
const INLINE_OPTIONS: usize = 3;

/// A flow table key: the 4-tuple with the lower endpoint first, so both directions match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct FlowKey((IpAddr, u16), (IpAddr, u16));

impl FlowKey {
    fn of(seg: &Segment<'_>) -> Self {
        let (a, b) = ((seg.src, seg.sport), (seg.dst, seg.dport));
        if a <= b { FlowKey(a, b) } else { FlowKey(b, a) }
    }
}

/// The options of one segment, decoded once: the first few in place, any more (40 option
/// bytes hold up to thirteen) in a vector that is only allocated then.
pub(crate) struct SegmentOptions<'a> {
    first: [Option<MptcpOption<'a>>; INLINE_OPTIONS],
    more: Vec<MptcpOption<'a>>,
    pub len: usize,
    pub malformed: Vec<String>,
    /// An MPTCP option was there but could not be decoded (not merely a broken area around
    /// other kinds, which plain TCP can have too).
    pub malformed_mptcp: bool,
}

impl<'a> SegmentOptions<'a> {
    fn decode(seg: &Segment<'a>) -> Self {
        let mut opts = SegmentOptions {
            first: [const { None }; INLINE_OPTIONS],
            more: Vec::new(),
            len: 0,
            malformed: Vec::new(),
            malformed_mptcp: false,
        };
        for found in mptcp_options(seg.options) {
            match found {
                Found::Option(o) => {
                    match opts.first.get_mut(opts.len) {
                        Some(slot) => *slot = Some(o),
                        None => opts.more.push(o),
                    }
                    opts.len += 1;
                }
                Found::Malformed { error, .. } => {
                    opts.malformed_mptcp = true;
                    opts.malformed.push(error.to_string());
                }
                // A header cut by the snapshot length is the capture's doing.
                Found::BadArea(_) if seg.options_cut => {}
                Found::BadArea(e) => {
                    opts.malformed_mptcp |= e.kind() == TCPOPT_MPTCP;
                    opts.malformed.push(e.to_string());
                }
            }
        }
        opts
    }

    pub fn iter(&self) -> impl Iterator<Item = &MptcpOption<'a>> {
        self.first.iter().flatten().chain(&self.more)
    }

    fn any_mptcp(&self) -> bool {
        self.len > 0 || self.malformed_mptcp
    }
}

/// The connection tracker. Feed it every segment of a capture in order, then call `finish`.
pub struct Analyzer {
    limits: Limits,
    first_ns: Option<i64>,
    last_ns: i64,
    tcp_segments: u64,
    mptcp_segments: u64,
    plain_syns: u64,
    /// Recent plain SYNs, so that a retransmitted SYN is not counted twice.
    recent_plain: [Option<FlowKey>; 64],
    recent_plain_at: usize,
    flows: Vec<Flow>,
    flow_index: FxHashMap<FlowKey, usize>,
    last_flow: Option<(FlowKey, usize)>,
    conns: Vec<Conn>,
    tokens: FxHashMap<Token, usize>,
    anomalies: Vec<Anomaly>,
    anomalies_suppressed: u64,
    flows_dropped: u64,
    conns_dropped: u64,
    /// Frames earlier than the latest one before them, by over a millisecond.
    backwards: u64,
    /// Width of the time buckets of throughput and RTT series, if they are kept.
    interval_ns: Option<i64>,
    /// With [`Analyzer::with_series_buckets`]: most buckets; the width doubles past it.
    max_buckets: Option<i64>,
    /// The width asked for with [`Analyzer::with_series`], once the memory bound widened it.
    asked_interval_ns: Option<i64>,
    /// Keep data segments and data ACKs for time-sequence graphs.
    points: bool,
}

/// Most series buckets a report holds: buckets × (2 per connection + 6 per subflow), about
/// 100 MB of report at most. Past it the buckets widen (see `widen_buckets`), so that fine
/// buckets over a long capture of many connections cannot take memory without bound.
const MAX_SERIES_CELLS: i64 = 4_000_000;

impl Default for Analyzer {
    fn default() -> Self {
        Analyzer::new(Limits::default())
    }
}

impl Analyzer {
    #[must_use]
    pub fn new(limits: Limits) -> Self {
        Analyzer {
            limits,
            first_ns: None,
            last_ns: 0,
            tcp_segments: 0,
            mptcp_segments: 0,
            plain_syns: 0,
            recent_plain: [None; 64],
            recent_plain_at: 0,
            flows: Vec::new(),
            flow_index: FxHashMap::default(),
            last_flow: None,
            conns: Vec::new(),
            tokens: FxHashMap::default(),
            anomalies: Vec::new(),
            anomalies_suppressed: 0,
            flows_dropped: 0,
            conns_dropped: 0,
            backwards: 0,
            interval_ns: None,
            max_buckets: None,
            asked_interval_ns: None,
            points: false,
        }
    }

    /// Also keeps each data segment and data ACK (thinned past a limit) for plotting.
    #[must_use]
    pub fn with_points(mut self) -> Self {
        self.points = true;
        self
    }

    /// Also keeps throughput and RTT per time bucket of `interval_ns` (at least 1 ms). Where
    /// the capture's length and its number of subflows would need more than a few million
    /// buckets in all, they widen (doubling) and an anomaly says so.
    #[must_use]
    pub fn with_series(mut self, interval_ns: i64) -> Self {
        self.interval_ns = Some(interval_ns.max(1_000_000));
        self
    }

    /// Also keeps throughput and RTT per time bucket, for a capture of unknown length: buckets
    /// start 1 ms wide and double in width (adjacent pairs merged) whenever the capture would
    /// need more than `max` of them, so it ends with between `max / 2` and `max`.
    #[must_use]
    pub fn with_series_buckets(mut self, max: usize) -> Self {
        self.interval_ns = Some(1_000_000);
        self.max_buckets = Some(i64::try_from(max.max(2)).unwrap_or(i64::MAX));
        self
    }

    /// Widens the buckets until `time_ns` falls within the most allowed: the most asked for
    /// ([`Analyzer::with_series_buckets`]), and always what [`MAX_SERIES_CELLS`] leaves for
    /// each series of the connections and subflows tracked so far.
    fn widen_buckets(&mut self, time_ns: i64) {
        let (Some(mut interval), Some(first)) = (self.interval_ns, self.first_ns) else {
            return;
        };
        let series = self.conns.len() * 2 + self.flows.len() * 6;
        let budget = MAX_SERIES_CELLS / i64::try_from(series.max(1)).unwrap_or(i64::MAX);
        let max = self.max_buckets.unwrap_or(i64::MAX).min(budget).max(2);
        let mut factor = 1usize;
        while time_ns.saturating_sub(first) / interval >= max {
            interval = interval.saturating_mul(2);
            factor = factor.saturating_mul(2);
        }
        if factor == 1 {
            return;
        }
        if self.max_buckets.is_none() && self.asked_interval_ns.is_none() {
            self.asked_interval_ns = self.interval_ns;
        }
        self.interval_ns = Some(interval);
        for flow in &mut self.flows {
            if let Some(s) = flow.series.as_deref_mut() {
                for series in s
                    .bytes
                    .iter_mut()
                    .chain(&mut s.rtt_us)
                    .chain(&mut s.rtt_samples)
                {
                    series.merge(factor);
                }
            }
        }
        for conn in &mut self.conns {
            for space in &mut conn.data {
                if let Some(s) = space.series.as_mut() {
                    s.merge(factor);
                }
            }
        }
    }

    /// Seconds since the first frame.
    fn rel(&self, time_ns: i64) -> f64 {
        secs(time_ns - self.first_ns.unwrap_or(time_ns))
    }

    fn see_time(&mut self, time_ns: i64) {
        self.first_ns.get_or_insert(time_ns);
        // Frames earlier than one before them by more than a millisecond: a merge that did not
        // sort (jitter between interfaces is smaller).
        if time_ns < self.last_ns.saturating_sub(1_000_000) {
            self.backwards += 1;
        }
        self.last_ns = self.last_ns.max(time_ns);
        self.widen_buckets(time_ns);
    }

    /// A finding about the capture itself (a truncated frame, an unknown linktype).
    pub fn issue(&mut self, issue: &FrameIssue) {
        if let Some(t) = issue.time_ns {
            self.see_time(t);
        }
        let time = issue.time_ns.map(|t| self.rel(t));
        self.global_anomaly(Anomaly {
            kind: issue.kind.name(),
            frame: Some(issue.frame),
            time,
            subflow: None,
            detail: issue.detail.clone(),
        });
    }

    fn global_anomaly(&mut self, a: Anomaly) {
        if self.anomalies.len() < self.limits.anomalies {
            self.anomalies.push(a);
        } else {
            self.anomalies_suppressed += 1;
        }
    }

    /// One event of [`read_capture`](crate::capture::read_capture): a segment or a finding.
    pub fn feed(&mut self, event: &capture::Event<'_>) {
        match event {
            capture::Event::Segment(s) => self.segment(s),
            capture::Event::Issue(i) => self.issue(i),
        }
    }

    /// One TCP segment of the capture.
    pub fn segment(&mut self, seg: &Segment<'_>) {
        // Times count from the capture's first frame, whatever it carries (as decode and
        // Wireshark's frame.time_relative do).
        self.first_ns.get_or_insert(seg.first_time_ns);
        self.see_time(seg.time_ns);
        self.tcp_segments += 1;
        let opts = SegmentOptions::decode(seg);
        if opts.any_mptcp() {
            self.mptcp_segments += 1;
        }
        let key = FlowKey::of(seg);
        let found = match self.last_flow {
            Some((k, f)) if k == key => Some(f),
            _ => self.flow_index.get(&key).copied(),
        };
        // A SYN with a new initial sequence number on a known 4-tuple is a new connection
        // reusing the ports: the old flow keeps its data, the new one gets a new entry.
        let found = match found {
            Some(f) if self.is_new_syn(f, seg) => {
                self.flow_index.remove(&key);
                self.last_flow = None;
                None
            }
            found => found,
        };
        let fid = match found {
            Some(f) => f,
            None => match self.new_flow(seg, &opts, key) {
                Some(f) => f,
                None => return,
            },
        };
        self.last_flow = Some((key, fid));
        self.update(fid, seg, &opts);
    }

    fn is_new_syn(&self, fid: usize, seg: &Segment<'_>) -> bool {
        let flow = &self.flows[fid];
        seg.flags.syn()
            && !seg.flags.ack()
            && flow.dir[flow.flow_side(seg).index()]
                .isn
                .is_some_and(|isn| isn != seg.seq)
    }

    /// Starts tracking the flow of `seg`, if it asks for or carries MPTCP.
    fn new_flow(
        &mut self,
        seg: &Segment<'_>,
        opts: &SegmentOptions<'_>,
        key: FlowKey,
    ) -> Option<usize> {
        let syn = seg.flags.syn() && !seg.flags.ack();
        let syn_ack = seg.flags.syn() && seg.flags.ack();
        let mpc = opts.iter().find_map(|o| match o {
            MptcpOption::MpCapable(m) => Some(*m),
            _ => None,
        });
        let join = opts.iter().find_map(|o| match o {
            MptcpOption::MpJoin(j) => Some(*j),
            _ => None,
        });
        if !opts.any_mptcp() {
            if syn && !self.recent_plain.contains(&Some(key)) {
                self.plain_syns += 1;
                self.recent_plain[self.recent_plain_at] = Some(key);
                self.recent_plain_at = (self.recent_plain_at + 1) % self.recent_plain.len();
            }
            return None;
        }
        if self.flows.len() >= self.limits.flows {
            if self.flows_dropped == 0 {
                self.global_anomaly(Anomaly {
                    kind: "flow_limit_reached",
                    frame: Some(seg.frame),
                    time: Some(self.rel(seg.time_ns)),
                    subflow: None,
                    detail: format!(
                        "{} subflows tracked: later ones are not analyzed",
                        self.limits.flows
                    ),
                });
            }
            self.flows_dropped += 1;
            return None;
        }
        let (client_is_src, origin) = match (mpc, join) {
            // The SYN's sender is the client; a SYN-ACK's receiver is.
            (Some(_), _) if syn => (true, Origin::Initial),
            (Some(_), _) if syn_ack => (false, Origin::Initial),
            // A third ACK (or first data) with both keys is always the client's.
            (Some(m), _) if m.receiver_key.is_some() => (true, Origin::Initial),
            (_, Some(_)) if syn => (true, Origin::Join),
            (_, Some(_)) if syn_ack => (false, Origin::Midstream),
            // Mid-stream: ephemeral ports are the higher ones, so guess the client by them.
            _ => (seg.sport > seg.dport, Origin::Midstream),
        };
        let fid = self.flows.len();
        let mut flow = Flow::new(seg, client_is_src, origin);
        match origin {
            Origin::Initial => {
                if self.conns.len() >= self.limits.connections {
                    if self.conns_dropped == 0 {
                        self.global_anomaly(Anomaly {
                            kind: "connection_limit_reached",
                            frame: Some(seg.frame),
                            time: Some(self.rel(seg.time_ns)),
                            subflow: None,
                            detail: format!(
                                "{} connections tracked: later ones are not analyzed",
                                self.limits.connections
                            ),
                        });
                    }
                    self.conns_dropped += 1;
                    return None;
                }
                let cid = self.conns.len();
                let mut conn = Conn::new(mpc.map(|m| m.version), seg.time_ns);
                conn.subflows.push(fid);
                self.conns.push(conn);
                flow.conn = Some(cid);
                flow.client_addr_id = Some(0);
                flow.server_addr_id = Some(0);
            }
            Origin::Join => self.link_join(seg, &mut flow, fid, join.and_then(|j| j.token)),
            Origin::UnknownJoin | Origin::Midstream => {}
        }
        self.flows.push(flow);
        self.flow_index.insert(key, fid);
        Some(fid)
    }

    /// Links a joining subflow to the connection its SYN's token names, or reports the token.
    fn link_join(&mut self, seg: &Segment<'_>, flow: &mut Flow, fid: usize, token: Option<Token>) {
        if let Some(cid) = token.and_then(|t| self.tokens.get(&t).copied()) {
            let conn = &mut self.conns[cid];
            // The SYN names the receiver's token: if that is the server's, the client opened
            // this subflow.
            flow.client_is_conn_client = conn.token(Side::Server) == token;
            flow.index = conn.subflows.len();
            flow.conn = Some(cid);
            conn.subflows.push(fid);
            return;
        }
        flow.origin = Origin::UnknownJoin;
        let detail = match token {
            Some(t) => format!(
                "MP_JOIN SYN from {} with token {t}, which no connection in the capture has",
                endpoint(seg.src, seg.sport)
            ),
            None => "MP_JOIN SYN without a token".to_owned(),
        };
        self.global_anomaly(Anomaly {
            kind: "unknown_token_join",
            frame: Some(seg.frame),
            time: Some(self.rel(seg.time_ns)),
            subflow: None,
            detail,
        });
    }

    /// Everything one segment tells about its flow and connection.
    fn update(&mut self, fid: usize, seg: &Segment<'_>, opts: &SegmentOptions<'_>) {
        let flow_side = self.flows[fid].flow_side(seg);
        let retransmission = self.flows[fid].track_tcp(seg, flow_side);
        let Some(cid) = self.flows[fid].conn else {
            // No connection to file them under: findings of the capture as a whole.
            for m in &opts.malformed {
                let time = Some(self.rel(seg.time_ns));
                let detail = format!(
                    "{} > {}: {m}",
                    endpoint(seg.src, seg.sport),
                    endpoint(seg.dst, seg.dport)
                );
                self.global_anomaly(Anomaly {
                    kind: "malformed_option",
                    frame: Some(seg.frame),
                    time,
                    subflow: None,
                    detail,
                });
            }
            self.midstream(fid, seg, opts);
            return;
        };
        let side = self.flows[fid].conn_side(flow_side);
        self.conns[cid].last_ns = seg.time_ns;
        for m in &opts.malformed {
            self.anomaly(cid, fid, seg, "malformed_option", m.clone());
        }
        self.handshake(cid, fid, seg, opts, side);
        for opt in opts.iter() {
            self.option(cid, fid, seg, opt, side);
        }
        if seg.payload_len > 0 {
            self.payload(cid, fid, seg, opts, side, retransmission);
        }
        if seg.flags.ack() {
            self.subflow_acked(cid, fid, seg, side);
        }
        if seg.flags.rst() {
            let subflow = self.flows[fid].index;
            self.event(cid, seg, EventKind::SubflowReset { subflow, by: side });
        } else if seg.flags.fin() && !self.flows[fid].dir[flow_side.other().index()].fin {
            // The first FIN of a subflow is an event; its answer closes it quietly.
            let subflow = self.flows[fid].index;
            self.event(cid, seg, EventKind::SubflowFin { subflow, by: side });
        }
    }

    fn event(&mut self, cid: usize, seg: &Segment<'_>, what: EventKind) {
        let time = self.rel(seg.time_ns);
        let conn = &mut self.conns[cid];
        if conn.events.len() < self.limits.events_per_connection {
            conn.events.push(Event {
                time,
                frame: seg.frame,
                what,
            });
        }
    }

    fn anomaly(
        &mut self,
        cid: usize,
        fid: usize,
        seg: &Segment<'_>,
        kind: &'static str,
        detail: String,
    ) {
        let time = self.rel(seg.time_ns);
        let subflow = Some(self.flows[fid].index);
        let conn = &mut self.conns[cid];
        if conn.anomalies.len() < self.limits.anomalies_per_connection {
            conn.anomalies.push(Anomaly {
                kind,
                frame: Some(seg.frame),
                time: Some(time),
                subflow,
                detail,
            });
        } else {
            conn.suppressed += 1;
        }
    }

    /// Timeline, failover bookkeeping and the data sequence space, for a segment with payload.
    fn payload(
        &mut self,
        cid: usize,
        fid: usize,
        seg: &Segment<'_>,
        opts: &SegmentOptions<'_>,
        side: Side,
        retransmission: bool,
    ) {
        let t = seg.time_ns;
        let index = self.flows[fid].index;
        // Timeline runs: a pause of IDLE_NS or more ends a run.
        let flow = &mut self.flows[fid];
        match &mut flow.run {
            Some((_, last, bytes)) if t - *last < IDLE_NS => {
                *last = t;
                *bytes += u64::from(seg.payload_len);
            }
            run => {
                if let Some((start, last, bytes)) = run.replace((t, t, u64::from(seg.payload_len)))
                {
                    let conn = &mut self.conns[cid];
                    push_run(
                        &mut conn.timeline,
                        self.limits.timeline_runs,
                        index,
                        start,
                        last,
                        bytes,
                        self.first_ns,
                    );
                }
            }
        }
        // Failover: every other subflow that had data in this direction now has its handoff.
        if !retransmission {
            let s = side.index();
            for &other in &self.conns[cid].subflows {
                if other != fid {
                    let d = &mut self.flows[other].data[s];
                    if d.last_data_ns.is_some() && d.handoff.is_none() {
                        d.handoff = Some((index, t));
                    }
                }
            }
            let d = &mut self.flows[fid].data[s];
            d.last_data_ns = Some(t);
            d.handoff = None;
            d.recovered_ns = None;
        }
        let dsn = self.map_data(cid, fid, seg, opts, side);
        let flow_side = self.flows[fid].flow_side(seg);
        let seq_end = seg.seq.wrapping_add(seg.payload_len);
        self.flows[fid].path[flow_side.index()].sent(seg.seq, seq_end, dsn, t, retransmission);
        if let Some(bin) = self.bin(t) {
            let series = self.flows[fid].series.get_or_insert_with(Box::default);
            series.bytes[flow_side.index()].add(bin, u64::from(seg.payload_len));
        }
    }

    /// The time bucket of `t`, when series are kept.
    fn bin(&self, t: i64) -> Option<usize> {
        let interval = self.interval_ns?;
        usize::try_from((t - self.first_ns?) / interval).ok()
    }

    /// The ACK of a segment acknowledges the peer's data on this subflow: RTT samples, and
    /// what the receiver now holds but has not delivered in order.
    fn subflow_acked(&mut self, cid: usize, fid: usize, seg: &Segment<'_>, side: Side) {
        let t = seg.time_ns;
        let bin = self.bin(t);
        let sender = self.flows[fid].flow_side(seg).other().index();
        let data_sender = side.other();
        let space = &mut self.conns[cid].data[data_sender.index()];
        let flow = &mut self.flows[fid];
        let (sum_us, n) = flow.path[sender].acked(seg.ack, t, &mut space.waiting);
        if let (Some(bin), true) = (bin, n > 0) {
            let series = flow.series.get_or_insert_with(Box::default);
            series.rtt_us[sender].add(bin, sum_us);
            series.rtt_samples[sender].add(bin, n);
        }
    }

    /// Subflows with MPTCP options but no handshake: try to prove their connection from the
    /// 64-bit data sequence numbers they carry.
    fn midstream(&mut self, fid: usize, seg: &Segment<'_>, opts: &SegmentOptions<'_>) {
        let flow = &self.flows[fid];
        if flow.origin != Origin::Midstream || flow.link_attempts == 0 {
            return;
        }
        let flow_side = flow.flow_side(seg);
        let mut probes = Vec::new();
        for opt in opts.iter() {
            if let MptcpOption::Dss(d) = opt {
                if let (Some(dsn), true) = (d.dsn, d.dsn64()) {
                    probes.push((dsn, false));
                }
                if let (Some(ack), true) = (d.data_ack, d.data_ack64()) {
                    probes.push((ack, true));
                }
            }
        }
        if probes.is_empty() {
            return;
        }
        self.flows[fid].link_attempts -= 1;
        // A 64-bit DSN is random enough that falling inside a connection's recent data space
        // is proof: the window is 2^30 bytes around what was seen, in a space of 2^64.
        let found = self.conns.iter().enumerate().find_map(|(cid, conn)| {
            probes.iter().find_map(|&(value, is_ack)| {
                [Side::Client, Side::Server].into_iter().find_map(|s| {
                    let base = conn.data[s.index()].dsn_base()?;
                    let near = value.wrapping_sub(base).wrapping_add(1 << 30) < 1 << 31;
                    // A DSN is data sent by `s`; a data ACK acknowledges data sent by `s`,
                    // so it was sent by the other host.
                    near.then_some((cid, if is_ack { s.other() } else { s }))
                })
            })
        });
        let Some((cid, sender)) = found else {
            return;
        };
        let flow = &mut self.flows[fid];
        flow.client_is_conn_client = (flow_side == Side::Client) == (sender == Side::Client);
        flow.conn = Some(cid);
        flow.index = self.conns[cid].subflows.len();
        self.conns[cid].subflows.push(fid);
        let detail = format!(
            "subflow {} <-> {} seen without its handshake; its data sequence numbers place it in this connection",
            endpoint(flow.client.0, flow.client.1),
            endpoint(flow.server.0, flow.server.1)
        );
        self.anomaly(cid, fid, seg, "linked_by_data_sequence", detail);
        self.update_linked(fid, cid, seg, opts);
    }

    /// The rest of `update` for a flow that was just linked.
    fn update_linked(
        &mut self,
        fid: usize,
        cid: usize,
        seg: &Segment<'_>,
        opts: &SegmentOptions<'_>,
    ) {
        let side = self.flows[fid].conn_side(self.flows[fid].flow_side(seg));
        for opt in opts.iter() {
            self.option(cid, fid, seg, opt, side);
        }
        if seg.payload_len > 0 {
            self.payload(cid, fid, seg, opts, side, false);
        }
    }

    /// Ends the analysis: closes open runs, finds failovers, builds the report.
    #[must_use]
    pub fn finish(mut self, frames: u64) -> Report {
        let t0 = self.first_ns.unwrap_or(0);
        for fid in 0..self.flows.len() {
            let flow = &mut self.flows[fid];
            if let (Some((start, last, bytes)), Some(cid)) = (flow.run.take(), flow.conn) {
                let index = flow.index;
                push_run(
                    &mut self.conns[cid].timeline,
                    usize::MAX,
                    index,
                    start,
                    last,
                    bytes,
                    self.first_ns,
                );
            }
        }
        for cid in 0..self.conns.len() {
            self.find_failovers(cid);
            for space in &mut self.conns[cid].data {
                space.waiting.finish();
            }
        }
        if self.backwards > 0 {
            self.anomalies.push(Anomaly {
                kind: "frames_out_of_order",
                frame: None,
                time: None,
                subflow: None,
                detail: format!(
                    "{} frames come over a millisecond earlier than a frame before them (several \
                     interfaces written without sorting, as dumpcap -i A -i B does): times, rates \
                     and failovers assume time order; `reordercap FILE sorted.pcapng` (Wireshark) sorts them",
                    self.backwards
                ),
            });
        }
        if let (Some(asked), Some(now)) = (self.asked_interval_ns, self.interval_ns) {
            self.anomalies.push(Anomaly {
                kind: "series_widened",
                frame: None,
                time: None,
                subflow: None,
                detail: format!(
                    "series buckets of {} s widened to {} s, so that {} connections and {} \
                     subflows over {:.3} s fit in {MAX_SERIES_CELLS} buckets in all; ask for a \
                     wider --interval, or analyze fewer connections",
                    secs(asked),
                    secs(now),
                    self.conns.len(),
                    self.flows.len(),
                    secs(self.last_ns - t0)
                ),
            });
        }
        if self.anomalies_suppressed > 0 {
            self.anomalies.push(Anomaly {
                kind: "anomaly_limit_reached",
                frame: None,
                time: None,
                subflow: None,
                detail: format!("{} more findings not listed", self.anomalies_suppressed),
            });
        }
        for (count, what) in [
            (self.flows_dropped, "subflows"),
            (self.conns_dropped, "connections"),
        ] {
            if count > 0 {
                self.anomalies.push(Anomaly {
                    kind: "not_analyzed",
                    frame: None,
                    time: None,
                    subflow: None,
                    detail: format!("{count} {what} past the limit were not analyzed"),
                });
            }
        }
        let connections = (0..self.conns.len())
            .map(|cid| self.take_connection_report(cid, t0))
            .collect();
        let mut unlinked_subflows = Vec::new();
        for flow in self.flows.iter().filter(|f| f.conn.is_none()) {
            let mut r = subflow_report(flow, unlinked_subflows.len(), t0, true);
            r.share = 0.0;
            unlinked_subflows.push(r);
        }
        Report {
            packets: frames,
            tcp_segments: self.tcp_segments,
            mptcp_segments: self.mptcp_segments,
            plain_tcp_connections: self.plain_syns,
            duration: secs(self.last_ns - t0),
            connections,
            unlinked_subflows,
            anomalies: self.anomalies,
        }
    }

    /// A subflow whose data stopped IDLE_NS or more before the connection's, while another
    /// subflow carried data after it, failed over to that subflow.
    fn find_failovers(&mut self, cid: usize) {
        let mut events = Vec::new();
        for side in [Side::Client, Side::Server] {
            let s = side.index();
            let subflows = &self.conns[cid].subflows;
            let Some(end) = subflows
                .iter()
                .filter_map(|&f| self.flows[f].data[s].last_data_ns)
                .max()
            else {
                continue;
            };
            for &f in subflows {
                let flow = &self.flows[f];
                let d = flow.data[s];
                let (Some(last), Some((to, to_ns))) = (d.last_data_ns, d.handoff) else {
                    continue;
                };
                if end - last < IDLE_NS {
                    continue;
                }
                let to_backup = subflows
                    .get(to)
                    .is_some_and(|&t| self.flows[t].backup_any());
                events.push(Event {
                    time: secs(last - self.first_ns.unwrap_or(0)),
                    frame: 0,
                    what: EventKind::Failover {
                        by: side,
                        from_subflow: flow.index,
                        to_subflow: to,
                        gap_ms: millis(to_ns - last),
                        last_data_acked_ms: d
                            .recovered_ns
                            .filter(|&r| r >= last)
                            .map(|r| millis(r - last)),
                        to_backup,
                    },
                });
            }
        }
        let conn = &mut self.conns[cid];
        conn.events.extend(events);
        conn.events.sort_by(|a, b| a.time.total_cmp(&b.time));
    }

    /// The report of a connection, taking its events, timeline, anomalies and points out of
    /// the analyzer rather than copying them: `finish` needs them once.
    fn take_connection_report(&mut self, cid: usize, t0: i64) -> ConnectionReport {
        let conn = &mut self.conns[cid];
        let events = std::mem::take(&mut conn.events);
        let timeline = std::mem::take(&mut conn.timeline);
        let anomalies = std::mem::take(&mut conn.anomalies);
        let points = [0, 1].map(|d| {
            conn.data[d]
                .points
                .take()
                .map(|p| p.points)
                .unwrap_or_default()
        });
        let mut report = self.connection_report(cid, t0, anomalies);
        report.events = events;
        report.timeline = timeline;
        report.points = points;
        report.verdicts = verdict::verdicts(&report);
        report
    }

    fn connection_report(
        &self,
        cid: usize,
        t0: i64,
        mut anomalies: Vec<Anomaly>,
    ) -> ConnectionReport {
        let conn = &self.conns[cid];
        let flows: Vec<&Flow> = conn.subflows.iter().map(|&f| &self.flows[f]).collect();
        let subflows = subflow_reports(&flows, t0);
        let (client, server) = flows.first().map_or(
            (
                (IpAddr::from([0, 0, 0, 0]), 0),
                (IpAddr::from([0, 0, 0, 0]), 0),
            ),
            |f| {
                if f.client_is_conn_client {
                    (f.client, f.server)
                } else {
                    (f.server, f.client)
                }
            },
        );
        let flows_done = flows
            .iter()
            .all(|f| f.rst || (f.dir[0].fin && f.dir[1].fin));
        let any_reset = flows.iter().any(|f| f.rst);
        if conn.suppressed > 0 {
            anomalies.push(Anomaly {
                kind: "anomaly_limit_reached",
                frame: None,
                time: None,
                subflow: None,
                detail: format!("{} more findings not listed", conn.suppressed),
            });
        }
        let [c, s] = &conn.data;
        let bytes_c: u64 = subflows.iter().map(|s| s.bytes_client_to_server).sum();
        let bytes_s: u64 = subflows.iter().map(|s| s.bytes_server_to_client).sum();
        let series = self
            .interval_ns
            .map(|interval| self.series_report(conn, &flows, interval));
        ConnectionReport {
            id: cid,
            version: conn.version.map(crate::mptcp::Version::number),
            client_key: conn.keys[0],
            server_key: conn.keys[1],
            client_token: conn.token(Side::Client),
            server_token: conn.token(Side::Server),
            client_idsn: c.key_hash.map(|k| k.idsn),
            server_idsn: s.key_hash.map(|k| k.idsn),
            client_addr: client.0,
            client_port: client.1,
            server_addr: server.0,
            server_port: server.1,
            state: conn.state(flows_done, any_reset),
            fallback: conn.fallback.is_some(),
            fallback_reason: conn.fallback,
            checksums: conn.checksums,
            first_seen: secs(conn.first_ns - t0),
            last_seen: secs(conn.last_ns - t0),
            bytes_client_to_server: bytes_c,
            bytes_server_to_client: bytes_s,
            data_bytes_client_to_server: c.data_bytes,
            data_bytes_server_to_client: s.data_bytes,
            reinjections_client_to_server: c.reinjections,
            reinjected_bytes_client_to_server: c.reinjected_bytes,
            reinjections_server_to_client: s.reinjections,
            reinjected_bytes_server_to_client: s.reinjected_bytes,
            validation: conn.validation.clone(),
            goodput_client_to_server_bps: goodput(&flows, Side::Client, c.data_bytes),
            goodput_server_to_client_bps: goodput(&flows, Side::Server, s.data_bytes),
            efficiency_client_to_server: ratio(c.data_bytes, bytes_c).filter(|_| c.data_bytes > 0),
            efficiency_server_to_client: ratio(s.data_bytes, bytes_s).filter(|_| s.data_bytes > 0),
            reordering_client_to_server: reordering(&c.waiting),
            reordering_server_to_client: reordering(&s.waiting),
            verdicts: Vec::new(),
            subflows,
            timeline: Vec::new(),
            events: Vec::new(),
            anomalies,
            series,
            points: [Vec::new(), Vec::new()],
        }
    }

    /// Every series of a connection, padded to the capture's length in buckets.
    fn series_report(&self, conn: &Conn, flows: &[&Flow], interval: i64) -> SeriesReport {
        let bins = self
            .bin(self.last_ns)
            .map_or(0, |b| (b + 1).min(perf::MAX_BINS));
        let pad = |s: Option<&perf::Series>| {
            let mut v = s.map(|s| s.bins.clone()).unwrap_or_default();
            v.resize(bins, 0);
            v
        };
        let mean = |sum: Option<&perf::Series>, n: Option<&perf::Series>| -> Vec<Option<f64>> {
            let (sum, n) = (pad(sum), pad(n));
            #[allow(clippy::cast_precision_loss)]
            let v = sum
                .iter()
                .zip(&n)
                .map(|(&s, &n)| (n > 0).then(|| s as f64 / n as f64 / 1e3))
                .collect();
            v
        };
        let subflows = flows
            .iter()
            .map(|f| {
                let (c, s) = if f.client_is_conn_client {
                    (0, 1)
                } else {
                    (1, 0)
                };
                let fs = f.series.as_deref();
                SubflowSeries {
                    id: f.index,
                    bytes_client_to_server: pad(fs.map(|x| &x.bytes[c])),
                    bytes_server_to_client: pad(fs.map(|x| &x.bytes[s])),
                    rtt_ms_client_to_server: mean(
                        fs.map(|x| &x.rtt_us[c]),
                        fs.map(|x| &x.rtt_samples[c]),
                    ),
                    rtt_ms_server_to_client: mean(
                        fs.map(|x| &x.rtt_us[s]),
                        fs.map(|x| &x.rtt_samples[s]),
                    ),
                }
            })
            .collect();
        SeriesReport {
            interval: secs(interval),
            data_bytes_client_to_server: pad(conn.data[0].series.as_ref()),
            data_bytes_server_to_client: pad(conn.data[1].series.as_ref()),
            subflows,
        }
    }
}

/// The subflows of a connection, each with its share of the connection's payload bytes.
fn subflow_reports(flows: &[&Flow], t0: i64) -> Vec<SubflowReport> {
    let mut subflows: Vec<SubflowReport> = flows
        .iter()
        .map(|f| subflow_report(f, f.index, t0, f.client_is_conn_client))
        .collect();
    let total: u64 = subflows
        .iter()
        .map(|s| s.bytes_client_to_server + s.bytes_server_to_client)
        .sum();
    for s in &mut subflows {
        s.share = ratio(s.bytes_client_to_server + s.bytes_server_to_client, total).unwrap_or(0.0);
    }
    subflows
}

/// Data-level bits per second of one side's data, from its first to its last data segment.
fn goodput(flows: &[&Flow], side: Side, data_bytes: u64) -> Option<f64> {
    // Without data-level bytes (fallback, or no mapping captured) there is no goodput to tell.
    if data_bytes == 0 {
        return None;
    }
    let dirs = flows.iter().map(|f| &f.path[f.conn_side(side).index()]);
    let first = dirs.clone().filter_map(|d| d.first_data_ns).min();
    let last = dirs.filter_map(|d| d.last_data_ns).max();
    rate(data_bytes, first, last)
}

/// `part / whole`, when there is a whole.
fn ratio(part: u64, whole: u64) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)]
    let r = (whole > 0).then(|| part as f64 / whole as f64);
    r
}

/// A subflow as reported, oriented by the connection's client and server when `as_conn` is
/// true (for the subflows of a connection) and by its own otherwise.
fn subflow_report(f: &Flow, id: usize, t0: i64, client_first: bool) -> SubflowReport {
    let (c, s) = if client_first { (0, 1) } else { (1, 0) };
    let (client, server) = if client_first {
        (f.client, f.server)
    } else {
        (f.server, f.client)
    };
    let (client_id, server_id) = if client_first {
        (f.client_addr_id, f.server_addr_id)
    } else {
        (f.server_addr_id, f.client_addr_id)
    };
    SubflowReport {
        id,
        client_addr: client.0,
        client_port: client.1,
        server_addr: server.0,
        server_port: server.1,
        join: f.origin != Origin::Initial,
        handshake: f.handshake,
        client_addr_id: client_id,
        server_addr_id: server_id,
        backup: f.backup_any(),
        backup_client: f.backup[0],
        backup_server: f.backup[1],
        state: f.state(),
        first_seen: secs(f.first_ns - t0),
        last_seen: secs(f.last_ns - t0),
        packets_client_to_server: f.dir[c].packets,
        packets_server_to_client: f.dir[s].packets,
        bytes_client_to_server: f.dir[c].bytes,
        bytes_server_to_client: f.dir[s].bytes,
        share: 0.0,
        handshake_rtt_ms: f.syn_ns.zip(f.ack_ns).map(|(syn, ack)| millis(ack - syn)),
        retransmissions_client_to_server: f.dir[c].retransmissions,
        retransmissions_server_to_client: f.dir[s].retransmissions,
        reset_reason: f.reset_reason,
        rtt_client_to_server: f.path[c].rtt.as_ref().and_then(|h| h.stats()),
        rtt_server_to_client: f.path[s].rtt.as_ref().and_then(|h| h.stats()),
        throughput_client_to_server_bps: rate(
            f.dir[c].bytes,
            f.path[c].first_data_ns,
            f.path[c].last_data_ns,
        ),
        throughput_server_to_client_bps: rate(
            f.dir[s].bytes,
            f.path[s].first_data_ns,
            f.path[s].last_data_ns,
        ),
    }
}

/// Head-of-line blocking of one direction, if any data was timed through it.
fn reordering(w: &perf::Waiting) -> Option<Reordering> {
    let wait = w.wait.as_ref().and_then(|h| h.stats());
    let waited = wait.map_or(0, |s| s.samples);
    (w.in_order + waited > 0).then(|| Reordering {
        segments_in_order: w.in_order,
        segments_waited: waited,
        wait,
        hol_blocked_s: secs(w.blocked_ns),
    })
}

/// Bits per second of `bytes` sent from `first` to `last`; none for an instant.
fn rate(bytes: u64, first: Option<i64>, last: Option<i64>) -> Option<f64> {
    let span = last? - first?;
    #[allow(clippy::cast_precision_loss)]
    let bps = (span > 0).then(|| bytes as f64 * 8.0 / secs(span));
    bps
}

#[allow(clippy::too_many_arguments)]
fn push_run(
    timeline: &mut Vec<Run>,
    cap: usize,
    subflow: usize,
    start: i64,
    last: i64,
    bytes: u64,
    t0: Option<i64>,
) {
    let t0 = t0.unwrap_or(start);
    if timeline.len() < cap {
        timeline.push(Run {
            subflow,
            start: secs(start - t0),
            end: secs(last - t0),
            bytes,
        });
    } else if let Some(r) = timeline.iter_mut().rev().find(|r| r.subflow == subflow) {
        // Full: stretch this subflow's last run instead of adding one.
        r.end = secs(last - t0);
        r.bytes += bytes;
    }
}

/// Nanoseconds as seconds.
#[allow(clippy::cast_precision_loss)] // exact to well under a microsecond for any capture
fn secs(ns: i64) -> f64 {
    ns as f64 / 1e9
}

/// Nanoseconds as milliseconds.
#[allow(clippy::cast_precision_loss)]
fn millis(ns: i64) -> f64 {
    ns as f64 / 1e6
}

fn endpoint(addr: IpAddr, port: u16) -> String {
    match addr {
        IpAddr::V4(a) => format!("{a}:{port}"),
        IpAddr::V6(a) => format!("[{a}]:{port}"),
    }
}
