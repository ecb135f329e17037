//! Writes pcap and pcapng files and builds TCP frames, for tests, benchmarks and crafted
//! captures: what `tcpdump -w` and `dumpcap` would have written, byte for byte in layout.
//!
//! Formats as the reader reads them (see [`super`]); frames are Ethernet II (or raw IP)
//! with an IPv4 (RFC 791) or IPv6 (RFC 8200) header and a TCP header (RFC 9293) whose lengths
//! and checksums (RFC 1071, with the pseudo-headers of RFC 9293 §3.1 and RFC 8200 §8.1) are
//! right, so tshark and tcpdump read them as real traffic.
//!
//! ```
//! use mptcpstat::capture::link::LINKTYPE_ETHERNET;
//! use mptcpstat::capture::writer::{tcp_frame, PcapWriter, TcpFrame};
//! use mptcpstat::capture::TcpFlags;
//!
//! let mut w = PcapWriter::new(Vec::new(), LINKTYPE_ETHERNET, 262_144)?;
//! let syn = TcpFrame {
//!     flags: TcpFlags::SYN,
//!     options: &[30, 4, 0x01, 0x81], // MP_CAPABLE v1 on a SYN, flags A and H
//!     ..TcpFrame::new("10.0.0.1:40000".parse()?, "10.0.0.2:80".parse()?)
//! };
//! w.write_frame(1_700_000_000_000_000_000, &tcp_frame(&syn))?;
//! let pcap: Vec<u8> = w.into_inner();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr};

use super::TcpFlags;

/// How a pcap file is written; the default is what tcpdump writes on x86: microseconds,
/// little-endian.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PcapOptions {
    /// Nanosecond timestamps (magic `a1b23c4d`) instead of microseconds.
    pub nanosecond: bool,
    /// Big-endian headers, as a big-endian host writes them.
    pub big_endian: bool,
}

/// Writes a pcap file: the file header at once, then one record per packet.
pub struct PcapWriter<W: Write> {
    w: W,
    snaplen: u32,
    options: PcapOptions,
}

impl<W: Write> PcapWriter<W> {
    /// A microsecond, little-endian pcap file of `linktype` (see [`super::link`]).
    pub fn new(w: W, linktype: u32, snaplen: u32) -> io::Result<Self> {
        Self::with_options(w, linktype, snaplen, PcapOptions::default())
    }

    pub fn with_options(
        mut w: W,
        linktype: u32,
        snaplen: u32,
        options: PcapOptions,
    ) -> io::Result<Self> {
        let magic: u32 = if options.nanosecond {
            0xa1b2_3c4d
        } else {
            0xa1b2_c3d4
        };
        let mut header = Vec::with_capacity(24);
        for v in [magic, 0x0002_0004, 0, 0, snaplen, linktype] {
            header.extend_from_slice(&u32_bytes(v, options.big_endian));
        }
        // Version is two u16 (2, 4), not one u32: fix its halves for the byte order.
        header[4..6].copy_from_slice(&u16_bytes(2, options.big_endian));
        header[6..8].copy_from_slice(&u16_bytes(4, options.big_endian));
        w.write_all(&header)?;
        Ok(PcapWriter {
            w,
            snaplen,
            options,
        })
    }

    /// Writes one record: `data` cut to the snapshot length (0: no limit), `orig_len` as
    /// the length on the wire. `time_ns` is nanoseconds since the epoch, from 0 to 2^32 s.
    pub fn write_packet(&mut self, time_ns: i64, data: &[u8], orig_len: u32) -> io::Result<()> {
        let (seconds, ns) = split_time(time_ns)?;
        let fraction = if self.options.nanosecond {
            ns
        } else {
            ns / 1000
        };
        let data = cut(data, self.snaplen);
        let be = self.options.big_endian;
        let mut header = [0u8; 16];
        header[0..4].copy_from_slice(&u32_bytes(seconds, be));
        header[4..8].copy_from_slice(&u32_bytes(fraction, be));
        header[8..12].copy_from_slice(&u32_bytes(len32(data)?, be));
        header[12..16].copy_from_slice(&u32_bytes(orig_len, be));
        self.w.write_all(&header)?;
        self.w.write_all(data)
    }

    /// Writes one record of a whole frame (original length = `data.len()`).
    pub fn write_frame(&mut self, time_ns: i64, data: &[u8]) -> io::Result<()> {
        self.write_packet(time_ns, data, len32(data)?)
    }

    pub fn into_inner(self) -> W {
        self.w
    }
}

/// Writes a little-endian pcapng file: one section, interfaces added as needed, one
/// Enhanced Packet Block per packet.
pub struct PcapNgWriter<W: Write> {
    w: W,
    /// Snapshot length and `if_tsresol` of each interface.
    interfaces: Vec<(u32, u8)>,
}

impl<W: Write> PcapNgWriter<W> {
    /// Writes the Section Header Block.
    pub fn new(mut w: W) -> io::Result<Self> {
        let mut shb = Vec::with_capacity(28);
        for v in [0x0a0d_0d0au32, 28, 0x1a2b_3c4d, 1] {
            shb.extend_from_slice(&v.to_le_bytes()); // version 1.0: major 1, minor 0 (LE)
        }
        shb.extend_from_slice(&(-1i64).to_le_bytes()); // section length unknown
        shb.extend_from_slice(&28u32.to_le_bytes());
        w.write_all(&shb)?;
        Ok(PcapNgWriter {
            w,
            interfaces: Vec::new(),
        })
    }

    /// Describes an interface and returns its ID. `tsresol` is the `if_tsresol` byte: 6
    /// for microseconds, 9 for nanoseconds, `0x80 | n` for 2^-n seconds.
    pub fn add_interface(&mut self, linktype: u16, snaplen: u32, tsresol: u8) -> io::Result<u32> {
        let mut idb = Vec::with_capacity(32);
        idb.extend_from_slice(&1u32.to_le_bytes());
        idb.extend_from_slice(&32u32.to_le_bytes());
        idb.extend_from_slice(&u32::from(linktype).to_le_bytes()); // linktype, reserved 0
        idb.extend_from_slice(&snaplen.to_le_bytes());
        idb.extend_from_slice(&[9, 0, 1, 0, tsresol, 0, 0, 0]); // if_tsresol, padded
        idb.extend_from_slice(&[0, 0, 0, 0]); // opt_endofopt
        idb.extend_from_slice(&32u32.to_le_bytes());
        self.w.write_all(&idb)?;
        self.interfaces.push((snaplen, tsresol));
        u32::try_from(self.interfaces.len() - 1).map_err(|_| invalid("too many interfaces"))
    }

    /// Writes one Enhanced Packet Block on interface `if_id`: `data` cut to its snapshot
    /// length (0: no limit), the time in its unit.
    pub fn write_packet(
        &mut self,
        if_id: u32,
        time_ns: i64,
        data: &[u8],
        orig_len: u32,
    ) -> io::Result<()> {
        let &(snaplen, tsresol) = self
            .interfaces
            .get(if_id as usize)
            .ok_or_else(|| invalid("no such interface"))?;
        let ts = units(time_ns, tsresol)?;
        let data = cut(data, snaplen);
        let padded = data.len().next_multiple_of(4);
        let len = len32(data)
            .and_then(|_| u32::try_from(32 + padded).map_err(|_| invalid("packet too large")))?;
        let mut block = Vec::with_capacity(32 + padded);
        #[allow(clippy::cast_possible_truncation)] // the halves of a u64, on purpose
        for v in [
            6,
            len,
            if_id,
            (ts >> 32) as u32,
            ts as u32,
            len32(data)?,
            orig_len,
        ] {
            block.extend_from_slice(&v.to_le_bytes());
        }
        block.extend_from_slice(data);
        block.resize(8 + 20 + padded, 0);
        block.extend_from_slice(&len.to_le_bytes());
        self.w.write_all(&block)
    }

    pub fn write_frame(&mut self, if_id: u32, time_ns: i64, data: &[u8]) -> io::Result<()> {
        self.write_packet(if_id, time_ns, data, len32(data)?)
    }

    pub fn into_inner(self) -> W {
        self.w
    }
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, what.to_owned())
}

fn u32_bytes(v: u32, big_endian: bool) -> [u8; 4] {
    if big_endian {
        v.to_be_bytes()
    } else {
        v.to_le_bytes()
    }
}

fn u16_bytes(v: u16, big_endian: bool) -> [u8; 2] {
    if big_endian {
        v.to_be_bytes()
    } else {
        v.to_le_bytes()
    }
}

fn len32(data: &[u8]) -> io::Result<u32> {
    u32::try_from(data.len()).map_err(|_| invalid("packet too large"))
}

fn cut(data: &[u8], snaplen: u32) -> &[u8] {
    if snaplen == 0 {
        data
    } else {
        &data[..data.len().min(snaplen as usize)]
    }
}

fn split_time(time_ns: i64) -> io::Result<(u32, u32)> {
    let seconds = u32::try_from(time_ns.div_euclid(1_000_000_000))
        .map_err(|_| invalid("time outside the pcap range 1970..2106"))?;
    let ns = u32::try_from(time_ns.rem_euclid(1_000_000_000)).unwrap_or(0);
    Ok((seconds, ns))
}

/// `time_ns` in units of `tsresol`.
fn units(time_ns: i64, tsresol: u8) -> io::Result<u64> {
    let ns = u128::try_from(time_ns).map_err(|_| invalid("time before 1970"))?;
    let n = u32::from(tsresol & 0x7f);
    let units = if tsresol & 0x80 != 0 {
        (ns << n.min(64)) / 1_000_000_000
    } else if n <= 9 {
        ns / 10u128.pow(9 - n)
    } else {
        ns * 10u128.pow((n - 9).min(19))
    };
    u64::try_from(units).map_err(|_| invalid("time does not fit the interface's unit"))
}

/// One TCP segment to build. Start from [`TcpFrame::new`] and change what matters:
/// `TcpFrame { seq: 1, payload: b"hi", ..TcpFrame::new(a, b) }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpFrame<'a> {
    /// Both of one family.
    pub src: SocketAddr,
    pub dst: SocketAddr,
    pub seq: u32,
    pub ack: u32,
    pub flags: TcpFlags,
    pub window: u16,
    /// The options area, padded with zeros (EOL) to a multiple of 4; at most 40 bytes.
    pub options: &'a [u8],
    pub payload: &'a [u8],
}

impl TcpFrame<'_> {
    /// A bare ACK from `src` to `dst`: sequence numbers 0, window 65535, no options.
    #[must_use]
    pub fn new(src: SocketAddr, dst: SocketAddr) -> Self {
        TcpFrame {
            src,
            dst,
            seq: 0,
            ack: 0,
            flags: TcpFlags::ACK,
            window: 65535,
            options: &[],
            payload: &[],
        }
    }
}

/// The MAC addresses of built Ethernet frames: locally administered, source `...:01`.
pub const SRC_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];
pub const DST_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];

/// An Ethernet II frame (no FCS) around `payload`.
#[must_use]
pub fn ethernet(ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = Vec::with_capacity(14 + payload.len());
    f.extend_from_slice(&DST_MAC);
    f.extend_from_slice(&SRC_MAC);
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// Ethernet + IPv4/IPv6 + TCP, for `LINKTYPE_ETHERNET`.
///
/// # Panics
/// If the addresses are of different families, the options exceed 40 bytes, or the packet
/// exceeds 65535 bytes: a test that builds such a frame is wrong.
#[must_use]
pub fn tcp_frame(f: &TcpFrame<'_>) -> Vec<u8> {
    let ethertype = if f.src.is_ipv4() { 0x0800 } else { 0x86dd };
    ethernet(ethertype, &ip_packet(f))
}

/// IPv4/IPv6 + TCP, for the raw IP linktypes.
///
/// # Panics
/// As [`tcp_frame`].
#[must_use]
pub fn ip_packet(f: &TcpFrame<'_>) -> Vec<u8> {
    assert!(f.options.len() <= 40, "TCP options are at most 40 bytes");
    let options_len = f.options.len().next_multiple_of(4);
    let header_len = 20 + options_len;
    let tcp_len = header_len + f.payload.len();
    let mut tcp = Vec::with_capacity(tcp_len);
    tcp.extend_from_slice(&f.src.port().to_be_bytes());
    tcp.extend_from_slice(&f.dst.port().to_be_bytes());
    tcp.extend_from_slice(&f.seq.to_be_bytes());
    tcp.extend_from_slice(&f.ack.to_be_bytes());
    #[allow(clippy::cast_possible_truncation)] // header_len <= 60
    tcp.push((header_len as u8 / 4) << 4);
    tcp.push(f.flags.0);
    tcp.extend_from_slice(&f.window.to_be_bytes());
    tcp.extend_from_slice(&[0, 0, 0, 0]); // checksum (below), urgent pointer
    tcp.extend_from_slice(f.options);
    tcp.resize(header_len, 0);
    tcp.extend_from_slice(f.payload);
    let tcp_len16 = u16::try_from(tcp_len).expect("TCP segment fits 65535 bytes");

    match (f.src.ip(), f.dst.ip()) {
        (IpAddr::V4(src), IpAddr::V4(dst)) => {
            let total = u16::try_from(20 + tcp_len).expect("IPv4 packet fits 65535 bytes");
            let mut pseudo = Vec::with_capacity(12);
            pseudo.extend_from_slice(&src.octets());
            pseudo.extend_from_slice(&dst.octets());
            pseudo.extend_from_slice(&[0, 6]);
            pseudo.extend_from_slice(&tcp_len16.to_be_bytes());
            let sum = checksum(&[&pseudo, &tcp]);
            tcp[16..18].copy_from_slice(&sum.to_be_bytes());

            let mut ip = Vec::with_capacity(20 + tcp_len);
            ip.extend_from_slice(&[0x45, 0]); // version 4, IHL 5; DSCP/ECN 0
            ip.extend_from_slice(&total.to_be_bytes());
            ip.extend_from_slice(&[0, 0, 0x40, 0]); // identification 0; DF, offset 0
            ip.extend_from_slice(&[64, 6, 0, 0]); // TTL 64, TCP, checksum (below)
            ip.extend_from_slice(&src.octets());
            ip.extend_from_slice(&dst.octets());
            let sum = checksum(&[&ip]);
            ip[10..12].copy_from_slice(&sum.to_be_bytes());
            ip.extend_from_slice(&tcp);
            ip
        }
        (IpAddr::V6(src), IpAddr::V6(dst)) => {
            let mut pseudo = Vec::with_capacity(40);
            pseudo.extend_from_slice(&src.octets());
            pseudo.extend_from_slice(&dst.octets());
            pseudo.extend_from_slice(&u32::from(tcp_len16).to_be_bytes());
            pseudo.extend_from_slice(&[0, 0, 0, 6]);
            let sum = checksum(&[&pseudo, &tcp]);
            tcp[16..18].copy_from_slice(&sum.to_be_bytes());

            let mut ip = Vec::with_capacity(40 + tcp_len);
            ip.extend_from_slice(&[0x60, 0, 0, 0]); // version 6, class 0, flow label 0
            ip.extend_from_slice(&tcp_len16.to_be_bytes());
            ip.extend_from_slice(&[6, 64]); // next header TCP, hop limit 64
            ip.extend_from_slice(&src.octets());
            ip.extend_from_slice(&dst.octets());
            ip.extend_from_slice(&tcp);
            ip
        }
        _ => panic!("TcpFrame addresses must be of one family"),
    }
}

/// The Internet checksum (RFC 1071) over the concatenation of `parts`, each of even length
/// but the last.
fn checksum(parts: &[&[u8]]) -> u16 {
    let mut sum: u32 = 0;
    for part in parts {
        let mut words = part.chunks_exact(2);
        for w in &mut words {
            sum += u32::from(u16::from_be_bytes([w[0], w[1]]));
        }
        if let [last] = words.remainder() {
            sum += u32::from(*last) << 8;
        }
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    #[allow(clippy::cast_possible_truncation)] // folded to 16 bits above
    let folded = sum as u16;
    !folded
}

#[cfg(test)]
mod tests {
    use hex_literal::hex;

    use super::*;

    #[test]
    fn ipv4_header_checksum_matches_a_known_header() {
        // A widely quoted example header (192.168.0.1 -> 192.168.0.199, UDP, total length
        // 115) whose checksum field is b861.
        let header = hex!("4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7");
        assert_eq!(checksum(&[&header]), 0xb861);
    }

    #[test]
    fn tcp_frame_layout() {
        let f = TcpFrame {
            seq: 1,
            ack: 2,
            flags: TcpFlags::SYN,
            window: 512,
            options: &[30, 4, 0x10, 0x81, 1], // 5 bytes: padded to 8
            payload: b"xy",
            ..TcpFrame::new(
                "10.0.0.1:1000".parse().unwrap(),
                "10.0.0.2:2000".parse().unwrap(),
            )
        };
        let frame = tcp_frame(&f);
        assert_eq!(frame.len(), 14 + 20 + 28 + 2);
        assert_eq!(&frame[12..14], &[0x08, 0x00]);
        assert_eq!(&frame[16..18], &50u16.to_be_bytes()); // IPv4 total length: 20 + 28 + 2
        assert_eq!(frame[14 + 20 + 12], 7 << 4); // data offset 7 words = 28 bytes
        assert_eq!(&frame[14 + 40..14 + 48], &[30, 4, 0x10, 0x81, 1, 0, 0, 0]);
        // A correct checksum sums, with its field, to 0xffff (complement 0).
        assert_eq!(checksum(&[&frame[14..34]]), 0);

        let v6 = ip_packet(&TcpFrame::new(
            "[2001:db8::1]:1".parse().unwrap(),
            "[2001:db8::2]:2".parse().unwrap(),
        ));
        assert_eq!(v6.len(), 60);
        assert_eq!(&v6[4..6], &20u16.to_be_bytes());
    }

    #[test]
    fn pcap_header_bytes() {
        let w = PcapWriter::with_options(
            Vec::new(),
            1,
            65535,
            PcapOptions {
                nanosecond: true,
                big_endian: true,
            },
        )
        .unwrap();
        assert_eq!(
            w.into_inner(),
            hex!("a1b23c4d 0002 0004 00000000 00000000 0000ffff 00000001")
        );
        let w = PcapWriter::new(Vec::new(), 276, 262_144).unwrap();
        assert_eq!(
            w.into_inner(),
            hex!("d4c3b2a1 0200 0400 00000000 00000000 00000400 14010000")
        );
    }

    #[test]
    fn times_out_of_range_are_errors() {
        let mut w = PcapWriter::new(Vec::new(), 1, 0).unwrap();
        assert!(w.write_frame(-1, b"x").is_err());
        assert!(w.write_frame(1 << 42 << 20, b"x").is_err());
        assert_eq!(units(1_500_000_000, 6).unwrap(), 1_500_000);
        assert_eq!(units(1_500_000_000, 0x8a).unwrap(), 1536);
        assert_eq!(units(7, 12).unwrap(), 7000);
    }
}
