//! Any bytes as a TCP options area: the walker, the MPTCP decoder, their text and JSON forms,
//! and encode -> decode, which must give back the option (reserved bits aside).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mptcpstat::mptcp::encode::encode;
use mptcpstat::mptcp::tcp_options::{timestamps, walk};
use mptcpstat::mptcp::{Found, options, parse};

fuzz_target!(|data: &[u8]| {
    let mut end = 0;
    for o in walk(data).flatten() {
        assert!(o.offset >= end && o.offset + o.raw.len() <= data.len());
        end = o.offset + o.raw.len();
    }
    let _ = timestamps(data);
    for found in options(data) {
        if let Found::Option(o) = found {
            let _ = (o.to_string(), serde_json::to_string(&o));
        }
    }
    // The same bytes as one option's data (what follows kind and length).
    if let Ok(opt) = parse(data) {
        let _ = (opt.to_string(), serde_json::to_string(&opt));
        // A real option is at most 255 bytes long, its data at most 253.
        if data.len() <= 253 {
            let bytes = encode(&opt);
            assert_eq!(usize::from(bytes[1]), bytes.len());
            assert_eq!(parse(&bytes[2..]), Ok(opt));
        }
    }
});
