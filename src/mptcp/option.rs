//! The MPTCP option (kind 30): [`Subtype`], [`MptcpOption`] and [`parse`], the dispatch table.
//!
//! RFC 8684 §3 (Figure 3): every MPTCP option starts with kind, length and a 4-bit subtype.
//! Each subtype has one small decoder that checks its own lengths; the larger ones live in
//! files of their own (`mp_capable.rs`, `mp_join.rs`, `dss.rs`, `add_addr.rs`), the short
//! ones below. An unassigned subtype is kept as [`MptcpOption::Unknown`] with its bytes.

use std::fmt;

use serde::{Serialize, Serializer};

use super::add_addr::AddAddr;
use super::dss::Dss;
use super::error::DecodeError;
use super::mp_capable::MpCapable;
use super::mp_join::MpJoin;
use super::tcp_options::{OptionsError, TCPOPT_MPTCP, walk};
use super::types::{Hex, Key};

pub const MPTCPOPT_MP_CAPABLE: u8 = 0;
pub const MPTCPOPT_MP_JOIN: u8 = 1;
pub const MPTCPOPT_DSS: u8 = 2;
pub const MPTCPOPT_ADD_ADDR: u8 = 3;
pub const MPTCPOPT_RM_ADDR: u8 = 4;
pub const MPTCPOPT_MP_PRIO: u8 = 5;
pub const MPTCPOPT_MP_FAIL: u8 = 6;
pub const MPTCPOPT_MP_FASTCLOSE: u8 = 7;
pub const MPTCPOPT_RST: u8 = 8;
/// Reserved for private use (RFC 8684 §8, "MP_EXPERIMENTAL").
pub const MPTCPOPT_MP_EXPERIMENTAL: u8 = 0xf;

/// The 4-bit subtype of an MPTCP option (RFC 8684 Table 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subtype {
    MpCapable,
    MpJoin,
    Dss,
    AddAddr,
    RemoveAddr,
    MpPrio,
    MpFail,
    MpFastclose,
    MpTcprst,
    /// Unassigned or private-use (0xf) value.
    Other(u8),
}

impl Subtype {
    #[must_use]
    pub fn from_code(code: u8) -> Self {
        match code {
            MPTCPOPT_MP_CAPABLE => Subtype::MpCapable,
            MPTCPOPT_MP_JOIN => Subtype::MpJoin,
            MPTCPOPT_DSS => Subtype::Dss,
            MPTCPOPT_ADD_ADDR => Subtype::AddAddr,
            MPTCPOPT_RM_ADDR => Subtype::RemoveAddr,
            MPTCPOPT_MP_PRIO => Subtype::MpPrio,
            MPTCPOPT_MP_FAIL => Subtype::MpFail,
            MPTCPOPT_MP_FASTCLOSE => Subtype::MpFastclose,
            MPTCPOPT_RST => Subtype::MpTcprst,
            other => Subtype::Other(other),
        }
    }

    #[must_use]
    pub fn code(self) -> u8 {
        match self {
            Subtype::MpCapable => MPTCPOPT_MP_CAPABLE,
            Subtype::MpJoin => MPTCPOPT_MP_JOIN,
            Subtype::Dss => MPTCPOPT_DSS,
            Subtype::AddAddr => MPTCPOPT_ADD_ADDR,
            Subtype::RemoveAddr => MPTCPOPT_RM_ADDR,
            Subtype::MpPrio => MPTCPOPT_MP_PRIO,
            Subtype::MpFail => MPTCPOPT_MP_FAIL,
            Subtype::MpFastclose => MPTCPOPT_MP_FASTCLOSE,
            Subtype::MpTcprst => MPTCPOPT_RST,
            Subtype::Other(code) => code,
        }
    }

    /// The JSON name: `mp_capable`, `dss`, ... and `unknown` for the rest.
    #[must_use]
    pub fn json_name(self) -> &'static str {
        match self {
            Subtype::MpCapable => "mp_capable",
            Subtype::MpJoin => "mp_join",
            Subtype::Dss => "dss",
            Subtype::AddAddr => "add_addr",
            Subtype::RemoveAddr => "remove_addr",
            Subtype::MpPrio => "mp_prio",
            Subtype::MpFail => "mp_fail",
            Subtype::MpFastclose => "mp_fastclose",
            Subtype::MpTcprst => "mp_tcprst",
            Subtype::Other(_) => "unknown",
        }
    }
}

/// The RFC's name: `MP_CAPABLE`, `DSS`, ...; `MP_EXPERIMENTAL` for 0xf; `subtype N` otherwise.
impl fmt::Display for Subtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Subtype::MpCapable => "MP_CAPABLE",
            Subtype::MpJoin => "MP_JOIN",
            Subtype::Dss => "DSS",
            Subtype::AddAddr => "ADD_ADDR",
            Subtype::RemoveAddr => "REMOVE_ADDR",
            Subtype::MpPrio => "MP_PRIO",
            Subtype::MpFail => "MP_FAIL",
            Subtype::MpFastclose => "MP_FASTCLOSE",
            Subtype::MpTcprst => "MP_TCPRST",
            Subtype::Other(MPTCPOPT_MP_EXPERIMENTAL) => "MP_EXPERIMENTAL",
            Subtype::Other(code) => return write!(f, "subtype {code}"),
        };
        f.write_str(name)
    }
}

impl Serialize for Subtype {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.json_name())
    }
}

/// A decoded MPTCP option (RFC 8684 §3). Borrowed fields point into the packet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "subtype", rename_all = "snake_case")]
pub enum MptcpOption<'a> {
    MpCapable(MpCapable),
    MpJoin(MpJoin),
    Dss(Dss),
    AddAddr(AddAddr),
    RemoveAddr(RemoveAddr<'a>),
    MpPrio(MpPrio),
    MpFail(MpFail),
    MpFastclose(MpFastclose),
    MpTcprst(MpTcprst),
    /// Unassigned or experimental subtype: kept and shown, never dropped.
    Unknown(Unknown<'a>),
}

impl MptcpOption<'_> {
    #[must_use]
    pub fn subtype(&self) -> Subtype {
        match self {
            MptcpOption::MpCapable(_) => Subtype::MpCapable,
            MptcpOption::MpJoin(_) => Subtype::MpJoin,
            MptcpOption::Dss(_) => Subtype::Dss,
            MptcpOption::AddAddr(_) => Subtype::AddAddr,
            MptcpOption::RemoveAddr(_) => Subtype::RemoveAddr,
            MptcpOption::MpPrio(_) => Subtype::MpPrio,
            MptcpOption::MpFail(_) => Subtype::MpFail,
            MptcpOption::MpFastclose(_) => Subtype::MpFastclose,
            MptcpOption::MpTcprst(_) => Subtype::MpTcprst,
            MptcpOption::Unknown(u) => Subtype::Other(u.kind_subtype),
        }
    }
}

/// One line per option, fields named as in JSON, numbers as on the wire, keys in hex.
impl fmt::Display for MptcpOption<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MptcpOption::MpCapable(o) => o.fmt(f),
            MptcpOption::MpJoin(o) => o.fmt(f),
            MptcpOption::Dss(o) => o.fmt(f),
            MptcpOption::AddAddr(o) => o.fmt(f),
            MptcpOption::RemoveAddr(o) => {
                f.write_str("REMOVE_ADDR addr_ids")?;
                for (i, id) in o.addr_ids.iter().enumerate() {
                    write!(f, "{}{id}", if i == 0 { " " } else { "," })?;
                }
                Ok(())
            }
            MptcpOption::MpPrio(o) => {
                write!(f, "MP_PRIO backup {}", u8::from(o.backup))?;
                if let Some(id) = o.addr_id {
                    write!(f, " addr_id {id}")?;
                }
                Ok(())
            }
            MptcpOption::MpFail(o) => write!(f, "MP_FAIL dsn {}", o.dsn),
            MptcpOption::MpFastclose(o) => write!(f, "MP_FASTCLOSE key {}", o.key),
            MptcpOption::MpTcprst(o) => {
                write!(f, "MP_TCPRST reason {}", o.reason)?;
                if let Some(name) = o.reason_name() {
                    write!(f, " ({name})")?;
                }
                if o.transient {
                    f.write_str(" transient")?;
                }
                Ok(())
            }
            MptcpOption::Unknown(o) => {
                write!(f, "{} raw {}", Subtype::Other(o.kind_subtype), o.raw_hex())
            }
        }
    }
}

/// REMOVE_ADDR (RFC 8684 §3.4.2, Figure 13): the address IDs the sender no longer uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemoveAddr<'a> {
    pub addr_ids: &'a [u8],
}

/// MP_PRIO (RFC 8684 §3.3.8, Figure 11): the subflow's backup flag changes. RFC 6824 also
/// allowed an address ID (length 4), to change the priority of another subflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MpPrio {
    pub backup: bool,
    pub addr_id: Option<u8>,
}

/// MP_FAIL (RFC 8684 §3.7, Figure 16): the 64-bit DSN where a checksum failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MpFail {
    pub dsn: u64,
}

/// MP_FASTCLOSE (RFC 8684 §3.5, Figure 14): abrupt close, proven by the receiver's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MpFastclose {
    /// The key of the host the option is sent to.
    pub key: Key,
}

/// MP_TCPRST (RFC 8684 §3.6, Figure 15): why a subflow was reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MpTcprst {
    /// The four flag bits U, V, W, T (only T is assigned).
    pub flags: u8,
    /// T: the error is temporary and the subflow may be retried.
    pub transient: bool,
    pub reason: u8,
}

impl MpTcprst {
    /// The reason codes of RFC 8684 §3.6, in `snake_case`.
    #[must_use]
    pub fn reason_name(&self) -> Option<&'static str> {
        Some(match self.reason {
            0 => "unspecified_error",
            1 => "mptcp_specific_error",
            2 => "lack_of_resources",
            3 => "administratively_prohibited",
            4 => "too_much_outstanding_data",
            5 => "unacceptable_performance",
            6 => "middlebox_interference",
            _ => return None,
        })
    }
}

impl Serialize for MpTcprst {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("MpTcprst", 4)?;
        st.serialize_field("flags", &self.flags)?;
        st.serialize_field("transient", &self.transient)?;
        st.serialize_field("reason", &self.reason)?;
        st.serialize_field("reason_name", &self.reason_name())?;
        st.end()
    }
}

/// An option of an unassigned or experimental subtype.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unknown<'a> {
    pub kind_subtype: u8,
    /// The option's bytes after kind and length.
    pub data: &'a [u8],
}

impl Unknown<'_> {
    /// The whole option as on the wire (kind 30, length, data), in hex.
    #[must_use]
    pub fn raw_hex(&self) -> String {
        option_hex(self.data)
    }
}

impl Serialize for Unknown<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Unknown", 2)?;
        st.serialize_field("kind_subtype", &self.kind_subtype)?;
        st.serialize_field("raw", &self.raw_hex())?;
        st.end()
    }
}

/// Hex of a whole MPTCP option rebuilt from its data: kind 30, length, data.
#[must_use]
pub fn option_hex(data: &[u8]) -> String {
    // An option's length is one byte, so the data of a real option is at most 253 bytes.
    let len = u8::try_from(data.len() + 2).unwrap_or(u8::MAX);
    format!("1e{len:02x}{}", Hex(data))
}

/// Decodes one MPTCP option from `data`, the bytes after kind and length.
pub fn parse(data: &[u8]) -> Result<MptcpOption<'_>, DecodeError> {
    let Some(&first) = data.first() else {
        return Err(DecodeError::NoSubtype { len: 2 });
    };
    Ok(match first >> 4 {
        MPTCPOPT_MP_CAPABLE => MptcpOption::MpCapable(MpCapable::parse(data)?),
        MPTCPOPT_MP_JOIN => MptcpOption::MpJoin(MpJoin::parse(data)?),
        MPTCPOPT_DSS => MptcpOption::Dss(Dss::parse(data)?),
        MPTCPOPT_ADD_ADDR => MptcpOption::AddAddr(AddAddr::parse(data)?),
        MPTCPOPT_RM_ADDR => MptcpOption::RemoveAddr(parse_remove_addr(data)?),
        MPTCPOPT_MP_PRIO => MptcpOption::MpPrio(parse_mp_prio(data)?),
        MPTCPOPT_MP_FAIL => MptcpOption::MpFail(MpFail {
            dsn: u64::from_be_bytes(after_reserved(Subtype::MpFail, data)?),
        }),
        MPTCPOPT_MP_FASTCLOSE => MptcpOption::MpFastclose(MpFastclose {
            key: Key(u64::from_be_bytes(after_reserved(
                Subtype::MpFastclose,
                data,
            )?)),
        }),
        MPTCPOPT_RST => MptcpOption::MpTcprst(parse_tcprst(data)?),
        kind_subtype => MptcpOption::Unknown(Unknown { kind_subtype, data }),
    })
}

/// A [`DecodeError::BadLength`] for `data` (the option length is two more).
pub(super) fn bad_length(subtype: Subtype, data: &[u8], valid: &'static str) -> DecodeError {
    DecodeError::BadLength {
        subtype,
        len: data.len() + 2,
        valid,
    }
}

/// Figure 13: subtype and reserved bits, then one byte per address ID (at least one).
fn parse_remove_addr(data: &[u8]) -> Result<RemoveAddr<'_>, DecodeError> {
    match data {
        [_, addr_ids @ ..] if !addr_ids.is_empty() => Ok(RemoveAddr { addr_ids }),
        _ => Err(bad_length(Subtype::RemoveAddr, data, "4 or more")),
    }
}

/// Figure 11: subtype, three reserved bits and B; RFC 6824 adds an optional address ID.
fn parse_mp_prio(data: &[u8]) -> Result<MpPrio, DecodeError> {
    match *data {
        [b] => Ok(MpPrio {
            backup: b & 1 != 0,
            addr_id: None,
        }),
        [b, id] => Ok(MpPrio {
            backup: b & 1 != 0,
            addr_id: Some(id),
        }),
        _ => Err(bad_length(Subtype::MpPrio, data, "3 or 4")),
    }
}

/// Figures 14 and 16: subtype and 12 reserved bits, then 8 bytes (a key or a DSN).
fn after_reserved(subtype: Subtype, data: &[u8]) -> Result<[u8; 8], DecodeError> {
    match data {
        [_, _, rest @ ..] => rest.try_into().map_err(|_| bad_length(subtype, data, "12")),
        _ => Err(bad_length(subtype, data, "12")),
    }
}

/// Figure 15: subtype and the flags U V W T, then the reason code.
fn parse_tcprst(data: &[u8]) -> Result<MpTcprst, DecodeError> {
    match *data {
        [b, reason] => Ok(MpTcprst {
            flags: b & 0x0f,
            transient: b & 0x01 != 0,
            reason,
        }),
        _ => Err(bad_length(Subtype::MpTcprst, data, "4")),
    }
}

#[cfg(test)]
mod tests {
    use hex_literal::hex;

    use super::*;

    #[test]
    fn remove_addr_keeps_every_id() {
        // Crafted: REMOVE_ADDR of ids 1, 2 and 9 (length 6).
        let data = hex!(
            "40"       // subtype 4, reserved
            "01 02 09" // address IDs
        );
        assert_eq!(
            parse(&data),
            Ok(MptcpOption::RemoveAddr(RemoveAddr {
                addr_ids: &[1, 2, 9]
            }))
        );
        assert_eq!(
            parse(&hex!("40")),
            Err(DecodeError::BadLength {
                subtype: Subtype::RemoveAddr,
                len: 3,
                valid: "4 or more"
            })
        );
    }

    #[test]
    fn mp_prio_with_and_without_addr_id() {
        // Linux sends length 3 followed by a NOP (net/mptcp/options.c); RFC 6824 allowed an ID.
        assert_eq!(
            parse(&hex!("51")),
            Ok(MptcpOption::MpPrio(MpPrio {
                backup: true,
                addr_id: None
            }))
        );
        assert_eq!(
            parse(&hex!("50 03")),
            Ok(MptcpOption::MpPrio(MpPrio {
                backup: false,
                addr_id: Some(3)
            }))
        );
        assert!(matches!(
            parse(&hex!("51 03 00")),
            Err(DecodeError::BadLength { len: 5, .. })
        ));
    }

    #[test]
    fn mp_fail_carries_a_64_bit_dsn() {
        // Crafted (no kernel sends MP_FAIL on demand): Figure 16, length 12.
        let data = hex!(
            "60 00"                   // subtype 6, 12 reserved bits
            "00 00 00 01 00 00 00 2a" // DSN 2^32 + 42
        );
        assert_eq!(
            parse(&data),
            Ok(MptcpOption::MpFail(MpFail {
                dsn: (1 << 32) + 42
            }))
        );
        assert!(matches!(
            parse(&data[..9]),
            Err(DecodeError::BadLength { len: 11, .. })
        ));
    }

    #[test]
    fn mp_fastclose_carries_the_receivers_key() {
        let data = hex!(
            "70 00"                   // subtype 7, reserved
            "0a 1b 2c 3d 4e 5f 60 71" // receiver's key
        );
        assert_eq!(
            parse(&data),
            Ok(MptcpOption::MpFastclose(MpFastclose {
                key: Key(0x0a1b_2c3d_4e5f_6071)
            }))
        );
    }

    #[test]
    fn mp_tcprst_flags_and_reason() {
        let data = hex!(
            "81" // subtype 8, flags U=0 V=0 W=0 T=1
            "05" // reason 5: unacceptable performance
        );
        let expected = MpTcprst {
            flags: 1,
            transient: true,
            reason: 5,
        };
        assert_eq!(parse(&data), Ok(MptcpOption::MpTcprst(expected)));
        assert_eq!(expected.reason_name(), Some("unacceptable_performance"));
        assert_eq!(
            serde_json::to_value(MptcpOption::MpTcprst(expected)).unwrap(),
            serde_json::json!({"subtype": "mp_tcprst", "flags": 1, "transient": true,
                               "reason": 5, "reason_name": "unacceptable_performance"})
        );
        assert_eq!(
            MpTcprst {
                flags: 0,
                transient: false,
                reason: 99
            }
            .reason_name(),
            None
        );
    }

    #[test]
    fn unknown_subtypes_are_kept_with_their_bytes() {
        let data = hex!("f0 12 34"); // MP_EXPERIMENTAL, length 5
        let opt = parse(&data).unwrap();
        assert_eq!(
            opt,
            MptcpOption::Unknown(Unknown {
                kind_subtype: 15,
                data: &data
            })
        );
        assert_eq!(
            serde_json::to_value(&opt).unwrap(),
            serde_json::json!({"subtype": "unknown", "kind_subtype": 15, "raw": "1e05f01234"})
        );
        assert_eq!(opt.to_string(), "MP_EXPERIMENTAL raw 1e05f01234");
        assert_eq!(
            parse(&hex!("90")).unwrap().to_string(),
            "subtype 9 raw 1e0390"
        );
    }

    #[test]
    fn options_of_an_area_with_a_malformed_one() {
        let area = hex!(
            "01 01"                         // NOPs
            "08 0a 00 00 00 01 00 00 00 02" // timestamps: not MPTCP, skipped
            "1e 04 20 0f"                   // DSS whose flags want 26 bytes: malformed
            "1e 03 51"                      // MP_PRIO backup
            "1e 00"                         // length 0: the walk stops here
        );
        let found: Vec<_> = options(&area).collect();
        assert_eq!(
            found,
            vec![
                Found::Malformed {
                    raw: &hex!("1e 04 20 0f"),
                    error: DecodeError::DssLength {
                        flags: 0x0f,
                        len: 4,
                        expected: 26
                    }
                },
                Found::Option(MptcpOption::MpPrio(MpPrio {
                    backup: true,
                    addr_id: None
                })),
                Found::BadArea(OptionsError::BadLength {
                    kind: 30,
                    offset: 19,
                    len: 0
                }),
            ]
        );
    }

    #[test]
    fn empty_option_has_no_subtype() {
        assert_eq!(parse(&[]), Err(DecodeError::NoSubtype { len: 2 }));
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(data in proptest::collection::vec(proptest::num::u8::ANY, 0..48)) {
            if let Ok(opt) = parse(&data) {
                let _ = opt.to_string();
                let _ = serde_json::to_string(&opt);
            }
        }

        #[test]
        fn options_of_any_area_never_panic_and_stay_inside(area in proptest::collection::vec(proptest::num::u8::ANY, 0..60)) {
            let mut broken = 0;
            for found in options(&area) {
                match found {
                    Found::Option(o) => {
                        let _ = (o.to_string(), serde_json::to_string(&o));
                    }
                    Found::Malformed { raw, error } => {
                        // The whole option, kind 30 and its own length, within the area.
                        proptest::prop_assert_eq!(raw.first(), Some(&TCPOPT_MPTCP));
                        proptest::prop_assert_eq!(raw.get(1).map(|&l| usize::from(l)), Some(raw.len()));
                        let _ = error.to_string();
                    }
                    Found::BadArea(e) => {
                        broken += 1;
                        proptest::prop_assert!(e.offset() < area.len());
                    }
                }
            }
            // A broken area ends the walk: it is reported once, last.
            proptest::prop_assert!(broken <= 1);
        }
    }
}

/// What [`options`] finds in a TCP options area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found<'a> {
    Option(MptcpOption<'a>),
    /// A kind-30 option that no form of its subtype fits. `raw` is the whole option.
    Malformed {
        raw: &'a [u8],
        error: DecodeError,
    },
    /// The options area itself is broken here; MPTCP options after this point are lost.
    /// When the capture cut the header short, this is expected and says nothing of the sender.
    BadArea(OptionsError),
}

/// Every MPTCP option in a TCP options area, in order, with what could not be decoded.
pub fn options(area: &[u8]) -> impl Iterator<Item = Found<'_>> {
    walk(area).filter_map(|o| match o {
        Ok(o) if o.kind() == TCPOPT_MPTCP => Some(match parse(o.data()) {
            Ok(opt) => Found::Option(opt),
            Err(error) => Found::Malformed { raw: o.raw, error },
        }),
        Ok(_) => None,
        Err(e) => Some(Found::BadArea(e)),
    })
}
