//! Any bytes as a sock_diag reply: MPTCP sockets (`inet_diag_msg`, `mptcp_info`) and TCP
//! sockets with their subflow ULP attributes (`tcp_info`, `MPTCP_SUBFLOW_ATTR_*`); then joined
//! into connections as `conns` does, and printed as text and JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mptcpstat::cmd::conns::{Filter, Subflow, collect};
use mptcpstat::kernel::sock_diag::{
    AF_INET, AF_INET6, parse_inet_diag_msg, parse_mptcp_into, parse_subflows_into, parse_tcp_sock,
    states,
};
use mptcpstat::output::{Format, Output, Style};

fuzz_target!(|data: &[u8]| {
    // Whole replies; what was parsed before an error is kept, as `conns` keeps it.
    let (mut msks, mut tcps) = (Vec::new(), Vec::new());
    let _ = parse_mptcp_into(data, &mut msks);
    let _ = parse_subflows_into(data, &mut tcps);
    // One message's payload.
    let _ = parse_inet_diag_msg(data);
    let _ = parse_tcp_sock(data);
    let subflows = tcps
        .into_iter()
        .map(|t| Subflow::new(t, Some("eth0".into())))
        .collect();
    let filter = Filter {
        states: states::ALL,
        families: vec![AF_INET, AF_INET6],
        sport: None,
        dport: None,
        addr: None,
    };
    let report = collect(&msks, subflows, &filter);
    for format in [Format::Text, Format::Json] {
        let mut out = Vec::new();
        Output::new(&mut out, format, Style::default())
            .report(&report)
            .unwrap();
    }
});
