//! Tests across formats: detection, round trips through the writer, real captures from
//! `testdata/formats/`, and arbitrary bytes.

use std::io::Read;
use std::net::{IpAddr, SocketAddr};
use std::ops::ControlFlow;

use proptest::prelude::*;

use super::link::{LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL2, LINKTYPE_RAW};
use super::writer::{PcapNgWriter, PcapOptions, PcapWriter, TcpFrame, ip_packet, tcp_frame};
use super::*;

/// A [`Segment`] that owns its bytes, to keep after the callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct OwnedSegment {
    pub frame: u64,
    pub time_ns: i64,
    pub first_time_ns: i64,
    pub src: IpAddr,
    pub sport: u16,
    pub dst: IpAddr,
    pub dport: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: TcpFlags,
    pub window: u16,
    pub options: Vec<u8>,
    pub options_cut: bool,
    pub payload_len: u32,
    pub payload: Vec<u8>,
}

impl From<&Segment<'_>> for OwnedSegment {
    fn from(s: &Segment<'_>) -> Self {
        OwnedSegment {
            frame: s.frame,
            time_ns: s.time_ns,
            first_time_ns: s.first_time_ns,
            src: s.src,
            sport: s.sport,
            dst: s.dst,
            dport: s.dport,
            seq: s.seq,
            ack: s.ack,
            flags: s.flags,
            window: s.window,
            options: s.options.to_vec(),
            options_cut: s.options_cut,
            payload_len: s.payload_len,
            payload: s.payload.to_vec(),
        }
    }
}

#[derive(Debug)]
pub(super) struct Collected {
    pub segments: Vec<OwnedSegment>,
    pub issues: Vec<FrameIssue>,
    pub summary: Summary,
}

impl Collected {
    pub fn issue_kinds(&self) -> Vec<IssueKind> {
        self.issues.iter().map(|i| i.kind).collect()
    }
}

/// Reads a whole capture that must not be an error.
pub(super) fn collect(bytes: &[u8]) -> Collected {
    try_collect(bytes).unwrap_or_else(|e| panic!("read_capture failed: {e}"))
}

fn try_collect(bytes: impl Read) -> Result<Collected, CaptureError> {
    let mut segments = Vec::new();
    let mut issues = Vec::new();
    let summary = read_capture(bytes, |e| {
        match e {
            Event::Segment(s) => segments.push(OwnedSegment::from(&s)),
            Event::Issue(i) => issues.push(i),
        }
        ControlFlow::Continue(())
    })?;
    assert_eq!(
        summary.frames,
        summary.tcp_segments + summary.other_frames,
        "every frame is counted once"
    );
    assert_eq!(summary.issues, issues.len() as u64);
    Ok(Collected {
        segments,
        issues,
        summary,
    })
}

fn not_a_capture(bytes: &[u8]) -> String {
    match read_capture(bytes, |_| ControlFlow::Continue(())) {
        Err(e @ CaptureError::NotACapture { .. }) => e.to_string(),
        other => panic!("expected NotACapture, got {other:?}"),
    }
}

#[test]
fn inputs_that_are_no_capture() {
    let empty = not_a_capture(b"");
    assert!(empty.contains("empty"), "{empty}");
    let text = not_a_capture(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(text.contains("text \"GET / HTTP/1.1\""), "{text}");
    let gzip = not_a_capture(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0]);
    assert!(gzip.contains("gzip"), "{gzip}");
    let random = not_a_capture(&[0x00, 0x01, 0xfe, 0xff, 0x10, 0x20, 0x30, 0x40, 0x50]);
    assert!(random.contains("00 01 fe ff 10 20 30 40"), "{random}");
    let short = not_a_capture(&[0xd4, 0xc3]);
    assert!(short.contains("2 bytes"), "{short}");
    for message in [empty, text, gzip, random, short] {
        assert!(!message.contains('\n'), "one line: {message}");
        assert!(message.contains("tcpdump -w"), "says what to do: {message}");
    }
}

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// A small conversation: handshake with MPTCP-like options, data both ways, FIN.
fn conversation(src: &str, dst: &str) -> Vec<(i64, Vec<u8>)> {
    let (a, b) = (addr(src), addr(dst));
    let mp_capable = [30, 12, 0x00, 0x81, 1, 2, 3, 4, 5, 6, 7, 8];
    let dss = [30, 8, 0x20, 0x01, 0, 0, 0, 1];
    let frames = [
        TcpFrame {
            flags: TcpFlags::SYN,
            seq: 1000,
            ack: 0,
            options: &mp_capable,
            ..TcpFrame::new(a, b)
        },
        TcpFrame {
            flags: TcpFlags::SYN | TcpFlags::ACK,
            seq: 5000,
            ack: 1001,
            options: &mp_capable,
            ..TcpFrame::new(b, a)
        },
        TcpFrame {
            flags: TcpFlags::PSH | TcpFlags::ACK,
            seq: 1001,
            ack: 5001,
            options: &dss,
            payload: b"hello",
            ..TcpFrame::new(a, b)
        },
        TcpFrame {
            flags: TcpFlags::FIN | TcpFlags::ACK,
            seq: 5001,
            ack: 1006,
            window: 1000,
            ..TcpFrame::new(b, a)
        },
    ];
    frames
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let t = 1_700_000_000_123_456_789 + i64::try_from(i).unwrap() * 1_000_001;
            (t, tcp_frame(f))
        })
        .collect()
}

fn check_conversation(c: &Collected, micro: bool) {
    assert!(c.issues.is_empty(), "{:?}", c.issues);
    let s = &c.segments;
    assert_eq!(s.len(), 4);
    let frames: Vec<u64> = s.iter().map(|s| s.frame).collect();
    assert_eq!(frames, [1, 2, 3, 4]);
    let base = if micro {
        1_700_000_000_123_456_000
    } else {
        1_700_000_000_123_456_789
    };
    assert_eq!(s[0].time_ns, base);
    assert_eq!(s[3].first_time_ns, base);
    assert_eq!(
        s[1].time_ns - s[0].time_ns,
        if micro { 1_000_000 } else { 1_000_001 }
    );
    assert_eq!(s[0].flags, TcpFlags::SYN);
    assert_eq!(s[0].options, [30, 12, 0x00, 0x81, 1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!((s[1].seq, s[1].ack), (5000, 1001));
    assert_eq!(s[1].flags.to_string(), "S.");
    assert_eq!(s[2].payload, b"hello");
    assert_eq!(s[2].payload_len, 5);
    assert_eq!(s[2].options, [30, 8, 0x20, 0x01, 0, 0, 0, 1]);
    assert_eq!(s[3].flags.to_string(), "F.");
    assert_eq!(s[3].window, 1000);
    assert_eq!((s[3].sport, s[3].dport), (s[0].dport, s[0].sport));
}

#[test]
fn pcap_round_trip_in_every_layout() {
    for (nanosecond, big_endian) in [(false, false), (true, false), (false, true), (true, true)] {
        let mut w = PcapWriter::with_options(
            Vec::new(),
            LINKTYPE_ETHERNET,
            262_144,
            PcapOptions {
                nanosecond,
                big_endian,
            },
        )
        .unwrap();
        for (t, f) in conversation("10.1.0.1:40000", "10.2.0.2:8080") {
            w.write_frame(t, &f).unwrap();
        }
        let c = collect(&w.into_inner());
        check_conversation(&c, !nanosecond);
        assert_eq!(c.segments[0].src, "10.1.0.1".parse::<IpAddr>().unwrap());
    }
}

#[test]
fn pcapng_round_trip_ipv6() {
    let mut w = PcapNgWriter::new(Vec::new()).unwrap();
    let eth = w.add_interface(1, 0, 9).unwrap();
    for (t, f) in conversation("[2001:db8::1]:40000", "[2001:db8::2]:8080") {
        w.write_frame(eth, t, &f).unwrap();
    }
    let c = collect(&w.into_inner());
    check_conversation(&c, false);
    assert_eq!(c.segments[2].dst, "2001:db8::2".parse::<IpAddr>().unwrap());
}

#[test]
fn raw_ip_round_trip_and_snaplen_cut() {
    let payload = [0xaa; 100];
    let options = [
        30, 8, 0x20, 0x01, 0, 0, 0, 1, 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2,
    ];
    let f = TcpFrame {
        options: &options,
        payload: &payload,
        ..TcpFrame::new(addr("192.0.2.1:1"), addr("192.0.2.2:2"))
    };
    let packet = ip_packet(&f);
    // Snapshot 64: 20 IP + 20 TCP + 20 options + 4 payload bytes; then 50: options cut.
    let mut w = PcapWriter::new(Vec::new(), LINKTYPE_RAW, 64).unwrap();
    w.write_frame(0, &packet).unwrap();
    let c = collect(&w.into_inner());
    let s = &c.segments[0];
    assert_eq!(
        (s.payload_len, s.payload.len(), s.options_cut),
        (100, 4, false)
    );
    let mut w = PcapWriter::new(Vec::new(), LINKTYPE_RAW, 50).unwrap();
    w.write_frame(0, &packet).unwrap();
    let c = collect(&w.into_inner());
    let s = &c.segments[0];
    assert_eq!(
        (s.payload_len, s.payload.len(), s.options_cut),
        (100, 0, true)
    );
    assert_eq!(s.options, &options[..10]);
}

#[test]
fn break_stops_reading() {
    let mut w = PcapWriter::new(Vec::new(), LINKTYPE_ETHERNET, 0).unwrap();
    for (t, f) in conversation("10.0.0.1:1", "10.0.0.2:2") {
        w.write_frame(t, &f).unwrap();
    }
    let mut seen = Vec::new();
    let summary = read_capture(&w.into_inner()[..], |e| {
        if let Event::Segment(s) = e {
            seen.push(s.frame);
        }
        if seen.len() == 2 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .unwrap();
    assert_eq!(seen, [1, 2]);
    assert_eq!(summary.frames, 2);
}

#[test]
fn a_pipe_that_trickles_bytes_is_read_whole() {
    struct Trickle(Vec<u8>, usize);
    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(3).min(self.0.len() - self.1);
            buf[..n].copy_from_slice(&self.0[self.1..self.1 + n]);
            self.1 += n;
            Ok(n)
        }
    }
    let mut w = PcapNgWriter::new(Vec::new()).unwrap();
    let eth = w.add_interface(1, 0, 9).unwrap();
    for (t, f) in conversation("10.0.0.1:1", "10.0.0.2:2") {
        w.write_frame(eth, t, &f).unwrap();
    }
    let c = try_collect(Trickle(w.into_inner(), 0)).unwrap();
    check_conversation(&c, false);
}

#[test]
fn open_input_reads_files_and_reports_missing_ones() {
    let path = std::env::temp_dir().join(format!("mptcpstat-open-{}.pcap", std::process::id()));
    let mut w = PcapWriter::new(Vec::new(), LINKTYPE_LINUX_SLL2, 0).unwrap();
    w.write_frame(0, &[0; 20]).unwrap();
    std::fs::write(&path, w.into_inner()).unwrap();
    let c = try_collect(open_input(&path).unwrap()).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!((c.summary.frames, c.summary.other_frames), (1, 1));
    let missing = open_input(std::path::Path::new("/nonexistent/x.pcap"))
        .err()
        .unwrap();
    assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
}

#[test]
fn tcp_flags_print_as_tcpdump_does() {
    // Expected strings from `tcpdump -r` on frames with these flag bytes (see
    // testdata/formats/README.md, "flags.pcap").
    for (byte, text) in [
        (0x02, "S"),
        (0x12, "S."),
        (0x10, "."),
        (0x18, "P."),
        (0x11, "F."),
        (0x04, "R"),
        (0x14, "R."),
        (0x19, "FP."),
        (0xc2, "SEW"),
        (0x30, ".U"),
        (0x00, "none"),
    ] {
        assert_eq!(TcpFlags(byte).to_string(), text, "flags {byte:#04x}");
    }
    let f = TcpFlags::SYN | TcpFlags::ACK;
    assert!(f.syn() && f.ack() && !f.fin() && !f.rst() && !f.psh());
    assert!(!f.urg() && !f.ece() && !f.cwr());
}

#[test]
fn issues_serialize_with_snake_case_kinds() {
    let issue = FrameIssue {
        frame: 3,
        time_ns: None,
        kind: IssueKind::TruncatedFile,
        detail: "x".into(),
    };
    assert_eq!(
        serde_json::to_string(&issue).unwrap(),
        r#"{"frame":3,"time_ns":null,"kind":"truncated_file","detail":"x"}"#
    );
    assert_eq!(IssueKind::BadTcpHeader.to_string(), "bad_tcp_header");
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = read_capture(&data[..], |_| ControlFlow::Continue(()));
    }

    #[test]
    fn arbitrary_records_never_panic(
        linktype in prop_oneof![Just(0u32), Just(1), Just(9), Just(50), Just(101), Just(108),
                                Just(113), Just(228), Just(229), Just(276), any::<u32>()],
        body in proptest::collection::vec(any::<u8>(), 0..600),
    ) {
        // A valid pcap header, then anything: records and frames of every linktype.
        let mut file = PcapWriter::new(Vec::new(), linktype, 0).unwrap().into_inner();
        file.extend_from_slice(&body);
        let _ = read_capture(&file[..], |_| ControlFlow::Continue(()));
        // A valid pcapng section and interface, then anything.
        let mut w = PcapNgWriter::new(Vec::new()).unwrap();
        w.add_interface((linktype & 0xffff) as u16, 0, 6).unwrap();
        let mut file = w.into_inner();
        file.extend_from_slice(&body);
        let _ = read_capture(&file[..], |_| ControlFlow::Continue(()));
    }

    #[test]
    fn arbitrary_frames_never_panic(
        linktype in prop_oneof![Just(0u32), Just(1), Just(9), Just(50), Just(101), Just(104),
                                Just(108), Just(113), Just(228), Just(229), Just(276)],
        frame in proptest::collection::vec(any::<u8>(), 0..200),
        orig_len in any::<u32>(),
    ) {
        let _ = link::decode(linktype, &frame, orig_len);
    }
}

fn testdata(name: &str) -> Vec<u8> {
    let path = format!("{}/testdata/formats/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `1795458459.975981000` to nanoseconds, exactly.
fn epoch_ns(s: &str) -> i64 {
    let (secs, frac) = s.split_once('.').unwrap();
    assert_eq!(frac.len(), 9, "tshark prints 9 decimals: {s}");
    secs.parse::<i64>().unwrap() * 1_000_000_000 + frac.parse::<i64>().unwrap()
}

/// Compares every segment of a real capture with tshark's fields for the same frame (the
/// `.tshark` file beside it, written by `make-captures.sh`): frame number, time, source
/// address, ports, raw sequence and acknowledgment numbers, flags, window and `tcp.len`.
/// Frames without a segment must be `truncated_frame` issues; their numbers are returned.
fn check_against_tshark(name: &str) -> (Collected, Vec<u64>) {
    let c = collect(&testdata(name));
    let tshark = String::from_utf8(testdata(&format!("{name}.tshark"))).unwrap();
    let rows: Vec<Vec<&str>> = tshark.lines().map(|l| l.split(',').collect()).collect();
    assert!(rows.len() >= 20, "{name}: a real exchange");
    assert_eq!(c.summary.frames, rows.len() as u64, "{name}");
    let mut segments = c.segments.iter().peekable();
    let mut cut = Vec::new();
    for row in &rows {
        let [
            frame,
            time,
            ip4,
            ip6,
            sport,
            dport,
            seq,
            ack,
            flags,
            window,
            len,
        ] = row[..]
        else {
            panic!("{name}: unexpected tshark row {row:?}");
        };
        let what = format!("{name} frame {frame}");
        let frame = frame.parse::<u64>().unwrap();
        let Some(s) = segments.next_if(|s| s.frame == frame) else {
            let issue = c.issues.iter().find(|i| i.frame == frame);
            assert_eq!(
                issue.map(|i| i.kind),
                Some(IssueKind::TruncatedFrame),
                "{what}"
            );
            cut.push(frame);
            continue;
        };
        assert_eq!(s.time_ns, epoch_ns(time), "{what}");
        let src = if ip4.is_empty() { ip6 } else { ip4 };
        assert_eq!(s.src, src.parse::<IpAddr>().unwrap(), "{what}");
        assert_eq!(s.sport, sport.parse::<u16>().unwrap(), "{what}");
        assert_eq!(s.dport, dport.parse::<u16>().unwrap(), "{what}");
        assert_eq!(s.seq, seq.parse::<u32>().unwrap(), "{what}");
        assert_eq!(s.ack, ack.parse::<u32>().unwrap(), "{what}");
        let flags = u16::from_str_radix(flags.trim_start_matches("0x"), 16).unwrap();
        assert_eq!(u16::from(s.flags.0), flags & 0xff, "{what}");
        assert_eq!(s.window, window.parse::<u16>().unwrap(), "{what}");
        assert_eq!(s.payload_len, len.parse::<u32>().unwrap(), "{what}");
    }
    assert!(
        segments.next().is_none(),
        "{name}: no segment beyond tshark's frames"
    );
    let first = epoch_ns(rows[0][1]);
    assert!(c.segments.iter().all(|s| s.first_time_ns == first));
    (c, cut)
}

#[test]
fn real_pcap_ethernet_from_lo() {
    let (c, cut) = check_against_tshark("lo-ethernet.pcap");
    assert!(cut.is_empty() && c.issues.is_empty());
    // -s 96: 14 Ethernet + 20 IPv4 + 32 TCP leaves 30 payload bytes of the 300 sent.
    let big = c.segments.iter().find(|s| s.payload_len == 300).unwrap();
    assert_eq!(big.payload.len(), 30);
    assert!(c.segments.iter().any(|s| s.src.is_ipv6()));
}

#[test]
fn real_pcap_nanosecond() {
    let (c, _) = check_against_tshark("lo-nanosecond.pcap");
    assert!(c.issues.is_empty());
}

#[test]
fn real_pcap_sll2_from_any() {
    let (c, _) = check_against_tshark("any-sll2.pcap");
    assert!(c.issues.is_empty());
    assert!(c.segments.iter().any(|s| s.src.is_ipv6()));
}

#[test]
fn real_pcap_with_options_cut_by_the_snapshot() {
    let (c, cut) = check_against_tshark("lo-snaplen-60.pcap");
    // IPv6 frames: 60 - 14 - 40 leaves 6 bytes of the TCP header, too few for a segment.
    let ipv6_rows: Vec<u64> = String::from_utf8(testdata("lo-snaplen-60.pcap.tshark"))
        .unwrap()
        .lines()
        .filter(|l| l.contains("::1"))
        .map(|l| l.split(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(cut, ipv6_rows);
    // 60 - 14 Ethernet - 20 IPv4 - 20 fixed TCP = 6 option bytes, of 12 or 20.
    for s in c.segments.iter().filter(|s| s.src.is_ipv4()) {
        assert!(s.options_cut, "frame {}", s.frame);
        assert_eq!(s.options.len(), 6, "frame {}", s.frame);
        assert!(s.payload.is_empty());
    }
}

#[test]
fn real_pcapng_two_interfaces_ethernet_and_sll() {
    let (c, _) = check_against_tshark("two-interfaces.pcapng");
    assert!(c.issues.is_empty());
    assert_eq!(c.summary.format, Some(CaptureFormat::Pcapng));
}

#[test]
fn crafted_flags_file_reads_as_tcpdump_prints_it() {
    // `tcpdump -nr testdata/formats/tcp-flags.pcap` prints, frame by frame:
    let tcpdump = [
        "S", "S.", ".", "P.", "F.", "R", "R.", "FP.", "SEW", ".U", "none",
    ];
    let c = collect(&testdata("tcp-flags.pcap"));
    let ours: Vec<String> = c.segments.iter().map(|s| s.flags.to_string()).collect();
    assert_eq!(ours, tcpdump);
}

/// Valid frames of several linktypes, to mutate.
fn seed_frames() -> Vec<(u32, Vec<u8>)> {
    let options = [
        1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 30, 8, 0x20, 0x01, 0, 0, 0, 9,
    ];
    let mut seeds = Vec::new();
    for (a, b) in [
        ("10.0.0.1:1", "10.0.0.2:2"),
        ("[2001:db8::1]:1", "[2001:db8::2]:2"),
    ] {
        let f = TcpFrame {
            options: &options,
            payload: b"some payload",
            ..TcpFrame::new(addr(a), addr(b))
        };
        let ip = ip_packet(&f);
        seeds.push((LINKTYPE_ETHERNET, tcp_frame(&f)));
        seeds.push((LINKTYPE_RAW, ip.clone()));
        let ethertype = if ip[0] >> 4 == 4 {
            [8, 0]
        } else {
            [0x86, 0xdd]
        };
        let mut sll2 = vec![ethertype[0], ethertype[1], 0, 0, 0, 0, 0, 1, 3, 4, 0, 6];
        sll2.extend_from_slice(&[0; 8]);
        sll2.extend_from_slice(&ip);
        seeds.push((LINKTYPE_LINUX_SLL2, sll2));
        let mut vlan = tcp_frame(&f);
        vlan.splice(12..12, [0x88, 0xa8, 0, 100, 0x81, 0x00, 0, 10]);
        seeds.push((LINKTYPE_ETHERNET, vlan));
    }
    seeds
}

proptest! {
    #[test]
    fn mutated_frames_never_panic_and_segments_stay_within_bounds(
        seed in 0usize..8,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6),
        keep in any::<prop::sample::Index>(),
        orig_extra in 0u32..70_000,
    ) {
        let (linktype, mut frame) = seed_frames().swap_remove(seed);
        for (at, byte) in edits {
            let i = at.index(frame.len());
            frame[i] = byte;
        }
        let orig_len = u32::try_from(frame.len()).unwrap() + orig_extra;
        frame.truncate(keep.index(frame.len() + 1));
        if let link::Decoded::Tcp(t) = link::decode(linktype, &frame, orig_len) {
            prop_assert!(t.options.len() <= 40);
            prop_assert!(t.payload.len() as u64 <= u64::from(t.payload_len));
            prop_assert!(t.options_cut || t.options.len() % 4 == 0);
            prop_assert!(t.payload.is_empty() || !t.options_cut);
        }
        // The same frame as a one-record capture, read whole.
        let mut w = PcapWriter::new(Vec::new(), linktype, 0).unwrap();
        w.write_packet(0, &frame, orig_len).unwrap();
        let c = try_collect(&w.into_inner()[..]).unwrap();
        prop_assert_eq!(c.summary.frames, 1);
    }
}

/// Any TCP segment the writer can build, in any pcap layout or in pcapng (nanoseconds),
/// on Ethernet or raw IP, comes back from the reader field for field.
fn arbitrary_endpoints() -> impl Strategy<Value = (SocketAddr, SocketAddr)> {
    prop_oneof![
        (
            any::<[u8; 4]>(),
            any::<u16>(),
            any::<[u8; 4]>(),
            any::<u16>()
        )
            .prop_map(|(a, pa, b, pb)| (
                SocketAddr::new(IpAddr::from(a), pa),
                SocketAddr::new(IpAddr::from(b), pb)
            )),
        (
            any::<[u8; 16]>(),
            any::<u16>(),
            any::<[u8; 16]>(),
            any::<u16>()
        )
            .prop_map(|(a, pa, b, pb)| (
                SocketAddr::new(IpAddr::from(a), pa),
                SocketAddr::new(IpAddr::from(b), pb)
            )),
    ]
}

proptest! {
    #[test]
    fn writer_then_reader_round_trips_any_segment(
        (src, dst) in arbitrary_endpoints(),
        seq in any::<u32>(),
        ack in any::<u32>(),
        flags in any::<u8>(),
        window in any::<u16>(),
        options in proptest::collection::vec(any::<u8>(), 0..=40),
        payload in proptest::collection::vec(any::<u8>(), 0..300),
        // 1970 to 2106: what a pcap file can hold.
        time_ns in 0..(1i64 << 32) * 1_000_000_000,
        layout in 0u8..6,
        raw_ip in any::<bool>(),
    ) {
        let f = TcpFrame { seq, ack, flags: TcpFlags(flags), window, options: &options, payload: &payload, ..TcpFrame::new(src, dst) };
        let (linktype, frame) = if raw_ip {
            (LINKTYPE_RAW, ip_packet(&f))
        } else {
            (LINKTYPE_ETHERNET, tcp_frame(&f))
        };
        let (file, expected_ns) = if layout < 4 {
            let pcap = PcapOptions { nanosecond: layout & 1 != 0, big_endian: layout & 2 != 0 };
            let mut w = PcapWriter::with_options(Vec::new(), linktype, 0, pcap).unwrap();
            w.write_frame(time_ns, &frame).unwrap();
            let micro = time_ns - time_ns % 1000;
            (w.into_inner(), if pcap.nanosecond { time_ns } else { micro })
        } else {
            let mut w = PcapNgWriter::new(Vec::new()).unwrap();
            let id = w.add_interface(u16::try_from(linktype).unwrap(), 0, 9).unwrap();
            w.write_frame(id, time_ns, &frame).unwrap();
            (w.into_inner(), time_ns)
        };
        let c = collect(&file);
        prop_assert!(c.issues.is_empty(), "{:?}", c.issues);
        prop_assert_eq!(c.summary.frames, 1);
        prop_assert_eq!(c.summary.bytes, file.len() as u64);
        let mut padded = options.clone();
        padded.resize(options.len().next_multiple_of(4), 0);
        let expected = OwnedSegment {
            frame: 1,
            time_ns: expected_ns,
            first_time_ns: expected_ns,
            src: src.ip(),
            sport: src.port(),
            dst: dst.ip(),
            dport: dst.port(),
            seq,
            ack,
            flags: TcpFlags(flags),
            window,
            options: padded,
            options_cut: false,
            payload_len: u32::try_from(payload.len()).unwrap(),
            payload,
        };
        prop_assert_eq!(&c.segments, &vec![expected]);
    }
}
