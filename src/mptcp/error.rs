//! Why an MPTCP option could not be decoded.

use thiserror::Error;

use super::option::Subtype;

/// A malformed MPTCP option. In a capture this is a finding, never the end of decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum DecodeError {
    /// Kind 30 with length 2: not even a subtype.
    #[error("MPTCP option of length {len} has no subtype")]
    NoSubtype { len: usize },
    /// A length that no form of the subtype has (RFC 8684 §3, the figure of each subtype).
    #[error("{subtype} option of length {len}; valid lengths: {valid}")]
    BadLength {
        subtype: Subtype,
        len: usize,
        valid: &'static str,
    },
    /// A DSS option whose length does not match what its flags announce (§3.3, Figure 9).
    #[error(
        "DSS option of length {len}; its flags {flags:#04x} call for {expected}, or {} with a checksum",
        expected + 2
    )]
    DssLength {
        flags: u8,
        len: usize,
        expected: usize,
    },
    /// ADD_ADDR of RFC 6824 whose IPVer does not match its length.
    #[error("ADD_ADDR (v0) with IP version {ipver} and length {len}")]
    BadIpVersion { ipver: u8, len: usize },
}
