//! The live kernel: sysctls, generic netlink `mptcp_pm`, `sock_diag`, MIB counters.
