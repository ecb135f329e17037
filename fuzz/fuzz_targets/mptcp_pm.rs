//! Any bytes as generic netlink: the `nlctrl` family lookup of "mptcp_pm", `mptcp_pm`
//! endpoint and limit replies, and path manager event datagrams; endpoints and events
//! printed as `endpoints` and `monitor` print them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mptcpstat::cmd::endpoints::{EndpointRecord, EndpointsReport};
use mptcpstat::cmd::monitor::EventRecord;
use mptcpstat::kernel::events::parse_datagram;
use mptcpstat::kernel::netlink::Reply;
use mptcpstat::kernel::pm::{parse_endpoint, parse_endpoints, parse_family, parse_limits};
use mptcpstat::output::{Format, Output, Style};

fuzz_target!(|data: &[u8]| {
    // The family ID the replies are checked against: the first message's type, so that a
    // mutated reply keeps matching.
    let family = data
        .get(4..6)
        .map_or(0, |b| u16::from_ne_bytes([b[0], b[1]]));
    let reply = Reply::from_bytes(data.to_vec());
    if let Ok(f) = parse_family(&reply, "mptcp_pm") {
        let _ = f.group("mptcp_pm_events");
    }
    let _ = parse_limits(&reply, family);
    let _ = parse_endpoint(data);
    for event in parse_datagram(data, family).into_iter().flatten() {
        let record = EventRecord::new(&event, 1.5, &mut |i| Some(format!("if{i}")));
        for format in [Format::Text, Format::Json] {
            let mut out = Vec::new();
            Output::new(&mut out, format, Style::default())
                .record(&record)
                .unwrap();
        }
    }
    if let Ok(endpoints) = parse_endpoints(&reply, family) {
        let report = EndpointsReport {
            endpoints: endpoints
                .iter()
                .map(|e| EndpointRecord::new(e, &|i| Some(format!("if{i}"))))
                .collect(),
        };
        for format in [Format::Text, Format::Json] {
            let mut out = Vec::new();
            Output::new(&mut out, format, Style::default())
                .report(&report)
                .unwrap();
        }
    }
});
