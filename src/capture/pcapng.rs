//! The pcapng format (draft-ietf-opsawg-pcapng, "PCAP Next Generation Dump File Format").
//!
//! A file is a sequence of blocks: type (4), total length (4), body, total length again (4);
//! the length is a multiple of 4. A Section Header Block (type `0a0d0d0a`, the same in both
//! byte orders) starts a section; its byte-order magic `1a2b3c4d` sets the byte order of
//! every block up to the next section, and each section describes its own interfaces.
//!
//! - Interface Description Block (1): linktype (2), reserved (2), snapshot length (4),
//!   options; `if_tsresol` (9) is the timestamp unit: 10^-n seconds, or 2^-n when the top
//!   bit is set (default 10^-6); `if_tsoffset` (14) is a signed number of seconds to add.
//! - Enhanced Packet Block (6): interface ID (4), timestamp high and low (4 + 4), captured
//!   length (4), original length (4), frame padded to 4 bytes, options.
//! - Simple Packet Block (3): original length (4), frame; interface 0, no timestamp.
//! - Packet Block (2, obsolete): interface ID (2), drops (2), then as the EPB.
//!
//! Other blocks (statistics, name resolution, secrets, custom...) are skipped.

use std::io::Read;
use std::ops::ControlFlow;

use super::input::{Endian, Input, MAX_RECORD};
use super::{CaptureError, Event, Interface, IssueKind, MAX_TIME_NS, Sink};

const SHB: u32 = 0x0a0d_0d0a;
const IDB: u32 = 1;
const OPB: u32 = 2;
const SPB: u32 = 3;
const EPB: u32 = 6;
const BYTE_ORDER_MAGIC: u32 = 0x1a2b_3c4d;

const OPT_ENDOFOPT: u16 = 0;
const IF_TSRESOL: u16 = 9;
const IF_TSOFFSET: u16 = 14;

/// Interfaces one section may describe; more is no real capture.
const MAX_INTERFACES: usize = 65_536;

/// An interface and how its timestamps turn into nanoseconds.
struct NgInterface {
    iface: Interface,
    unit: TsUnit,
    offset_s: i64,
}

/// The timestamp unit of an interface, prepared for a fast conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TsUnit {
    /// 10^-n seconds with n <= 9: multiply by 10^(9-n).
    Multiply(u64),
    /// 10^-n seconds with n > 9: divide by 10^(n-9).
    Divide(u64),
    /// 2^-n seconds: multiply by 10^9, shift right by n.
    Binary(u32),
    /// Too fine to express: everything rounds to 0.
    Zero,
}

impl TsUnit {
    fn from_tsresol(tsresol: u8) -> TsUnit {
        let n = u32::from(tsresol & 0x7f);
        if tsresol & 0x80 != 0 {
            TsUnit::Binary(n)
        } else if n <= 9 {
            TsUnit::Multiply(10u64.pow(9 - n))
        } else {
            10u64
                .checked_pow(n - 9)
                .map_or(TsUnit::Zero, TsUnit::Divide)
        }
    }

    fn to_ns(self, ts: u64, offset_s: i64) -> i64 {
        let ns = match self {
            TsUnit::Multiply(m) => i128::from(ts) * i128::from(m),
            TsUnit::Divide(d) => i128::from(ts / d),
            // ts < 2^64 and 10^9 < 2^30, so the product fits; n <= 127.
            TsUnit::Binary(n) => {
                i128::try_from((u128::from(ts) * 1_000_000_000) >> n).unwrap_or(i128::MAX)
            }
            TsUnit::Zero => 0,
        };
        let ns = ns + i128::from(offset_s) * 1_000_000_000;
        let max = i128::from(MAX_TIME_NS);
        i64::try_from(ns.clamp(-max, max)).unwrap_or_default()
    }
}

/// Reads a pcapng file from its first byte to its end.
pub(crate) fn read<R: Read, F: FnMut(Event<'_>) -> ControlFlow<()>>(
    input: &mut Input<R>,
    sink: &mut Sink<F>,
) -> Result<(), CaptureError> {
    let mut endian = Endian::Little;
    let mut interfaces: Vec<NgInterface> = Vec::new();
    loop {
        let have = input.fill(12)?;
        if have == 0 {
            return Ok(());
        }
        let offset = input.offset();
        if have < 12 {
            let detail = format!(
                "the capture ends inside a block header at byte {offset}, after {have} of 12 bytes"
            );
            sink.truncated_file(input, detail);
            return Ok(());
        }
        let head = input.bytes();
        if head[..4] == SHB.to_le_bytes() {
            endian = match Endian::Little.u32(head, 8) {
                BYTE_ORDER_MAGIC => Endian::Little,
                m if m.swap_bytes() == BYTE_ORDER_MAGIC => Endian::Big,
                m if offset == 0 => {
                    return Err(CaptureError::NotACapture {
                        reason: format!(
                            "it starts like pcapng but its byte-order magic is {m:08x}, not 1a2b3c4d"
                        ),
                    });
                }
                m => {
                    return Err(corrupt(
                        sink,
                        offset,
                        format!("section header with byte-order magic {m:08x}"),
                    ));
                }
            };
        }
        let block_type = endian.u32(head, 0);
        let len = endian.u32(head, 4) as usize;
        if len < 12 || !len.is_multiple_of(4) {
            return Err(corrupt(
                sink,
                offset,
                format!("block length {len} is not a multiple of 4 of at least 12"),
            ));
        }
        if len > MAX_RECORD {
            return Err(CaptureError::RecordTooLarge {
                frame: sink.next_frame(),
                offset,
                len: len as u64,
                max: MAX_RECORD as u64,
            });
        }
        let have = input.fill(len)?;
        if have < len {
            let detail = format!(
                "the capture ends inside a block at byte {offset}, after {have} of its {len} bytes"
            );
            sink.truncated_file(input, detail);
            return Ok(());
        }
        let block = &input.bytes()[..len];
        let trailer = endian.u32(block, len - 4) as usize;
        if trailer != len {
            return Err(corrupt(
                sink,
                offset,
                format!("block length {len} at its start but {trailer} at its end"),
            ));
        }
        let body = &block[8..len - 4];
        let flow = match block_type {
            SHB => {
                section_header(endian, offset, sink.next_frame() - 1, body)?;
                interfaces.clear();
                ControlFlow::Continue(())
            }
            IDB => interface_description(sink, &mut interfaces, endian, body),
            EPB | OPB => packet_block(sink, &mut interfaces, endian, block_type, offset, body),
            SPB => simple_packet_block(sink, &mut interfaces, endian, offset, body),
            _ => ControlFlow::Continue(()),
        };
        input.consume(len);
        if flow.is_break() {
            return Ok(());
        }
    }
}

/// A Section Header Block: byte-order magic (4), major (2) and minor (2) version, section
/// length (8), options. Only version 1 exists; a reader must not guess at another.
fn section_header(
    endian: Endian,
    offset: u64,
    frames_read: u64,
    body: &[u8],
) -> Result<(), CaptureError> {
    if body.len() < 16 {
        return Err(CaptureError::Corrupt {
            frame: frames_read,
            offset,
            detail: "section header block too short".into(),
        });
    }
    let major = endian.u16(body, 4);
    if major != 1 {
        let minor = endian.u16(body, 6);
        return Err(CaptureError::Unsupported {
            detail: format!(
                "pcapng version {major}.{minor} at byte {offset} is not supported, only 1.x: convert the file with editcap"
            ),
        });
    }
    Ok(())
}

/// An Enhanced Packet Block, or the obsolete Packet Block: EPB interface ID (4), or OPB
/// interface ID (2) and drops count (2); timestamp high and low (4 + 4), captured length
/// (4), original length (4), frame.
fn packet_block<F: FnMut(Event<'_>) -> ControlFlow<()>>(
    sink: &mut Sink<F>,
    interfaces: &mut [NgInterface],
    endian: Endian,
    block_type: u32,
    offset: u64,
    body: &[u8],
) -> ControlFlow<()> {
    if body.len() < 20 {
        let detail = format!("packet block at byte {offset} too short for its header");
        return sink.bad_frame(None, IssueKind::BadBlock, detail);
    }
    let if_id = if block_type == EPB {
        endian.u32(body, 0)
    } else {
        u32::from(endian.u16(body, 0))
    };
    let ts = u64::from(endian.u32(body, 4)) << 32 | u64::from(endian.u32(body, 8));
    let caplen = endian.u32(body, 12) as usize;
    let orig_len = endian.u32(body, 16);
    let data = &body[20..];
    let described = interfaces.len();
    let Some(ng) = interfaces.get_mut(if_id as usize) else {
        let detail = format!(
            "packet block at byte {offset} names interface {if_id}, but its section describes {described}"
        );
        return sink.bad_frame(None, IssueKind::UnknownInterface, detail);
    };
    let time_ns = ng.unit.to_ns(ts, ng.offset_s);
    if caplen > data.len() {
        let detail = format!(
            "packet block at byte {offset} claims {caplen} captured bytes but holds {}",
            data.len()
        );
        return sink.bad_frame(Some(time_ns), IssueKind::BadBlock, detail);
    }
    sink.frame(&mut ng.iface, time_ns, &data[..caplen], orig_len)
}

/// A Simple Packet Block: original length (4), frame, on interface 0. The captured length
/// is what the block holds, bounded by the original length and the snapshot length.
fn simple_packet_block<F: FnMut(Event<'_>) -> ControlFlow<()>>(
    sink: &mut Sink<F>,
    interfaces: &mut [NgInterface],
    endian: Endian,
    offset: u64,
    body: &[u8],
) -> ControlFlow<()> {
    if body.len() < 4 {
        let detail = format!("simple packet block at byte {offset} too short for its header");
        return sink.bad_frame(None, IssueKind::BadBlock, detail);
    }
    let orig_len = endian.u32(body, 0);
    let data = &body[4..];
    let Some(ng) = interfaces.first_mut() else {
        let detail =
            format!("simple packet block at byte {offset} before any interface description");
        return sink.bad_frame(None, IssueKind::UnknownInterface, detail);
    };
    let mut caplen = data.len().min(orig_len as usize);
    if ng.iface.snaplen != 0 {
        caplen = caplen.min(ng.iface.snaplen as usize);
    }
    // No timestamp: the previous frame's stands in.
    let time_ns = sink.last_time_ns();
    sink.frame(&mut ng.iface, time_ns, &data[..caplen], orig_len)
}

fn corrupt<F: FnMut(Event<'_>) -> ControlFlow<()>>(
    sink: &Sink<F>,
    offset: u64,
    detail: String,
) -> CaptureError {
    CaptureError::Corrupt {
        frame: sink.next_frame() - 1,
        offset,
        detail,
    }
}

/// An Interface Description Block: appends the interface to the section's list, or a
/// placeholder that keeps the numbering when the block is too short to read.
fn interface_description<F: FnMut(Event<'_>) -> ControlFlow<()>>(
    sink: &mut Sink<F>,
    interfaces: &mut Vec<NgInterface>,
    endian: Endian,
    body: &[u8],
) -> ControlFlow<()> {
    let id = u32::try_from(interfaces.len()).unwrap_or(u32::MAX);
    if interfaces.len() >= MAX_INTERFACES {
        let detail = format!(
            "more than {MAX_INTERFACES} interfaces in one section; interface {id} is ignored"
        );
        return sink.issue(sink.next_frame(), None, IssueKind::BadBlock, detail);
    }
    if body.len() < 8 {
        let mut iface = Interface::new(id, u32::MAX, 0);
        iface.quiet = true;
        interfaces.push(NgInterface {
            iface,
            unit: TsUnit::Multiply(1000),
            offset_s: 0,
        });
        let detail = format!(
            "description of interface {id} too short to read; its frames are counted, not read"
        );
        return sink.issue(sink.next_frame(), None, IssueKind::BadBlock, detail);
    }
    let linktype = u32::from(endian.u16(body, 0));
    let snaplen = endian.u32(body, 4);
    let mut tsresol = 6;
    let mut offset_s = 0;
    // Options: code (2), length (2), value padded to 4 bytes; end at opt_endofopt or the body.
    let mut options = &body[8..];
    while options.len() >= 4 {
        let code = endian.u16(options, 0);
        let len = usize::from(endian.u16(options, 2));
        let Some(value) = options.get(4..4 + len) else {
            break;
        };
        match (code, len) {
            (OPT_ENDOFOPT, _) => break,
            (IF_TSRESOL, 1) => tsresol = value[0],
            (IF_TSOFFSET, 8) => offset_s = i64::from_ne_bytes(endian.u64(value, 0).to_ne_bytes()),
            _ => {}
        }
        options = options
            .get(4 + len.next_multiple_of(4)..)
            .unwrap_or_default();
    }
    interfaces.push(NgInterface {
        iface: Interface::new(id, linktype, snaplen),
        unit: TsUnit::from_tsresol(tsresol),
        offset_s,
    });
    ControlFlow::Continue(())
}

#[cfg(test)]
mod tests {
    use hex_literal::hex;

    use super::super::tests::collect;
    use super::*;
    use crate::capture::{CaptureFormat, read_capture};

    #[test]
    fn timestamp_units() {
        // 10^-6 (the default), 10^-9, 10^-3, 10^-12, 2^-10 (1/1024 s), 2^-0 (whole seconds).
        assert_eq!(TsUnit::from_tsresol(6).to_ns(1_500_000, 0), 1_500_000_000);
        assert_eq!(TsUnit::from_tsresol(9).to_ns(42, 0), 42);
        assert_eq!(TsUnit::from_tsresol(3).to_ns(2_001, 0), 2_001_000_000);
        assert_eq!(TsUnit::from_tsresol(12).to_ns(5_000_000, 0), 5_000);
        assert_eq!(
            TsUnit::from_tsresol(0x8a).to_ns(3 * 1024 + 512, 0),
            3_500_000_000
        );
        assert_eq!(TsUnit::from_tsresol(0x80).to_ns(7, 0), 7_000_000_000);
        // if_tsoffset adds whole seconds, and may be negative.
        assert_eq!(TsUnit::from_tsresol(6).to_ns(1, 100), 100_000_001_000);
        assert_eq!(TsUnit::from_tsresol(6).to_ns(0, -1), -1_000_000_000);
        // Absurd units neither overflow nor panic.
        assert_eq!(TsUnit::from_tsresol(127).to_ns(u64::MAX, 0), 0);
        assert_eq!(TsUnit::from_tsresol(0xff).to_ns(u64::MAX, 0), 0);
        // Times past 2116 or before 1824 stop there, so that any two can be subtracted.
        assert_eq!(TsUnit::from_tsresol(0).to_ns(u64::MAX, 0), MAX_TIME_NS);
        assert_eq!(TsUnit::from_tsresol(9).to_ns(0, i64::MIN), -MAX_TIME_NS);
        assert_eq!(TsUnit::from_tsresol(9).to_ns(5, 1 << 62), MAX_TIME_NS);
        assert!(MAX_TIME_NS.checked_sub(-MAX_TIME_NS).is_some());
    }

    // Raw IPv4 TCP frame 10.0.0.1:1 -> 10.0.0.2:2, ACK, 40 bytes.
    const IP_TCP: [u8; 40] = hex!(
        "45 00 00 28 00 00 40 00 40 06 00 00" // IPv4, total length 40, TCP
        "0a 00 00 01 0a 00 00 02"             // 10.0.0.1 -> 10.0.0.2
        "00 01 00 02 00 00 00 07 00 00 00 09" // ports 1 -> 2, seq 7, ack 9
        "50 10 72 10 00 00 00 00"             // data offset 5, ACK, window
    );

    #[allow(clippy::cast_possible_truncation)] // the halves of a u64, on purpose
    fn epb(endian: Endian, if_id: u32, ts: u64, frame: &[u8]) -> Vec<u8> {
        let pad = frame.len().next_multiple_of(4) - frame.len();
        let len = u32::try_from(32 + frame.len() + pad).unwrap();
        let w = |v: u32| match endian {
            Endian::Little => v.to_le_bytes(),
            Endian::Big => v.to_be_bytes(),
        };
        let mut b = Vec::new();
        for v in [EPB, len, if_id, (ts >> 32) as u32, ts as u32] {
            b.extend_from_slice(&w(v));
        }
        let caplen = u32::try_from(frame.len()).unwrap();
        b.extend_from_slice(&w(caplen));
        b.extend_from_slice(&w(caplen));
        b.extend_from_slice(frame);
        b.resize(b.len() + pad, 0);
        b.extend_from_slice(&w(len));
        b
    }

    fn ethernet_frame() -> Vec<u8> {
        let mut f = hex!("020000000002 020000000001 0800").to_vec();
        f.extend_from_slice(&IP_TCP);
        f
    }

    /// Section 1 (little-endian): interface 0 raw IP in µs; interface 1 Ethernet in ns with
    /// if_tsoffset 10 s. Section 2 (big-endian): interface 0 raw IP in 2^-10 s.
    fn sections_file() -> Vec<u8> {
        let mut f = hex!(
            "0a 0d 0d 0a"             // SHB
            "1c 00 00 00"             // length 28
            "4d 3c 2b 1a"             // byte-order magic written little-endian
            "01 00 00 00"             // version 1.0
            "ff ff ff ff ff ff ff ff" // section length unknown
            "1c 00 00 00"             // length 28

            "01 00 00 00"             // IDB
            "14 00 00 00"             // length 20
            "65 00 00 00"             // linktype 101 (raw IP), reserved
            "00 00 04 00"             // snaplen 262144
            "14 00 00 00"             // length 20

            "01 00 00 00"             // IDB
            "2c 00 00 00"             // length 44
            "01 00 00 00"             // linktype 1 (Ethernet), reserved
            "00 00 00 00"             // snaplen 0 (no limit)
            "09 00 01 00 09 00 00 00" // if_tsresol: 10^-9, padded to 4
            "0e 00 08 00"             // if_tsoffset, 8 bytes:
            "0a 00 00 00 00 00 00 00" //   10 seconds
            "00 00 00 00"             // opt_endofopt
            "2c 00 00 00"             // length 44

            "05 00 00 00"             // ISB, skipped
            "0c 00 00 00"             // length 12, empty body
            "0c 00 00 00"             // length 12
        )
        .to_vec();
        f.extend(epb(Endian::Little, 0, 1_000_000, &IP_TCP)); // 1 s in µs
        f.extend(epb(Endian::Little, 1, 5, &ethernet_frame())); // 5 ns + 10 s
        f.extend(hex!(
            "0a 0d 0d 0a"             // SHB
            "00 00 00 1c"             // length 28, big-endian
            "1a 2b 3c 4d"             // byte-order magic written big-endian
            "00 01 00 00"             // version 1.0
            "ff ff ff ff ff ff ff ff" // section length unknown
            "00 00 00 1c"             // length 28

            "00 00 00 01"             // IDB
            "00 00 00 1c"             // length 28
            "00 65 00 00"             // linktype 101 (raw IP), reserved
            "00 00 ff ff"             // snaplen 65535
            "00 09 00 01 8a 00 00 00" // if_tsresol: 0x8a = 2^-10 s, padded
            "00 00 00 1c"             // length 28

            "12 34 56 78"             // unknown block type 0x12345678, skipped
            "00 00 00 10"             // length 16
            "de ad be ef"             // body
            "00 00 00 10"             // length 16
        ));
        f.extend(epb(Endian::Big, 0, 2048 + 256, &IP_TCP)); // 2.25 s in 1/1024 s
        f
    }

    #[test]
    fn sections_of_both_byte_orders_and_interfaces_of_different_linktype_and_unit() {
        let c = collect(&sections_file());
        assert!(c.issues.is_empty(), "{:?}", c.issues);
        assert_eq!(c.summary.format, Some(CaptureFormat::Pcapng));
        assert_eq!(c.summary.frames, 3);
        let got: Vec<(u64, i64, u16, u32)> = c
            .segments
            .iter()
            .map(|s| (s.frame, s.time_ns, s.sport, s.ack))
            .collect();
        assert_eq!(
            got,
            [
                (1, 1_000_000_000, 1, 9),
                (2, 10_000_000_005, 1, 9),
                (3, 2_250_000_000, 1, 9),
            ]
        );
        assert_eq!(c.segments[2].first_time_ns, 1_000_000_000);
        assert_eq!(c.summary.bytes, sections_file().len() as u64);
    }

    #[test]
    fn unknown_interface_is_a_finding_and_reading_goes_on() {
        let mut f = sections_file();
        let first_epb = 28 + 20 + 44 + 12;
        f[first_epb + 8] = 5; // interface 5 of 2
        let c = collect(&f);
        assert_eq!(c.issue_kinds(), [IssueKind::UnknownInterface]);
        assert_eq!(c.issues[0].frame, 1);
        assert_eq!(c.segments.len(), 2);
        assert_eq!(c.segments[0].frame, 2);
    }

    #[test]
    fn captured_length_past_the_block_is_skipped_not_the_end() {
        let mut f = sections_file();
        let first_epb = 28 + 20 + 44 + 12;
        f[first_epb + 20] = 200; // captured length 200 in a block holding 40
        let c = collect(&f);
        assert_eq!(c.issue_kinds(), [IssueKind::BadBlock]);
        assert_eq!(c.segments.len(), 2, "the frames after it are read");
    }

    #[test]
    fn bad_block_lengths_are_corruption() {
        let first_epb = 28 + 20 + 44 + 12;
        for (at, value, what) in [
            (first_epb + 4, 70u8, "not a multiple of 4"),
            (first_epb + 4, 8, "below 12"),
            (first_epb + 4, 76, "differs from the trailer"),
        ] {
            let mut f = sections_file();
            f[at] = value;
            let mut segments = 0;
            let err = read_capture(&f[..], |_| {
                segments += 1;
                ControlFlow::Continue(())
            })
            .expect_err(what);
            assert!(
                matches!(err, CaptureError::Corrupt { offset, .. } if offset == first_epb as u64),
                "{what}: {err}"
            );
            assert_eq!(segments, 0);
        }
    }

    #[test]
    fn block_past_the_end_is_a_truncated_file() {
        let f = sections_file();
        let c = collect(&f[..f.len() - 10]);
        assert_eq!(c.segments.len(), 2);
        assert_eq!(c.issue_kinds(), [IssueKind::TruncatedFile]);
        assert_eq!(c.issues[0].frame, 3);
        assert_eq!(c.summary.bytes, f.len() as u64 - 10);
    }

    #[test]
    fn huge_block_length_is_an_error_without_allocation() {
        let mut f = sections_file();
        let first_epb = 28 + 20 + 44 + 12;
        f[first_epb + 4..first_epb + 8].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
        let err = read_capture(&f[..], |_| ControlFlow::Continue(())).unwrap_err();
        assert!(
            matches!(err, CaptureError::RecordTooLarge { frame: 1, .. }),
            "{err}"
        );
    }

    #[test]
    fn simple_packet_block_uses_interface_0() {
        let mut f = sections_file()[..28 + 20].to_vec(); // SHB + IDB 0 (raw IP)
        f.extend(hex!(
            "03 00 00 00" // SPB
            "38 00 00 00" // length 56 = 12 + 4 + 40
            "28 00 00 00" // original length 40
        ));
        f.extend_from_slice(&IP_TCP);
        f.extend(hex!("38 00 00 00")); // length 56
        let c = collect(&f);
        assert!(c.issues.is_empty(), "{:?}", c.issues);
        assert_eq!(c.segments.len(), 1);
        assert_eq!(c.segments[0].seq, 7);
    }

    #[test]
    fn version_2_is_unsupported_and_bad_magic_is_no_capture() {
        let mut f = sections_file();
        f[12] = 2; // major version 2
        assert!(matches!(
            read_capture(&f[..], |_| ControlFlow::Continue(())),
            Err(CaptureError::Unsupported { .. })
        ));
        let mut f = sections_file();
        f[8] = 0; // byte-order magic broken
        assert!(matches!(
            read_capture(&f[..], |_| ControlFlow::Continue(())),
            Err(CaptureError::NotACapture { .. })
        ));
    }
}
