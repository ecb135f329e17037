//! Walks the TCP options area (RFC 9293 §3.1) and yields each option as kind and bytes.
//!
//! Unknown kinds pass through untouched: the walker only needs a kind and a length to step over
//! an option, so an option it has never heard of never stops it (unlike parsers that reject
//! kind 30 and lose MPTCP and everything after it). It stops at End of Option List, at the end
//! of the area, or at a length it cannot step over, which it reports once.

use thiserror::Error;

/// End of Option List.
pub const TCPOPT_EOL: u8 = 0;
/// No-Operation, used as padding between options.
pub const TCPOPT_NOP: u8 = 1;
/// Maximum Segment Size.
pub const TCPOPT_MSS: u8 = 2;
/// Window Scale (RFC 7323).
pub const TCPOPT_WINDOW: u8 = 3;
/// SACK Permitted (RFC 2018).
pub const TCPOPT_SACK_PERM: u8 = 4;
/// SACK blocks (RFC 2018).
pub const TCPOPT_SACK: u8 = 5;
/// Timestamps (RFC 7323).
pub const TCPOPT_TIMESTAMP: u8 = 8;
/// Multipath TCP (RFC 8684 §3).
pub const TCPOPT_MPTCP: u8 = 30;

/// One option of the area. `raw` is the whole option as on the wire, kind and length included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpOption<'a> {
    /// Offset of the kind byte from the start of the options area.
    pub offset: usize,
    pub raw: &'a [u8],
}

impl<'a> TcpOption<'a> {
    #[must_use]
    pub fn kind(&self) -> u8 {
        self.raw[0]
    }

    /// The bytes after kind and length (empty for the one-byte NOP).
    #[must_use]
    pub fn data(&self) -> &'a [u8] {
        self.raw.get(2..).unwrap_or_default()
    }
}

/// Why the walk had to stop before the end of the area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum OptionsError {
    #[error("TCP option kind {kind} at offset {offset} has no length byte")]
    NoLength { kind: u8, offset: usize },
    #[error("TCP option kind {kind} at offset {offset} has length {len}, less than 2")]
    BadLength { kind: u8, offset: usize, len: u8 },
    #[error(
        "TCP option kind {kind} at offset {offset} has length {len} but only {available} bytes remain"
    )]
    PastEnd {
        kind: u8,
        offset: usize,
        len: u8,
        available: usize,
    },
}

impl OptionsError {
    /// The kind of the option the walk stopped at.
    #[must_use]
    pub fn kind(&self) -> u8 {
        match *self {
            OptionsError::NoLength { kind, .. }
            | OptionsError::BadLength { kind, .. }
            | OptionsError::PastEnd { kind, .. } => kind,
        }
    }

    /// The offset of that option's kind byte in the area.
    #[must_use]
    pub fn offset(&self) -> usize {
        match *self {
            OptionsError::NoLength { offset, .. }
            | OptionsError::BadLength { offset, .. }
            | OptionsError::PastEnd { offset, .. } => offset,
        }
    }
}

/// Iterator over the options of a TCP header; NOPs are stepped over, EOL ends the walk.
#[derive(Debug, Clone)]
pub struct TcpOptions<'a> {
    area: &'a [u8],
    pos: usize,
}

/// Walks `area`, the bytes between the fixed TCP header and the payload.
#[must_use]
pub fn walk(area: &[u8]) -> TcpOptions<'_> {
    TcpOptions { area, pos: 0 }
}

impl<'a> Iterator for TcpOptions<'a> {
    type Item = Result<TcpOption<'a>, OptionsError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let offset = self.pos;
            let rest = self.area.get(offset..)?;
            match *rest {
                [] | [TCPOPT_EOL, ..] => {
                    self.pos = self.area.len();
                    return None;
                }
                [TCPOPT_NOP, ..] => self.pos += 1,
                [kind] => {
                    self.pos = self.area.len();
                    return Some(Err(OptionsError::NoLength { kind, offset }));
                }
                [kind, len, ..] => {
                    // Whatever goes wrong below, the walk cannot find the next option.
                    self.pos = self.area.len();
                    if len < 2 {
                        return Some(Err(OptionsError::BadLength { kind, offset, len }));
                    }
                    let Some(raw) = rest.get(..usize::from(len)) else {
                        let available = rest.len();
                        return Some(Err(OptionsError::PastEnd {
                            kind,
                            offset,
                            len,
                            available,
                        }));
                    };
                    self.pos = offset + raw.len();
                    return Some(Ok(TcpOption { offset, raw }));
                }
            }
        }
    }
}

/// The TCP Timestamps option (TSval, TSecr), if the area carries a well-formed one.
#[must_use]
pub fn timestamps(area: &[u8]) -> Option<(u32, u32)> {
    walk(area).map_while(Result::ok).find_map(|o| match o.raw {
        [TCPOPT_TIMESTAMP, 10, val @ .., _, _, _, _] => {
            let val = u32::from_be_bytes(val.try_into().ok()?);
            let ecr = u32::from_be_bytes(o.raw[6..].try_into().ok()?);
            Some((val, ecr))
        }
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use hex_literal::hex;

    use super::*;

    fn kinds(area: &[u8]) -> Vec<Result<(u8, usize), OptionsError>> {
        walk(area)
            .map(|o| o.map(|o| (o.kind(), o.raw.len())))
            .collect()
    }

    #[test]
    fn syn_options_with_mptcp_and_unknown_kind() {
        // A Linux MP_CAPABLE SYN, with an unassigned kind 253 (RFC 4727 experiment) added.
        let area = hex!(
            "02 04 05 b4"                // MSS 1460
            "04 02"                      // SACK permitted
            "08 0a 00 01 02 03 00 00 00 00" // timestamps
            "01"                         // NOP
            "03 03 07"                   // window scale 7
            "fd 04 ab cd"                // kind 253, length 4: passed through
            "1e 04 01 81"                // MPTCP, length 4: MP_CAPABLE v1, flags A|H
        );
        assert_eq!(
            kinds(&area),
            vec![
                Ok((2, 4)),
                Ok((4, 2)),
                Ok((8, 10)),
                Ok((3, 3)),
                Ok((253, 4)),
                Ok((30, 4))
            ]
        );
        let mptcp = walk(&area).filter_map(Result::ok).last().unwrap();
        assert_eq!(mptcp.offset, 24);
        assert_eq!(mptcp.data(), &hex!("01 81"));
        assert_eq!(timestamps(&area), Some((0x0001_0203, 0)));
    }

    #[test]
    fn eol_ends_the_walk() {
        assert_eq!(kinds(&hex!("01 01 00 1e 04 01 81")), vec![]);
    }

    #[test]
    fn bad_lengths_stop_the_walk_once() {
        assert_eq!(
            kinds(&hex!("1e 00 1e 04 01 81")),
            vec![Err(OptionsError::BadLength {
                kind: 30,
                offset: 0,
                len: 0
            })]
        );
        assert_eq!(
            kinds(&hex!("01 1e 01")),
            vec![Err(OptionsError::BadLength {
                kind: 30,
                offset: 1,
                len: 1
            })]
        );
        assert_eq!(
            kinds(&hex!("02 04 05 b4 1e 14 01 81 00")),
            vec![
                Ok((2, 4)),
                Err(OptionsError::PastEnd {
                    kind: 30,
                    offset: 4,
                    len: 20,
                    available: 5
                })
            ]
        );
        assert_eq!(
            kinds(&hex!("01 1e")),
            vec![Err(OptionsError::NoLength {
                kind: 30,
                offset: 1
            })]
        );
    }

    proptest::proptest! {
        #[test]
        fn walking_never_panics_and_stays_inside(area in proptest::collection::vec(proptest::num::u8::ANY, 0..60)) {
            let mut covered = 0;
            for o in walk(&area).flatten() {
                proptest::prop_assert!(o.offset >= covered);
                covered = o.offset + o.raw.len();
                proptest::prop_assert!(covered <= area.len());
            }
        }
    }
}
