//! Any bytes as an rtnetlink dump: links, addresses, routes and policy rules, then the
//! default-route lookup `check` makes for each address found, with and without a device.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mptcpstat::kernel::netlink::Reply;
use mptcpstat::kernel::route::{
    Network, default_route, parse_addresses, parse_links, parse_routes, parse_rules,
};

fuzz_target!(|data: &[u8]| {
    let reply = Reply::from_bytes(data.to_vec());
    let net = Network {
        links: parse_links(&reply).unwrap_or_default(),
        addresses: parse_addresses(&reply).unwrap_or_default(),
        routes: parse_routes(&reply).unwrap_or_default(),
        rules: parse_rules(&reply).unwrap_or_default(),
    };
    for a in net.addresses.iter().take(8) {
        let _ = default_route(&net, a.address, None);
        let _ = default_route(&net, a.address, Some(a.index));
        let _ = net.name(a.index);
    }
    let _ = serde_json::to_string(&net);
});
