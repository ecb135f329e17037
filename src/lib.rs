//! mptcpstat: Multipath TCP (RFC 8684; RFC 6824 for v0) on Linux, from three sides.
//!
//! - [`mptcp`]: the options-decoding core, no I/O; every other module builds on it.
//! - [`kernel`]: the live system: sysctls, `mptcp_pm` generic netlink, `sock_diag`, MIB counters.
//! - [`capture`]: pcap and pcapng captures, streamed, down to the TCP options of each frame.
//! - [`analyze`]: decoded segments in, MPTCP connections, events and anomalies out.
//! - [`cmd`]: one module per subcommand, each composing a report; [`output`] renders it,
//!   and [`plot`] draws an analyzed connection as SVG.

pub mod analyze;
pub mod capture;
pub mod cli;
pub mod cmd;
pub mod kernel;
pub mod mptcp;
pub mod output;
pub mod plot;
