//! Tokens, IDSNs, HMACs and the DSS checksum (RFC 8684 §3.1-3.4, §3.3.1; RFC 6824 for v0).
//!
//! - Token and IDSN: the most significant 32 bits and the least significant 64 bits of
//!   SHA-256(key) in v1, SHA-1(key) in v0, the key taken in network byte order (§3.1).
//! - HMACs: HMAC-SHA256 (v1) or HMAC-SHA1 (v0) with the two keys, each in network byte order,
//!   concatenated as the 128-bit HMAC key (§3.2), as `mptcp_crypto_hmac_sha()` does in
//!   `net/mptcp/crypto.c`.
//! - DSS checksum: the 16-bit ones' complement sum of the mapped data and a pseudo-header of
//!   the 64-bit DSN, the relative subflow sequence number, the data-level length and a zero
//!   checksum (§3.3.1, Figure 10), always with the 64-bit DSN whatever the option carried.

use std::net::IpAddr;

use hmac::{Hmac, KeyInit, Mac};
use sha1::{Digest as _, Sha1};
use sha2::Sha256;

use super::types::{Hmac64, Hmac160, Key, Nonce, Token, Version};

/// What a key determines: the connection's token and the initial data sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyHash {
    pub token: Token,
    pub idsn: u64,
}

/// Token and IDSN of `key` in `version`; `None` for a version no RFC defines.
#[must_use]
pub fn key_hash(version: Version, key: Key) -> Option<KeyHash> {
    let input = key.0.to_be_bytes();
    let (head, tail) = match version {
        Version::V1 => {
            let d = Sha256::digest(input);
            (be32(&d[..4]), be64(&d[24..]))
        }
        Version::V0 => {
            let d = Sha1::digest(input);
            (be32(&d[..4]), be64(&d[12..]))
        }
        Version::Other(_) => return None,
    };
    Some(KeyHash {
        token: Token(head),
        idsn: tail,
    })
}

/// An HMAC result: 32 bytes for HMAC-SHA256, 20 for HMAC-SHA1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HmacDigest {
    bytes: [u8; 32],
    len: usize,
}

impl HmacDigest {
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// The leftmost 64 bits: what an MP_JOIN SYN-ACK carries.
    #[must_use]
    pub fn leftmost64(&self) -> Hmac64 {
        Hmac64(be64(&self.bytes[..8]))
    }

    /// The rightmost 64 bits: what an ADD_ADDR carries (RFC 8684 §3.4.1).
    #[must_use]
    pub fn rightmost64(&self) -> Hmac64 {
        Hmac64(be64(&self.bytes[self.len - 8..self.len]))
    }

    /// The leftmost 160 bits: what an MP_JOIN third ACK carries.
    #[must_use]
    pub fn leftmost160(&self) -> Hmac160 {
        let mut h = [0; 20];
        h.copy_from_slice(&self.bytes[..20]);
        Hmac160(h)
    }
}

/// HMAC with Key = (`key1`, `key2`) in network byte order; `None` for an unknown version.
#[must_use]
pub fn hmac(version: Version, key1: Key, key2: Key, msg: &[u8]) -> Option<HmacDigest> {
    // Both hashes have 64-byte blocks, and HMAC pads a shorter key with zeros to the block
    // size, so a zero-padded block-sized key gives the same result and cannot be rejected.
    let mut block = [0u8; 64];
    block[..8].copy_from_slice(&key1.0.to_be_bytes());
    block[8..16].copy_from_slice(&key2.0.to_be_bytes());
    let mut bytes = [0; 32];
    let len = match version {
        Version::V1 => {
            let mut mac = Hmac::<Sha256>::new(&block.into());
            mac.update(msg);
            bytes.copy_from_slice(&mac.finalize().into_bytes());
            32
        }
        Version::V0 => {
            let mut mac = Hmac::<Sha1>::new(&block.into());
            mac.update(msg);
            bytes[..20].copy_from_slice(&mac.finalize().into_bytes());
            20
        }
        Version::Other(_) => return None,
    };
    Some(HmacDigest { bytes, len })
}

/// The MP_JOIN HMAC sent by one host: Key = (its key, the peer's key), Msg = (its nonce, the
/// peer's nonce) (§3.2). The SYN-ACK carries [`HmacDigest::leftmost64`] of the listener's,
/// the third ACK [`HmacDigest::leftmost160`] of the initiator's.
#[must_use]
pub fn join_hmac(
    version: Version,
    sender_key: Key,
    receiver_key: Key,
    sender_nonce: Nonce,
    receiver_nonce: Nonce,
) -> Option<HmacDigest> {
    let mut msg = [0; 8];
    msg[..4].copy_from_slice(&sender_nonce.0.to_be_bytes());
    msg[4..].copy_from_slice(&receiver_nonce.0.to_be_bytes());
    hmac(version, sender_key, receiver_key, &msg)
}

/// The ADD_ADDR HMAC (v1, §3.4.1): Key = (sender's key, receiver's key), Msg = (address ID,
/// address, port). Like Linux, the port is always two bytes, zero when the option has none.
#[must_use]
pub fn add_addr_hmac(
    sender_key: Key,
    receiver_key: Key,
    addr_id: u8,
    addr: IpAddr,
    port: Option<u16>,
) -> HmacDigest {
    let mut msg = [0; 19];
    msg[0] = addr_id;
    let n = match addr {
        IpAddr::V4(a) => {
            msg[1..5].copy_from_slice(&a.octets());
            5
        }
        IpAddr::V6(a) => {
            msg[1..17].copy_from_slice(&a.octets());
            17
        }
    };
    msg[n..n + 2].copy_from_slice(&port.unwrap_or(0).to_be_bytes());
    // Version 1 is always known.
    hmac(Version::V1, sender_key, receiver_key, &msg[..n + 2]).unwrap_or(HmacDigest {
        bytes: [0; 32],
        len: 32,
    })
}

/// A running 16-bit ones' complement sum over a byte stream that may arrive in pieces of any
/// length (the segments of one DSS mapping).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Checksum {
    sum: u64,
    /// An odd number of bytes went in: the next byte is the low half of a 16-bit word.
    odd: bool,
}

impl Checksum {
    pub fn add(&mut self, mut bytes: &[u8]) {
        if self.odd
            && let [b, rest @ ..] = bytes
        {
            self.sum += u64::from(*b);
            self.odd = false;
            bytes = rest;
        }
        let mut words = bytes.chunks_exact(2);
        for w in &mut words {
            self.sum += u64::from(u16::from_be_bytes([w[0], w[1]]));
        }
        if let [b] = words.remainder() {
            self.sum += u64::from(*b) << 8;
            self.odd = true;
        }
    }

    fn fold(mut sum: u64) -> u16 {
        while sum > 0xffff {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        // The loop leaves at most 16 bits.
        u16::try_from(sum).unwrap_or(u16::MAX)
    }

    /// The checksum a sender puts in the DSS option for the data summed so far.
    #[must_use]
    pub fn dss_value(self, dsn: u64, ssn: u32, data_len: u16) -> u16 {
        let mut s = self;
        // The pseudo-header starts on a word boundary: an odd last data byte is zero-padded.
        s.odd = false;
        s.add(&dsn.to_be_bytes());
        s.add(&ssn.to_be_bytes());
        s.add(&data_len.to_be_bytes());
        !Self::fold(s.sum)
    }

    /// Whether `checksum` from the option matches the data summed so far (§3.3.1).
    #[must_use]
    pub fn dss_matches(self, dsn: u64, ssn: u32, data_len: u16, checksum: u16) -> bool {
        // Ones' complement has two zeros: compare sums, not the values, so 0x0000 and
        // 0xffff are the same checksum, as the receiver's fold-to-zero test treats them.
        Self::fold(u64::from(!self.dss_value(dsn, ssn, data_len)) + u64::from(checksum)) == 0xffff
    }
}

fn be32(b: &[u8]) -> u32 {
    b.iter().take(4).fold(0, |v, &x| v << 8 | u32::from(x))
}

fn be64(b: &[u8]) -> u64 {
    b.iter().take(8).fold(0, |v, &x| v << 8 | u64::from(x))
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use hex_literal::hex;

    use super::*;

    #[test]
    fn hmac_matches_the_kernels_own_test_vectors() {
        // net/mptcp/crypto_test.c: the keys and messages are the ASCII bytes of its strings.
        let cases = [
            (
                "0b0b0b0b",
                "0b0b0b0b",
                b"48692054",
                hex!("8385e24fb4235ac37556b6b886db106284a1da671699f46db1f235ec622dcafa"),
            ),
            (
                "aaaaaaaa",
                "aaaaaaaa",
                b"dddddddd",
                hex!("2c5e219164ff1dca1c4a92318d847bb6b9d44492984e1eb71aff9022f71046e9"),
            ),
            (
                "01020304",
                "05060708",
                b"cdcdcdcd",
                hex!("e73b9ba9969969cefb04aa0d6df18ec2fcc075b6f23b4d8c4da736a5dbbc6e7d"),
            ),
        ];
        for (k1, k2, msg, expected) in cases {
            let key = |s: &str| Key(u64::from_be_bytes(s.as_bytes().try_into().unwrap()));
            let d = hmac(Version::V1, key(k1), key(k2), msg).unwrap();
            assert_eq!(d.as_bytes(), &expected);
        }
    }

    #[test]
    fn token_and_idsn_from_key() {
        // python3: h = hashlib.sha256(bytes.fromhex("0a1b2c3d4e5f6071")).digest();
        // token = h[:4], idsn = h[24:]; the same with sha1, idsn = h[12:].
        let key = Key(0x0a1b_2c3d_4e5f_6071);
        assert_eq!(
            key_hash(Version::V1, key),
            Some(KeyHash {
                token: Token(0xad1e_6ed1),
                idsn: 0x8e55_64a4_90cd_628b
            })
        );
        assert_eq!(
            key_hash(Version::V0, key),
            Some(KeyHash {
                token: Token(0xda08_45c2),
                idsn: 0x2493_9c97_48a5_8247
            })
        );
        assert_eq!(key_hash(Version::Other(2), key), None);
    }

    #[test]
    fn join_hmacs_of_both_directions() {
        // python3: hmac.new(struct.pack(">QQ", kb, ka), struct.pack(">II", rb, ra), sha256)
        let (ka, kb) = (Key(0x0102_0304_0506_0708), Key(0x1112_1314_1516_1718));
        let (ra, rb) = (Nonce(0xaabb_ccdd), Nonce(0x1122_3344));
        let syn_ack = join_hmac(Version::V1, kb, ka, rb, ra).unwrap();
        assert_eq!(syn_ack.leftmost64(), Hmac64(0x72be_a43c_69c0_c206));
        let ack = join_hmac(Version::V1, ka, kb, ra, rb).unwrap();
        assert_eq!(
            ack.leftmost160(),
            Hmac160(hex!("c2986b9ffe33dedc10955fc5c9c31544e3ac05c0"))
        );
        let v0 = join_hmac(Version::V0, kb, ka, rb, ra).unwrap();
        assert_eq!(
            v0.as_bytes(),
            &hex!("1628a8ed9003b9acc21a9a1252959022f466f602")
        );
        assert_eq!(v0.leftmost64(), Hmac64(0x1628_a8ed_9003_b9ac));
    }

    #[test]
    fn add_addr_hmac_rightmost_and_leftmost() {
        // python3: hmac.new(struct.pack(">QQ", ka, kb), bytes([5, 10, 0, 2, 2]) + b"\x1f\x90", sha256)
        let (ka, kb) = (Key(0x0102_0304_0506_0708), Key(0x1112_1314_1516_1718));
        let addr = Ipv4Addr::new(10, 0, 2, 2).into();
        let d = add_addr_hmac(ka, kb, 5, addr, Some(8080));
        assert_eq!(d.rightmost64(), Hmac64(0xcab0_7dbd_5307_08d6));
        assert_eq!(d.leftmost64(), Hmac64(0x831c_22fb_712a_27f5));
        // Without a port the message still ends in two zero bytes.
        assert_eq!(
            add_addr_hmac(ka, kb, 1, addr, None).rightmost64(),
            Hmac64(0x5e6a_aa28_2f58_9660)
        );
    }

    #[test]
    fn dss_checksum_over_pieces_of_any_length() {
        // python3: ones' complement of the sum of data (zero-padded to even length) and
        // struct.pack(">QIHH", dsn, ssn, len(data), 0); gives 0xd089 and 0xabdc.
        let dsn = 0x0000_0001_0000_0005;
        for (data, expected) in [
            (&b"hello, multipath world"[..], 0xd089),
            (b"hello, multipath!", 0xabdc),
        ] {
            let len = u16::try_from(data.len()).unwrap();
            for split in 0..data.len() {
                let mut c = Checksum::default();
                c.add(&data[..split]);
                c.add(&data[split..]);
                assert_eq!(c.dss_value(dsn, 1, len), expected, "split at {split}");
                assert!(c.dss_matches(dsn, 1, len, expected));
                assert!(!c.dss_matches(dsn, 1, len, expected ^ 0x0100));
                assert!(!c.dss_matches(dsn + 1, 1, len, expected));
            }
        }
    }
}
