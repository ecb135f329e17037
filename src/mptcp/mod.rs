//! The MPTCP options core, shared by every command. No I/O.

pub mod types;
