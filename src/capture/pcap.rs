//! The pcap format (libpcap's; draft-ietf-opsawg-pcap, and the `pcap-savefile(5)` man page).
//!
//! File header, 24 bytes: magic (4), version major (2) and minor (2), reserved "thiszone" (4)
//! and "sigfigs" (4), snapshot length (4), linktype (4: the low 26 bits; the top bits may say
//! how long an FCS the frames carry). Then records: seconds (4), fraction (4: micro- or
//! nanoseconds, by the magic), captured length (4), original length (4), and the frame.
//! The magic read in the writer's byte order is `a1b2c3d4` (microseconds) or `a1b23c4d`
//! (nanoseconds); read the other way round, it says the file is in the other byte order.
//! `a1b2cd34` is the "modified" format of old Red Hat patches, whose record headers carry 8
//! more bytes (interface index, protocol, packet type, padding); it is read too.
//! Timestamps are UTC: "thiszone" is always 0 in practice and ignored, as Wireshark does.

use std::io::Read;
use std::ops::ControlFlow;

use super::input::{Endian, Input, MAX_RECORD};
use super::{CaptureError, Event, Interface, Sink};

const FILE_HEADER: usize = 24;
const MAGIC_MICROS: u32 = 0xa1b2_c3d4;
const MAGIC_NANOS: u32 = 0xa1b2_3c4d;
const MAGIC_MODIFIED: u32 = 0xa1b2_cd34;
/// The linktype proper, without the FCS bits (libpcap's `LT_LINKTYPE`).
const LINKTYPE_MASK: u32 = 0x03ff_ffff;

#[derive(Debug, Clone, Copy)]
struct Layout {
    endian: Endian,
    nanos: bool,
    record_header: usize,
}

fn layout(magic: [u8; 4]) -> Option<Layout> {
    let (value, endian) = match u32::from_le_bytes(magic) {
        v @ (MAGIC_MICROS | MAGIC_NANOS | MAGIC_MODIFIED) => (v, Endian::Little),
        _ => (u32::from_be_bytes(magic), Endian::Big),
    };
    let (nanos, record_header) = match value {
        MAGIC_MICROS => (false, 16),
        MAGIC_NANOS => (true, 16),
        MAGIC_MODIFIED => (false, 24),
        _ => return None,
    };
    Some(Layout {
        endian,
        nanos,
        record_header,
    })
}

/// Whether the first 4 bytes of a file are a pcap magic number, in either byte order.
pub(crate) fn is_magic(magic: [u8; 4]) -> bool {
    layout(magic).is_some()
}

/// Reads a pcap file from its first byte to its end.
pub(crate) fn read<R: Read, F: FnMut(Event<'_>) -> ControlFlow<()>>(
    input: &mut Input<R>,
    sink: &mut Sink<F>,
) -> Result<(), CaptureError> {
    let have = input.fill(FILE_HEADER)?;
    let header = input.bytes();
    let Some(layout) = header.first_chunk().copied().and_then(layout) else {
        return Err(CaptureError::NotACapture {
            reason: "it has no pcap magic number".to_owned(),
        });
    };
    if have < FILE_HEADER {
        let detail = format!(
            "the capture ends inside its {FILE_HEADER}-byte pcap file header, after {have} bytes"
        );
        sink.truncated_file(input, detail);
        return Ok(());
    }
    let endian = layout.endian;
    let snaplen = endian.u32(header, 16);
    let linktype = endian.u32(header, 20) & LINKTYPE_MASK;
    input.consume(FILE_HEADER);
    let mut iface = Interface::new(0, linktype, snaplen);
    let record_header = layout.record_header;

    loop {
        let have = input.fill(record_header)?;
        if have == 0 {
            return Ok(());
        }
        if have < record_header {
            let detail = format!(
                "the capture ends inside the record header of frame {}, after {have} of {record_header} bytes",
                sink.next_frame()
            );
            sink.truncated_file(input, detail);
            return Ok(());
        }
        let b = input.bytes();
        let seconds = endian.u32(b, 0);
        let fraction = endian.u32(b, 4);
        let caplen = endian.u32(b, 8);
        let orig_len = endian.u32(b, 12);
        if caplen as usize > MAX_RECORD {
            return Err(CaptureError::RecordTooLarge {
                frame: sink.next_frame(),
                offset: input.offset(),
                len: caplen.into(),
                max: MAX_RECORD as u64,
            });
        }
        let total = record_header + caplen as usize;
        let have = input.fill(total)?;
        if have < total {
            let detail = format!(
                "the capture ends inside frame {}, after {} of its {caplen} bytes",
                sink.next_frame(),
                have - record_header
            );
            sink.truncated_file(input, detail);
            return Ok(());
        }
        let fraction_ns = if layout.nanos {
            i64::from(fraction)
        } else {
            i64::from(fraction) * 1000
        };
        let time_ns = i64::from(seconds) * 1_000_000_000 + fraction_ns;
        let flow = sink.frame(
            &mut iface,
            time_ns,
            &input.bytes()[record_header..total],
            orig_len,
        );
        input.consume(total);
        if flow.is_break() {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use hex_literal::hex;

    use super::super::tests::{Collected, collect};
    use super::*;
    use crate::capture::{CaptureFormat, IssueKind, TcpFlags};

    // One frame: raw IPv4 10.0.0.1:1 -> 10.0.0.2:2, SYN, no options, no payload.
    const IP_TCP: [u8; 40] = hex!(
        "45 00 00 28"       // IPv4, IHL 5, total length 40
        "00 00 40 00"       // id, DF
        "40 06 00 00"       // TTL 64, TCP, checksum
        "0a 00 00 01"       // 10.0.0.1
        "0a 00 00 02"       // 10.0.0.2
        "00 01 00 02"       // ports 1 -> 2
        "00 00 00 07"       // seq 7
        "00 00 00 00"       // ack 0
        "50 02 72 10"       // data offset 5, SYN, window 29200
        "00 00 00 00"       // checksum, urgent pointer
    );

    #[test]
    fn little_endian_microseconds() {
        let mut file = hex!(
            "d4 c3 b2 a1" // magic a1b2c3d4 written little-endian: microseconds
            "02 00 04 00" // version 2.4
            "00 00 00 00" // thiszone
            "00 00 00 00" // sigfigs
            "ff ff 00 00" // snaplen 65535
            "65 00 00 00" // linktype 101 (raw IP)
            "01 00 00 00" // seconds 1
            "40 e2 01 00" // 123456 microseconds
            "28 00 00 00" // captured length 40
            "28 00 00 00" // original length 40
        )
        .to_vec();
        file.extend_from_slice(&IP_TCP);
        let c = collect(&file);
        assert_eq!(c.summary.format, Some(CaptureFormat::Pcap));
        assert_eq!(c.summary.frames, 1);
        assert_eq!(c.summary.bytes, 24 + 16 + 40);
        assert_eq!(c.segments.len(), 1);
        let s = &c.segments[0];
        assert_eq!((s.frame, s.time_ns), (1, 1_123_456_000));
        assert_eq!((s.sport, s.dport, s.seq), (1, 2, 7));
        assert_eq!(s.flags, TcpFlags::SYN);
    }

    #[test]
    fn big_endian_nanoseconds() {
        let mut file = hex!(
            "a1 b2 3c 4d" // magic a1b23c4d written big-endian: nanoseconds
            "00 02 00 04" // version 2.4
            "00 00 00 00" // thiszone
            "00 00 00 00" // sigfigs
            "00 04 00 00" // snaplen 262144
            "00 00 00 65" // linktype 101 (raw IP)
            "65 00 00 00" // seconds 1694498816
            "3b 9a c9 ff" // 999999999 nanoseconds
            "00 00 00 28" // captured length 40
            "00 00 00 28" // original length 40
        )
        .to_vec();
        file.extend_from_slice(&IP_TCP);
        let c = collect(&file);
        assert!(c.issues.is_empty(), "{:?}", c.issues);
        assert_eq!(c.segments.len(), 1);
        assert_eq!(c.segments[0].time_ns, 1_694_498_816_999_999_999);
    }

    #[test]
    fn modified_format_and_fcs_bits_in_the_linktype() {
        let mut file = hex!(
            "34 cd b2 a1" // magic a1b2cd34, little-endian: 24-byte record headers
            "02 00 04 00" // version 2.4
            "00 00 00 00 00 00 00 00" // thiszone, sigfigs
            "ff ff 00 00" // snaplen
            "65 00 00 14" // linktype 101, with F bit and FCS length bits set
            "02 00 00 00" // seconds 2
            "00 00 00 00" // 0 microseconds
            "28 00 00 00 28 00 00 00" // captured and original length 40
            "01 00 00 00 00 08 00 00" // ifindex 1, protocol, packet type, padding
        )
        .to_vec();
        file.extend_from_slice(&IP_TCP);
        let c = collect(&file);
        assert_eq!(c.segments.len(), 1, "{:?}", c.issues);
        assert_eq!(c.segments[0].time_ns, 2_000_000_000);
    }

    fn header_ethernet() -> Vec<u8> {
        hex!("d4c3b2a1 0200 0400 00000000 00000000 ffff0000 01000000").to_vec()
    }

    #[test]
    fn header_only_is_an_empty_capture() {
        let c = collect(&header_ethernet());
        assert_eq!(c.summary.frames, 0);
        assert!(c.issues.is_empty());
        assert_eq!(c.summary.bytes, 24);
    }

    #[test]
    fn cut_inside_the_file_header() {
        let c = collect(&header_ethernet()[..10]);
        assert_eq!(c.issue_kinds(), [IssueKind::TruncatedFile]);
        assert_eq!(c.summary.frames, 0);
        assert_eq!(c.summary.bytes, 10);
    }

    fn two_frames() -> Vec<u8> {
        let mut file = hex!("d4c3b2a1 0200 0400 00000000 00000000 ffff0000 65000000").to_vec();
        for seconds in [1u8, 2] {
            file.extend_from_slice(&[seconds, 0, 0, 0, 0, 0, 0, 0, 40, 0, 0, 0, 40, 0, 0, 0]);
            file.extend_from_slice(&IP_TCP);
        }
        file
    }

    #[test]
    fn cut_inside_a_record_header_or_a_record_keeps_what_came_before() {
        let file = two_frames();
        assert_eq!(file.len(), 24 + 2 * 56);
        // 8 bytes into the second record header.
        let c = collect(&file[..24 + 56 + 8]);
        assert_eq!(c.segments.len(), 1);
        assert_eq!(c.issue_kinds(), [IssueKind::TruncatedFile]);
        assert_eq!(c.issues[0].frame, 2);
        assert_eq!(c.summary.bytes, 24 + 56 + 8);
        // 30 bytes into the second frame's data.
        let c = collect(&file[..24 + 56 + 16 + 30]);
        assert_eq!(c.segments.len(), 1);
        assert_eq!(c.summary.frames, 1);
        assert_eq!(c.issue_kinds(), [IssueKind::TruncatedFile]);
        assert!(c.issues[0].detail.contains("30 of its 40 bytes"));
    }

    #[test]
    fn absurd_record_length_is_an_error_not_an_allocation() {
        let mut file = two_frames();
        file[24 + 56 + 8..24 + 56 + 12].copy_from_slice(&0xfff0_0000u32.to_le_bytes());
        let mut seen = 0;
        let err = crate::capture::read_capture(&file[..], |_| {
            seen += 1;
            ControlFlow::Continue(())
        })
        .unwrap_err();
        assert_eq!(seen, 1, "the first frame was delivered");
        match err {
            CaptureError::RecordTooLarge {
                frame, offset, len, ..
            } => {
                assert_eq!((frame, offset, len), (2, 24 + 56, 0xfff0_0000));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn unknown_linktype_is_reported_once() {
        let mut file = two_frames();
        file[20] = 147; // LINKTYPE_USER0
        let c: Collected = collect(&file);
        assert_eq!(c.issue_kinds(), [IssueKind::UnknownLinktype]);
        assert_eq!(c.issues[0].frame, 1);
        assert_eq!(
            (
                c.summary.frames,
                c.summary.other_frames,
                c.summary.tcp_segments
            ),
            (2, 2, 0)
        );
    }
}
