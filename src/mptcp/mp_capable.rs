//! MP_CAPABLE (RFC 8684 §3.1, Figure 4; RFC 6824 §3.1 for v0): the handshake of the first subflow.
//!
//! The form is told by the length alone:
//!
//! | length | carried by | fields |
//! |---|---|---|
//! | 4  | v1 SYN | version, flags |
//! | 12 | v1 SYN-ACK; v0 SYN and SYN-ACK | + sender's key |
//! | 20 | third ACK | + receiver's key |
//! | 22 | v1 first data (ACK) | + data-level length |
//! | 24 | v1 first data, checksums on | + checksum |
//!
//! Flags (Figure 4): A checksum required, B extensibility, C no further subflows to the
//! source address (the kernel's `deny_join_id0`), D-G unassigned, H the HMAC algorithm
//! (HMAC-SHA256 in v1, HMAC-SHA1 in v0).

use std::fmt;

use serde::{Serialize, Serializer};

use super::error::DecodeError;
use super::option::{Subtype, bad_length};
use super::types::{Key, Version};

/// Flag A: checksums are required.
pub const MPTCP_CAP_CHECKSUM_REQD: u8 = 0x80;
/// Flag B: extensibility, reserved for a future specification.
pub const MPTCP_CAP_EXTENSIBILITY: u8 = 0x40;
/// Flag C: do not open subflows to the source address and port of this SYN.
pub const MPTCP_CAP_DENY_JOIN_ID0: u8 = 0x20;
/// Flag H: HMAC-SHA256 (v1) or HMAC-SHA1 (v0).
pub const MPTCP_CAP_HMAC: u8 = 0x01;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MpCapable {
    pub version: Version,
    /// The flag byte as on the wire, unassigned bits included.
    pub flags: u8,
    pub sender_key: Option<Key>,
    pub receiver_key: Option<Key>,
    /// Data-level length of the first data (v1, lengths 22 and 24).
    pub data_len: Option<u16>,
    /// DSS checksum of the first data (v1, length 24).
    pub checksum: Option<u16>,
}

impl MpCapable {
    pub(super) fn parse(data: &[u8]) -> Result<Self, DecodeError> {
        let [b0, flags, ref rest @ ..] = *data else {
            return Err(bad_length(Subtype::MpCapable, data, VALID));
        };
        if !matches!(rest.len(), 0 | 8 | 16 | 18 | 20) {
            return Err(bad_length(Subtype::MpCapable, data, VALID));
        }
        let be16 =
            |r: std::ops::Range<usize>| rest.get(r).map(|b| u16::from_be_bytes([b[0], b[1]]));
        let opt = MpCapable {
            version: Version::from_u8(b0 & 0x0f),
            flags,
            sender_key: rest.get(0..8).map(key),
            receiver_key: rest.get(8..16).map(key),
            data_len: be16(16..18),
            checksum: be16(18..20),
        };
        Ok(opt)
    }

    #[must_use]
    pub fn checksum_required(&self) -> bool {
        self.flags & MPTCP_CAP_CHECKSUM_REQD != 0
    }

    #[must_use]
    pub fn extensibility(&self) -> bool {
        self.flags & MPTCP_CAP_EXTENSIBILITY != 0
    }

    #[must_use]
    pub fn deny_join_id0(&self) -> bool {
        self.flags & MPTCP_CAP_DENY_JOIN_ID0 != 0
    }

    /// Flag H: the HMAC algorithm of this version is offered.
    #[must_use]
    pub fn hmac_flag(&self) -> bool {
        self.flags & MPTCP_CAP_HMAC != 0
    }
}

const VALID: &str = "4, 12, 20, 22 or 24";

fn key(bytes: &[u8]) -> Key {
    let mut k = [0; 8];
    k.copy_from_slice(bytes);
    Key(u64::from_be_bytes(k))
}

impl Serialize for MpCapable {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let v0 = self.version == Version::V0;
        let mut st = s.serialize_struct("MpCapable", 11)?;
        st.serialize_field("version", &self.version)?;
        st.serialize_field("flags", &self.flags)?;
        st.serialize_field("checksum_required", &self.checksum_required())?;
        st.serialize_field("extensibility", &self.extensibility())?;
        st.serialize_field("deny_join_id0", &self.deny_join_id0())?;
        st.serialize_field("hmac_sha256", &(!v0).then_some(self.hmac_flag()))?;
        st.serialize_field("hmac_sha1", &v0.then_some(self.hmac_flag()))?;
        st.serialize_field("sender_key", &self.sender_key)?;
        st.serialize_field("receiver_key", &self.receiver_key)?;
        st.serialize_field("data_len", &self.data_len)?;
        st.serialize_field("checksum", &self.checksum)?;
        st.end()
    }
}

/// `MP_CAPABLE v1 flags [AH] sender_key ... receiver_key ... data_len N checksum xxxx`.
impl fmt::Display for MpCapable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MP_CAPABLE v{} flags [", self.version)?;
        for (bit, name) in [
            (0x80, 'A'),
            (0x40, 'B'),
            (0x20, 'C'),
            (0x10, 'D'),
            (0x08, 'E'),
            (0x04, 'F'),
            (0x02, 'G'),
            (0x01, 'H'),
        ] {
            if self.flags & bit != 0 {
                write!(f, "{name}")?;
            }
        }
        f.write_str("]")?;
        if let Some(k) = self.sender_key {
            write!(f, " sender_key {k}")?;
        }
        if let Some(k) = self.receiver_key {
            write!(f, " receiver_key {k}")?;
        }
        if let Some(n) = self.data_len {
            write!(f, " data_len {n}")?;
        }
        if let Some(c) = self.checksum {
            write!(f, " checksum {c:04x}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use hex_literal::hex;

    use super::*;
    use crate::mptcp::{DecodeError, MptcpOption, parse};

    fn mpc(data: &[u8]) -> MpCapable {
        match parse(data) {
            Ok(MptcpOption::MpCapable(m)) => m,
            other => panic!("not an MP_CAPABLE: {other:?}"),
        }
    }

    #[test]
    fn every_length_of_v1() {
        // Length 4, SYN: subtype 0 / version 1, flags A and H.
        let syn = mpc(&hex!("01 81"));
        assert_eq!(syn.version, Version::V1);
        assert!(syn.checksum_required() && syn.hmac_flag() && !syn.extensibility());
        assert_eq!(
            (syn.sender_key, syn.receiver_key, syn.data_len, syn.checksum),
            (None, None, None, None)
        );

        // Length 12, SYN-ACK: + sender's key.
        let syn_ack = mpc(&hex!("01 01  0a 1b 2c 3d 4e 5f 60 71"));
        assert_eq!(syn_ack.sender_key, Some(Key(0x0a1b_2c3d_4e5f_6071)));
        assert_eq!(syn_ack.receiver_key, None);

        // Length 20, third ACK: + receiver's key; flag C (deny join to id 0).
        let ack = mpc(&hex!(
            "01 21  0a 1b 2c 3d 4e 5f 60 71  11 12 13 14 15 16 17 18"
        ));
        assert!(ack.deny_join_id0());
        assert_eq!(ack.receiver_key, Some(Key(0x1112_1314_1516_1718)));
        assert_eq!(ack.data_len, None);

        // Length 22, first data: + data-level length 1400.
        let data = mpc(&hex!(
            "01 01  0a 1b 2c 3d 4e 5f 60 71  11 12 13 14 15 16 17 18  05 78"
        ));
        assert_eq!((data.data_len, data.checksum), (Some(1400), None));

        // Length 24, first data with checksums: + checksum 0xbeef.
        let csum = mpc(&hex!(
            "01 81  0a 1b 2c 3d 4e 5f 60 71  11 12 13 14 15 16 17 18  05 78  be ef"
        ));
        assert_eq!((csum.data_len, csum.checksum), (Some(1400), Some(0xbeef)));
        assert_eq!(
            csum.to_string(),
            "MP_CAPABLE v1 flags [AH] sender_key 0a1b2c3d4e5f6071 receiver_key 1112131415161718 data_len 1400 checksum beef"
        );
    }

    #[test]
    fn v0_syn_carries_the_senders_key() {
        // Crafted from RFC 6824 Figure 4: version 0, flags A and H (HMAC-SHA1), length 12.
        let syn = mpc(&hex!("00 81  01 02 03 04 05 06 07 08"));
        assert_eq!(syn.version, Version::V0);
        assert_eq!(syn.sender_key, Some(Key(0x0102_0304_0506_0708)));
        let json = serde_json::to_value(MptcpOption::MpCapable(syn)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"subtype": "mp_capable", "version": 0, "flags": 129,
                "checksum_required": true, "extensibility": false, "deny_join_id0": false,
                "hmac_sha256": null, "hmac_sha1": true, "sender_key": "0102030405060708",
                "receiver_key": null, "data_len": null, "checksum": null})
        );
    }

    #[test]
    fn other_lengths_are_malformed() {
        for len in [1, 3, 5, 11, 13, 19, 21, 23, 25] {
            let data = vec![0x01; len];
            assert_eq!(
                parse(&data),
                Err(DecodeError::BadLength {
                    subtype: Subtype::MpCapable,
                    len: len + 2,
                    valid: VALID
                }),
                "length {}",
                len + 2
            );
        }
    }
}
