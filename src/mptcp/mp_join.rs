//! MP_JOIN (RFC 8684 §3.2, Figures 5-7): a new subflow joins an existing connection.
//!
//! | length | carried by | fields |
//! |---|---|---|
//! | 12 | SYN | backup, address ID, receiver's token, sender's nonce |
//! | 16 | SYN-ACK | backup, address ID, leftmost 64 bits of the HMAC, sender's nonce |
//! | 24 | third ACK | the full 160-bit HMAC |
//!
//! The forms are the same in v0 (RFC 6824 §3.2); only the HMAC differs (SHA-1, not SHA-256).

use std::fmt;

use serde::{Serialize, Serializer};

use super::error::DecodeError;
use super::option::{Subtype, bad_length};
use super::types::{Hmac64, Hmac160, Nonce, Token};

/// Which of the three handshake packets the option belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JoinForm {
    Syn,
    SynAck,
    Ack,
}

/// The HMAC of a join: truncated to 64 bits in the SYN-ACK, 160 bits in the third ACK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinHmac {
    Truncated(Hmac64),
    Full(Hmac160),
}

impl fmt::Display for JoinHmac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinHmac::Truncated(h) => h.fmt(f),
            JoinHmac::Full(h) => h.fmt(f),
        }
    }
}

impl Serialize for JoinHmac {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One MP_JOIN option; fields its form does not carry are `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MpJoin {
    pub form: JoinForm,
    pub backup: Option<bool>,
    pub addr_id: Option<u8>,
    /// The receiver's token, naming the connection to join (SYN only).
    pub token: Option<Token>,
    pub nonce: Option<Nonce>,
    pub hmac: Option<JoinHmac>,
}

impl MpJoin {
    pub(super) fn parse(data: &[u8]) -> Result<Self, DecodeError> {
        let be32 = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        match *data {
            // Figure 5: subtype, 3 reserved bits and B; address ID; token; nonce.
            [b, id, ref t @ .., n0, n1, n2, n3] if data.len() == 10 => Ok(MpJoin {
                form: JoinForm::Syn,
                backup: Some(b & 1 != 0),
                addr_id: Some(id),
                token: Some(Token(be32(t))),
                nonce: Some(Nonce(u32::from_be_bytes([n0, n1, n2, n3]))),
                hmac: None,
            }),
            // Figure 6: subtype, B; address ID; truncated HMAC; nonce.
            [b, id, ref h @ .., n0, n1, n2, n3] if data.len() == 14 => {
                let mut hmac = [0; 8];
                hmac.copy_from_slice(h);
                Ok(MpJoin {
                    form: JoinForm::SynAck,
                    backup: Some(b & 1 != 0),
                    addr_id: Some(id),
                    token: None,
                    nonce: Some(Nonce(u32::from_be_bytes([n0, n1, n2, n3]))),
                    hmac: Some(JoinHmac::Truncated(Hmac64(u64::from_be_bytes(hmac)))),
                })
            }
            // Figure 7: subtype and 12 reserved bits; 160-bit HMAC.
            [_, _, ref h @ ..] if data.len() == 22 => {
                let mut hmac = [0; 20];
                hmac.copy_from_slice(h);
                Ok(MpJoin {
                    form: JoinForm::Ack,
                    backup: None,
                    addr_id: None,
                    token: None,
                    nonce: None,
                    hmac: Some(JoinHmac::Full(Hmac160(hmac))),
                })
            }
            _ => Err(bad_length(Subtype::MpJoin, data, "12, 16 or 24")),
        }
    }
}

/// `MP_JOIN syn backup 0 addr_id 2 token ... nonce ...`.
impl fmt::Display for MpJoin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let form = match self.form {
            JoinForm::Syn => "syn",
            JoinForm::SynAck => "syn_ack",
            JoinForm::Ack => "ack",
        };
        write!(f, "MP_JOIN {form}")?;
        if let Some(b) = self.backup {
            write!(f, " backup {}", u8::from(b))?;
        }
        if let Some(id) = self.addr_id {
            write!(f, " addr_id {id}")?;
        }
        if let Some(t) = self.token {
            write!(f, " token {t}")?;
        }
        if let Some(n) = self.nonce {
            write!(f, " nonce {n}")?;
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
    use crate::mptcp::{DecodeError, MptcpOption, parse};

    #[test]
    fn syn_syn_ack_and_ack() {
        let syn = hex!(
            "11"          // subtype 1, B = 1
            "02"          // address ID 2
            "ad 1e 6e d1" // receiver's token
            "aa bb cc dd" // sender's nonce
        );
        assert_eq!(
            parse(&syn),
            Ok(MptcpOption::MpJoin(MpJoin {
                form: JoinForm::Syn,
                backup: Some(true),
                addr_id: Some(2),
                token: Some(Token(0xad1e_6ed1)),
                nonce: Some(Nonce(0xaabb_ccdd)),
                hmac: None,
            }))
        );
        let syn_ack = hex!(
            "10"                      // subtype 1, B = 0
            "00"                      // address ID 0
            "72 be a4 3c 69 c0 c2 06" // leftmost 64 bits of the HMAC
            "11 22 33 44"             // sender's nonce
        );
        let Ok(MptcpOption::MpJoin(j)) = parse(&syn_ack) else {
            panic!()
        };
        assert_eq!(j.form, JoinForm::SynAck);
        assert_eq!(
            j.hmac,
            Some(JoinHmac::Truncated(Hmac64(0x72be_a43c_69c0_c206)))
        );
        assert_eq!(j.nonce, Some(Nonce(0x1122_3344)));
        assert_eq!(
            j.to_string(),
            "MP_JOIN syn_ack backup 0 addr_id 0 nonce 11223344 hmac 72bea43c69c0c206"
        );

        let ack = hex!(
            "10 00"                                           // subtype 1, reserved
            "c2 98 6b 9f fe 33 de dc 10 95 5f c5 c9 c3 15 44 e3 ac 05 c0" // 160-bit HMAC
        );
        let json = serde_json::to_value(parse(&ack).unwrap()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"subtype": "mp_join", "form": "ack", "backup": null, "addr_id": null,
                "token": null, "nonce": null, "hmac": "c2986b9ffe33dedc10955fc5c9c31544e3ac05c0"})
        );
    }

    #[test]
    fn other_lengths_are_malformed() {
        for len in [1, 9, 11, 13, 15, 21, 23] {
            let data = vec![0x10; len];
            assert!(
                matches!(
                    parse(&data),
                    Err(DecodeError::BadLength {
                        subtype: crate::mptcp::Subtype::MpJoin,
                        ..
                    })
                ),
                "length {}",
                len + 2
            );
        }
    }
}
