//! One captured frame, from its link-layer header down to the TCP header and options.
//!
//! Facts from the tcpdump.org link-layer header types list (`LINKTYPE_*` values and header
//! layouts), IEEE 802.1Q/802.1ad (VLAN tags), RFC 1661/1662 (PPP), RFC 791 (IPv4), RFC 8200
//! (IPv6 and its extension headers), RFC 4302 (AH) and RFC 9293 (TCP).
//!
//! `decode` never fails: a frame is a TCP segment (`Decoded::Tcp`), something else
//! (`Decoded::Other`: ARP, UDP, non-first fragments, ESP...), a frame of a linktype we do not
//! read, or a frame that stops short of where it should (`Decoded::Issue`). Frames cut by the
//! snapshot length are decoded as far as they go: the fixed 20 bytes of the TCP header must be
//! there; options and payload may be cut, and the lengths come from the IP header, as tshark
//! computes `tcp.len`. Nothing is copied: every slice points into the frame.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{IssueKind, TcpFlags};

/// BSD loopback: a 4-byte address family in the byte order of the host that wrote the file.
pub const LINKTYPE_NULL: u32 = 0;
/// Ethernet II (and 802.3), with any stack of 802.1Q/802.1ad tags.
pub const LINKTYPE_ETHERNET: u32 = 1;
/// PPP (RFC 1661), optionally preceded by the RFC 1662 address and control bytes.
pub const LINKTYPE_PPP: u32 = 9;
/// PPP in HDLC-like framing (RFC 1662), or Cisco HDLC.
pub const LINKTYPE_PPP_HDLC: u32 = 50;
/// Raw IPv4 or IPv6, the version nibble tells which.
pub const LINKTYPE_RAW: u32 = 101;
/// Cisco HDLC: address, control, then an Ethernet type.
pub const LINKTYPE_C_HDLC: u32 = 104;
/// OpenBSD loopback: like [`LINKTYPE_NULL`] but the family is in network byte order.
pub const LINKTYPE_LOOP: u32 = 108;
/// Linux cooked capture v1 (`tcpdump -i any` before libpcap 1.10).
pub const LINKTYPE_LINUX_SLL: u32 = 113;
/// Raw IPv4 only.
pub const LINKTYPE_IPV4: u32 = 228;
/// Raw IPv6 only.
pub const LINKTYPE_IPV6: u32 = 229;
/// Linux cooked capture v2 (`tcpdump -i any` since libpcap 1.10).
pub const LINKTYPE_LINUX_SLL2: u32 = 276;

/// `DLT_RAW` as some writers store it instead of [`LINKTYPE_RAW`]: 12 on most systems, 14 on
/// OpenBSD. libpcap maps both to 101 when it writes; other writers do not.
const DLT_RAW_12: u32 = 12;
const DLT_RAW_14: u32 = 14;

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;
const ETHERTYPE_VLAN: u16 = 0x8100; // 802.1Q customer tag
const ETHERTYPE_QINQ: u16 = 0x88a8; // 802.1ad service tag
const ETHERTYPE_QINQ_OLD: u16 = 0x9100; // pre-standard QinQ, still seen
const ETHERTYPE_PPPOE_SESSION: u16 = 0x8864;

const PPP_IPV4: u16 = 0x0021;
const PPP_IPV6: u16 = 0x0057;

/// BSD address families as they appear in `LINKTYPE_NULL`/`LINKTYPE_LOOP` headers: one for
/// IPv4, three for IPv6 (NetBSD/OpenBSD, FreeBSD, Darwin).
const BSD_AF_INET: u32 = 2;
const BSD_AF_INET6_BSD: u32 = 24;
const BSD_AF_INET6_FREEBSD: u32 = 28;
const BSD_AF_INET6_DARWIN: u32 = 30;

const IPPROTO_HOPOPTS: u8 = 0;
const IPPROTO_TCP: u8 = 6;
const IPPROTO_ROUTING: u8 = 43;
const IPPROTO_FRAGMENT: u8 = 44;
const IPPROTO_AH: u8 = 51;
const IPPROTO_DSTOPTS: u8 = 60;

/// More VLAN tags than this in one frame is no real frame.
const MAX_VLAN_TAGS: usize = 8;
/// IPv6 extension headers followed before giving up on a frame.
const MAX_IPV6_EXT_HEADERS: usize = 16;

/// The TCP/IP fields of one segment; `capture` adds the frame number and time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tcp<'a> {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub sport: u16,
    pub dport: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: TcpFlags,
    pub window: u16,
    pub options: &'a [u8],
    pub options_cut: bool,
    pub payload_len: u32,
    pub payload: &'a [u8],
}

/// What one frame turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decoded<'a> {
    Tcp(Tcp<'a>),
    /// Not a TCP segment: another protocol, a non-first fragment, an encrypted payload.
    Other,
    /// A linktype this reader does not know.
    UnknownLinktype,
    /// The frame stops short, or a header contradicts itself; the detail says where.
    Issue(IssueKind, String),
}

/// The bytes left to decode and how long they were on the wire (before the snapshot cut).
#[derive(Clone, Copy)]
struct Rest<'a> {
    data: &'a [u8],
    wire_len: usize,
}

impl<'a> Rest<'a> {
    fn skip(self, n: usize) -> Rest<'a> {
        Rest {
            data: self.data.get(n..).unwrap_or_default(),
            wire_len: self.wire_len.saturating_sub(n),
        }
    }
}

fn truncated(what: &str, need: usize, have: usize) -> Decoded<'static> {
    Decoded::Issue(
        IssueKind::TruncatedFrame,
        format!("frame cut in the {what}: {have} of {need} bytes captured"),
    )
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Decodes one frame of `linktype` captured as `data`; `orig_len` is its length on the wire.
pub(crate) fn decode(linktype: u32, data: &[u8], orig_len: u32) -> Decoded<'_> {
    let rest = Rest {
        data,
        wire_len: (orig_len as usize).max(data.len()),
    };
    match linktype {
        LINKTYPE_ETHERNET => ethernet(rest),
        LINKTYPE_LINUX_SLL2 => sll2(rest),
        LINKTYPE_LINUX_SLL => sll(rest),
        LINKTYPE_RAW | DLT_RAW_12 | DLT_RAW_14 => raw_ip(rest),
        LINKTYPE_IPV4 => ipv4(rest),
        LINKTYPE_IPV6 => ipv6(rest),
        LINKTYPE_NULL => bsd_loopback(rest, false),
        LINKTYPE_LOOP => bsd_loopback(rest, true),
        LINKTYPE_PPP | LINKTYPE_PPP_HDLC => ppp_framed(rest),
        LINKTYPE_C_HDLC => cisco_hdlc(rest),
        _ => Decoded::UnknownLinktype,
    }
}

/// Destination MAC (6), source MAC (6), Ethernet type (2).
fn ethernet(rest: Rest<'_>) -> Decoded<'_> {
    if rest.data.len() < 14 {
        return truncated("Ethernet header", 14, rest.data.len());
    }
    ethertype(be16(rest.data, 12), rest.skip(14))
}

/// Dispatches on an Ethernet type, first peeling off VLAN tags: each is a 2-byte TCI
/// (priority, DEI, VLAN ID) and the 2-byte type of what follows, so a QinQ stack is just
/// several tags in a row.
fn ethertype(mut ethertype: u16, mut rest: Rest<'_>) -> Decoded<'_> {
    let mut tags = 0;
    while matches!(
        ethertype,
        ETHERTYPE_VLAN | ETHERTYPE_QINQ | ETHERTYPE_QINQ_OLD
    ) {
        tags += 1;
        if tags > MAX_VLAN_TAGS {
            return Decoded::Other;
        }
        if rest.data.len() < 4 {
            return truncated("VLAN tag", 4, rest.data.len());
        }
        ethertype = be16(rest.data, 2);
        rest = rest.skip(4);
    }
    match ethertype {
        ETHERTYPE_IPV4 => ipv4(rest),
        ETHERTYPE_IPV6 => ipv6(rest),
        // PPPoE session (RFC 2516): version/type, code, session ID, length, then PPP.
        ETHERTYPE_PPPOE_SESSION => {
            if rest.data.len() < 6 {
                return truncated("PPPoE header", 6, rest.data.len());
            }
            ppp(rest.skip(6))
        }
        _ => Decoded::Other,
    }
}

/// Linux cooked v1, 16 bytes: packet type (2), ARPHRD type (2), address length (2),
/// address (8), protocol (2, an Ethernet type for the frames we read).
fn sll(rest: Rest<'_>) -> Decoded<'_> {
    if rest.data.len() < 16 {
        return truncated("Linux cooked (SLL) header", 16, rest.data.len());
    }
    ethertype(be16(rest.data, 14), rest.skip(16))
}

/// Linux cooked v2, 20 bytes: protocol (2, an Ethernet type), reserved (2), interface
/// index (4), ARPHRD type (2), packet type (1), address length (1), address (8).
fn sll2(rest: Rest<'_>) -> Decoded<'_> {
    if rest.data.len() < 20 {
        return truncated("Linux cooked (SLL2) header", 20, rest.data.len());
    }
    ethertype(be16(rest.data, 0), rest.skip(20))
}

/// Raw IP: the version nibble of the first byte says which.
fn raw_ip(rest: Rest<'_>) -> Decoded<'_> {
    match rest.data.first().map(|b| b >> 4) {
        None => truncated("IP header", 1, 0),
        Some(4) => ipv4(rest),
        Some(6) => ipv6(rest),
        Some(v) => Decoded::Issue(
            IssueKind::BadIpHeader,
            format!("raw IP frame with IP version {v}"),
        ),
    }
}

/// BSD loopback: a 4-byte address family. `LINKTYPE_LOOP` stores it in network order;
/// `LINKTYPE_NULL` in the writer's host order, which we recognise as libpcap does: the
/// families are small numbers, so a value with bits in its upper half was written the
/// other way round.
fn bsd_loopback(rest: Rest<'_>, network_order: bool) -> Decoded<'_> {
    let Some(&header) = rest.data.first_chunk::<4>() else {
        return truncated("loopback header", 4, rest.data.len());
    };
    let family = if network_order {
        u32::from_be_bytes(header)
    } else {
        let v = u32::from_le_bytes(header);
        if v & 0xffff_0000 == 0 {
            v
        } else {
            v.swap_bytes()
        }
    };
    match family {
        BSD_AF_INET => ipv4(rest.skip(4)),
        BSD_AF_INET6_BSD | BSD_AF_INET6_FREEBSD | BSD_AF_INET6_DARWIN => ipv6(rest.skip(4)),
        _ => Decoded::Other,
    }
}

/// `LINKTYPE_PPP` and `LINKTYPE_PPP_HDLC`: PPP, with or without the RFC 1662 address and
/// control bytes (`ff 03`); a first byte of `0f` or `8f` is Cisco HDLC instead.
fn ppp_framed(rest: Rest<'_>) -> Decoded<'_> {
    match rest.data {
        [0xff, 0x03, ..] => ppp(rest.skip(2)),
        [0x0f | 0x8f, ..] => cisco_hdlc(rest),
        _ => ppp(rest),
    }
}

/// The PPP protocol field: 2 bytes, or 1 when compressed (RFC 1661 §6.5: a compressed
/// field is odd, a full field's first byte is even).
fn ppp(rest: Rest<'_>) -> Decoded<'_> {
    let (protocol, len) = match rest.data {
        [first, ..] if first & 1 == 1 => (u16::from(*first), 1),
        [first, second, ..] => (u16::from_be_bytes([*first, *second]), 2),
        _ => return truncated("PPP header", 2, rest.data.len()),
    };
    match protocol {
        PPP_IPV4 => ipv4(rest.skip(len)),
        PPP_IPV6 => ipv6(rest.skip(len)),
        _ => Decoded::Other,
    }
}

/// Cisco HDLC: address (1), control (1), Ethernet type (2).
fn cisco_hdlc(rest: Rest<'_>) -> Decoded<'_> {
    if rest.data.len() < 4 {
        return truncated("Cisco HDLC header", 4, rest.data.len());
    }
    ethertype(be16(rest.data, 2), rest.skip(4))
}

/// IPv4 (RFC 791 §3.1). The header length is IHL × 4 and the packet length the total
/// length, both checked. A total length of 0 is what TSO/GSO captures hold: the packet then
/// runs to the end of the frame. Non-first fragments carry no TCP header; a first fragment
/// is decoded as far as it goes.
fn ipv4(rest: Rest<'_>) -> Decoded<'_> {
    let data = rest.data;
    if data.len() < 20 {
        return truncated("IPv4 header", 20, data.len());
    }
    let version = data[0] >> 4;
    if version != 4 {
        return Decoded::Issue(
            IssueKind::BadIpHeader,
            format!("IPv4 header with version {version}"),
        );
    }
    let header_len = usize::from(data[0] & 0x0f) * 4;
    if header_len < 20 {
        return Decoded::Issue(
            IssueKind::BadIpHeader,
            format!("IPv4 header length {header_len} is below the minimum of 20"),
        );
    }
    let total_len = usize::from(be16(data, 2));
    let packet_len = if total_len == 0 {
        rest.wire_len
    } else {
        total_len
    };
    if packet_len < header_len {
        return Decoded::Issue(
            IssueKind::BadIpHeader,
            format!("IPv4 total length {packet_len} is shorter than its {header_len}-byte header"),
        );
    }
    if data.len() < header_len {
        return truncated("IPv4 header", header_len, data.len());
    }
    // Fragment offset: the low 13 bits of bytes 6-7, in units of 8 bytes.
    if be16(data, 6) & 0x1fff != 0 {
        return Decoded::Other;
    }
    if data[9] != IPPROTO_TCP {
        return Decoded::Other;
    }
    let src = IpAddr::V4(Ipv4Addr::new(data[12], data[13], data[14], data[15]));
    let dst = IpAddr::V4(Ipv4Addr::new(data[16], data[17], data[18], data[19]));
    // Past the total length is link-layer padding (Ethernet pads to 60 bytes).
    let captured_end = data.len().min(packet_len);
    tcp(
        src,
        dst,
        &data[header_len..captured_end],
        packet_len - header_len,
    )
}

/// IPv6 (RFC 8200 §3), walking the extension headers (§4) to TCP. A payload length of 0
/// (jumbogram, or a GSO capture) means the packet runs to the end of the frame.
fn ipv6(rest: Rest<'_>) -> Decoded<'_> {
    let data = rest.data;
    if data.len() < 40 {
        return truncated("IPv6 header", 40, data.len());
    }
    let version = data[0] >> 4;
    if version != 6 {
        return Decoded::Issue(
            IssueKind::BadIpHeader,
            format!("IPv6 header with version {version}"),
        );
    }
    let payload_len = match usize::from(be16(data, 4)) {
        0 => rest.wire_len.saturating_sub(40),
        n => n,
    };
    let mut addr = [0u8; 16];
    addr.copy_from_slice(&data[8..24]);
    let src = IpAddr::V6(Ipv6Addr::from(addr));
    addr.copy_from_slice(&data[24..40]);
    let dst = IpAddr::V6(Ipv6Addr::from(addr));

    // Past the payload length is link-layer padding.
    let payload = &data[40..data.len().min(40 + payload_len)];
    let mut next = data[6];
    let mut at = 0; // offset of the current header within `payload`
    for _ in 0..MAX_IPV6_EXT_HEADERS {
        let header_len = match next {
            IPPROTO_TCP => return tcp(src, dst, &payload[at..], payload_len - at),
            // Hop-by-hop, routing, destination options: length in 8-byte units, not counting
            // the first 8. Fragment: always 8.
            IPPROTO_HOPOPTS | IPPROTO_ROUTING | IPPROTO_DSTOPTS | IPPROTO_FRAGMENT => {
                if payload.len() < at + 8 {
                    return ipv6_cut(payload_len, at + 8, payload.len());
                }
                if next == IPPROTO_FRAGMENT {
                    // Fragment offset: the upper 13 bits of bytes 2-3.
                    if be16(payload, at + 2) >> 3 != 0 {
                        return Decoded::Other;
                    }
                    8
                } else {
                    (usize::from(payload[at + 1]) + 1) * 8
                }
            }
            // AH (RFC 4302 §2.2): length in 4-byte units, minus 2.
            IPPROTO_AH => {
                if payload.len() < at + 2 {
                    return ipv6_cut(payload_len, at + 2, payload.len());
                }
                (usize::from(payload[at + 1]) + 2) * 4
            }
            // ESP (encrypted), No Next Header (59), and any upper layer but TCP.
            _ => return Decoded::Other,
        };
        if at + header_len > payload_len {
            return Decoded::Issue(
                IssueKind::BadIpHeader,
                format!("IPv6 extension header {next} runs past the {payload_len}-byte payload"),
            );
        }
        if at + header_len > payload.len() {
            return truncated("IPv6 extension headers", at + header_len, payload.len());
        }
        next = payload[at];
        at += header_len;
    }
    Decoded::Other
}

/// An IPv6 extension header is cut: by the snapshot (a finding) or by the payload length
/// (a bad header).
fn ipv6_cut(payload_len: usize, need: usize, have: usize) -> Decoded<'static> {
    if need > payload_len {
        Decoded::Issue(
            IssueKind::BadIpHeader,
            format!("IPv6 extension headers run past the {payload_len}-byte payload"),
        )
    } else {
        truncated("IPv6 extension headers", need, have)
    }
}

/// TCP (RFC 9293 §3.1): `data` is what was captured of the segment, `segment_len` its
/// length by the IP header.
fn tcp(src: IpAddr, dst: IpAddr, data: &[u8], segment_len: usize) -> Decoded<'_> {
    if data.len() < 20 {
        return if segment_len < 20 {
            Decoded::Issue(
                IssueKind::BadTcpHeader,
                format!("TCP segment of {segment_len} bytes is shorter than the 20-byte header"),
            )
        } else {
            truncated("TCP header", 20, data.len())
        };
    }
    // Data offset: the upper 4 bits of byte 12, in 4-byte words.
    let header_len = usize::from(data[12] >> 4) * 4;
    if header_len < 20 {
        return Decoded::Issue(
            IssueKind::BadTcpHeader,
            format!("TCP data offset {header_len} is below the minimum of 20"),
        );
    }
    if header_len > segment_len {
        return Decoded::Issue(
            IssueKind::BadTcpHeader,
            format!("TCP data offset {header_len} runs past the {segment_len}-byte segment"),
        );
    }
    let options_cut = header_len > data.len();
    let (options, payload): (&[u8], &[u8]) = if options_cut {
        (&data[20..], &[])
    } else {
        (&data[20..header_len], &data[header_len..])
    };
    Decoded::Tcp(Tcp {
        src,
        dst,
        sport: be16(data, 0),
        dport: be16(data, 2),
        seq: be32(data, 4),
        ack: be32(data, 8),
        flags: TcpFlags(data[13]),
        window: be16(data, 14),
        options,
        options_cut,
        // At most 65535 + a 40-byte header by the IP length fields; a GSO frame without
        // them is bounded by the record length, itself capped far below u32::MAX.
        payload_len: u32::try_from(segment_len - header_len).unwrap_or(u32::MAX),
        payload,
    })
}

#[cfg(test)]
mod tests {
    use hex_literal::hex;

    use super::*;

    // One TCP/IPv4 packet used by the linktype tests, built by hand:
    // 10.0.0.1:40000 -> 10.0.0.2:80, SYN, one MSS option and 3 bytes of payload (a SYN with
    // data keeps the fixture short; the decoder does not care).
    const IPV4_TCP: [u8; 47] = hex!(
        "45"          // version 4, IHL 5 (20 bytes)
        "00"          // DSCP/ECN
        "00 2f"       // total length 47 = 20 IP + 24 TCP + 3 payload
        "12 34"       // identification
        "40 00"       // DF, fragment offset 0
        "40"          // TTL 64
        "06"          // protocol TCP
        "00 00"       // header checksum (not checked)
        "0a 00 00 01" // source 10.0.0.1
        "0a 00 00 02" // destination 10.0.0.2
        "9c 40"       // source port 40000
        "00 50"       // destination port 80
        "00 00 00 64" // sequence number 100
        "00 00 00 00" // acknowledgment number 0
        "60"          // data offset 6 (24 bytes)
        "02"          // flags SYN
        "ff ff"       // window 65535
        "00 00"       // checksum (not checked)
        "00 00"       // urgent pointer
        "02 04 05 b4" // option: MSS 1460
        "61 62 63"    // payload "abc"
    );

    fn expect_tcp(d: Decoded<'_>) -> Tcp<'_> {
        match d {
            Decoded::Tcp(t) => t,
            other => panic!("expected a TCP segment, got {other:?}"),
        }
    }

    fn check_ipv4_tcp(t: &Tcp<'_>) {
        assert_eq!(t.src, IpAddr::from([10, 0, 0, 1]));
        assert_eq!(t.dst, IpAddr::from([10, 0, 0, 2]));
        assert_eq!((t.sport, t.dport), (40000, 80));
        assert_eq!((t.seq, t.ack), (100, 0));
        assert_eq!(t.flags, TcpFlags::SYN);
        assert_eq!(t.window, 65535);
        assert_eq!(t.options, &hex!("02 04 05 b4"));
        assert!(!t.options_cut);
        assert_eq!(t.payload_len, 3);
        assert_eq!(t.payload, b"abc");
    }

    fn with_header(header: &[u8], packet: &[u8]) -> Vec<u8> {
        [header, packet].concat()
    }

    fn decode_full(linktype: u32, frame: &[u8]) -> Decoded<'_> {
        decode(linktype, frame, u32::try_from(frame.len()).unwrap())
    }

    #[test]
    fn ethernet_ipv4() {
        let frame = with_header(
            &hex!(
                "02 00 00 00 00 02" // destination MAC
                "02 00 00 00 00 01" // source MAC
                "08 00"             // Ethernet type IPv4
            ),
            &IPV4_TCP,
        );
        check_ipv4_tcp(&expect_tcp(decode_full(LINKTYPE_ETHERNET, &frame)));
    }

    #[test]
    fn ethernet_padding_is_not_payload() {
        // A 54-byte bare ACK is padded to the 60-byte Ethernet minimum: the 6 bytes past the
        // IPv4 total length must not count as payload.
        let mut packet = IPV4_TCP[..44].to_vec();
        packet[2..4].copy_from_slice(&44u16.to_be_bytes()); // total length 44: no payload
        let mut frame = with_header(&hex!("020000000002 020000000001 0800"), &packet);
        frame.extend_from_slice(&[0; 6]);
        let t = expect_tcp(decode_full(LINKTYPE_ETHERNET, &frame));
        assert_eq!(t.payload_len, 0);
        assert_eq!(t.payload, b"");
    }

    #[test]
    fn vlan_and_qinq_stacks() {
        let single = hex!(
            "020000000002 020000000001" // MACs
            "81 00"                     // 802.1Q tag follows
            "20 0a"                     // PCP 1, VLAN 10
            "08 00"                     // Ethernet type IPv4
        );
        let qinq = hex!(
            "020000000002 020000000001" // MACs
            "88 a8"                     // 802.1ad service tag follows
            "00 64"                     // S-VLAN 100
            "81 00"                     // 802.1Q customer tag follows
            "00 0a"                     // C-VLAN 10
            "08 00"                     // Ethernet type IPv4
        );
        let old_qinq = hex!(
            "020000000002 020000000001" // MACs
            "91 00 00 64"               // pre-standard QinQ tag, VLAN 100
            "81 00 00 0a"               // 802.1Q tag, VLAN 10
            "08 00"                     // Ethernet type IPv4
        );
        for header in [&single[..], &qinq[..], &old_qinq[..]] {
            let frame = with_header(header, &IPV4_TCP);
            check_ipv4_tcp(&expect_tcp(decode_full(LINKTYPE_ETHERNET, &frame)));
        }
        // A tag cut by the snapshot is a truncated frame.
        assert!(matches!(
            decode_full(LINKTYPE_ETHERNET, &qinq[..16]),
            Decoded::Issue(IssueKind::TruncatedFrame, _)
        ));
    }

    #[test]
    fn linux_cooked_v1_and_v2() {
        let sll = hex!(
            "00 00"                   // packet type: to us
            "03 04"                   // ARPHRD_LOOPBACK (772)
            "00 06"                   // address length 6
            "00 00 00 00 00 00 00 00" // address, padded to 8
            "08 00"                   // protocol IPv4
        );
        let sll2 = hex!(
            "08 00"                   // protocol IPv4
            "00 00"                   // reserved
            "00 00 00 01"             // interface index 1 (lo)
            "03 04"                   // ARPHRD_LOOPBACK
            "00"                      // packet type: to us
            "06"                      // address length 6
            "00 00 00 00 00 00 00 00" // address, padded to 8
        );
        let frame = with_header(&sll, &IPV4_TCP);
        check_ipv4_tcp(&expect_tcp(decode_full(LINKTYPE_LINUX_SLL, &frame)));
        let frame = with_header(&sll2, &IPV4_TCP);
        check_ipv4_tcp(&expect_tcp(decode_full(LINKTYPE_LINUX_SLL2, &frame)));
        assert!(matches!(
            decode_full(LINKTYPE_LINUX_SLL2, &sll2[..19]),
            Decoded::Issue(IssueKind::TruncatedFrame, _)
        ));
    }

    #[test]
    fn raw_ip_linktypes() {
        for linktype in [LINKTYPE_RAW, DLT_RAW_12, DLT_RAW_14, LINKTYPE_IPV4] {
            check_ipv4_tcp(&expect_tcp(decode_full(linktype, &IPV4_TCP)));
        }
        let mut v5 = IPV4_TCP;
        v5[0] = 0x55;
        assert!(matches!(
            decode_full(LINKTYPE_RAW, &v5),
            Decoded::Issue(IssueKind::BadIpHeader, _)
        ));
        // LINKTYPE_IPV6 holds IPv6 only.
        assert!(matches!(
            decode_full(LINKTYPE_IPV6, &IPV4_TCP),
            Decoded::Issue(IssueKind::TruncatedFrame | IssueKind::BadIpHeader, _)
        ));
    }

    #[test]
    fn bsd_null_in_both_byte_orders_and_loop() {
        let little = with_header(&hex!("02 00 00 00"), &IPV4_TCP); // AF_INET, little-endian host
        let big = with_header(&hex!("00 00 00 02"), &IPV4_TCP); // AF_INET, big-endian host
        check_ipv4_tcp(&expect_tcp(decode_full(LINKTYPE_NULL, &little)));
        check_ipv4_tcp(&expect_tcp(decode_full(LINKTYPE_NULL, &big)));
        check_ipv4_tcp(&expect_tcp(decode_full(LINKTYPE_LOOP, &big)));
        // LOOP is network order only: 02 00 00 00 is family 0x02000000, not IPv4.
        assert_eq!(decode_full(LINKTYPE_LOOP, &little), Decoded::Other);
        // IPv6 families of the BSDs: 24, 28, 30.
        for family in [24u32, 28, 30] {
            let frame = with_header(&family.to_le_bytes(), &IPV6_TCP);
            let t = expect_tcp(decode_full(LINKTYPE_NULL, &frame));
            assert_eq!(t.dport, 443);
        }
    }

    #[test]
    fn ppp_hdlc_and_cisco() {
        let framed = with_header(&hex!("ff 03 00 21"), &IPV4_TCP); // address, control, IPv4
        let bare = with_header(&hex!("00 21"), &IPV4_TCP); // protocol IPv4
        let compressed = with_header(&hex!("21"), &IPV4_TCP); // compressed protocol IPv4
        let cisco = with_header(&hex!("0f 00 08 00"), &IPV4_TCP); // unicast, IPv4
        for (linktype, frame) in [
            (LINKTYPE_PPP, &framed),
            (LINKTYPE_PPP, &bare),
            (LINKTYPE_PPP, &compressed),
            (LINKTYPE_PPP_HDLC, &framed),
            (LINKTYPE_PPP_HDLC, &cisco),
            (LINKTYPE_C_HDLC, &cisco),
        ] {
            check_ipv4_tcp(&expect_tcp(decode_full(linktype, frame)));
        }
        let lcp = hex!("ff 03 c0 21 01 01 00 04"); // LCP configure-request
        assert_eq!(decode_full(LINKTYPE_PPP_HDLC, &lcp), Decoded::Other);
    }

    #[test]
    fn pppoe_session() {
        let frame = with_header(
            &hex!(
                "020000000002 020000000001" // MACs
                "88 64"                     // PPPoE session
                "11 00"                     // version 1, type 1, code 0
                "00 01"                     // session ID
                "00 31"                     // length 49 = 2 + 47
                "00 21"                     // PPP protocol IPv4
            ),
            &IPV4_TCP,
        );
        check_ipv4_tcp(&expect_tcp(decode_full(LINKTYPE_ETHERNET, &frame)));
    }

    #[test]
    fn unknown_linktype_and_non_ip() {
        assert_eq!(
            decode_full(147, &IPV4_TCP), // LINKTYPE_USER0
            Decoded::UnknownLinktype
        );
        let arp = hex!("ffffffffffff 020000000001 0806 0001 0800 0604 0001");
        assert_eq!(decode_full(LINKTYPE_ETHERNET, &arp), Decoded::Other);
    }

    // IPv6 2001:db8::1:40000 -> 2001:db8::2:443 with a hop-by-hop header, a destination
    // options header, a routing header, a first fragment and AH before TCP.
    const IPV6_EXT_TCP: [u8; 108] = hex!(
        "60 00 00 00"       // version 6, traffic class 0, flow label 0
        "00 44"             // payload length 68 = 8+8+8+8+16 ext + 20 TCP
        "00"                // next header: hop-by-hop options
        "40"                // hop limit 64
        "20010db8000000000000000000000001" // source
        "20010db8000000000000000000000002" // destination
        "3c 00 01 04 00 00 00 00" // hop-by-hop: next dst-opts, len 0 (8 bytes), PadN
        "2b 00 01 04 00 00 00 00" // destination options: next routing, len 0, PadN
        "2c 00 04 00 00 00 00 00" // routing: next fragment, len 0, type 4, segments left 0
        "33 00 00 01 00 00 00 07" // fragment: next AH, offset 0, M=1, id 7
        "06 02 00 00"       // AH: next TCP, payload len 2 ((2+2)*4 = 16 bytes)
        "00 00 01 00"       // SPI
        "00 00 00 01"       // sequence number
        "00 00 00 00"       // ICV (4 bytes here)
        "9c 40 01 bb"       // ports 40000 -> 443
        "00 00 00 01"       // sequence number 1
        "00 00 00 02"       // acknowledgment number 2
        "50 10"             // data offset 5, flags ACK
        "01 00"             // window 256
        "00 00 00 00"       // checksum, urgent pointer
    );

    // IPv6 without extension headers, TCP with no options.
    const IPV6_TCP: [u8; 60] = hex!(
        "60 00 00 00"       // version 6
        "00 14"             // payload length 20
        "06"                // next header TCP
        "40"                // hop limit
        "20010db8000000000000000000000001" // source
        "20010db8000000000000000000000002" // destination
        "9c 40 01 bb"       // ports 40000 -> 443
        "00 00 00 01"       // seq
        "00 00 00 02"       // ack
        "50 12 01 00"       // data offset 5, SYN+ACK, window 256
        "00 00 00 00"       // checksum, urgent pointer
    );

    #[test]
    fn ipv6_extension_headers() {
        let t = expect_tcp(decode_full(LINKTYPE_RAW, &IPV6_EXT_TCP));
        assert_eq!(t.src, "2001:db8::1".parse::<IpAddr>().unwrap());
        assert_eq!(t.dst, "2001:db8::2".parse::<IpAddr>().unwrap());
        assert_eq!((t.sport, t.dport, t.seq, t.ack), (40000, 443, 1, 2));
        assert_eq!(t.flags, TcpFlags::ACK);
        assert_eq!(t.payload_len, 0);

        let t = expect_tcp(decode_full(LINKTYPE_IPV6, &IPV6_TCP));
        assert_eq!(t.flags, TcpFlags::SYN | TcpFlags::ACK);
    }

    #[test]
    fn ipv6_non_first_fragment_esp_and_no_next_header() {
        let mut frag = IPV6_EXT_TCP;
        frag[40 + 24 + 2..40 + 24 + 4].copy_from_slice(&hex!("00 09")); // offset 1 (8 bytes), M=1
        assert_eq!(decode_full(LINKTYPE_RAW, &frag), Decoded::Other);
        for next in [50u8, 59] {
            // ESP, No Next Header
            let mut p = IPV6_TCP;
            p[6] = next;
            assert_eq!(decode_full(LINKTYPE_RAW, &p), Decoded::Other);
        }
    }

    #[test]
    fn ipv6_extension_header_cut_or_too_long() {
        // Cut by the snapshot inside the routing header: truncated.
        let cut = &IPV6_EXT_TCP[..40 + 20];
        assert!(matches!(
            decode(LINKTYPE_RAW, cut, 108),
            Decoded::Issue(IssueKind::TruncatedFrame, _)
        ));
        // A hop-by-hop header claiming 2048 bytes in a 68-byte payload: bad header.
        let mut long = IPV6_EXT_TCP;
        long[41] = 0xff;
        assert!(matches!(
            decode_full(LINKTYPE_RAW, &long),
            Decoded::Issue(IssueKind::BadIpHeader, _)
        ));
    }

    #[test]
    fn ipv4_bad_ihl_version_and_length() {
        let mut p = IPV4_TCP;
        p[0] = 0x44; // IHL 4: 16 bytes
        assert!(matches!(
            decode_full(LINKTYPE_RAW, &p),
            Decoded::Issue(IssueKind::BadIpHeader, d) if d.contains("16")
        ));
        let mut p = IPV4_TCP;
        p[0] = 0x4f; // IHL 15: 60 bytes, more than the 47-byte total length
        assert!(matches!(
            decode_full(LINKTYPE_RAW, &p),
            Decoded::Issue(IssueKind::BadIpHeader, _)
        ));
        let mut p = IPV4_TCP;
        p[0] = 0x65; // version 6 under Ethernet type IPv4
        assert!(matches!(
            decode_full(LINKTYPE_IPV4, &p),
            Decoded::Issue(IssueKind::BadIpHeader, _)
        ));
    }

    #[test]
    fn ipv4_fragments_and_other_protocols() {
        let mut first = IPV4_TCP;
        first[6..8].copy_from_slice(&hex!("20 00")); // MF, offset 0: decoded
        check_ipv4_tcp(&expect_tcp(decode_full(LINKTYPE_RAW, &first)));
        let mut later = IPV4_TCP;
        later[6..8].copy_from_slice(&hex!("00 03")); // offset 3 (24 bytes): no TCP header
        assert_eq!(decode_full(LINKTYPE_RAW, &later), Decoded::Other);
        let mut udp = IPV4_TCP;
        udp[9] = 17;
        assert_eq!(decode_full(LINKTYPE_RAW, &udp), Decoded::Other);
    }

    #[test]
    fn ipv4_total_length_zero_falls_back_to_the_frame() {
        // TSO/GSO captures carry total length 0; the wire length (here 47) is used.
        let mut p = IPV4_TCP;
        p[2..4].copy_from_slice(&[0, 0]);
        check_ipv4_tcp(&expect_tcp(decode_full(LINKTYPE_RAW, &p)));
        // Cut by the snapshot after the options: the payload length still comes from the
        // original frame length.
        let t = expect_tcp(decode(LINKTYPE_RAW, &p[..44], 1047));
        assert_eq!(t.payload_len, 1003);
        assert_eq!(t.payload, b"");
    }

    #[test]
    fn snaplen_cuts() {
        // Cut inside the payload: captured prefix, full length from the IP header.
        let t = expect_tcp(decode(LINKTYPE_RAW, &IPV4_TCP[..45], 47));
        assert_eq!((t.payload_len, t.payload), (3, &b"a"[..]));
        // Cut inside the options: what was captured, flagged.
        let t = expect_tcp(decode(LINKTYPE_RAW, &IPV4_TCP[..42], 47));
        assert_eq!(t.options, &hex!("02 04"));
        assert!(t.options_cut);
        assert_eq!((t.payload_len, t.payload), (3, &b""[..]));
        // Cut inside the fixed TCP header: no segment.
        assert!(matches!(
            decode(LINKTYPE_RAW, &IPV4_TCP[..39], 47),
            Decoded::Issue(IssueKind::TruncatedFrame, d) if d.contains("TCP")
        ));
        // Cut inside the IPv4 header.
        assert!(matches!(
            decode(LINKTYPE_RAW, &IPV4_TCP[..10], 47),
            Decoded::Issue(IssueKind::TruncatedFrame, _)
        ));
    }

    #[test]
    fn tcp_data_offset_past_the_packet_or_too_small() {
        let mut p = IPV4_TCP;
        p[32] = 0xf0; // data offset 15: 60 bytes, the segment has 27
        assert!(matches!(
            decode_full(LINKTYPE_RAW, &p),
            Decoded::Issue(IssueKind::BadTcpHeader, d) if d.contains("60")
        ));
        let mut p = IPV4_TCP;
        p[32] = 0x40; // data offset 4: 16 bytes
        assert!(matches!(
            decode_full(LINKTYPE_RAW, &p),
            Decoded::Issue(IssueKind::BadTcpHeader, _)
        ));
        // The IP header says 10 bytes of TCP: not even the fixed header.
        let mut p = IPV4_TCP;
        p[2..4].copy_from_slice(&30u16.to_be_bytes());
        assert!(matches!(
            decode_full(LINKTYPE_RAW, &p),
            Decoded::Issue(IssueKind::BadTcpHeader, _)
        ));
    }
}
