//! ADD_ADDR (RFC 8684 §3.4.1, Figure 12; RFC 6824 §3.4.1 for v0): an address the sender has.
//!
//! The low nibble of the subtype byte tells the versions apart: RFC 6824 puts the IP version
//! there (4 or 6), RFC 8684 three reserved bits and E, the echo flag (0 or 1). The length then
//! tells the rest, without knowing the connection:
//!
//! | length | v1 | v0 |
//! |---|---|---|
//! | 8 / 10 | IPv4, echo, (port) | IPv4, (port) |
//! | 16 / 18 | IPv4, (port), HMAC | |
//! | 20 / 22 | IPv6, echo, (port) | IPv6, (port) |
//! | 28 / 30 | IPv6, (port), HMAC | |
//!
//! The v1 HMAC is 64 bits of HMAC-SHA256(Key=(sender's key, receiver's key),
//! Msg=(address ID, address, port)); see `crypto::add_addr_hmac`.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::Serialize;

use super::error::DecodeError;
use super::option::{Subtype, bad_length};
use super::types::{Hmac64, Version};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AddAddr {
    /// 0 when the option has the RFC 6824 layout (IPVer), 1 otherwise.
    pub version: Version,
    /// E (v1): this option echoes the peer's announcement; `None` in v0.
    pub echo: Option<bool>,
    pub addr_id: u8,
    pub addr: IpAddr,
    pub port: Option<u16>,
    /// The truncated HMAC (v1, absent from echoes).
    pub hmac: Option<Hmac64>,
    /// IPVer (v0 only).
    pub ipver: Option<u8>,
}

const VALID_V1: &str = "8, 10, 16, 18, 20, 22, 28 or 30";

impl AddAddr {
    pub(super) fn parse(data: &[u8]) -> Result<Self, DecodeError> {
        let [b0, addr_id, ref rest @ ..] = *data else {
            return Err(bad_length(Subtype::AddAddr, data, VALID_V1));
        };
        let nibble = b0 & 0x0f;
        let v0 = nibble == 4 || nibble == 6;
        // (address bytes, port present, HMAC present), from the length.
        let (addr_len, port, hmac) = match (data.len() + 2, v0) {
            (8, _) => (4, false, false),
            (10, _) => (4, true, false),
            (16, false) => (4, false, true),
            (18, false) => (4, true, true),
            (20, _) => (16, false, false),
            (22, _) => (16, true, false),
            (28, false) => (16, false, true),
            (30, false) => (16, true, true),
            _ => {
                return Err(bad_length(
                    Subtype::AddAddr,
                    data,
                    if v0 { "8, 10, 20 or 22" } else { VALID_V1 },
                ));
            }
        };
        if v0 && (addr_len == 4) != (nibble == 4) {
            return Err(DecodeError::BadIpVersion {
                ipver: nibble,
                len: data.len() + 2,
            });
        }
        // The length was checked against the layout above: these reads are in bounds.
        let (addr_bytes, rest) = rest.split_at(addr_len);
        let addr = if let Ok(v4) = <[u8; 4]>::try_from(addr_bytes) {
            IpAddr::V4(Ipv4Addr::from(v4))
        } else {
            let mut a = [0; 16];
            a.copy_from_slice(addr_bytes);
            IpAddr::V6(Ipv6Addr::from(a))
        };
        let (port, rest) = if port {
            (Some(u16::from_be_bytes([rest[0], rest[1]])), &rest[2..])
        } else {
            (None, rest)
        };
        let hmac = hmac.then(|| {
            let mut h = [0; 8];
            h.copy_from_slice(rest);
            Hmac64(u64::from_be_bytes(h))
        });
        Ok(AddAddr {
            version: if v0 { Version::V0 } else { Version::V1 },
            echo: (!v0).then_some(nibble & 1 != 0),
            addr_id,
            addr,
            port,
            hmac,
            ipver: v0.then_some(nibble),
        })
    }
}

/// `ADD_ADDR addr_id 1 10.0.2.2 port 8080 hmac ...`, `echo` for an echo.
impl fmt::Display for AddAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ADD_ADDR")?;
        if self.version == Version::V0 {
            f.write_str(" v0")?;
        }
        if self.echo == Some(true) {
            f.write_str(" echo")?;
        }
        write!(f, " addr_id {} {}", self.addr_id, self.addr)?;
        if let Some(p) = self.port {
            write!(f, " port {p}")?;
        }
        if let Some(h) = self.hmac {
            write!(f, " hmac {h}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use hex_literal::hex;

    use super::*;
    use crate::mptcp::{MptcpOption, parse};

    fn add_addr(data: &[u8]) -> AddAddr {
        match parse(data) {
            Ok(MptcpOption::AddAddr(a)) => a,
            other => panic!("not an ADD_ADDR: {other:?}"),
        }
    }

    #[test]
    fn add_addr_v4_with_port_and_hmac() {
        let data = hex!(
            "30"                      // subtype 3, E=0: an HMAC follows
            "05"                      // addr_id
            "0a 00 02 02"             // address
            "1f 90"                   // port 8080 (present: length 18, not 16)
            "3c 5a 91 07 e2 44 b8 0d" // truncated HMAC
        );
        assert_eq!(
            add_addr(&data),
            AddAddr {
                version: Version::V1,
                echo: Some(false),
                addr_id: 5,
                addr: Ipv4Addr::new(10, 0, 2, 2).into(),
                port: Some(8080),
                hmac: Some(Hmac64(0x3c5a_9107_e244_b80d)),
                ipver: None,
            }
        );
    }

    #[test]
    fn v1_forms_by_length() {
        let v6 = "fd 00 00 02 00 00 00 00 00 00 00 00 00 00 00 02";
        let cases: [(String, bool, bool, bool, bool); 8] = [
            ("31 01 0a000202".into(), true, false, false, true),
            ("31 01 0a000202 1f90".into(), true, true, false, true),
            (
                "30 01 0a000202 0102030405060708".into(),
                true,
                false,
                true,
                false,
            ),
            (
                "30 01 0a000202 1f90 0102030405060708".into(),
                true,
                true,
                true,
                false,
            ),
            (format!("31 01 {v6}"), false, false, false, true),
            (format!("31 01 {v6} 1f90"), false, true, false, true),
            (
                format!("30 01 {v6} 0102030405060708"),
                false,
                false,
                true,
                false,
            ),
            (
                format!("30 01 {v6} 1f90 0102030405060708"),
                false,
                true,
                true,
                false,
            ),
        ];
        for (hex, v4, port, hmac, echo) in cases {
            let bytes: Vec<u8> = (0..hex.replace(' ', "").len() / 2)
                .map(|i| u8::from_str_radix(&hex.replace(' ', "")[2 * i..2 * i + 2], 16).unwrap())
                .collect();
            let a = add_addr(&bytes);
            assert_eq!(a.addr.is_ipv4(), v4, "{hex}");
            assert_eq!(a.port, port.then_some(8080), "{hex}");
            assert_eq!(
                a.hmac,
                hmac.then_some(Hmac64(0x0102_0304_0506_0708)),
                "{hex}"
            );
            assert_eq!(a.echo, Some(echo), "{hex}");
            if !v4 {
                assert_eq!(a.addr.to_string(), "fd00:2::2");
            }
        }
    }

    #[test]
    fn v0_has_ip_version_instead_of_echo() {
        // Crafted from RFC 6824 Figure 12: IPVer 4, address ID 3, 192.0.2.1, port 443.
        let a = add_addr(&hex!(
            "34"          // subtype 3, IPVer 4
            "03"          // address ID
            "c0 00 02 01" // address
            "01 bb"       // port 443
        ));
        assert_eq!(
            (a.version, a.ipver, a.echo, a.port, a.hmac),
            (Version::V0, Some(4), None, Some(443), None)
        );
        assert_eq!(a.to_string(), "ADD_ADDR v0 addr_id 3 192.0.2.1 port 443");
        // IPVer 6 with an IPv4-sized option.
        assert_eq!(
            parse(&hex!("36 03 c0 00 02 01")),
            Err(crate::mptcp::DecodeError::BadIpVersion { ipver: 6, len: 8 })
        );
        // v0 never carries an HMAC: length 16 is not one of its forms.
        assert!(parse(&hex!("34 03 c0000201 0102030405060708")).is_err());
    }
}
