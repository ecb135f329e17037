//! `decode FILE|-`: one record per frame that carries an MPTCP option, like `tcpdump -v` for MPTCP.
//!
//! Streams the capture once and prints as it goes (JSON Lines with `--json`), so memory stays
//! flat and `| head` stops the work. Keys, tokens and HMACs are hex; DSN, SSN and data ACK stay
//! the numbers on the wire (a 4-byte DSN is not expanded here; `analyze` does that).

use std::collections::HashSet;
use std::io::{self, Write};
use std::net::IpAddr;
use std::ops::ControlFlow;
use std::path::PathBuf;

use anyhow::Context;
use serde::Serialize;

use crate::analyze::report::ConnectionReport;
use crate::analyze::{Analyzer, Limits};
use crate::capture::{self, Event, FrameIssue, Segment, TcpFlags};
use crate::cmd::Status;
use crate::mptcp::option::option_hex;
use crate::mptcp::tcp_options::{OptionsError, TCPOPT_MPTCP};
use crate::mptcp::{DecodeError, Found, Hex, MptcpOption, Subtype, Token, options};
use crate::output::{Output, Render, Style};

pub const EXAMPLES: &str = "Examples:
  mptcpstat decode testdata/pcap/v1-add-addr-join.pcap
  mptcpstat decode --json capture.pcapng | jq 'select(.options[].subtype == \"add_addr\")'
  mptcpstat decode --subtype mp_join,add_addr --port 5201 capture.pcap
  tcpdump -i any -w - tcp | mptcpstat decode -";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Capture file (pcap or pcapng), or - for standard input.
    #[arg(value_name = "FILE|-")]
    pub file: PathBuf,

    /// Only frames with an option of these subtypes (mp_capable, mp_join, dss, add_addr,
    /// remove_addr, mp_prio, mp_fail, mp_fastclose, mp_tcprst, unknown, malformed).
    #[arg(long, value_delimiter = ',', value_name = "SUBTYPE")]
    pub subtype: Vec<SubtypeFilter>,

    /// Only frames to or from this port.
    #[arg(long)]
    pub port: Option<u16>,

    /// Only frames to or from this address.
    #[arg(long, value_name = "ADDR")]
    pub host: Option<IpAddr>,

    /// Only frames of the MPTCP connection with this token (either host's, as `conns` and
    /// `analyze` show them), on all its subflows. The capture is read twice, so not from -.
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<Token>,
}

/// The subflows of one connection (`--token`), each by its two endpoints, lower first so
/// that both directions match.
#[derive(Debug, Default)]
pub struct Subflows(HashSet<((IpAddr, u16), (IpAddr, u16))>);

impl Subflows {
    fn insert(&mut self, a: (IpAddr, u16), b: (IpAddr, u16)) {
        self.0.insert(if a <= b { (a, b) } else { (b, a) });
    }

    fn carry(&self, seg: &Segment<'_>) -> bool {
        let (a, b) = ((seg.src, seg.sport), (seg.dst, seg.dport));
        self.0.contains(&if a <= b { (a, b) } else { (b, a) })
    }
}

/// A subtype to keep, by its JSON name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum SubtypeFilter {
    MpCapable,
    MpJoin,
    Dss,
    AddAddr,
    RemoveAddr,
    MpPrio,
    MpFail,
    MpFastclose,
    MpTcprst,
    Unknown,
    Malformed,
}

impl SubtypeFilter {
    fn matches(self, item: &Item<'_>) -> bool {
        match item {
            // The value names are the options' JSON names.
            Item::Option(o) => clap::ValueEnum::to_possible_value(&self)
                .is_some_and(|v| v.get_name() == o.subtype().json_name()),
            Item::Malformed { .. } => self == SubtypeFilter::Malformed,
        }
    }
}

/// One entry of a record's `options`: a decoded option, or the bytes of one that is not.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Item<'a> {
    Option(MptcpOption<'a>),
    Malformed {
        subtype: &'static str,
        kind_subtype: Option<u8>,
        raw: String,
        error: String,
    },
}

/// A finding about one frame.
#[derive(Debug, Serialize)]
pub struct Anomaly {
    pub kind: &'static str,
    pub detail: String,
}

/// One frame that carries MPTCP options (or a finding about one that could not be read).
#[derive(Debug, Serialize)]
pub struct Record<'a> {
    pub frame: u64,
    /// Seconds since the first frame.
    pub time: f64,
    pub src: Option<IpAddr>,
    pub sport: Option<u16>,
    pub dst: Option<IpAddr>,
    pub dport: Option<u16>,
    /// TCP flags as tcpdump prints them (`S`, `S.`, `.`, `P.`, `F.`, `R`).
    pub flags: Option<TcpFlags>,
    pub seq: Option<u32>,
    pub ack: Option<u32>,
    /// TCP payload length.
    pub len: Option<u32>,
    pub options: Vec<Item<'a>>,
    pub anomalies: Vec<Anomaly>,
}

pub fn run(args: &Args, out: &mut Output<'_>) -> anyhow::Result<Status> {
    let open = || {
        capture::open_input(&args.file)
            .with_context(|| format!("cannot open {}", args.file.display()))
    };
    let flows = match args.token {
        Some(token) => Some(subflows_of(token, open()?, args, out)?),
        None => None,
    };
    decode(open()?, args, flows.as_ref(), out)
        .with_context(|| format!("reading {}", args.file.display()))?;
    Ok(Status::Ok)
}

/// The subflows of the connection with `token`, from a first pass over the capture.
fn subflows_of(
    token: Token,
    input: impl io::Read,
    args: &Args,
    out: &mut Output<'_>,
) -> anyhow::Result<Subflows> {
    if args.file.as_os_str() == "-" {
        anyhow::bail!("--token reads the capture twice: give a file, not -");
    }
    let (report, _) = super::analyze::analyze(input, Analyzer::new(Limits::default()), out)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let mut flows = Subflows::default();
    let wanted =
        |c: &&ConnectionReport| c.client_token == Some(token) || c.server_token == Some(token);
    for s in report
        .connections
        .iter()
        .filter(wanted)
        .flat_map(|c| &c.subflows)
    {
        flows.insert(
            (s.client_addr, s.client_port),
            (s.server_addr, s.server_port),
        );
    }
    if flows.0.is_empty() {
        anyhow::bail!(
            "no MPTCP connection with token {token} in {}: `mptcpstat analyze` lists the tokens it has",
            args.file.display()
        );
    }
    Ok(flows)
}

/// Streams `input` to `out`; stops early, keeping what was printed, if `out` fails.
/// `flows`, when given, keeps only frames of those subflows (`--token`).
pub fn decode(
    input: impl io::Read,
    args: &Args,
    flows: Option<&Subflows>,
    out: &mut Output<'_>,
) -> anyhow::Result<()> {
    let mut first_time = None;
    let mut write_error = None;
    let result = capture::read_capture(input, |event| {
        let record = match event {
            Event::Segment(seg) if flows.is_some_and(|f| !f.carry(&seg)) => {
                return ControlFlow::Continue(());
            }
            Event::Segment(seg) => match segment_record(&seg, args, &mut first_time) {
                Some(r) => out.record(&r),
                None => return ControlFlow::Continue(()),
            },
            Event::Issue(issue) => out.record(&issue_record(&issue, &mut first_time)),
        };
        match record {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => {
                write_error = Some(e);
                ControlFlow::Break(())
            }
        }
    });
    if let Some(e) = write_error {
        return Err(e.into());
    }
    result?;
    Ok(())
}

fn relative(time_ns: i64, t0: i64) -> f64 {
    // Nanoseconds as float seconds: exact to well below a microsecond for any capture length.
    #[allow(clippy::cast_precision_loss)]
    let secs = (time_ns - t0) as f64 / 1e9;
    secs
}

fn segment_record<'a>(
    seg: &Segment<'a>,
    args: &Args,
    first: &mut Option<i64>,
) -> Option<Record<'a>> {
    // Times count from the capture's first frame, whatever it carries (Wireshark's
    // frame.time_relative).
    let time = relative(seg.time_ns, *first.get_or_insert(seg.first_time_ns));
    let mut items = Vec::new();
    let mut anomalies = Vec::new();
    // An MPTCP option cut by the snapshot length: the frame carries one, unreadable.
    let mut mptcp_cut = false;
    for found in options(seg.options) {
        match found {
            Found::Option(o) => items.push(Item::Option(o)),
            Found::Malformed { raw, error } => {
                anomalies.push(Anomaly {
                    kind: "malformed_option",
                    detail: error.to_string(),
                });
                items.push(malformed(raw, error));
            }
            // Options cut by the snapshot length are the capture's doing, not the sender's.
            Found::BadArea(e @ (OptionsError::PastEnd { .. } | OptionsError::NoLength { .. }))
                if seg.options_cut =>
            {
                mptcp_cut |= e.kind() == TCPOPT_MPTCP;
                anomalies.push(Anomaly {
                    kind: "options_cut",
                    detail: "TCP options cut short by the capture's snapshot length".into(),
                });
            }
            Found::BadArea(e) => {
                // A kind-30 option whose length cannot be stepped over is a malformed MPTCP
                // option: shown with the bytes from its kind to the end of the area.
                if e.kind() == TCPOPT_MPTCP {
                    items.push(Item::Malformed {
                        subtype: "malformed",
                        kind_subtype: None,
                        raw: Hex(seg.options.get(e.offset()..).unwrap_or_default()).to_string(),
                        error: e.to_string(),
                    });
                }
                anomalies.push(Anomaly {
                    kind: "malformed_tcp_options",
                    detail: e.to_string(),
                });
            }
        }
    }
    if items.is_empty() && !mptcp_cut {
        return None;
    }
    if !args.subtype.is_empty()
        && !items
            .iter()
            .any(|i| args.subtype.iter().any(|f| f.matches(i)))
    {
        return None;
    }
    if args.port.is_some_and(|p| seg.sport != p && seg.dport != p)
        || args.host.is_some_and(|h| seg.src != h && seg.dst != h)
    {
        return None;
    }
    Some(Record {
        frame: seg.frame,
        time,
        src: Some(seg.src),
        sport: Some(seg.sport),
        dst: Some(seg.dst),
        dport: Some(seg.dport),
        flags: Some(seg.flags),
        seq: Some(seg.seq),
        ack: Some(seg.ack),
        len: Some(seg.payload_len),
        options: items,
        anomalies,
    })
}

fn malformed<'a>(raw: &[u8], error: DecodeError) -> Item<'a> {
    let subtype = match error {
        DecodeError::NoSubtype { .. } => None,
        DecodeError::BadLength { subtype, .. } => Some(subtype),
        DecodeError::DssLength { .. } => Some(Subtype::Dss),
        DecodeError::BadIpVersion { .. } => Some(Subtype::AddAddr),
    };
    Item::Malformed {
        subtype: "malformed",
        kind_subtype: subtype.map(Subtype::code),
        raw: option_hex(raw.get(2..).unwrap_or_default()),
        error: error.to_string(),
    }
}

fn issue_record<'a>(issue: &FrameIssue, first: &mut Option<i64>) -> Record<'a> {
    Record {
        frame: issue.frame,
        time: issue
            .time_ns
            .map_or(0.0, |t| relative(t, *first.get_or_insert(t))),
        src: None,
        sport: None,
        dst: None,
        dport: None,
        flags: None,
        seq: None,
        ack: None,
        len: None,
        options: Vec::new(),
        anomalies: vec![Anomaly {
            kind: issue.kind.name(),
            detail: issue.detail.clone(),
        }],
    }
}

/// `   12 0.004211 10.0.1.1:40000 > 10.0.1.2:5201 [P.] seq 1 ack 1 len 100  DSS [AaMm] ...`
impl Render for Record<'_> {
    fn render(&self, w: &mut dyn Write, style: Style) -> io::Result<()> {
        write!(w, "{:>6} {:.6}", self.frame, self.time)?;
        if let (Some(src), Some(sport), Some(dst), Some(dport)) =
            (self.src, self.sport, self.dst, self.dport)
        {
            write!(w, " {} > {}", Endpoint(src, sport), Endpoint(dst, dport))?;
        }
        if let (Some(flags), Some(seq), Some(ack), Some(len)) =
            (self.flags, self.seq, self.ack, self.len)
        {
            write!(w, " [{flags}] seq {seq} ack {ack} len {len}")?;
        }
        for (i, item) in self.options.iter().enumerate() {
            w.write_all(if i == 0 { b"  " } else { b"; " })?;
            match item {
                Item::Option(o) => write!(w, "{o}")?,
                Item::Malformed { raw, .. } => write!(w, "{} {raw}", style.bad("malformed"))?,
            }
        }
        for a in &self.anomalies {
            write!(w, "  {} {}: {}", style.warn("!"), a.kind, a.detail)?;
        }
        w.write_all(b"\n")
    }
}

/// `10.0.1.1:5201`, `[fd00::1]:5201`.
struct Endpoint(IpAddr, u16);

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            IpAddr::V4(a) => write!(f, "{a}:{}", self.1),
            IpAddr::V6(a) => write!(f, "[{a}]:{}", self.1),
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::ValueEnum;

    use super::*;

    /// `--subtype` takes exactly the JSON names of the subtypes, and `malformed`.
    #[test]
    fn subtype_filter_names_are_the_json_names() {
        let filters: HashSet<String> = SubtypeFilter::value_variants()
            .iter()
            .filter_map(ValueEnum::to_possible_value)
            .map(|v| v.get_name().to_owned())
            .collect();
        let mut names: HashSet<String> = (0..=15u8)
            .map(|code| Subtype::from_code(code).json_name().to_owned())
            .collect();
        names.insert("malformed".to_owned());
        assert_eq!(filters, names);
    }
}
