//! Writes MPTCP options: the inverse of [`parse`](super::parse), for crafted captures and
//! round-trip tests. Every value [`parse`](super::parse) returns encodes back to the bytes it
//! came from, except for reserved bits, which are written as zero.

use std::net::IpAddr;

use super::add_addr::AddAddr;
use super::dss::Dss;
use super::mp_capable::MpCapable;
use super::mp_join::{JoinForm, JoinHmac, MpJoin};
use super::option::MptcpOption;
use super::tcp_options::TCPOPT_MPTCP;
use super::types::Version;

/// The whole option, kind and length included.
#[must_use]
pub fn encode(opt: &MptcpOption<'_>) -> Vec<u8> {
    let mut b = vec![TCPOPT_MPTCP, 0];
    let sub = opt.subtype().code() << 4;
    match opt {
        MptcpOption::MpCapable(m) => mp_capable(&mut b, sub, m),
        MptcpOption::MpJoin(j) => mp_join(&mut b, sub, j),
        MptcpOption::Dss(d) => dss(&mut b, sub, d),
        MptcpOption::AddAddr(a) => add_addr(&mut b, sub, a),
        MptcpOption::RemoveAddr(r) => {
            b.push(sub);
            b.extend_from_slice(r.addr_ids);
        }
        MptcpOption::MpPrio(p) => {
            b.push(sub | u8::from(p.backup));
            b.extend(p.addr_id);
        }
        MptcpOption::MpFail(f) => {
            b.extend_from_slice(&[sub, 0]);
            b.extend_from_slice(&f.dsn.to_be_bytes());
        }
        MptcpOption::MpFastclose(f) => {
            b.extend_from_slice(&[sub, 0]);
            b.extend_from_slice(&f.key.0.to_be_bytes());
        }
        MptcpOption::MpTcprst(r) => b.extend_from_slice(&[sub | (r.flags & 0x0f), r.reason]),
        MptcpOption::Unknown(u) => b.extend_from_slice(u.data),
    }
    // Option lengths are one byte; no MPTCP option comes near 255.
    b[1] = u8::try_from(b.len()).unwrap_or(u8::MAX);
    b
}

fn mp_capable(b: &mut Vec<u8>, sub: u8, m: &MpCapable) {
    b.extend_from_slice(&[sub | (m.version.number() & 0x0f), m.flags]);
    for k in [m.sender_key, m.receiver_key].into_iter().flatten() {
        b.extend_from_slice(&k.0.to_be_bytes());
    }
    for v in [m.data_len, m.checksum].into_iter().flatten() {
        b.extend_from_slice(&v.to_be_bytes());
    }
}

fn mp_join(b: &mut Vec<u8>, sub: u8, j: &MpJoin) {
    let backup = u8::from(j.backup.unwrap_or(false));
    match j.form {
        JoinForm::Syn => {
            b.extend_from_slice(&[sub | backup, j.addr_id.unwrap_or(0)]);
            b.extend_from_slice(&j.token.map_or(0, |t| t.0).to_be_bytes());
        }
        JoinForm::SynAck => {
            b.extend_from_slice(&[sub | backup, j.addr_id.unwrap_or(0)]);
            if let Some(JoinHmac::Truncated(h)) = j.hmac {
                b.extend_from_slice(&h.0.to_be_bytes());
            } else {
                b.extend_from_slice(&[0; 8]);
            }
        }
        JoinForm::Ack => {
            b.extend_from_slice(&[sub, 0]);
            if let Some(JoinHmac::Full(h)) = j.hmac {
                b.extend_from_slice(&h.0);
            } else {
                b.extend_from_slice(&[0; 20]);
            }
        }
    }
    if j.form != JoinForm::Ack {
        b.extend_from_slice(&j.nonce.map_or(0, |n| n.0).to_be_bytes());
    }
}

fn dss(b: &mut Vec<u8>, sub: u8, d: &Dss) {
    b.extend_from_slice(&[sub, d.flags]);
    if let Some(ack) = d.data_ack {
        if d.data_ack64() {
            b.extend_from_slice(&ack.to_be_bytes());
        } else {
            b.extend_from_slice(&ack.to_be_bytes()[4..]);
        }
    }
    if let (Some(dsn), Some(ssn), Some(len)) = (d.dsn, d.ssn, d.data_len) {
        if d.dsn64() {
            b.extend_from_slice(&dsn.to_be_bytes());
        } else {
            b.extend_from_slice(&dsn.to_be_bytes()[4..]);
        }
        b.extend_from_slice(&ssn.to_be_bytes());
        b.extend_from_slice(&len.to_be_bytes());
        if let Some(c) = d.checksum {
            b.extend_from_slice(&c.to_be_bytes());
        }
    }
}

fn add_addr(b: &mut Vec<u8>, sub: u8, a: &AddAddr) {
    let nibble = match a.version {
        Version::V0 => a.ipver.unwrap_or(if a.addr.is_ipv4() { 4 } else { 6 }),
        _ => u8::from(a.echo == Some(true)),
    };
    b.extend_from_slice(&[sub | (nibble & 0x0f), a.addr_id]);
    match a.addr {
        IpAddr::V4(v4) => b.extend_from_slice(&v4.octets()),
        IpAddr::V6(v6) => b.extend_from_slice(&v6.octets()),
    }
    if let Some(p) = a.port {
        b.extend_from_slice(&p.to_be_bytes());
    }
    if let Some(h) = a.hmac {
        b.extend_from_slice(&h.0.to_be_bytes());
    }
}

/// Options laid out as a TCP options area: each padded with NOPs to a 4-byte boundary, as
/// Linux writes them.
#[must_use]
pub fn area(options: &[Vec<u8>]) -> Vec<u8> {
    let mut area = Vec::new();
    for o in options {
        area.extend_from_slice(o);
        while area.len() % 4 != 0 {
            area.push(super::tcp_options::TCPOPT_NOP);
        }
    }
    area
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::mptcp::parse;

    /// Any decodable option, with its reserved bits cleared.
    fn canonical(data: &[u8]) -> Option<Vec<u8>> {
        parse(data).ok().map(|o| encode(&o))
    }

    proptest! {
        #[test]
        fn encode_then_parse_round_trips(data in proptest::collection::vec(any::<u8>(), 1..40)) {
            if let Ok(opt) = parse(&data) {
                let bytes = encode(&opt);
                prop_assert_eq!(usize::from(bytes[1]), bytes.len());
                let again = parse(&bytes[2..]);
                prop_assert_eq!(again, Ok(opt));
            }
        }

        #[test]
        fn encoding_is_stable(data in proptest::collection::vec(any::<u8>(), 1..40)) {
            if let Some(bytes) = canonical(&data) {
                prop_assert_eq!(canonical(&bytes[2..]), Some(bytes.clone()));
            }
        }
    }

    #[test]
    fn area_pads_to_four_bytes() {
        let prio = encode(&MptcpOption::MpPrio(crate::mptcp::option::MpPrio {
            backup: true,
            addr_id: None,
        }));
        assert_eq!(area(&[prio]), vec![30, 3, 0x51, 1]);
    }
}
