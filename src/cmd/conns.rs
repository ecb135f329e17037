//! `conns`: open MPTCP connections, each with its local and remote token and its subflows
//! nested under it: `ss -M` and `ss -ti` joined, as `netstat -m` showed them on the
//! out-of-tree kernels.
//!
//! Two `sock_diag` dumps per address family: MPTCP sockets (`mptcp_info`, whose token is the
//! connection's LOCAL token) and TCP sockets, of which the subflows carry MPTCP ULP info with
//! `token_loc` (the same local token: that is how a subflow finds its connection) and
//! `token_rem`. The kernel keeps the remote token only on subflows this host opened with
//! MP_JOIN; for other connections whose peer socket is in the same namespace (loopback,
//! tests) the peer's local token is used. Otherwise the remote token is unknown (`null`), and
//! `remote_token_source` says where a known one came from.
//!
//! The dumps are not atomic: a subflow whose connection appeared or went away between them
//! is listed under `unlinked_subflows` rather than dropped.

use std::collections::HashMap;
use std::io::Write;
use std::net::IpAddr;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use serde::Serialize;

use crate::cli::NetnsArg;
use crate::cmd::counters::parse_secs;
use crate::cmd::{Status, in_netns};
use crate::kernel::netlink::{Netlink, Protocol};
use crate::kernel::probe;
use crate::kernel::sock_diag::{
    self, AF_INET, AF_INET6, MptcpInfo, MptcpSock, SubflowFlags, TcpSock, TcpState, states,
};
use crate::mptcp::types::Token;
use crate::output::{self, Output, Render, Style};

mod watch;

pub use watch::{ConnectionRates, Rates, SubflowRates, Watch};

#[derive(Debug, clap::Args)]
#[allow(clippy::struct_excessive_bools)] // command-line switches, like ss's
pub struct ConnsArgs {
    /// Only listening MPTCP sockets.
    #[arg(short, long, conflicts_with = "all")]
    pub listening: bool,
    /// All MPTCP sockets: listening and connected, in any state.
    #[arg(short, long)]
    pub all: bool,
    /// Only IPv4 sockets.
    #[arg(short = '4', long = "ipv4", conflicts_with = "ipv6")]
    pub ipv4: bool,
    /// Only IPv6 sockets (including IPv4-mapped ones).
    #[arg(short = '6', long = "ipv6")]
    pub ipv6: bool,
    /// Only connections whose local port is PORT.
    #[arg(long, value_name = "PORT")]
    pub sport: Option<u16>,
    /// Only connections whose remote port is PORT.
    #[arg(long, value_name = "PORT")]
    pub dport: Option<u16>,
    /// Only connections with ADDR on either side, of the connection or of any subflow.
    #[arg(long, value_name = "ADDR")]
    pub addr: Option<IpAddr>,
    /// Repeat every SECS seconds with the throughput of each subflow over the interval, its
    /// share, RTT, RTT variance, cwnd and retransmits, and each connection's RTT spread: a
    /// table redrawn in place on a terminal, JSON Lines with --json.
    #[arg(short, long, value_name = "SECS", value_parser = parse_secs)]
    pub watch: Option<Duration>,
    /// Stop after N reports (with --watch).
    #[arg(short, long, value_name = "N", requires = "watch")]
    pub count: Option<u64>,
    #[command(flatten)]
    pub netns: NetnsArg,
}

/// What to ask the kernel for and what to keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// `idiag_states` for the MPTCP sockets.
    pub states: u32,
    pub families: Vec<u8>,
    pub sport: Option<u16>,
    pub dport: Option<u16>,
    pub addr: Option<IpAddr>,
}

impl Filter {
    /// Every MPTCP socket and subflow, in any state, IPv4 and IPv6.
    #[must_use]
    pub fn every_socket() -> Self {
        Filter {
            states: states::ALL,
            families: vec![AF_INET, AF_INET6],
            sport: None,
            dport: None,
            addr: None,
        }
    }

    #[must_use]
    pub fn from_args(a: &ConnsArgs) -> Self {
        let states = if a.listening {
            states::LISTEN
        } else if a.all {
            states::ALL
        } else {
            states::CONNECTED
        };
        let families = match (a.ipv4, a.ipv6) {
            (true, _) => vec![AF_INET],
            (_, true) => vec![AF_INET6],
            _ => vec![AF_INET, AF_INET6],
        };
        Filter {
            states,
            families,
            sport: a.sport,
            dport: a.dport,
            addr: a.addr,
        }
    }

    /// Subflow states to dump: listeners with `-l`, full sockets otherwise (a connection's
    /// subflows may be in any state, e.g. a join still in SYN-SENT).
    fn subflow_states(&self) -> u32 {
        if self.states == states::LISTEN {
            states::LISTEN
        } else if states::contains(self.states, TcpState::Listen) {
            states::FULL_SOCKETS
        } else {
            states::FULL_SOCKETS & !states::LISTEN
        }
    }

    fn keep(&self, c: &Connection) -> bool {
        let addr_ok = self.addr.is_none_or(|a| {
            let a = a.to_canonical();
            let mine = [c.local_addr, c.remote_addr].into_iter();
            let subs = c
                .subflows
                .iter()
                .flat_map(|s| [s.local_addr, s.remote_addr]);
            mine.chain(subs).any(|x| x.to_canonical() == a)
        });
        addr_ok
            && self.sport.is_none_or(|p| c.local_port == p)
            && self.dport.is_none_or(|p| c.remote_port == p)
    }

    fn keep_subflow(&self, s: &Subflow) -> bool {
        self.addr.is_none_or(|a| {
            [s.local_addr, s.remote_addr]
                .iter()
                .any(|x| x.to_canonical() == a.to_canonical())
        }) && self.sport.is_none_or(|p| s.local_port == p)
            && self.dport.is_none_or(|p| s.remote_port == p)
    }
}

/// Where a connection's remote token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenSource {
    /// `MPTCP_SUBFLOW_ATTR_TOKEN_REM` of a subflow this host opened with MP_JOIN.
    MpJoin,
    /// The local token of the peer's MPTCP socket, found in the same namespace.
    LocalPeer,
}

/// One MPTCP connection (or listener).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Connection {
    pub state: TcpState,
    pub local_addr: IpAddr,
    pub local_port: u16,
    pub remote_addr: IpAddr,
    pub remote_port: u16,
    /// `mptcpi_token`; `null` for listeners, which have none (the kernel reports 0).
    pub local_token: Option<Token>,
    pub remote_token: Option<Token>,
    pub remote_token_source: Option<TokenSource>,
    /// `MPTCP_INFO_FLAG_FALLBACK`: this connection runs as plain TCP.
    pub fallback: Option<bool>,
    pub recv_q: u32,
    pub send_q: u32,
    pub uid: u32,
    pub inode: u32,
    /// `idiag_cookie`: tells this socket from a later one on the same addresses and ports.
    pub cookie: u64,
    /// Data-level bytes (`mptcp_info`, Linux 6.5+).
    pub bytes_sent: Option<u64>,
    pub bytes_received: Option<u64>,
    pub bytes_acked: Option<u64>,
    pub bytes_retrans: Option<u64>,
    pub subflows: Vec<Subflow>,
    /// Everything `struct mptcp_info` holds, as the kernel sent it.
    pub mptcp_info: Option<MptcpInfo>,
    /// With `--watch`: throughput over the last interval; null in a single report and in
    /// the first record of a watch.
    pub rates: Option<ConnectionRates>,
}

/// One subflow: a TCP socket with MPTCP ULP info.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Subflow {
    pub local_addr: IpAddr,
    pub local_port: u16,
    pub remote_addr: IpAddr,
    pub remote_port: u16,
    pub state: TcpState,
    /// `idiag_cookie` of the subflow socket (`ss -e` prints it as `sk:`, in hex); subflows
    /// are kernel sockets without an inode, so this is what tells a new one from an old one.
    pub cookie: u64,
    /// The peer asked for backup (`bkup_rem`) or this side did (`bkup_loc`).
    pub backup: bool,
    /// Interface the subflow is bound to (the endpoint's `dev`).
    pub dev: Option<String>,
    pub local_id: Option<u8>,
    pub remote_id: Option<u8>,
    /// `MPTCP_SUBFLOW_ATTR_FLAGS` by name; `ss` shows them as letters (`Mmec`).
    pub flags: SubflowFlags,
    pub token_local: Option<Token>,
    pub token_remote: Option<Token>,
    pub map_seq: Option<u64>,
    pub map_sfseq: Option<u32>,
    pub ssn_offset: Option<u32>,
    pub map_datalen: Option<u16>,
    pub relwrite_seq: Option<u32>,
    pub bytes_sent: Option<u64>,
    pub bytes_received: Option<u64>,
    pub bytes_acked: Option<u64>,
    pub bytes_retrans: Option<u64>,
    pub rtt_ms: Option<f64>,
    pub rttvar_ms: Option<f64>,
    pub min_rtt_ms: Option<f64>,
    pub rto_ms: Option<f64>,
    pub cwnd: Option<u32>,
    pub ssthresh: Option<u32>,
    pub retrans: Option<u32>,
    pub total_retrans: Option<u32>,
    pub lost: Option<u32>,
    pub unacked: Option<u32>,
    pub pmtu: Option<u32>,
    pub snd_mss: Option<u32>,
    pub rcv_mss: Option<u32>,
    pub segs_out: Option<u32>,
    pub segs_in: Option<u32>,
    pub delivery_rate: Option<u64>,
    pub snd_wnd: Option<u32>,
    pub rcv_wnd: Option<u32>,
    pub last_data_sent_ms: Option<u32>,
    pub last_data_recv_ms: Option<u32>,
    pub last_ack_recv_ms: Option<u32>,
    /// With `--watch`: throughput over the last interval; null in a single report, in the
    /// first record of a watch, and for a subflow that was not in the previous record.
    pub rates: Option<SubflowRates>,
}

/// `conns --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConnsReport {
    /// Seconds since the epoch, in `--watch` records.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<f64>,
    pub connections: Vec<Connection>,
    /// Subflows whose connection was not in the MPTCP dump (it changed between the dumps).
    pub unlinked_subflows: Vec<Subflow>,
}

fn us_to_ms(us: Option<u32>) -> Option<f64> {
    us.map(|us| f64::from(us) / 1000.0)
}

impl Subflow {
    /// `dev` is the name of the interface the socket is bound to, if any.
    #[must_use]
    pub fn new(t: TcpSock, dev: Option<String>) -> Self {
        let sf = t.subflow.unwrap_or_default();
        let i = t.info.unwrap_or_default();
        Subflow {
            local_addr: t.msg.src,
            local_port: t.msg.sport,
            remote_addr: t.msg.dst,
            remote_port: t.msg.dport,
            state: t.msg.state,
            cookie: t.msg.cookie,
            backup: sf.backup(),
            dev,
            local_id: sf.id_loc,
            remote_id: sf.id_rem,
            flags: SubflowFlags(sf.flags.unwrap_or(0)),
            token_local: sf.token_loc,
            token_remote: sf.token_rem.filter(|t| t.0 != 0),
            map_seq: sf.map_seq,
            map_sfseq: sf.map_sfseq,
            ssn_offset: sf.ssn_offset,
            map_datalen: sf.map_datalen,
            relwrite_seq: sf.relwrite_seq,
            bytes_sent: i.bytes_sent,
            bytes_received: i.bytes_received,
            bytes_acked: i.bytes_acked,
            bytes_retrans: i.bytes_retrans,
            rtt_ms: us_to_ms(i.rtt),
            rttvar_ms: us_to_ms(i.rttvar),
            min_rtt_ms: us_to_ms(i.min_rtt),
            rto_ms: us_to_ms(i.rto),
            cwnd: i.snd_cwnd,
            ssthresh: i.snd_ssthresh,
            retrans: i.retrans,
            total_retrans: i.total_retrans,
            lost: i.lost,
            unacked: i.unacked,
            pmtu: i.pmtu,
            snd_mss: i.snd_mss,
            rcv_mss: i.rcv_mss,
            segs_out: i.segs_out,
            segs_in: i.segs_in,
            delivery_rate: i.delivery_rate,
            snd_wnd: i.snd_wnd,
            rcv_wnd: i.rcv_wnd,
            last_data_sent_ms: i.last_data_sent,
            last_data_recv_ms: i.last_data_recv,
            last_ack_recv_ms: i.last_ack_recv,
            rates: None,
        }
    }
}

impl Connection {
    fn new(m: &MptcpSock) -> Self {
        let info = m.info.as_ref();
        Connection {
            state: m.msg.state,
            local_addr: m.msg.src,
            local_port: m.msg.sport,
            remote_addr: m.msg.dst,
            remote_port: m.msg.dport,
            // A listener, or a socket before connect(), reports token 0: it has none. (`ss`
            // prints no token for 0 either.)
            local_token: info.and_then(|i| i.token).filter(|t| t.0 != 0),
            remote_token: None,
            remote_token_source: None,
            fallback: info.and_then(MptcpInfo::fallback),
            recv_q: m.msg.rqueue,
            send_q: m.msg.wqueue,
            uid: m.msg.uid,
            inode: m.msg.inode,
            cookie: m.msg.cookie,
            bytes_sent: info.and_then(|i| i.bytes_sent),
            bytes_received: info.and_then(|i| i.bytes_received),
            bytes_acked: info.and_then(|i| i.bytes_acked),
            bytes_retrans: info.and_then(|i| i.bytes_retrans),
            subflows: Vec::new(),
            mptcp_info: m.info.clone(),
            rates: None,
        }
    }

    fn endpoints(&self) -> (IpAddr, u16, IpAddr, u16) {
        (
            self.local_addr.to_canonical(),
            self.local_port,
            self.remote_addr.to_canonical(),
            self.remote_port,
        )
    }
}

/// Joins subflows to their connections as they come: `fetch` feeds it while the TCP dump is
/// read, so no second list of 20 000 subflows is ever held. Pure.
pub struct Joiner {
    conns: Vec<Connection>,
    by_token: HashMap<Token, usize>,
    unlinked: Vec<Subflow>,
}

impl Joiner {
    #[must_use]
    pub fn new(msks: &[MptcpSock]) -> Self {
        let conns: Vec<Connection> = msks.iter().map(Connection::new).collect();
        let by_token = conns
            .iter()
            .enumerate()
            .filter_map(|(i, c)| Some((c.local_token?, i)))
            .collect();
        Joiner {
            conns,
            by_token,
            unlinked: Vec::new(),
        }
    }

    /// Attaches a subflow to its connection by local token.
    pub fn add(&mut self, s: Subflow) {
        let owner = match s.token_local {
            Some(tok) => self.by_token.get(&tok).copied(),
            // The TCP listener behind an MPTCP listener has no subflow info: it belongs to
            // the MPTCP listener on the same address and port.
            None if s.state == TcpState::Listen => self.conns.iter().position(|c| {
                c.state == TcpState::Listen
                    && c.local_port == s.local_port
                    && c.local_addr.to_canonical() == s.local_addr.to_canonical()
            }),
            None => None,
        };
        match owner {
            Some(i) => {
                let v = &mut self.conns[i].subflows;
                if v.capacity() == 0 {
                    // Most connections have one or two subflows; a first push would make
                    // room for four.
                    v.reserve_exact(2);
                }
                v.push(s);
            }
            None => self.unlinked.push(s),
        }
    }

    /// Fills in remote tokens and applies the filter.
    #[must_use]
    pub fn finish(self, filter: &Filter) -> ConnsReport {
        let Joiner {
            mut conns,
            mut unlinked,
            ..
        } = self;
        // Remote tokens: from a join this side opened, else from the peer socket if it is here.
        for c in &mut conns {
            if let Some(tok) = c.subflows.iter().find_map(|s| s.token_remote) {
                c.remote_token = Some(tok);
                c.remote_token_source = Some(TokenSource::MpJoin);
            }
        }
        let by_endpoints: HashMap<_, Token> = conns
            .iter()
            .filter_map(|c| Some((c.endpoints(), c.local_token?)))
            .collect();
        for c in &mut conns {
            if c.remote_token.is_some() || c.state == TcpState::Listen {
                continue;
            }
            let (la, lp, ra, rp) = c.endpoints();
            if let Some(tok) = by_endpoints.get(&(ra, rp, la, lp)) {
                c.remote_token = Some(*tok);
                c.remote_token_source = Some(TokenSource::LocalPeer);
            }
        }

        conns.retain(|c| filter.keep(c));
        unlinked.retain(|s| filter.keep_subflow(s));
        ConnsReport {
            time: None,
            connections: conns,
            unlinked_subflows: unlinked,
        }
    }
}

/// Joins MPTCP sockets and subflows into connections, fills in remote tokens, filters. Pure.
#[must_use]
pub fn collect(msks: &[MptcpSock], subflows: Vec<Subflow>, filter: &Filter) -> ConnsReport {
    let mut j = Joiner::new(msks);
    for s in subflows {
        j.add(s);
    }
    j.finish(filter)
}

/// Dumps, parses and joins, in the current namespace: the MPTCP sockets first, then (when
/// there are any) the TCP sockets, keeping the subflows. Each datagram is parsed as it
/// arrives; nothing holds a whole dump.
pub fn fetch(filter: &Filter) -> anyhow::Result<ConnsReport> {
    let mut nl = Netlink::open(Protocol::SockDiag)?;
    let mut msks = Vec::new();
    for &family in &filter.families {
        sock_diag::dump_mptcp_each(&mut nl, family, filter.states, |datagram| {
            sock_diag::parse_mptcp_into(datagram, &mut msks)
        })
        .context("reading the MPTCP socket dump")?;
    }
    let mut joiner = Joiner::new(&msks);
    if msks.is_empty() {
        return Ok(joiner.finish(filter));
    }
    // Subflows have the family of their local address: an IPv4 MPTCP socket only has IPv4
    // subflows, an IPv6 one may have IPv4 ones too.
    let mut families = vec![AF_INET];
    if msks.iter().any(|m| m.msg.family == AF_INET6) {
        families.push(AF_INET6);
    }
    drop(msks);
    let mut batch = Vec::new();
    // Interface names belong to this namespace: look them up here, once each.
    let mut names: HashMap<u32, Option<String>> = HashMap::new();
    for family in families {
        sock_diag::dump_tcp_each(&mut nl, family, filter.subflow_states(), |datagram| {
            sock_diag::parse_subflows_into(datagram, &mut batch)?;
            for t in batch.drain(..) {
                let dev = match t.msg.ifindex {
                    0 => None,
                    i => names.entry(i).or_insert_with(|| probe::ifname(i)).clone(),
                };
                joiner.add(Subflow::new(t, dev));
            }
            Ok(())
        })
        .context("reading the TCP socket dump")?;
    }
    Ok(joiner.finish(filter))
}

fn snapshot(args: &ConnsArgs, filter: &Filter) -> anyhow::Result<ConnsReport> {
    in_netns(&args.netns, || fetch(filter))
}

pub fn run(args: &ConnsArgs, out: &mut Output<'_>) -> anyhow::Result<Status> {
    let filter = Filter::from_args(args);
    let Some(every) = args.watch else {
        out.report(&snapshot(args, &filter)?)?;
        return Ok(Status::Ok);
    };
    let mut n = 0;
    let mut rates = Rates::default();
    let start = Instant::now();
    let mut last = None;
    loop {
        let mut report = snapshot(args, &filter)?;
        let at = start.elapsed().as_secs_f64();
        report.time = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .ok()
            .map(|d| d.as_secs_f64());
        rates.update(&mut report, at);
        let interval = last.map(|l| at - l);
        last = Some(at);
        out.clear_screen()?;
        out.record(&Watch { report, interval })?;
        out.flush()?;
        n += 1;
        if args.count.is_some_and(|c| n >= c) {
            return Ok(Status::Ok);
        }
        std::thread::sleep(every);
    }
}

/// `addr:port` as `ss` prints it: IPv6 in brackets, a bound device after `%`, port 0 as `*`.
#[must_use]
pub fn addr_port(addr: IpAddr, port: u16, dev: Option<&str>) -> String {
    let dev = dev.map(|d| format!("%{d}")).unwrap_or_default();
    let port = if port == 0 {
        "*".to_owned()
    } else {
        port.to_string()
    };
    match addr {
        IpAddr::V4(a) => format!("{a}{dev}:{port}"),
        IpAddr::V6(a) => format!("[{a}]{dev}:{port}"),
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

fn subflow_row(s: &Subflow, prefix: &str) -> Vec<String> {
    let mut flags = s.flags.letters();
    if s.backup {
        flags.push_str(" backup");
    }
    vec![
        format!("{prefix}{}", s.state.ss_name()),
        addr_port(s.local_addr, s.local_port, s.dev.as_deref()),
        addr_port(s.remote_addr, s.remote_port, None),
        String::new(),
        String::new(),
        match (s.local_id, s.remote_id) {
            (None, None) => String::new(),
            (l, r) => format!("{}/{}", opt(l), opt(r)),
        },
        flags,
        // A listener has no round trips to measure.
        s.rtt_ms
            .filter(|_| s.state != TcpState::Listen)
            .map(|r| format!("{r:.3}"))
            .unwrap_or_default(),
        s.bytes_sent.map(|b| b.to_string()).unwrap_or_default(),
        s.bytes_received.map(|b| b.to_string()).unwrap_or_default(),
    ]
}

const HEADERS: [&str; 10] = [
    "State",
    "Local Address:Port",
    "Peer Address:Port",
    "Local Token",
    "Remote Token",
    "IDs",
    "Flags",
    "RTT ms",
    "Sent",
    "Received",
];

impl Render for ConnsReport {
    fn render(&self, w: &mut dyn Write, _style: Style) -> std::io::Result<()> {
        let mut t = output::table(&HEADERS);
        for c in &self.connections {
            t.add_row(vec![
                c.state.ss_name(),
                addr_port(c.local_addr, c.local_port, None),
                addr_port(c.remote_addr, c.remote_port, None),
                opt(c.local_token),
                opt(c.remote_token),
                String::new(),
                if c.fallback == Some(true) {
                    "fallback".into()
                } else {
                    String::new()
                },
                String::new(),
                c.bytes_sent.map(|b| b.to_string()).unwrap_or_default(),
                c.bytes_received.map(|b| b.to_string()).unwrap_or_default(),
            ]);
            for s in &c.subflows {
                t.add_row(subflow_row(s, "  └ "));
            }
        }
        output::write_table(w, &t)?;
        if !self.unlinked_subflows.is_empty() {
            writeln!(
                w,
                "\nSubflows whose connection changed between the two dumps:"
            )?;
            let mut t = output::table(&HEADERS);
            for s in &self.unlinked_subflows {
                t.add_row(subflow_row(s, ""));
            }
            output::write_table(w, &t)?;
        }
        Ok(())
    }
}

#[cfg(all(test, target_endian = "little"))]
mod tests {
    use super::*;
    use crate::kernel::netlink::testing::fixture;
    use crate::kernel::sock_diag::{parse_mptcp, parse_subflows};

    fn all() -> Filter {
        Filter {
            states: states::ALL,
            families: vec![AF_INET],
            sport: None,
            dport: None,
            addr: None,
        }
    }

    /// Subflows as `fetch` makes them, with every bound interface called `dev`.
    fn subflows(tcps: Vec<TcpSock>, dev: Option<&str>) -> Vec<Subflow> {
        tcps.into_iter()
            .map(|t| {
                let d = (t.msg.ifindex != 0)
                    .then(|| dev.map(str::to_owned))
                    .flatten();
                Subflow::new(t, d)
            })
            .collect()
    }

    /// The recorded client side: one connection, two subflows (10.0.1.1 and 10.0.2.1 on c2).
    fn client() -> ConnsReport {
        let msks = parse_mptcp(&fixture("sock_diag-mptcp-client.bin")).unwrap();
        let tcps = parse_subflows(&fixture("sock_diag-tcp-client.bin")).unwrap();
        collect(&msks, subflows(tcps, Some("c2")), &all())
    }

    #[test]
    fn joins_subflows_by_local_token() {
        let r = client();
        assert_eq!(r.connections.len(), 1);
        let c = &r.connections[0];
        assert_eq!(c.subflows.len(), 2);
        assert!(c.subflows.iter().all(|s| s.token_local == c.local_token));
        assert!(r.unlinked_subflows.is_empty());
        // The join this side opened carries the server's token.
        assert_eq!(c.remote_token_source, Some(TokenSource::MpJoin));
        assert_eq!(c.remote_token, c.subflows[1].token_remote);
        assert_eq!(c.subflows[1].dev.as_deref(), Some("c2"));
        assert_eq!(c.subflows[1].local_addr, IpAddr::from([10, 0, 2, 1]));
    }

    #[test]
    fn json_has_the_contract_fields() {
        let v = serde_json::to_value(client()).unwrap();
        let c = &v["connections"][0];
        for key in [
            "state",
            "local_addr",
            "local_port",
            "remote_addr",
            "remote_port",
            "local_token",
            "remote_token",
            "subflows",
        ] {
            assert!(c.get(key).is_some(), "{key}");
        }
        assert_eq!(c["state"], "ESTAB");
        assert_eq!(c["local_addr"], "10.0.1.1");
        assert!(c["local_token"].as_str().unwrap().len() == 8);
        let s = &c["subflows"][0];
        for key in [
            "local_addr",
            "local_port",
            "remote_addr",
            "remote_port",
            "state",
            "backup",
            "bytes_sent",
            "bytes_received",
            "rtt_ms",
        ] {
            assert!(s.get(key).is_some(), "{key}");
        }
        assert!(s["rtt_ms"].is_f64());
        assert!(s["backup"].is_boolean());
    }

    #[test]
    fn server_side_with_its_listener() {
        let msks = parse_mptcp(&fixture("sock_diag-mptcp-server.bin")).unwrap();
        let tcps = parse_subflows(&fixture("sock_diag-tcp-server.bin")).unwrap();
        let r = collect(&msks, subflows(tcps, None), &all());
        assert_eq!(r.connections.len(), 2);
        let est = r
            .connections
            .iter()
            .find(|c| c.state == TcpState::Established)
            .unwrap();
        assert_eq!(est.subflows.len(), 2);
        // The server opened no join and its peer is elsewhere: the remote token is unknown.
        assert_eq!((est.remote_token, est.remote_token_source), (None, None));
        let l = r
            .connections
            .iter()
            .find(|c| c.state == TcpState::Listen)
            .unwrap();
        assert_eq!(l.local_token, None, "listeners have no token");
        assert_eq!(l.subflows.len(), 1);
        assert_eq!(l.subflows[0].state, TcpState::Listen);
        assert_eq!(l.local_port, 5201);
        assert!(r.unlinked_subflows.is_empty());
    }

    #[test]
    fn filters() {
        let msks = parse_mptcp(&fixture("sock_diag-mptcp-client.bin")).unwrap();
        let tcps = parse_subflows(&fixture("sock_diag-tcp-client.bin")).unwrap();
        let by = |f: Filter| {
            collect(&msks, subflows(tcps.clone(), None), &f)
                .connections
                .len()
        };
        assert_eq!(
            by(Filter {
                dport: Some(5201),
                ..all()
            }),
            1
        );
        assert_eq!(
            by(Filter {
                dport: Some(5202),
                ..all()
            }),
            0
        );
        // A subflow's address selects its connection.
        assert_eq!(
            by(Filter {
                addr: Some(IpAddr::from([10, 0, 2, 1])),
                ..all()
            }),
            1
        );
        assert_eq!(
            by(Filter {
                addr: Some(IpAddr::from([10, 9, 9, 9])),
                ..all()
            }),
            0
        );
    }

    #[test]
    fn peer_in_the_same_namespace_gives_the_remote_token() {
        // Crafted from the recorded client socket: its mirror image as the server.
        let client = parse_mptcp(&fixture("sock_diag-mptcp-client.bin"))
            .unwrap()
            .remove(0);
        let mut server = client.clone();
        std::mem::swap(&mut server.msg.src, &mut server.msg.dst);
        std::mem::swap(&mut server.msg.sport, &mut server.msg.dport);
        let info = server.info.as_mut().unwrap();
        info.token = Some(Token(0x1234_5678));
        let r = collect(&[client, server], Vec::new(), &all());
        assert_eq!(r.connections[0].remote_token, Some(Token(0x1234_5678)));
        assert_eq!(
            r.connections[0].remote_token_source,
            Some(TokenSource::LocalPeer)
        );
        assert_eq!(r.connections[1].remote_token, r.connections[0].local_token);
    }

    #[test]
    fn subflow_without_its_connection_is_listed_apart() {
        let tcps = parse_subflows(&fixture("sock_diag-tcp-client.bin")).unwrap();
        let r = collect(&[], subflows(tcps, None), &all());
        assert!(r.connections.is_empty());
        assert_eq!(r.unlinked_subflows.len(), 2);
    }

    #[test]
    fn table_nests_subflows() {
        let mut buf = Vec::new();
        client().render(&mut buf, Style::default()).unwrap();
        let text = String::from_utf8(buf).unwrap();
        let lines: Vec<_> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert!(lines[0].starts_with("State"));
        assert!(lines[1].starts_with("ESTAB"));
        assert!(lines[2].starts_with("  └ ESTAB  10.0.1.1:"), "{text}");
        assert!(lines[3].contains("10.0.2.1%c2:"), "{text}");
        assert!(lines.iter().all(|l| !l.ends_with(' ')));
    }

    #[test]
    fn addresses_as_ss_prints_them() {
        assert_eq!(
            addr_port(IpAddr::from([10, 0, 0, 1]), 80, None),
            "10.0.0.1:80"
        );
        assert_eq!(addr_port(IpAddr::from([0, 0, 0, 0]), 0, None), "0.0.0.0:*");
        assert_eq!(
            addr_port("2001:db8::1".parse().unwrap(), 80, Some("eth0")),
            "[2001:db8::1]%eth0:80"
        );
    }
}
