//! DSS option (RFC 8684 §3.3, Figure 9): data sequence mapping and DATA_ACK.
//!
//! ```text
//! |Kind|Length|Subtype|(reserved)|F|m|M|a|A|
//! | Data ACK (4 or 8 octets, if A set)      |
//! | Data sequence number (4 or 8, if M set) |
//! | Subflow sequence number (4, if M set)   |
//! | Data-level length (2) | Checksum (2)    |
//! ```
//!
//! A: a data ACK is present, a: it is 8 octets; M: a mapping is present, m: its DSN is 8
//! octets; F: DATA_FIN. The checksum is there only when both hosts negotiated it, which the
//! option shows only by its length. A 4-byte DSN or data ACK is the low half of the 64-bit
//! one: the connection tracker in `analyze/` expands it, since only the connection knows the
//! high half (§3.3.1). It expands a DSN by `m` and a data ACK by `a`, each by its own flag.

use std::fmt;

use serde::{Serialize, Serializer};

use super::error::DecodeError;

/// Flag A: a data ACK is present.
pub const MPTCP_DSS_HAS_ACK: u8 = 0x01;
/// Flag a: the data ACK is 8 octets.
pub const MPTCP_DSS_ACK64: u8 = 0x02;
/// Flag M: a mapping (DSN, SSN, data-level length) is present.
pub const MPTCP_DSS_HAS_MAP: u8 = 0x04;
/// Flag m: the DSN is 8 octets.
pub const MPTCP_DSS_DSN64: u8 = 0x08;
/// Flag F: DATA_FIN.
pub const MPTCP_DSS_DATA_FIN: u8 = 0x10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dss {
    /// The flag byte as on the wire, reserved bits included.
    pub flags: u8,
    /// As on the wire: a 4-byte data ACK stays a 32-bit value.
    pub data_ack: Option<u64>,
    /// As on the wire: a 4-byte DSN stays a 32-bit value.
    pub dsn: Option<u64>,
    /// Relative subflow sequence number of the mapping's first byte.
    pub ssn: Option<u32>,
    /// Data-level length; 0 is the infinite mapping (fallback, §3.7).
    pub data_len: Option<u16>,
    pub checksum: Option<u16>,
}

impl Dss {
    pub(super) fn parse(data: &[u8]) -> Result<Self, DecodeError> {
        let Some(&flags) = data.get(1) else {
            return Err(DecodeError::DssLength {
                flags: 0,
                len: data.len() + 2,
                expected: 4,
            });
        };
        let ack_len = match (flags & MPTCP_DSS_HAS_ACK != 0, flags & MPTCP_DSS_ACK64 != 0) {
            (false, _) => 0,
            (true, false) => 4,
            (true, true) => 8,
        };
        let dsn_len = match (flags & MPTCP_DSS_HAS_MAP != 0, flags & MPTCP_DSS_DSN64 != 0) {
            (false, _) => 0,
            (true, false) => 4,
            (true, true) => 8,
        };
        let map_len = if dsn_len == 0 { 0 } else { dsn_len + 4 + 2 };
        let expected = 4 + ack_len + map_len;
        let len = data.len() + 2;
        if len != expected && !(map_len > 0 && len == expected + 2) {
            return Err(DecodeError::DssLength {
                flags,
                len,
                expected,
            });
        }
        // Lengths are checked: every read below is inside `data`.
        let field = |at: usize, n: usize| -> u64 {
            data[at..at + n]
                .iter()
                .fold(0, |v, &b| v << 8 | u64::from(b))
        };
        let mut at = 2;
        let data_ack = (ack_len > 0).then(|| field(at, ack_len));
        at += ack_len;
        let mut dss = Dss {
            flags,
            data_ack,
            dsn: None,
            ssn: None,
            data_len: None,
            checksum: None,
        };
        if map_len > 0 {
            dss.dsn = Some(field(at, dsn_len));
            at += dsn_len;
            dss.ssn = u32::try_from(field(at, 4)).ok();
            dss.data_len = u16::try_from(field(at + 4, 2)).ok();
            if len == expected + 2 {
                dss.checksum = u16::try_from(field(at + 6, 2)).ok();
            }
        }
        Ok(dss)
    }

    /// Flag a: the data ACK on the wire is 8 octets.
    #[must_use]
    pub fn data_ack64(&self) -> bool {
        self.flags & MPTCP_DSS_ACK64 != 0
    }

    /// Flag m: the DSN on the wire is 8 octets.
    #[must_use]
    pub fn dsn64(&self) -> bool {
        self.flags & MPTCP_DSS_DSN64 != 0
    }

    #[must_use]
    pub fn data_fin(&self) -> bool {
        self.flags & MPTCP_DSS_DATA_FIN != 0
    }

    /// A mapping with data-level length 0: everything that follows maps 1:1 (fallback, §3.7).
    #[must_use]
    pub fn infinite_mapping(&self) -> bool {
        self.data_len == Some(0)
    }
}

impl Serialize for Dss {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let width = |present: bool, wide: bool| present.then_some(if wide { 8u8 } else { 4 });
        let mut st = s.serialize_struct("Dss", 9)?;
        st.serialize_field("flags", &self.flags)?;
        st.serialize_field("data_ack", &self.data_ack)?;
        st.serialize_field(
            "data_ack_len",
            &width(self.data_ack.is_some(), self.data_ack64()),
        )?;
        st.serialize_field("dsn", &self.dsn)?;
        st.serialize_field("dsn_len", &width(self.dsn.is_some(), self.dsn64()))?;
        st.serialize_field("ssn", &self.ssn)?;
        st.serialize_field("data_len", &self.data_len)?;
        st.serialize_field("checksum", &self.checksum)?;
        st.serialize_field("data_fin", &self.data_fin())?;
        st.end()
    }
}

/// `DSS [AaMm] data_ack N dsn N ssn N data_len N checksum xxxx`; `data_fin` when set.
impl fmt::Display for Dss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DSS [")?;
        for (bit, name) in [
            (MPTCP_DSS_HAS_ACK, 'A'),
            (MPTCP_DSS_ACK64, 'a'),
            (MPTCP_DSS_HAS_MAP, 'M'),
            (MPTCP_DSS_DSN64, 'm'),
            (MPTCP_DSS_DATA_FIN, 'F'),
        ] {
            if self.flags & bit != 0 {
                write!(f, "{name}")?;
            }
        }
        f.write_str("]")?;
        if let Some(a) = self.data_ack {
            write!(f, " data_ack {a}")?;
        }
        if let Some(d) = self.dsn {
            write!(f, " dsn {d}")?;
        }
        if let Some(s) = self.ssn {
            write!(f, " ssn {s}")?;
        }
        if let Some(n) = self.data_len {
            write!(f, " data_len {n}")?;
            if n == 0 {
                f.write_str(" (infinite)")?;
            }
        }
        if let Some(c) = self.checksum {
            write!(f, " checksum {c:04x}")?;
        }
        if self.data_fin() {
            f.write_str(" data_fin")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use hex_literal::hex;

    use super::*;
    use crate::mptcp::{MptcpOption, parse};

    fn dss(data: &[u8]) -> Dss {
        match parse(data) {
            Ok(MptcpOption::Dss(d)) => d,
            other => panic!("not a DSS: {other:?}"),
        }
    }

    #[test]
    fn linux_data_segment_64_bit_everything() {
        // What Linux sends: 8-byte data ACK and DSN (flags A a M m), length 26, no checksum.
        let d = dss(&hex!(
            "20"                      // subtype 2, reserved
            "0f"                      // flags: m M a A
            "00 00 00 01 00 00 00 10" // data ACK
            "00 00 00 02 00 00 00 20" // DSN
            "00 00 00 01"             // SSN 1
            "05 a0"                   // data-level length 1440
        ));
        assert_eq!(d.data_ack, Some((1 << 32) + 16));
        assert_eq!(d.dsn, Some((2 << 32) + 32));
        assert_eq!((d.ssn, d.data_len, d.checksum), (Some(1), Some(1440), None));
        assert!(d.data_ack64() && d.dsn64() && !d.data_fin());
        assert_eq!(
            d.to_string(),
            "DSS [AaMm] data_ack 4294967312 dsn 8589934624 ssn 1 data_len 1440"
        );
    }

    #[test]
    fn every_flag_combination_has_one_length() {
        // For each of the 32 combinations of F m M a A, the one valid length and, with a
        // mapping, the one with a checksum; every other length is malformed.
        for flags in 0u8..32 {
            let ack = match flags & 3 {
                1 => 4,
                3 => 8,
                _ => 0,
            };
            let map = match flags & 0x0c {
                0x04 => 10,
                0x0c => 14,
                _ => 0,
            };
            let base = 4 + ack + map;
            for len in 2..=40 {
                let mut data = vec![0x20, flags];
                data.resize(len - 2, 0xab);
                let ok = len == base || (map > 0 && len == base + 2);
                let got = parse(&data);
                assert_eq!(got.is_ok(), ok, "flags {flags:#04x} length {len}: {got:?}");
                if let Ok(MptcpOption::Dss(d)) = got {
                    assert_eq!(d.data_ack.is_some(), ack > 0);
                    assert_eq!(d.dsn.is_some(), map > 0);
                    assert_eq!(d.checksum.is_some(), len == base + 2 && map > 0);
                    assert_eq!(d.data_fin(), flags & 0x10 != 0);
                }
            }
        }
    }

    #[test]
    fn four_byte_fields_stay_32_bit_values() {
        let d = dss(&hex!(
            "20"          // subtype 2
            "15"          // flags: F M A (4-byte data ACK and DSN)
            "ff ff ff fe" // data ACK (32 bits)
            "00 00 00 07" // DSN (32 bits)
            "00 00 00 00" // SSN 0: a DATA_FIN without data
            "00 01"       // data-level length 1: the DATA_FIN itself
            "12 34"       // checksum
        ));
        assert_eq!(
            (d.data_ack, d.dsn, d.checksum),
            (Some(0xffff_fffe), Some(7), Some(0x1234))
        );
        assert!(!d.data_ack64() && !d.dsn64() && d.data_fin());
        assert_eq!(
            serde_json::to_value(MptcpOption::Dss(d)).unwrap(),
            serde_json::json!({"subtype": "dss", "flags": 0x15, "data_ack": 4_294_967_294_u64,
                "data_ack_len": 4, "dsn": 7, "dsn_len": 4, "ssn": 0, "data_len": 1,
                "checksum": 0x1234, "data_fin": true})
        );
    }

    #[test]
    fn infinite_mapping_and_ack_only() {
        let inf = dss(&hex!("20 04  00 00 00 09  00 00 00 01  00 00"));
        assert!(inf.infinite_mapping());
        let ack = dss(&hex!("20 01  00 00 00 09"));
        assert_eq!((ack.data_ack, ack.dsn, ack.data_len), (Some(9), None, None));
        assert_eq!(
            serde_json::to_value(MptcpOption::Dss(ack)).unwrap()["ssn"],
            serde_json::Value::Null
        );
    }

    #[test]
    fn flags_and_length_must_agree() {
        assert_eq!(
            parse(&hex!("20 0f 00 00")),
            Err(crate::mptcp::DecodeError::DssLength {
                flags: 0x0f,
                len: 6,
                expected: 26
            })
        );
        assert_eq!(
            parse(&hex!("20")),
            Err(crate::mptcp::DecodeError::DssLength {
                flags: 0,
                len: 3,
                expected: 4
            })
        );
    }
}
