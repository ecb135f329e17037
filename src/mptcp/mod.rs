//! The MPTCP options core, shared by every command. No I/O: bytes in, values out.
//!
//! A map of RFC 8684 (and RFC 6824 for version 0) to this module:
//!
//! | RFC 8684 | what | here |
//! |---|---|---|
//! | §3 Figure 3 | the option's kind, length, subtype | [`option`]: [`parse`], [`MptcpOption`], [`Subtype`] |
//! | §3.1 Figure 4 | MP_CAPABLE | [`mp_capable`] |
//! | §3.2 Figures 5-7 | MP_JOIN | [`mp_join`] |
//! | §3.3 Figure 9 | DSS | [`dss`] |
//! | §3.4.1 Figure 12 | ADD_ADDR | [`add_addr`] |
//! | §3.4.2 Figure 13 | REMOVE_ADDR | [`option::RemoveAddr`] |
//! | §3.3.8 Figure 11 | MP_PRIO | [`option::MpPrio`] |
//! | §3.5 Figure 14 | MP_FASTCLOSE | [`option::MpFastclose`] |
//! | §3.6 Figure 15 | MP_TCPRST | [`option::MpTcprst`] |
//! | §3.7 Figure 16 | MP_FAIL | [`option::MpFail`] |
//! | §3.1-3.4 | keys, tokens, IDSNs, HMACs, DSS checksum | [`crypto`] |
//!
//! [`tcp_options`] walks a TCP header's options area and hands each kind-30 option to
//! [`parse`]. Values (keys, tokens, HMACs) are newtypes in [`types`], shown as fixed-width hex.

pub mod add_addr;
pub mod crypto;
pub mod dss;
pub mod encode;
pub mod error;
pub mod mp_capable;
pub mod mp_join;
pub mod option;
pub mod tcp_options;
pub mod types;

pub use add_addr::AddAddr;
pub use dss::Dss;
pub use error::DecodeError;
pub use mp_capable::MpCapable;
pub use mp_join::{JoinForm, JoinHmac, MpJoin};
pub use option::{Found, MptcpOption, Subtype, options, parse};
pub use types::{Hex, Hmac64, Hmac160, Key, Nonce, Token, Version};
