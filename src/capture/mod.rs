//! Capture files (pcap, pcapng) streamed frame by frame down to TCP segments.
//!
//! Two formats, told apart by their first bytes, never by the file name:
//!
//! - **pcap** (libpcap's format; draft-ietf-opsawg-pcap): a 24-byte file header (magic,
//!   version, snapshot length, linktype), then records of a 16-byte header (seconds,
//!   micro- or nanoseconds, captured length, original length) and the frame. The magic
//!   `a1b2c3d4` (microseconds) or `a1b23c4d` (nanoseconds), read in either byte order, gives
//!   the byte order of the whole file.
//! - **pcapng** (draft-ietf-opsawg-pcapng): a sequence of blocks, each `type, length, body,
//!   length`. A Section Header Block starts a section and sets its byte order; Interface
//!   Description Blocks in it declare interfaces, each with its linktype, snapshot length
//!   and timestamp unit (`if_tsresol`) and offset (`if_tsoffset`); Enhanced, Simple and
//!   (obsolete) Packet Blocks carry frames. Other blocks are skipped.
//!
//! [`read_capture`] streams any [`Read`] through one buffer (memory stays flat), decodes each
//! frame with [`link`] and hands every TCP segment and every problem found to a callback, so
//! `tcpdump -w - | mptcpstat decode -` works. Frames are numbered as Wireshark numbers them:
//! every packet record or block, from 1. Times are nanoseconds since the epoch; a Simple
//! Packet Block, which carries none, gets the previous frame's.
//!
//! A problem inside one frame is a [`FrameIssue`] and reading goes on; a capture cut short at
//! the end is a `truncated_file` issue after everything before it. Only input that is no
//! capture, or whose framing is broken beyond recovery, is a [`CaptureError`].
//!
//! We parse both formats here rather than through `pcap-parser` 0.17: its streaming reader
//! reports an Enhanced Packet Block whose captured length exceeds its block as the end of the
//! file (losing every frame after it), fails on a pipe whose first `read` returns less than
//! the section header, and drops the `io::Error` of a failed read.

pub mod link;
pub mod writer;

mod input;
mod pcap;
mod pcapng;

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::net::IpAddr;
use std::ops::{BitOr, BitOrAssign, ControlFlow};
use std::path::Path;

use serde::Serialize;

use self::input::Input;
use self::link::{Decoded, Tcp};

/// Opens a path, or stdin for "-".
pub fn open_input(path: &Path) -> io::Result<Box<dyn Read + Send>> {
    if path.as_os_str() == "-" {
        Ok(Box::new(io::stdin()))
    } else {
        Ok(Box::new(File::open(path)?))
    }
}

/// Streams every frame of a capture; calls `on` for each TCP segment and each problem found.
///
/// Returns when the input ends, `on` returns [`ControlFlow::Break`], or the input is no
/// capture / unrecoverably corrupt. Everything `on` saw before an error stands.
pub fn read_capture<R: Read>(
    input: R,
    on: impl FnMut(Event<'_>) -> ControlFlow<()>,
) -> Result<Summary, CaptureError> {
    let mut input = Input::new(input);
    let mut sink = Sink {
        on,
        summary: Summary::default(),
        last_time_ns: None,
    };
    let have = input.fill(4)?;
    let format = match input.bytes() {
        [0x0a, 0x0d, 0x0d, 0x0a, ..] => CaptureFormat::Pcapng,
        [a, b, c, d, ..] if pcap::is_magic([*a, *b, *c, *d]) => CaptureFormat::Pcap,
        head => {
            return Err(CaptureError::NotACapture {
                reason: describe_start(&head[..have.min(head.len())]),
            });
        }
    };
    sink.summary.format = Some(format);
    match format {
        CaptureFormat::Pcap => pcap::read(&mut input, &mut sink)?,
        CaptureFormat::Pcapng => pcapng::read(&mut input, &mut sink)?,
    }
    sink.summary.bytes = input.offset();
    Ok(sink.summary)
}

/// Says in a few words what the input looks like instead of a capture.
fn describe_start(head: &[u8]) -> String {
    if head.is_empty() {
        return "the input is empty".to_owned();
    }
    if head.len() < 4 {
        return format!("the input is only {} bytes long", head.len());
    }
    if head.starts_with(&[0x1f, 0x8b]) {
        return "it is gzip-compressed; decompress it first (zcat FILE)".to_owned();
    }
    let text: String = head
        .iter()
        .take(32)
        .take_while(|b| b.is_ascii_graphic() || **b == b' ')
        .map(|&b| char::from(b))
        .collect();
    if text.len() >= 4 {
        return format!("it starts with text {text:?}");
    }
    let bytes: Vec<String> = head.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("it starts with bytes {}", bytes.join(" "))
}

/// What [`read_capture`] hands to its callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event<'a> {
    Segment(Segment<'a>),
    Issue(FrameIssue),
}

/// The latest time a frame can have, in nanoseconds since the epoch: 2^62 - 1, in 2116 (and
/// its negative the earliest, in 1824). A pcap file cannot hold more (1970 to 2106); a pcapng
/// interface's `if_tsoffset` can, and such times are clamped here, so that the difference of
/// any two frames' times fits an `i64`.
pub const MAX_TIME_NS: i64 = (1 << 62) - 1;

/// One TCP segment, borrowed from the read buffer for the duration of the callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment<'a> {
    /// 1-based, counting every packet record/block as Wireshark numbers frames.
    pub frame: u64,
    /// Absolute, nanoseconds since the Unix epoch (pcapng resolution and offset applied),
    /// within ±[`MAX_TIME_NS`].
    pub time_ns: i64,
    /// The time of the capture's first frame (whatever it carries), the origin of times
    /// relative to the start as Wireshark's `frame.time_relative` counts them.
    pub first_time_ns: i64,
    pub src: IpAddr,
    pub sport: u16,
    pub dst: IpAddr,
    pub dport: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: TcpFlags,
    pub window: u16,
    /// TCP options area as captured.
    pub options: &'a [u8],
    /// The data offset claims more option bytes than were captured.
    pub options_cut: bool,
    /// TCP payload length from the IP header lengths (tshark's `tcp.len`); for a TSO/GSO
    /// frame whose IPv4 total length is 0, from the frame's original length.
    pub payload_len: u32,
    /// The captured prefix of the payload.
    pub payload: &'a [u8],
}

/// The TCP flag byte (byte 13 of the header, RFC 9293 §3.1; ECE and CWR from RFC 3168).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TcpFlags(pub u8);

impl TcpFlags {
    pub const FIN: TcpFlags = TcpFlags(0x01);
    pub const SYN: TcpFlags = TcpFlags(0x02);
    pub const RST: TcpFlags = TcpFlags(0x04);
    pub const PSH: TcpFlags = TcpFlags(0x08);
    pub const ACK: TcpFlags = TcpFlags(0x10);
    pub const URG: TcpFlags = TcpFlags(0x20);
    pub const ECE: TcpFlags = TcpFlags(0x40);
    pub const CWR: TcpFlags = TcpFlags(0x80);

    /// Whether every flag of `other` is set.
    #[must_use]
    pub fn contains(self, other: TcpFlags) -> bool {
        self.0 & other.0 == other.0
    }
    #[must_use]
    pub fn fin(self) -> bool {
        self.contains(Self::FIN)
    }
    #[must_use]
    pub fn syn(self) -> bool {
        self.contains(Self::SYN)
    }
    #[must_use]
    pub fn rst(self) -> bool {
        self.contains(Self::RST)
    }
    #[must_use]
    pub fn psh(self) -> bool {
        self.contains(Self::PSH)
    }
    #[must_use]
    pub fn ack(self) -> bool {
        self.contains(Self::ACK)
    }
    #[must_use]
    pub fn urg(self) -> bool {
        self.contains(Self::URG)
    }
    #[must_use]
    pub fn ece(self) -> bool {
        self.contains(Self::ECE)
    }
    #[must_use]
    pub fn cwr(self) -> bool {
        self.contains(Self::CWR)
    }
}

impl BitOr for TcpFlags {
    type Output = TcpFlags;
    fn bitor(self, rhs: TcpFlags) -> TcpFlags {
        TcpFlags(self.0 | rhs.0)
    }
}

impl BitOrAssign for TcpFlags {
    fn bitor_assign(&mut self, rhs: TcpFlags) {
        self.0 |= rhs.0;
    }
}

/// As tcpdump prints them (`Flags [S.]`): one letter per flag in the order F S R P . U E W,
/// where `.` is ACK, E is ECE and W is CWR; "none" when no flag is set.
impl fmt::Display for TcpFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const LETTERS: [(TcpFlags, char); 8] = [
            (TcpFlags::FIN, 'F'),
            (TcpFlags::SYN, 'S'),
            (TcpFlags::RST, 'R'),
            (TcpFlags::PSH, 'P'),
            (TcpFlags::ACK, '.'),
            (TcpFlags::URG, 'U'),
            (TcpFlags::ECE, 'E'),
            (TcpFlags::CWR, 'W'),
        ];
        if self.0 == 0 {
            return f.write_str("none");
        }
        for (flag, letter) in LETTERS {
            if self.contains(flag) {
                fmt::Write::write_char(f, letter)?;
            }
        }
        Ok(())
    }
}

/// As text, like the table: `"S."`.
impl Serialize for TcpFlags {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A frame that could not be read as far as it should: a finding, decoding goes on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FrameIssue {
    /// The frame it concerns; for `truncated_file`, the number the cut frame would have had.
    pub frame: u64,
    /// The frame's time, when its header could be read.
    pub time_ns: Option<i64>,
    pub kind: IssueKind,
    /// One line saying what and where, for people.
    pub detail: String,
}

/// What went wrong with a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueKind {
    /// The snapshot length cut the frame before the fixed TCP header ended.
    TruncatedFrame,
    /// An IP header contradicts itself or its packet.
    BadIpHeader,
    /// A TCP header contradicts itself or its segment.
    BadTcpHeader,
    /// A linktype this reader does not decode (one issue per interface).
    UnknownLinktype,
    /// A packet block names an interface its section does not describe.
    UnknownInterface,
    /// A pcapng block whose contents do not fit its length; it is skipped.
    BadBlock,
    /// The capture ends inside a header or record; everything before it was read.
    TruncatedFile,
}

impl IssueKind {
    /// The `snake_case` name, as in JSON.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            IssueKind::TruncatedFrame => "truncated_frame",
            IssueKind::BadIpHeader => "bad_ip_header",
            IssueKind::BadTcpHeader => "bad_tcp_header",
            IssueKind::UnknownLinktype => "unknown_linktype",
            IssueKind::UnknownInterface => "unknown_interface",
            IssueKind::BadBlock => "bad_block",
            IssueKind::TruncatedFile => "truncated_file",
        }
    }
}

impl fmt::Display for IssueKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Counts for the whole capture. Every frame is either a TCP segment or another frame, so
/// `frames == tcp_segments + other_frames`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Packet records/blocks read (the last frame number).
    pub frames: u64,
    /// Frames that yielded a [`Segment`].
    pub tcp_segments: u64,
    /// Frames that did not: other protocols, fragments, unknown linktypes, frames with issues.
    pub other_frames: u64,
    /// [`FrameIssue`]s reported.
    pub issues: u64,
    /// File bytes consumed.
    pub bytes: u64,
    pub format: Option<CaptureFormat>,
    /// The time of the first frame, if any.
    pub first_time_ns: Option<i64>,
}

/// The container format, from the file's magic number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaptureFormat {
    Pcap,
    Pcapng,
}

impl fmt::Display for CaptureFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CaptureFormat::Pcap => "pcap",
            CaptureFormat::Pcapng => "pcapng",
        })
    }
}

/// Why a capture could not be read (to its end).
#[derive(thiserror::Error, Debug)]
pub enum CaptureError {
    /// The input is not pcap or pcapng at all.
    #[error(
        "not a pcap or pcapng capture: {reason}; give a file written by tcpdump -w, dumpcap or Wireshark"
    )]
    NotACapture { reason: String },
    /// A capture of a version this reader does not know.
    #[error("{detail}")]
    Unsupported { detail: String },
    /// The framing of the file is broken: the next record cannot be found.
    #[error(
        "corrupt capture at byte {offset}, after frame {frame}: {detail}; the frames before it were read"
    )]
    Corrupt {
        frame: u64,
        offset: u64,
        detail: String,
    },
    /// A record claims more bytes than any real frame has.
    #[error(
        "frame {frame} at byte {offset} claims {len} bytes, over the limit of {max}: the capture is corrupt; the frames before it were read"
    )]
    RecordTooLarge {
        frame: u64,
        offset: u64,
        len: u64,
        max: u64,
    },
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Where frames go: counts them, decodes them and calls the callback.
pub(crate) struct Sink<F> {
    on: F,
    summary: Summary,
    /// The time of the last frame that had one (for pcapng Simple Packet Blocks, which
    /// have none).
    last_time_ns: Option<i64>,
}

/// What the formats know of an interface: a pcap file has one, a pcapng section any number.
#[derive(Debug, Clone)]
pub(crate) struct Interface {
    /// pcapng interface ID within its section (0 for pcap), for messages.
    pub id: u32,
    pub linktype: u32,
    /// 0 means no limit.
    pub snaplen: u32,
    /// Set once its linktype has been reported unknown, or its description was bad.
    pub quiet: bool,
}

impl Interface {
    pub(crate) fn new(id: u32, linktype: u32, snaplen: u32) -> Self {
        Interface {
            id,
            linktype,
            snaplen,
            quiet: false,
        }
    }
}

impl<F: FnMut(Event<'_>) -> ControlFlow<()>> Sink<F> {
    /// The number the next frame gets.
    pub(crate) fn next_frame(&self) -> u64 {
        self.summary.frames + 1
    }

    /// The time of the last frame that had one, for blocks that carry none.
    pub(crate) fn last_time_ns(&self) -> i64 {
        self.last_time_ns.unwrap_or(0)
    }

    fn count_frame(&mut self, time_ns: Option<i64>) -> u64 {
        self.summary.frames += 1;
        if let Some(t) = time_ns {
            self.summary.first_time_ns.get_or_insert(t);
            self.last_time_ns = Some(t);
        }
        self.summary.frames
    }

    /// One frame of `iface`: decoded, counted, and handed on.
    #[inline]
    pub(crate) fn frame(
        &mut self,
        iface: &mut Interface,
        time_ns: i64,
        data: &[u8],
        orig_len: u32,
    ) -> ControlFlow<()> {
        let frame = self.count_frame(Some(time_ns));
        let first_time_ns = self.summary.first_time_ns.unwrap_or(time_ns);
        match link::decode(iface.linktype, data, orig_len) {
            Decoded::Tcp(Tcp {
                src,
                dst,
                sport,
                dport,
                seq,
                ack,
                flags,
                window,
                options,
                options_cut,
                payload_len,
                payload,
            }) => {
                self.summary.tcp_segments += 1;
                (self.on)(Event::Segment(Segment {
                    frame,
                    time_ns,
                    first_time_ns,
                    src,
                    sport,
                    dst,
                    dport,
                    seq,
                    ack,
                    flags,
                    window,
                    options,
                    options_cut,
                    payload_len,
                    payload,
                }))
            }
            Decoded::Other => {
                self.summary.other_frames += 1;
                ControlFlow::Continue(())
            }
            Decoded::UnknownLinktype => {
                self.summary.other_frames += 1;
                if iface.quiet {
                    return ControlFlow::Continue(());
                }
                iface.quiet = true;
                let detail = format!(
                    "interface {} has linktype {}, which is not decoded: its frames are counted, not read",
                    iface.id, iface.linktype
                );
                self.issue(frame, Some(time_ns), IssueKind::UnknownLinktype, detail)
            }
            Decoded::Issue(kind, detail) => {
                self.summary.other_frames += 1;
                self.issue(frame, Some(time_ns), kind, detail)
            }
        }
    }

    /// A packet record/block that cannot be decoded at all: counted as a frame, reported.
    pub(crate) fn bad_frame(
        &mut self,
        time_ns: Option<i64>,
        kind: IssueKind,
        detail: String,
    ) -> ControlFlow<()> {
        let frame = self.count_frame(time_ns);
        self.summary.other_frames += 1;
        self.issue(frame, time_ns, kind, detail)
    }

    /// Reports an issue that is not (only) about a decoded frame.
    pub(crate) fn issue(
        &mut self,
        frame: u64,
        time_ns: Option<i64>,
        kind: IssueKind,
        detail: String,
    ) -> ControlFlow<()> {
        self.summary.issues += 1;
        (self.on)(Event::Issue(FrameIssue {
            frame,
            time_ns,
            kind,
            detail,
        }))
    }

    /// The input ended inside a header or record: report it after all that came before.
    pub(crate) fn truncated_file<R: Read>(&mut self, input: &mut Input<R>, detail: String) {
        input.consume_all();
        let frame = self.next_frame();
        let _ = self.issue(frame, None, IssueKind::TruncatedFile, detail);
    }
}

#[cfg(test)]
mod tests;
