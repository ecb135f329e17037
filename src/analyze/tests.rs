//! Crafted captures for what no kernel does on demand: v0 handshakes, forged HMACs, bad
//! checksums, address-ID reuse, reinjections, join floods. Each builds a pcap with the
//! capture writer, reads it back like a file, and checks the numbers the scenario defines.

#![allow(clippy::many_single_char_names)] // c: the capture, p: a path, r: the report
use std::net::SocketAddr;
use std::ops::ControlFlow;

use hex_literal::hex;

use crate::capture::link::LINKTYPE_ETHERNET;
use crate::capture::writer::{PcapWriter, TcpFrame, tcp_frame};
use crate::capture::{TcpFlags, read_capture};
use crate::mptcp::crypto::{self, Checksum};
use crate::mptcp::encode::{area, encode};
use crate::mptcp::option::{MpFail, MpPrio};
use crate::mptcp::{
    AddAddr, Dss, Hmac64, Hmac160, JoinForm, JoinHmac, Key, MpCapable, MpJoin, MptcpOption, Nonce,
    Token, Version,
};

use super::report::{EventKind, Report};
use super::{Analyzer, Limits};

const KEY_A: Key = Key(0x0102_0304_0506_0708);
const KEY_B: Key = Key(0x1112_1314_1516_1718);
const NONCE_A: Nonce = Nonce(0xaabb_ccdd);
const NONCE_B: Nonce = Nonce(0x1122_3344);
const T0: i64 = 1_700_000_000_000_000_000;
const MS: i64 = 1_000_000;

/// One subflow's endpoints and next sequence numbers.
struct Path {
    client: SocketAddr,
    server: SocketAddr,
    seq: [u32; 2],
}

impl Path {
    fn new(client: &str, server: &str, isn_c: u32, isn_s: u32) -> Self {
        Path {
            client: client.parse().unwrap(),
            server: server.parse().unwrap(),
            seq: [isn_c, isn_s],
        }
    }
}

/// Writes a capture segment by segment; time advances 1 ms per segment unless set.
struct Capture {
    w: PcapWriter<Vec<u8>>,
    t: i64,
}

impl Capture {
    fn new() -> Self {
        Capture {
            w: PcapWriter::new(Vec::new(), LINKTYPE_ETHERNET, 262_144).unwrap(),
            t: T0,
        }
    }

    /// Sends from the client (`from_client`) or the server, with options and payload;
    /// `captured` keeps only that much of the payload, as a short snapshot length does.
    fn send_cut(
        &mut self,
        p: &mut Path,
        from_client: bool,
        flags: TcpFlags,
        opts: &[MptcpOption<'_>],
        payload: &[u8],
        captured: usize,
    ) {
        let encoded: Vec<Vec<u8>> = opts.iter().map(encode).collect();
        self.send_area(p, from_client, flags, &area(&encoded), payload, captured);
    }

    /// As `send_cut`, with the options area given as bytes (malformed ones too).
    fn send_area(
        &mut self,
        p: &mut Path,
        from_client: bool,
        flags: TcpFlags,
        options: &[u8],
        payload: &[u8],
        captured: usize,
    ) {
        let (me, peer) = if from_client { (0, 1) } else { (1, 0) };
        let (src, dst) = if from_client {
            (p.client, p.server)
        } else {
            (p.server, p.client)
        };
        let ack = if flags.ack() { p.seq[peer] } else { 0 };
        let frame = tcp_frame(&TcpFrame {
            seq: p.seq[me],
            ack,
            flags,
            window: 1000,
            options,
            payload,
            ..TcpFrame::new(src, dst)
        });
        let cut = frame.len() - payload.len() + captured.min(payload.len());
        let orig = u32::try_from(frame.len()).unwrap();
        self.w.write_packet(self.t, &frame[..cut], orig).unwrap();
        let consumed =
            u32::try_from(payload.len()).unwrap() + u32::from(flags.syn()) + u32::from(flags.fin());
        p.seq[me] = p.seq[me].wrapping_add(consumed);
        self.t += MS;
    }

    fn send(
        &mut self,
        p: &mut Path,
        from_client: bool,
        flags: TcpFlags,
        opts: &[MptcpOption<'_>],
        payload: &[u8],
    ) {
        self.send_cut(p, from_client, flags, opts, payload, payload.len());
    }

    fn analyze(self, limits: Limits) -> Report {
        self.analyze_with(Analyzer::new(limits))
    }

    fn analyze_with(self, analyzer: Analyzer) -> Report {
        report_of(&self.w.into_inner(), analyzer)
    }
}

/// The report of a whole capture in memory.
pub(crate) fn report_of(capture: &[u8], mut analyzer: Analyzer) -> Report {
    let summary = read_capture(capture, |e| {
        analyzer.feed(&e);
        ControlFlow::Continue(())
    })
    .unwrap();
    analyzer.finish(summary.frames)
}

const SYN: TcpFlags = TcpFlags::SYN;
const SYN_ACK: TcpFlags = TcpFlags(0x12);
const ACK: TcpFlags = TcpFlags::ACK;

fn mpc(
    version: Version,
    flags: u8,
    sender: Option<Key>,
    receiver: Option<Key>,
) -> MptcpOption<'static> {
    MptcpOption::MpCapable(MpCapable {
        version,
        flags,
        sender_key: sender,
        receiver_key: receiver,
        data_len: None,
        checksum: None,
    })
}

/// A DSS mapping with 64-bit DSN and data ACK.
fn dss(
    data_ack: Option<u64>,
    dsn: u64,
    ssn: u32,
    len: u16,
    checksum: Option<u16>,
) -> MptcpOption<'static> {
    let flags = 0x0c | if data_ack.is_some() { 0x03 } else { 0 };
    MptcpOption::Dss(Dss {
        flags,
        data_ack,
        dsn: Some(dsn),
        ssn: Some(ssn),
        data_len: Some(len),
        checksum,
    })
}

fn data_ack(ack: u64) -> MptcpOption<'static> {
    MptcpOption::Dss(Dss {
        flags: 0x03,
        data_ack: Some(ack),
        dsn: None,
        ssn: None,
        data_len: None,
        checksum: None,
    })
}

fn idsn(version: Version, key: Key) -> u64 {
    crypto::key_hash(version, key).unwrap().idsn
}

fn token(version: Version, key: Key) -> Token {
    crypto::key_hash(version, key).unwrap().token
}

/// The v1 handshake of the first subflow (flag H, plus A when `checksums`).
fn v1_handshake(c: &mut Capture, p: &mut Path, checksums: bool) {
    let flags = 0x01 | if checksums { 0x80 } else { 0 };
    c.send(p, true, SYN, &[mpc(Version::V1, flags, None, None)], &[]);
    c.send(
        p,
        false,
        SYN_ACK,
        &[mpc(Version::V1, flags, Some(KEY_B), None)],
        &[],
    );
    c.send(
        p,
        true,
        ACK,
        &[mpc(Version::V1, flags, Some(KEY_A), Some(KEY_B))],
        &[],
    );
}

/// A join from the client to the server's token, with correct or forged HMACs.
fn join(
    c: &mut Capture,
    p: &mut Path,
    version: Version,
    addr_id: u8,
    backup: bool,
    forge_syn_ack: bool,
) {
    let syn = MpJoin {
        form: JoinForm::Syn,
        backup: Some(backup),
        addr_id: Some(addr_id),
        token: Some(token(version, KEY_B)),
        nonce: Some(NONCE_A),
        hmac: None,
    };
    c.send(p, true, SYN, &[MptcpOption::MpJoin(syn)], &[]);
    let mut thmac = crypto::join_hmac(version, KEY_B, KEY_A, NONCE_B, NONCE_A)
        .unwrap()
        .leftmost64();
    if forge_syn_ack {
        thmac = Hmac64(thmac.0 ^ 1);
    }
    let syn_ack = MpJoin {
        form: JoinForm::SynAck,
        backup: Some(false),
        addr_id: Some(0),
        token: None,
        nonce: Some(NONCE_B),
        hmac: Some(JoinHmac::Truncated(thmac)),
    };
    c.send(p, false, SYN_ACK, &[MptcpOption::MpJoin(syn_ack)], &[]);
    let hmac: Hmac160 = crypto::join_hmac(version, KEY_A, KEY_B, NONCE_A, NONCE_B)
        .unwrap()
        .leftmost160();
    let ack = MpJoin {
        form: JoinForm::Ack,
        backup: None,
        addr_id: None,
        token: None,
        nonce: None,
        hmac: Some(JoinHmac::Full(hmac)),
    };
    c.send(p, true, ACK, &[MptcpOption::MpJoin(ack)], &[]);
}

fn kinds(r: &Report) -> Vec<&'static str> {
    r.connections
        .iter()
        .flat_map(|c| c.anomalies.iter().map(|a| a.kind))
        .collect()
}

/// A connection with its join: subflow 0 from 10.0.1.1, subflow 1 from 10.0.2.1; and the DSN
/// of the client's first data byte.
fn two_subflows() -> (Capture, Path, Path, u64) {
    let mut c = Capture::new();
    let mut p0 = Path::new("10.0.1.1:40000", "10.0.1.2:80", 1000, 5000);
    let mut p1 = Path::new("10.0.2.1:40001", "10.0.1.2:80", 2000, 6000);
    v1_handshake(&mut c, &mut p0, false);
    join(&mut c, &mut p1, Version::V1, 1, false, false);
    let base = idsn(Version::V1, KEY_A).wrapping_add(1);
    (c, p0, p1, base)
}

#[test]
fn v1_connection_with_a_join_and_data_on_both_subflows() {
    let (mut c, mut p0, mut p1, dsn) = two_subflows();
    c.send(
        &mut p0,
        true,
        ACK,
        &[dss(None, dsn, 1, 100, None)],
        &[7; 100],
    );
    c.send(
        &mut p1,
        true,
        ACK,
        &[dss(None, dsn + 100, 1, 300, None)],
        &[7; 300],
    );
    c.send(&mut p0, false, ACK, &[data_ack(dsn + 400)], &[]);
    let r = c.analyze(Limits::default());

    assert_eq!(r.packets, 9);
    assert_eq!(r.connections.len(), 1);
    let conn = &r.connections[0];
    assert_eq!(conn.version, Some(1));
    // python3: hashlib.sha256(bytes.fromhex("0102030405060708")).digest()[:4], and so for B.
    assert_eq!(conn.client_token, Some(Token(0x6684_0dda)));
    assert_eq!(conn.server_token, Some(Token(0xccad_45ac)));
    assert_eq!(conn.subflows.len(), 2);
    assert!(conn.subflows[1].join);
    assert_eq!(conn.subflows[1].client_addr_id, Some(1));
    assert_eq!(conn.validation.join_hmac.ok, 2);
    assert_eq!(conn.data_bytes_client_to_server, 400);
    assert_eq!(
        (
            conn.subflows[0].bytes_client_to_server,
            conn.subflows[1].bytes_client_to_server
        ),
        (100, 300)
    );
    assert!((conn.subflows[1].share - 0.75).abs() < 1e-9);
    assert!(kinds(&r).is_empty(), "{:?}", kinds(&r));
}

#[test]
fn v0_handshake_and_join_use_sha1() {
    let mut c = Capture::new();
    let mut p0 = Path::new("192.0.2.1:40000", "192.0.2.2:80", 1, 2);
    let mut p1 = Path::new("198.51.100.1:40001", "192.0.2.2:80", 3, 4);
    // RFC 6824: keys in the SYN, the SYN-ACK and (both) the third ACK; flag H is HMAC-SHA1.
    c.send(
        &mut p0,
        true,
        SYN,
        &[mpc(Version::V0, 0x01, Some(KEY_A), None)],
        &[],
    );
    c.send(
        &mut p0,
        false,
        SYN_ACK,
        &[mpc(Version::V0, 0x01, Some(KEY_B), None)],
        &[],
    );
    c.send(
        &mut p0,
        true,
        ACK,
        &[mpc(Version::V0, 0x01, Some(KEY_A), Some(KEY_B))],
        &[],
    );
    join(&mut c, &mut p1, Version::V0, 2, true, false);
    let r = c.analyze(Limits::default());
    let conn = &r.connections[0];
    assert_eq!(conn.version, Some(0));
    // python3: hashlib.sha1(bytes.fromhex("0102030405060708")).digest()[:4], and so for B.
    assert_eq!(conn.client_token, Some(Token(0xdd57_83bc)));
    assert_eq!(conn.server_token, Some(Token(0x3383_d918)));
    assert_eq!(conn.validation.join_hmac.ok, 2);
    assert!(conn.subflows[1].backup);
}

#[test]
fn forged_join_hmac_is_reported() {
    let mut c = Capture::new();
    let mut p0 = Path::new("10.0.1.1:40000", "10.0.1.2:80", 1000, 5000);
    let mut p1 = Path::new("10.0.2.1:40001", "10.0.1.2:80", 2000, 6000);
    v1_handshake(&mut c, &mut p0, false);
    join(&mut c, &mut p1, Version::V1, 1, false, true);
    let r = c.analyze(Limits::default());
    let v = &r.connections[0].validation.join_hmac;
    assert_eq!((v.ok, v.bad), (1, 1));
    let bad: Vec<_> = r.connections[0]
        .anomalies
        .iter()
        .filter(|a| a.kind == "bad_join_hmac")
        .collect();
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].frame, Some(5)); // the SYN-ACK of the join
}

#[test]
fn join_with_unknown_token_makes_no_connection() {
    let mut c = Capture::new();
    let mut p = Path::new("10.0.2.1:40001", "10.0.1.2:80", 2000, 6000);
    let syn = MpJoin {
        form: JoinForm::Syn,
        backup: Some(false),
        addr_id: Some(1),
        token: Some(Token(0xdead_beef)),
        nonce: Some(NONCE_A),
        hmac: None,
    };
    c.send(&mut p, true, SYN, &[MptcpOption::MpJoin(syn)], &[]);
    let r = c.analyze(Limits::default());
    assert!(r.connections.is_empty());
    assert_eq!(r.anomalies.len(), 1);
    assert_eq!(r.anomalies[0].kind, "unknown_token_join");
    assert!(r.anomalies[0].detail.contains("deadbeef"));
    assert_eq!(r.unlinked_subflows.len(), 1);
    assert!(r.unlinked_subflows[0].join);
}

#[test]
fn join_flood_stays_within_limits() {
    let mut c = Capture::new();
    let limits = Limits {
        flows: 1000,
        anomalies: 100,
        ..Limits::default()
    };
    for i in 0..10_000u32 {
        let port = 1024 + u16::try_from(i % 60_000).unwrap();
        let mut p = Path::new(
            &format!("10.9.{}.{}:{port}", i / 250 % 250, i % 250 + 1),
            "10.0.1.2:80",
            i,
            0,
        );
        // Tokens from a multiplicative hash of i: distinct and scattered.
        let token = Token(i.wrapping_mul(0x9e37_79b9));
        let syn = MpJoin {
            form: JoinForm::Syn,
            backup: Some(false),
            addr_id: Some(1),
            token: Some(token),
            nonce: Some(NONCE_A),
            hmac: None,
        };
        c.send(&mut p, true, SYN, &[MptcpOption::MpJoin(syn)], &[]);
    }
    let r = c.analyze(limits);
    assert_eq!(r.packets, 10_000);
    assert!(r.connections.is_empty());
    assert_eq!(r.unlinked_subflows.len(), 1000);
    let kinds: Vec<_> = r.anomalies.iter().map(|a| a.kind).collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "unknown_token_join").count(),
        100
    );
    assert!(kinds.contains(&"anomaly_limit_reached"));
    assert!(
        r.anomalies
            .iter()
            .any(|a| a.kind == "not_analyzed" && a.detail.starts_with("9000 subflows"))
    );
}

#[test]
fn dss_checksums_ok_bad_and_not_verifiable() {
    let mut c = Capture::new();
    let mut p = Path::new("10.0.1.1:40000", "10.0.1.2:80", 1000, 5000);
    v1_handshake(&mut c, &mut p, true);
    let dsn = idsn(Version::V1, KEY_A).wrapping_add(1);
    let data = b"multipath checksummed data!";
    let len = u16::try_from(data.len()).unwrap();
    let sum = |dsn: u64, ssn: u32| {
        let mut s = Checksum::default();
        s.add(data);
        s.dss_value(dsn, ssn, len)
    };
    c.send(
        &mut p,
        true,
        ACK,
        &[dss(None, dsn, 1, len, Some(sum(dsn, 1)))],
        data,
    );
    let d2 = dsn + u64::from(len);
    c.send(
        &mut p,
        true,
        ACK,
        &[dss(
            None,
            d2,
            1 + u32::from(len),
            len,
            Some(sum(d2, 1 + u32::from(len)) ^ 0x0101),
        )],
        data,
    );
    let d3 = d2 + u64::from(len);
    let ssn3 = 1 + 2 * u32::from(len);
    c.send_cut(
        &mut p,
        true,
        ACK,
        &[dss(None, d3, ssn3, len, Some(sum(d3, ssn3)))],
        data,
        10,
    );
    // A mapping without a checksum although checksums were negotiated.
    c.send(
        &mut p,
        true,
        ACK,
        &[dss(
            None,
            d3 + u64::from(len),
            ssn3 + u32::from(len),
            len,
            None,
        )],
        data,
    );
    let r = c.analyze(Limits::default());
    let conn = &r.connections[0];
    assert!(conn.checksums);
    let v = &conn.validation.dss_checksum;
    assert_eq!((v.ok, v.bad, v.not_verifiable), (1, 1, 1));
    assert_eq!(kinds(&r), vec!["bad_dss_checksum", "missing_dss_checksum"]);
}

#[test]
fn checksum_over_a_mapping_split_in_segments() {
    let mut c = Capture::new();
    let mut p = Path::new("10.0.1.1:40000", "10.0.1.2:80", 1000, 5000);
    v1_handshake(&mut c, &mut p, true);
    let dsn = idsn(Version::V1, KEY_A).wrapping_add(1);
    let data: Vec<u8> = (0..=254).collect(); // odd length, split at an odd offset
    let mut s = Checksum::default();
    s.add(&data);
    let mapping = dss(None, dsn, 1, 255, Some(s.dss_value(dsn, 1, 255)));
    c.send(
        &mut p,
        true,
        ACK,
        std::slice::from_ref(&mapping),
        &data[..101],
    );
    // The second segment repeats the mapping, as each part of a split GSO packet does.
    c.send(&mut p, true, ACK, &[mapping], &data[101..]);
    let r = c.analyze(Limits::default());
    let v = &r.connections[0].validation.dss_checksum;
    assert_eq!((v.ok, v.bad, v.not_verifiable), (1, 0, 0));
    assert_eq!(r.connections[0].data_bytes_client_to_server, 255);
}

#[test]
fn add_addr_hmacs_and_address_id_reuse() {
    let mut c = Capture::new();
    let mut p = Path::new("10.0.1.1:40000", "10.0.1.2:80", 1000, 5000);
    v1_handshake(&mut c, &mut p, false);
    let announce = |addr: &str, port: Option<u16>, leftmost: bool, forge: bool| {
        let addr = addr.parse().unwrap();
        let d = crypto::add_addr_hmac(KEY_B, KEY_A, 1, addr, port);
        let mut h = if leftmost {
            d.leftmost64()
        } else {
            d.rightmost64()
        };
        if forge {
            h = Hmac64(h.0.rotate_left(8));
        }
        MptcpOption::AddAddr(AddAddr {
            version: Version::V1,
            echo: Some(false),
            addr_id: 1,
            addr,
            port,
            hmac: Some(h),
            ipver: None,
        })
    };
    c.send(
        &mut p,
        false,
        ACK,
        &[announce("10.0.2.2", Some(8080), false, false)],
        &[],
    );
    c.send(
        &mut p,
        false,
        ACK,
        &[announce("10.0.2.2", Some(8080), true, false)],
        &[],
    );
    c.send(
        &mut p,
        false,
        ACK,
        &[announce("10.0.3.2", None, false, false)],
        &[],
    );
    c.send(
        &mut p,
        false,
        ACK,
        &[announce("10.0.3.2", None, false, true)],
        &[],
    );
    let echo = MptcpOption::AddAddr(AddAddr {
        version: Version::V1,
        echo: Some(true),
        addr_id: 1,
        addr: "10.9.9.9".parse().unwrap(),
        port: None,
        hmac: None,
        ipver: None,
    });
    c.send(&mut p, true, ACK, &[echo], &[]);
    let r = c.analyze(Limits::default());
    let conn = &r.connections[0];
    let v = &conn.validation.add_addr_hmac;
    assert_eq!((v.ok, v.ok_leftmost, v.bad), (2, Some(1), 1));
    assert_eq!(
        kinds(&r),
        vec![
            "addr_id_reused",
            "bad_add_addr_hmac",
            "add_addr_echo_unmatched"
        ]
    );
    let verdicts: Vec<_> = conn
        .events
        .iter()
        .filter_map(|e| match &e.what {
            EventKind::AddAddr { hmac, .. } => Some(*hmac),
            _ => None,
        })
        .collect();
    assert_eq!(
        verdicts,
        vec![
            Some("ok"),
            Some("ok_leftmost"),
            Some("ok"),
            Some("bad"),
            None
        ]
    );
}

#[test]
fn reinjection_counts_once_at_the_data_level() {
    let (mut c, mut p0, mut p1, dsn) = two_subflows();
    c.send(
        &mut p0,
        true,
        ACK,
        &[dss(None, dsn, 1, 1000, None)],
        &[1; 1000],
    );
    c.send(
        &mut p0,
        true,
        ACK,
        &[dss(None, dsn + 1000, 1001, 500, None)],
        &[1; 500],
    );
    // The first 1000 bytes again, on the other subflow.
    c.send(
        &mut p1,
        true,
        ACK,
        &[dss(None, dsn, 1, 1000, None)],
        &[1; 1000],
    );
    let r = c.analyze(Limits::default());
    let conn = &r.connections[0];
    assert_eq!(conn.data_bytes_client_to_server, 1500);
    assert_eq!(conn.bytes_client_to_server, 2500);
    assert_eq!(
        (
            conn.reinjections_client_to_server,
            conn.reinjected_bytes_client_to_server
        ),
        (1, 1000)
    );
}

#[test]
fn four_byte_dsn_is_expanded_by_its_own_flag() {
    // The second subflow sends the first subflow's data again with a 4-byte DSN and an
    // 8-byte data ACK. Expanded by the DSN's own flag `m`, it is the same data: a
    // reinjection. Expanded by the data ACK's `a`, as some tools do, the 4-byte value would
    // be taken as a whole DSN, and the bytes as new data far from the rest.
    let (mut c, mut p0, mut p1, start) = two_subflows();
    assert!(start > 1 << 32, "the test needs a DSN with a high half");
    c.send(
        &mut p0,
        true,
        ACK,
        &[dss(None, start, 1, 100, None)],
        &[0; 100],
    );
    let dss32 = MptcpOption::Dss(Dss {
        flags: 0x07, // A a M, not m: 8-byte data ACK, 4-byte DSN
        data_ack: Some(idsn(Version::V1, KEY_B).wrapping_add(1)),
        dsn: Some(start & 0xffff_ffff),
        ssn: Some(1),
        data_len: Some(100),
        checksum: None,
    });
    c.send(&mut p1, true, ACK, &[dss32], &[0; 100]);
    let r = c.analyze(Limits::default());
    let conn = &r.connections[0];
    assert_eq!(conn.data_bytes_client_to_server, 100);
    assert_eq!(
        (
            conn.reinjections_client_to_server,
            conn.reinjected_bytes_client_to_server
        ),
        (1, 100)
    );
    assert!(kinds(&r).is_empty());
}

#[test]
fn echoed_key_mismatch_and_fallbacks() {
    let mut c = Capture::new();
    let mut p = Path::new("10.0.1.1:40000", "10.0.1.2:80", 1000, 5000);
    c.send(
        &mut p,
        true,
        SYN,
        &[mpc(Version::V1, 0x01, None, None)],
        &[],
    );
    c.send(
        &mut p,
        false,
        SYN_ACK,
        &[mpc(Version::V1, 0x01, Some(KEY_B), None)],
        &[],
    );
    c.send(
        &mut p,
        true,
        ACK,
        &[mpc(Version::V1, 0x01, Some(KEY_A), Some(Key(7)))],
        &[],
    );
    c.send(
        &mut p,
        true,
        ACK,
        &[MptcpOption::MpFail(MpFail { dsn: 42 })],
        &[],
    );
    let r = c.analyze(Limits::default());
    let conn = &r.connections[0];
    assert_eq!(kinds(&r), vec!["echoed_key_mismatch"]);
    assert_eq!(conn.fallback_reason, Some("mp_fail"));

    // A SYN-ACK without MP_CAPABLE: the server speaks plain TCP.
    let mut c = Capture::new();
    let mut p = Path::new("10.0.1.1:40000", "10.0.1.2:80", 1000, 5000);
    c.send(
        &mut p,
        true,
        SYN,
        &[mpc(Version::V1, 0x01, None, None)],
        &[],
    );
    c.send(&mut p, false, SYN_ACK, &[], &[]);
    c.send(&mut p, true, ACK, &[], &[1; 10]);
    let r = c.analyze(Limits::default());
    assert_eq!(
        r.connections[0].fallback_reason,
        Some("syn_ack_without_mp_capable")
    );
    assert_eq!(r.connections[0].bytes_client_to_server, 10);
    assert_eq!(r.plain_tcp_connections, 0);
}

#[test]
fn midstream_subflow_is_linked_by_its_data_sequence_numbers() {
    let mut c = Capture::new();
    let mut p0 = Path::new("10.0.1.1:40000", "10.0.1.2:80", 1000, 5000);
    let mut p1 = Path::new("10.0.2.1:40001", "10.0.1.2:80", 2000, 6000);
    v1_handshake(&mut c, &mut p0, false);
    let dsn = idsn(Version::V1, KEY_A).wrapping_add(1);
    c.send(
        &mut p0,
        true,
        ACK,
        &[dss(None, dsn, 1, 100, None)],
        &[0; 100],
    );
    // A subflow whose join was not captured carries the next data.
    c.send(
        &mut p1,
        true,
        ACK,
        &[dss(None, dsn + 100, 1, 100, None)],
        &[0; 100],
    );
    // One that belongs to nothing in the capture.
    let mut p2 = Path::new("10.0.3.1:40002", "10.0.1.2:80", 3000, 7000);
    c.send(
        &mut p2,
        true,
        ACK,
        &[dss(None, 0x7777_0000_0000_0000, 1, 100, None)],
        &[0; 100],
    );
    let r = c.analyze(Limits::default());
    let conn = &r.connections[0];
    assert_eq!(conn.subflows.len(), 2);
    assert!(!conn.subflows[1].handshake);
    assert_eq!(conn.data_bytes_client_to_server, 200);
    assert_eq!(kinds(&r), vec!["linked_by_data_sequence"]);
    assert_eq!(r.unlinked_subflows.len(), 1);
    assert_eq!(r.unlinked_subflows[0].client_port, 40002);
}

#[test]
fn failover_gap_when_data_moves_to_the_backup() {
    let mut c = Capture::new();
    let mut p0 = Path::new("10.0.1.1:40000", "10.0.1.2:80", 1000, 5000);
    let mut p1 = Path::new("10.0.2.1:40001", "10.0.1.2:80", 2000, 6000);
    v1_handshake(&mut c, &mut p0, false);
    join(&mut c, &mut p1, Version::V1, 1, true, false);
    let mut dsn = idsn(Version::V1, KEY_A).wrapping_add(1);
    let mut ssn = [1u32, 1];
    let mut send = |c: &mut Capture, p: &mut Path, i: usize| {
        c.send(
            p,
            true,
            ACK,
            &[dss(None, dsn, ssn[i], 100, None)],
            &[0; 100],
        );
        dsn += 100;
        ssn[i] += 100;
    };
    for _ in 0..10 {
        send(&mut c, &mut p0, 0);
    }
    let last_on_first = c.t - MS;
    c.t += 700 * MS; // the first path dies: 700 ms without data
    let first_on_backup = c.t;
    for _ in 0..1500 {
        send(&mut c, &mut p1, 1);
    }
    let r = c.analyze(Limits::default());
    let conn = &r.connections[0];
    let failovers: Vec<_> = conn
        .events
        .iter()
        .filter_map(|e| match &e.what {
            EventKind::Failover {
                from_subflow,
                to_subflow,
                gap_ms,
                to_backup,
                ..
            } => Some((e.time, *from_subflow, *to_subflow, *gap_ms, *to_backup)),
            _ => None,
        })
        .collect();
    assert_eq!(failovers.len(), 1);
    let (time, from, to, gap, to_backup) = failovers[0];
    assert_eq!((from, to, to_backup), (0, 1, true));
    #[allow(clippy::cast_precision_loss)]
    let expected_gap = (first_on_backup - last_on_first) as f64 / 1e6;
    assert!((gap - expected_gap).abs() < 1e-6, "gap {gap} ms");
    #[allow(clippy::cast_precision_loss)]
    let expected_time = (last_on_first - T0) as f64 / 1e9;
    assert!((time - expected_time).abs() < 1e-6);
    // The timeline shows each subflow's stretch of activity.
    assert_eq!(conn.timeline.len(), 2);
    assert_eq!(
        (conn.timeline[0].subflow, conn.timeline[0].bytes),
        (0, 1000)
    );
    assert_eq!(
        (conn.timeline[1].subflow, conn.timeline[1].bytes),
        (1, 150_000)
    );
}

#[test]
fn mp_prio_changes_the_backup_flag() {
    let (mut c, _, mut p1, _) = two_subflows();
    c.send(
        &mut p1,
        true,
        ACK,
        &[MptcpOption::MpPrio(MpPrio {
            backup: true,
            addr_id: None,
        })],
        &[],
    );
    let r = c.analyze(Limits::default());
    let sf = &r.connections[0].subflows[1];
    assert!(sf.backup && sf.backup_client && !sf.backup_server);
    assert!(!r.connections[0].subflows[0].backup);
}

#[test]
fn a_new_syn_on_the_same_ports_is_a_new_connection() {
    let mut c = Capture::new();
    let mut p = Path::new("10.0.1.1:40000", "10.0.1.2:80", 1000, 5000);
    v1_handshake(&mut c, &mut p, false);
    c.send(&mut p, true, TcpFlags(0x11), &[], &[]);
    c.send(&mut p, false, TcpFlags(0x11), &[], &[]);
    // The same 4-tuple again, a new ISN: first a plain TCP connection, then an MPTCP one.
    let mut plain = Path::new("10.0.1.1:40000", "10.0.1.2:80", 90_000, 95_000);
    c.send(&mut plain, true, SYN, &[], &[]);
    c.send(&mut plain, false, SYN_ACK, &[], &[]);
    c.send(&mut plain, true, ACK, &[], &[1; 10]);
    let mut again = Path::new("10.0.1.1:40000", "10.0.1.2:80", 70_000, 75_000);
    v1_handshake(&mut c, &mut again, false);
    let r = c.analyze(Limits::default());
    assert_eq!(r.connections.len(), 2);
    assert_eq!(r.plain_tcp_connections, 1);
    assert_eq!(r.connections[0].state, "closed");
    assert_eq!(r.connections[0].bytes_client_to_server, 0);
    assert_eq!(r.connections[1].state, "established");
}

#[test]
fn broken_mptcp_option_without_a_connection_is_a_capture_finding() {
    let mut c = Capture::new();
    // Crafted: a SYN whose only option is kind 30 with length 0, which no walk can step
    // over. The flow has no connection to file the finding under.
    let mut p = Path::new("10.0.0.1:40000", "10.0.0.2:80", 1, 0);
    c.send_area(&mut p, true, SYN, &hex!("1e 00 00 00"), &[], 0);
    // A SYN whose MSS option has length 0: a broken area, but nothing in it says MPTCP.
    let mut q = Path::new("10.0.0.3:40000", "10.0.0.2:80", 1, 0);
    c.send_area(&mut q, true, SYN, &hex!("02 00 00 00"), &[], 0);
    let r = c.analyze(Limits::default());
    assert!(r.connections.is_empty());
    assert_eq!(r.mptcp_segments, 1);
    assert_eq!(r.plain_tcp_connections, 1);
    assert_eq!(r.unlinked_subflows.len(), 1);
    assert_eq!(r.unlinked_subflows[0].client_addr.to_string(), "10.0.0.1");
    assert_eq!(r.anomalies.len(), 1);
    let a = &r.anomalies[0];
    assert_eq!((a.kind, a.frame), ("malformed_option", Some(1)));
    assert_eq!(
        a.detail,
        "10.0.0.1:40000 > 10.0.0.2:80: TCP option kind 30 at offset 0 has length 0, less than 2"
    );
}

mod perf;
