//! Packet sequences built from the fuzz input, so that the analyzer reaches deep states:
//! MP_CAPABLE handshakes, joins with right and wrong HMACs, DSS mappings (32- and 64-bit,
//! with checksums), ADD_ADDR, REMOVE_ADDR, MP_PRIO, MP_FAIL, MP_FASTCLOSE, MP_TCPRST,
//! unknown and malformed options, snapshot cuts, port reuse and time jumps. The capture is
//! written with `capture::writer`, options with `mptcp::encode`, then read back and analyzed
//! (and decoded) as a file would be.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::ops::ControlFlow;
use std::path::PathBuf;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use mptcpstat::analyze::{Analyzer, Limits};
use mptcpstat::capture::link::LINKTYPE_ETHERNET;
use mptcpstat::capture::writer::{PcapWriter, TcpFrame, tcp_frame};
use mptcpstat::capture::{Event, TcpFlags, read_capture};
use mptcpstat::cmd::decode::{Args, decode};
use mptcpstat::mptcp::crypto::{self, Checksum};
use mptcpstat::mptcp::encode::{area, encode};
use mptcpstat::mptcp::option::{MpFail, MpFastclose, MpPrio, MpTcprst, RemoveAddr, Unknown};
use mptcpstat::mptcp::{
    AddAddr, Dss, Hmac64, Hmac160, JoinForm, JoinHmac, Key, MpCapable, MpJoin, MptcpOption, Nonce,
    Token, Version,
};
use mptcpstat::output::{Format, Output, Style};

/// Few keys and nonces, so that tokens, IDSNs and HMACs of different steps meet.
const KEYS: [Key; 4] = [
    Key(0x0102_0304_0506_0708),
    Key(0x1112_1314_1516_1718),
    Key(0xa1a2_a3a4_a5a6_a7a8),
    Key(0xffff_ffff_ffff_fff0),
];
const NONCES: [Nonce; 2] = [Nonce(0xaabb_ccdd), Nonce(0x1122_3344)];

/// Subflow endpoints: client, server. Two share a client address, two are IPv6.
fn path(i: u8) -> (SocketAddr, SocketAddr) {
    let v4 = |a: [u8; 4], port| SocketAddr::new(IpAddr::V4(Ipv4Addr::from(a)), port);
    let v6 = |last: u16, port| {
        SocketAddr::new(
            IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, last)),
            port,
        )
    };
    match i % 6 {
        0 => (v4([10, 0, 0, 1], 40000), v4([10, 0, 0, 2], 80)),
        1 => (v4([10, 0, 1, 1], 40001), v4([10, 0, 0, 2], 80)),
        2 => (v4([10, 0, 0, 1], 40002), v4([10, 0, 1, 2], 80)),
        3 => (v4([10, 0, 0, 2], 80), v4([10, 0, 2, 1], 50000)),
        4 => (v6(1, 40000), v6(2, 443)),
        _ => (v6(3, 40001), v6(2, 443)),
    }
}

#[derive(Debug, Arbitrary)]
struct Step {
    path: u8,
    from_client: bool,
    flags: u8,
    /// Added to the next sequence number: 0 sends in order, others retransmit or skip.
    seq_skew: i8,
    /// Payload length, modulo 1460.
    payload: u16,
    /// Bytes cut from the end of the frame, as a snapshot length does.
    cut: u8,
    /// Microseconds since the previous step; the top bit makes it seconds.
    dt: u16,
    options: Vec<Opt>,
}

#[derive(Debug, Arbitrary)]
enum Opt {
    Capable {
        version: u8,
        flags: u8,
        /// 0: SYN (no key in v1), 1: one key, 2: two keys, 3: and a data length, 4: and a checksum.
        form: u8,
        sender: u8,
        receiver: u8,
        data_len: u16,
        checksum: u16,
    },
    JoinSyn {
        /// Ok: the token of the server's key (as sent so far), else of a key; Err: any value.
        token: Result<u8, u32>,
        addr_id: u8,
        backup: bool,
        nonce: u8,
    },
    JoinSynAck {
        /// Ok: the right HMAC for the keys and nonces sent so far; Err: any value.
        hmac: Result<(), u64>,
        addr_id: u8,
        backup: bool,
        nonce: u8,
    },
    JoinAck {
        hmac: Result<(), [u8; 20]>,
    },
    Dss {
        flags: u8,
        /// The data ACK or DSN: near a key's IDSN, or any value.
        data_ack: Result<(u8, u16), u64>,
        dsn: Result<(u8, u16), u64>,
        /// None: the segment's own relative sequence number.
        ssn: Option<u32>,
        /// None: the segment's payload length.
        data_len: Option<u16>,
        /// None: no checksum; Some(None): the right one for this segment; Some(Some(c)): c.
        checksum: Option<Option<u16>>,
    },
    AddAddr {
        v0: bool,
        echo: bool,
        addr_id: u8,
        v6: bool,
        last: u8,
        port: Option<u16>,
        /// Ok: the right HMAC for the keys sent so far; Err: any value; None: no HMAC.
        hmac: Option<Result<(), u64>>,
    },
    RemoveAddr(Vec<u8>),
    MpPrio {
        backup: bool,
        addr_id: Option<u8>,
    },
    MpFail(u64),
    /// Ok: the receiver's key as sent so far; Err: any key.
    Fastclose(Result<(), u64>),
    Tcprst {
        flags: u8,
        reason: u8,
    },
    Unknown {
        subtype: u8,
        data: Vec<u8>,
    },
    /// Any bytes as an option (kind 30 and its length included): malformed ones too.
    Raw(Vec<u8>),
}

fn key(i: u8) -> Key {
    KEYS[usize::from(i) % KEYS.len()]
}

fn nonce(i: u8) -> Nonce {
    NONCES[usize::from(i) % NONCES.len()]
}

fn key_hash(k: Key) -> Option<crypto::KeyHash> {
    crypto::key_hash(Version::V1, k)
}

fn near(v: Result<(u8, u16), u64>) -> u64 {
    match v {
        Ok((k, off)) => key_hash(key(k))
            .map_or(0, |h| h.idsn)
            .wrapping_add(1 + u64::from(off)),
        Err(raw) => raw,
    }
}

/// What the capture has said so far, so that "right" values are right for it.
#[derive(Default)]
struct Sent {
    /// The last key each side sent in an MP_CAPABLE: client, server.
    keys: [Option<Key>; 2],
    /// The last MP_JOIN nonce each side sent, per path.
    nonces: [[Option<Nonce>; 2]; 6],
    /// Each side's initial sequence number, per path: that of its last SYN.
    isn: [[u32; 2]; 6],
}

/// One segment being built: its path, direction, sequence number and payload.
struct Here<'a> {
    path: usize,
    me: usize,
    seq: u32,
    payload: &'a [u8],
}

/// The option's bytes on the wire.
fn bytes(opt: Opt, sent: &mut Sent, here: &Here<'_>) -> Vec<u8> {
    let (me, peer) = (here.me, 1 - here.me);
    let keys = sent.keys;
    let nonces = sent.nonces[here.path];
    let o = match opt {
        Opt::Capable {
            version,
            flags,
            form,
            sender,
            receiver,
            data_len,
            checksum,
        } => {
            let form = form % 5;
            let sender_key = (form >= 1).then(|| key(sender));
            if let Some(k) = sender_key {
                sent.keys[me] = Some(k);
            }
            MptcpOption::MpCapable(MpCapable {
                version: Version::from_u8(version % 3),
                flags,
                sender_key,
                receiver_key: (form >= 2).then(|| keys[peer].unwrap_or_else(|| key(receiver))),
                data_len: (form >= 3).then_some(data_len),
                checksum: (form >= 4).then_some(checksum),
            })
        }
        Opt::JoinSyn {
            token,
            addr_id,
            backup,
            nonce: n,
        } => {
            sent.nonces[here.path][me] = Some(nonce(n));
            let token = match token {
                Ok(k) => keys[1]
                    .or(Some(key(k)))
                    .and_then(key_hash)
                    .map_or(Token(0), |h| h.token),
                Err(t) => Token(t),
            };
            MptcpOption::MpJoin(MpJoin {
                form: JoinForm::Syn,
                backup: Some(backup),
                addr_id: Some(addr_id),
                token: Some(token),
                nonce: Some(nonce(n)),
                hmac: None,
            })
        }
        Opt::JoinSynAck {
            hmac,
            addr_id,
            backup,
            nonce: n,
        } => {
            sent.nonces[here.path][me] = Some(nonce(n));
            // The listener's: its key and nonce first.
            let h = match hmac {
                Ok(()) => crypto::join_hmac(
                    Version::V1,
                    keys[me].unwrap_or(KEYS[0]),
                    keys[peer].unwrap_or(KEYS[1]),
                    nonce(n),
                    nonces[peer].unwrap_or(NONCES[0]),
                )
                .map_or(Hmac64(0), |d| d.leftmost64()),
                Err(raw) => Hmac64(raw),
            };
            MptcpOption::MpJoin(MpJoin {
                form: JoinForm::SynAck,
                backup: Some(backup),
                addr_id: Some(addr_id),
                token: None,
                nonce: Some(nonce(n)),
                hmac: Some(JoinHmac::Truncated(h)),
            })
        }
        Opt::JoinAck { hmac } => {
            let h = match hmac {
                Ok(()) => crypto::join_hmac(
                    Version::V1,
                    keys[me].unwrap_or(KEYS[0]),
                    keys[peer].unwrap_or(KEYS[1]),
                    nonces[me].unwrap_or(NONCES[0]),
                    nonces[peer].unwrap_or(NONCES[1]),
                )
                .map_or(Hmac160([0; 20]), |d| d.leftmost160()),
                Err(raw) => Hmac160(raw),
            };
            MptcpOption::MpJoin(MpJoin {
                form: JoinForm::Ack,
                backup: None,
                addr_id: None,
                token: None,
                nonce: None,
                hmac: Some(JoinHmac::Full(h)),
            })
        }
        Opt::Dss {
            flags,
            data_ack,
            dsn,
            ssn,
            data_len,
            checksum,
        } => {
            let flags = flags & 0x1f;
            let wide = |v: u64, bit: u8| if flags & bit != 0 { v } else { v & 0xffff_ffff };
            let mapped = flags & 0x04 != 0;
            let dsn = wide(near(dsn), 0x08);
            let ssn = ssn.unwrap_or_else(|| here.seq.wrapping_sub(sent.isn[here.path][me]));
            let data_len = data_len.unwrap_or(here.payload.len() as u16);
            let checksum = checksum.filter(|_| mapped).map(|c| {
                c.unwrap_or_else(|| {
                    // Over the whole mapping when this segment carries all of it; the
                    // checksum always takes the 64-bit DSN (RFC 8684 §3.3.1).
                    let mut sum = Checksum::default();
                    sum.add(here.payload);
                    let dsn64 = if flags & 0x08 != 0 {
                        dsn
                    } else {
                        keys[me]
                            .and_then(key_hash)
                            .map_or(dsn, |h| (h.idsn & !0xffff_ffff) | dsn)
                    };
                    sum.dss_value(dsn64, ssn, data_len)
                })
            });
            MptcpOption::Dss(Dss {
                flags,
                data_ack: (flags & 0x01 != 0).then(|| wide(near(data_ack), 0x02)),
                dsn: mapped.then_some(dsn),
                ssn: mapped.then_some(ssn),
                data_len: mapped.then_some(data_len),
                checksum,
            })
        }
        Opt::AddAddr {
            v0,
            echo,
            addr_id,
            v6,
            last,
            port,
            hmac,
        } => {
            let addr = if v6 {
                IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, u16::from(last)))
            } else {
                IpAddr::V4(Ipv4Addr::new(10, 0, last % 4, 1))
            };
            let hmac = if v0 || echo {
                None
            } else {
                hmac.map(|h| match h {
                    Ok(()) => crypto::add_addr_hmac(
                        keys[me].unwrap_or(KEYS[0]),
                        keys[peer].unwrap_or(KEYS[1]),
                        addr_id,
                        addr,
                        port,
                    )
                    .rightmost64(),
                    Err(raw) => Hmac64(raw),
                })
            };
            MptcpOption::AddAddr(AddAddr {
                version: if v0 { Version::V0 } else { Version::V1 },
                echo: (!v0).then_some(echo),
                addr_id,
                addr,
                port,
                hmac,
                ipver: v0.then_some(if v6 { 6 } else { 4 }),
            })
        }
        Opt::RemoveAddr(ids) => {
            let ids = &ids[..ids.len().min(8)];
            return encode(&MptcpOption::RemoveAddr(RemoveAddr { addr_ids: ids }));
        }
        Opt::MpPrio { backup, addr_id } => MptcpOption::MpPrio(MpPrio { backup, addr_id }),
        Opt::MpFail(dsn) => MptcpOption::MpFail(MpFail { dsn }),
        Opt::Fastclose(k) => MptcpOption::MpFastclose(MpFastclose {
            key: match k {
                Ok(()) => keys[peer].unwrap_or(KEYS[1]),
                Err(raw) => Key(raw),
            },
        }),
        Opt::Tcprst { flags, reason } => MptcpOption::MpTcprst(MpTcprst {
            flags: flags & 0x0f,
            transient: flags & 1 != 0,
            reason,
        }),
        Opt::Unknown { subtype, data } => {
            let mut data = data;
            data.truncate(12);
            let code = 9 + subtype % 7; // 9..=15: unassigned and MP_EXPERIMENTAL
            if let Some(first) = data.first_mut() {
                *first = (code << 4) | (*first & 0x0f);
            } else {
                data.push(code << 4);
            }
            return encode(&MptcpOption::Unknown(Unknown {
                kind_subtype: code,
                data: &data,
            }));
        }
        Opt::Raw(mut raw) => {
            raw.truncate(40);
            return raw;
        }
    };
    encode(&o)
}

/// The input: steps, after an MP_CAPABLE handshake on path 0 when `handshake` is set, so
/// that most inputs start from an established connection with known keys.
#[derive(Debug, Arbitrary)]
struct Input {
    handshake: bool,
    steps: Vec<Step>,
}

/// MP_CAPABLE v1 with checksums (flags A and H): SYN, SYN-ACK with the server's key, third
/// ACK with both keys; keys 0 (client) and 1 (server).
fn handshake() -> Vec<Step> {
    let step = |from_client, flags, form, sender| Step {
        path: 0,
        from_client,
        flags,
        seq_skew: 0,
        payload: 0,
        cut: 0,
        dt: 100,
        options: vec![Opt::Capable {
            version: 1,
            flags: 0x81,
            form,
            sender,
            receiver: 0,
            data_len: 0,
            checksum: 0,
        }],
    };
    vec![
        step(true, 0x02, 0, 0),
        step(false, 0x12, 1, 1),
        step(true, 0x10, 2, 0),
    ]
}

fn build(input: Input) -> Vec<u8> {
    let mut steps = if input.handshake {
        handshake()
    } else {
        Vec::new()
    };
    steps.extend(input.steps);
    let mut w = PcapWriter::new(Vec::new(), LINKTYPE_ETHERNET, 0).unwrap();
    let mut t: i64 = 1_700_000_000_000_000_000;
    let mut next = [[1000u32, 5000u32]; 6];
    let mut sent = Sent {
        isn: next,
        ..Sent::default()
    };
    let pattern: Vec<u8> = (0..1460u32).map(|i| (i * 7 + 3) as u8).collect();
    for step in steps.into_iter().take(512) {
        let p = usize::from(step.path) % 6;
        let (client, server) = path(step.path);
        let (me, peer) = if step.from_client { (0, 1) } else { (1, 0) };
        let (src, dst) = if step.from_client {
            (client, server)
        } else {
            (server, client)
        };
        let flags = TcpFlags(step.flags);
        let payload = &pattern[..usize::from(step.payload) % 1460];
        let seq = next[p][me].wrapping_add_signed(i32::from(step.seq_skew));
        if flags.syn() {
            sent.isn[p][me] = seq;
        }
        let here = Here {
            path: p,
            me,
            seq,
            payload,
        };
        // Options in order while they fit the 40 bytes of the options area.
        let mut encoded: Vec<Vec<u8>> = Vec::new();
        for opt in step.options.into_iter().take(6) {
            let b = bytes(opt, &mut sent, &here);
            encoded.push(b);
            if area(&encoded).len() > 40 {
                encoded.pop();
                break;
            }
        }
        let options = area(&encoded);
        let frame = tcp_frame(&TcpFrame {
            seq,
            ack: if flags.ack() { next[p][peer] } else { 0 },
            flags,
            window: 1000,
            options: &options,
            payload,
            ..TcpFrame::new(src, dst)
        });
        let consumed = payload.len() as u32 + u32::from(flags.syn()) + u32::from(flags.fin());
        let end = seq.wrapping_add(consumed);
        if end.wrapping_sub(next[p][me]).cast_signed() > 0 {
            next[p][me] = end;
        }
        t += if step.dt & 0x8000 != 0 {
            i64::from(step.dt & 0x7fff) * 1_000_000_000
        } else {
            i64::from(step.dt) * 1000
        };
        let keep = frame.len().saturating_sub(usize::from(step.cut)).max(14);
        let orig = frame.len() as u32;
        // Times past 2106 do not fit a pcap file: end the capture there.
        if w.write_packet(t, &frame[..keep], orig).is_err() {
            break;
        }
    }
    w.into_inner()
}

fuzz_target!(|input: Input| {
    let capture = build(input);
    let limits = Limits {
        connections: 4,
        flows: 8,
        events_per_connection: 64,
        anomalies_per_connection: 32,
        anomalies: 32,
        timeline_runs: 16,
    };
    // Series in at most 64 buckets, which widen as the capture's time span grows: a
    // mutated timestamp costs a few merges, not 100 000 buckets per series.
    let mut a = Analyzer::new(limits).with_points().with_series_buckets(64);
    let summary = read_capture(&capture[..], |e| {
        match e {
            Event::Segment(s) => a.segment(&s),
            Event::Issue(i) => a.issue(&i),
        }
        ControlFlow::Continue(())
    })
    .expect("a capture written by the writer reads back");
    let report = a.finish(summary.frames);
    for format in [Format::Text, Format::Json] {
        let mut out = Vec::new();
        Output::new(&mut out, format, Style::default())
            .report(&report)
            .unwrap();
    }
    let args = Args {
        file: PathBuf::from("-"),
        subtype: Vec::new(),
        port: None,
        host: None,
        token: None,
    };
    let mut out = Vec::new();
    decode(
        &capture[..],
        &args,
        None,
        &mut Output::new(&mut out, Format::Json, Style::default()),
    )
    .expect("a capture written by the writer decodes");
});
