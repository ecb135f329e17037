//! Value types of the protocol: keys, tokens, nonces, HMACs, the protocol version.
//!
//! Keys, tokens, nonces and HMACs are newtypes shown as fixed-width lowercase hex without `0x`,
//! as `ip mptcp monitor` prints them: tokens 8 digits, keys 16. `Serialize` goes through
//! `Display`, so a table and `--json` never differ, and a 64-bit key survives JSON exactly.

use std::fmt;

use serde::{Serialize, Serializer};

macro_rules! hex_newtype {
    ($(#[$doc:meta])* $name:ident($int:ty), $width:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub struct $name(pub $int);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!("{:0", $width, "x}"), self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        /// Hex as shown (`0x` allowed), up to the type's width.
        impl std::str::FromStr for $name {
            type Err = ParseHexError;

            fn from_str(text: &str) -> Result<Self, ParseHexError> {
                let digits = text.strip_prefix("0x").unwrap_or(text);
                if digits.is_empty() || digits.len() > $width || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(ParseHexError { width: $width });
                }
                <$int>::from_str_radix(digits, 16).map($name).map_err(|_| ParseHexError { width: $width })
            }
        }
    };
}

/// Text that is not hex of the expected width.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("expected up to {width} hex digits")]
pub struct ParseHexError {
    width: usize,
}

hex_newtype!(
    /// A 64-bit MPTCP key (RFC 8684 §3.1), in the byte order of the wire.
    Key(u64), 16
);
hex_newtype!(
    /// A 32-bit connection token: the most significant 32 bits of the key's hash (§3.2).
    Token(u32), 8
);
hex_newtype!(
    /// A 32-bit random number of an MP_JOIN handshake (§3.2).
    Nonce(u32), 8
);
hex_newtype!(
    /// The leftmost 64 bits of an HMAC, as carried by an MP_JOIN SYN-ACK, or the 64 bits
    /// of an ADD_ADDR (§3.4.1).
    Hmac64(u64), 16
);

/// The 160-bit HMAC of an MP_JOIN third ACK (§3.2): HMAC-SHA256 truncated in v1, HMAC-SHA1 in v0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Hmac160(pub [u8; 20]);

impl fmt::Display for Hmac160 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Hex(&self.0).fmt(f)
    }
}

impl Serialize for Hmac160 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Bytes shown as lowercase hex, two digits each, nothing between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hex<'a>(pub &'a [u8]);

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl Serialize for Hex<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The protocol version of MP_CAPABLE: 0 is RFC 6824, 1 is RFC 8684.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Version {
    V0,
    V1,
    /// A version no RFC defines; kept so that it can be shown.
    Other(u8),
}

impl Version {
    #[must_use]
    pub fn from_u8(v: u8) -> Self {
        match v {
            0 => Version::V0,
            1 => Version::V1,
            v => Version::Other(v),
        }
    }

    #[must_use]
    pub fn number(self) -> u8 {
        match self {
            Version::V0 => 0,
            Version::V1 => 1,
            Version::Other(v) => v,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.number().fmt(f)
    }
}

impl Serialize for Version {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.number())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_fixed_width_lowercase() {
        assert_eq!(Token(0xab).to_string(), "000000ab");
        assert_eq!(Key(0x0A1B_2C3D_4E5F_6071).to_string(), "0a1b2c3d4e5f6071");
        assert_eq!(
            serde_json::to_string(&Key(u64::MAX)).unwrap(),
            "\"ffffffffffffffff\""
        );
        assert_eq!(Hmac160([0xa0; 20]).to_string(), "a0".repeat(20));
        assert_eq!(serde_json::to_string(&Version::V1).unwrap(), "1");
    }

    #[test]
    fn hex_parses_back() {
        assert_eq!("000000ab".parse(), Ok(Token(0xab)));
        assert_eq!("0xAB".parse(), Ok(Token(0xab)));
        assert_eq!("0a1b2c3d4e5f6071".parse(), Ok(Key(0x0a1b_2c3d_4e5f_6071)));
        assert!("123456789".parse::<Token>().is_err());
        assert!("".parse::<Token>().is_err());
        assert!("xyz".parse::<Token>().is_err());
        assert!("+1".parse::<Token>().is_err());
    }
}
