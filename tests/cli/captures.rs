//! `analyze` and `decode` on the real captures of `testdata/pcap/`, checked against the facts
//! recorded beside each one when it was made: what the kernel itself said (`ss`, `ip mptcp
//! monitor`, `MPTCP_INFO`), what the applications counted, and what tshark read from the file.
//! None of these expectations come from this program.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Parser;
use mptcpstat::cli::Cli;
use serde_json::Value;

fn pcap_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/pcap")
}

/// Every capture with its facts, by file name.
fn captures() -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(pcap_dir()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if let Some(capture) = name.strip_suffix(".facts.json") {
            let facts = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            out.push((capture.to_owned(), facts));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(out.len() >= 16, "the captures of testdata/pcap");
    out
}

fn facts(capture: &str) -> Value {
    captures()
        .into_iter()
        .find(|(n, _)| n == capture)
        .unwrap()
        .1
}

/// Runs a command in process and returns its stdout.
fn run(args: &[&str]) -> String {
    let cli =
        Cli::try_parse_from(std::iter::once("mptcpstat").chain(args.iter().copied())).unwrap();
    let mut out = Vec::new();
    let status = mptcpstat::cmd::run(cli, &mut out).unwrap();
    assert_eq!(status, mptcpstat::cmd::Status::Ok);
    String::from_utf8(out).unwrap()
}

fn analyze(capture: &str) -> Value {
    let path = pcap_dir().join(capture);
    serde_json::from_str(&run(&["analyze", "--json", path.to_str().unwrap()])).unwrap()
}

fn decode(capture: &str) -> Vec<Value> {
    let path = pcap_dir().join(capture);
    run(&["decode", "--json", path.to_str().unwrap()])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// "10.0.1.1:40000" or "[fd00:1::1]:40000" from an object's `<prefix>_addr` and `_port`.
fn endpoint(v: &Value, prefix: &str) -> String {
    let addr = v[format!("{prefix}_addr")].as_str().unwrap();
    let port = &v[format!("{prefix}_port")];
    if addr.contains(':') {
        format!("[{addr}]:{port}")
    } else {
        format!("{addr}:{port}")
    }
}

/// The connection of a report whose client endpoint is `client`.
fn connection<'a>(report: &'a Value, client: &str) -> &'a Value {
    report["connections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| endpoint(c, "client") == client)
        .unwrap_or_else(|| panic!("no connection from {client}"))
}

fn events<'a>(conn: &'a Value, kind: &str) -> Vec<&'a Value> {
    conn["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind)
        .collect()
}

#[test]
fn decode_counts_every_option_tshark_counts() {
    for (capture, facts) in captures() {
        let mut ours: BTreeMap<String, u64> = BTreeMap::new();
        for r in decode(&capture) {
            for o in r["options"].as_array().unwrap() {
                *ours
                    .entry(o["subtype"].as_str().unwrap().to_owned())
                    .or_default() += 1;
            }
            assert!(
                r["anomalies"].as_array().unwrap().is_empty(),
                "{capture} frame {}: {r}",
                r["frame"]
            );
        }
        let theirs: BTreeMap<String, u64> =
            serde_json::from_value(facts["tshark"]["subtype_counts"].clone()).unwrap();
        assert_eq!(ours, theirs, "{capture}: options by subtype");
    }
}

#[test]
fn decode_fields_match_tshark_frame_by_frame() {
    for (capture, facts) in captures() {
        let records = decode(&capture);
        let frame = |n: &Value| {
            records
                .iter()
                .find(|r| r["frame"] == *n)
                .unwrap_or_else(|| panic!("{capture}: frame {n}"))
        };
        let option = |n: &Value, subtype: &str| {
            frame(n)["options"]
                .as_array()
                .unwrap()
                .iter()
                .find(|o| o["subtype"] == subtype)
                .cloned()
                .unwrap()
        };
        for k in facts["tshark"]["mp_capable_keys"].as_array().unwrap() {
            let o = option(&k["frame"], "mp_capable");
            assert_eq!(o["sender_key"], k["client_key"], "{capture}");
            assert_eq!(o["receiver_key"], k["server_key"], "{capture}");
        }
        for j in facts["tshark"]["mp_join_syns"].as_array().unwrap() {
            let o = option(&j["frame"], "mp_join");
            assert_eq!(
                (&o["form"], &o["token"]),
                (&Value::from("syn"), &j["token"]),
                "{capture}"
            );
            assert_eq!(
                (&o["addr_id"], &o["backup"]),
                (&j["addr_id"], &j["backup"]),
                "{capture}"
            );
        }
        for a in facts["tshark"]["add_addr"]
            .as_array()
            .unwrap_or(&Vec::new())
        {
            let o = option(&a["frame"], "add_addr");
            assert_eq!(
                (&o["addr_id"], &o["addr"]),
                (&a["addr_id"], &a["addr"]),
                "{capture}: {a}"
            );
            assert_eq!(o["echo"], a["echo"], "{capture}: {a}");
        }
        for p in facts["tshark"]["mp_prio"].as_array().unwrap_or(&Vec::new()) {
            let o = option(&p["frame"], "mp_prio");
            assert_eq!(
                (&o["backup"], &o["addr_id"]),
                (&p["backup"], &p["addr_id"]),
                "{capture}"
            );
        }
    }
}

/// Tokens, subflows and bytes of every connection, as the kernel and the applications saw them.
#[test]
fn analyze_finds_the_connections_the_kernel_had() {
    for (capture, facts) in captures() {
        let report = analyze(&capture);
        let expected = facts["connections"].as_array().unwrap();
        assert_eq!(
            report["connections"].as_array().unwrap().len(),
            expected.len(),
            "{capture}"
        );
        assert_eq!(
            report["unlinked_subflows"],
            Value::Array(vec![]),
            "{capture}"
        );
        for f in expected {
            let c = connection(&report, f["client"].as_str().unwrap());
            assert_eq!(endpoint(c, "server"), f["server"], "{capture}");
            let fallback = f["fallback"].as_bool().unwrap();
            assert_eq!(c["fallback"], fallback, "{capture}");
            if fallback {
                assert_eq!(
                    c["bytes_client_to_server"], f["bytes_client_to_server"],
                    "{capture}"
                );
                continue;
            }
            // Tokens from the keys on the wire equal what ss, MPTCP_INFO and the path manager
            // monitor of each host reported.
            assert_eq!(c["client_token"], f["client_token"], "{capture}");
            assert_eq!(c["server_token"], f["server_token"], "{capture}");
            // Data-level bytes equal what the applications wrote and read.
            assert_eq!(
                c["data_bytes_client_to_server"], f["bytes_client_to_server"],
                "{capture}"
            );
            assert_eq!(
                c["data_bytes_server_to_client"], f["bytes_server_to_client"],
                "{capture}"
            );
            let subflows = c["subflows"].as_array().unwrap();
            let expected_subflows = f["subflows"].as_array().unwrap();
            assert_eq!(subflows.len(), expected_subflows.len(), "{capture}");
            for fs in expected_subflows {
                let s = subflows
                    .iter()
                    .find(|s| endpoint(s, "client") == fs["client"])
                    .unwrap_or_else(|| panic!("{capture}: subflow {}", fs["client"]));
                assert_eq!(endpoint(s, "server"), fs["server"], "{capture}");
                assert_eq!(s["join"], fs["join"], "{capture}");
                assert_eq!(s["client_addr_id"], fs["client_addr_id"], "{capture}");
                assert_eq!(s["server_addr_id"], fs["server_addr_id"], "{capture}");
            }
            let v = &c["validation"];
            assert_eq!(v["join_hmac"]["bad"], 0, "{capture}");
            assert_eq!(v["add_addr_hmac"]["bad"], 0, "{capture}");
            assert_eq!(v["dss_checksum"]["bad"], 0, "{capture}");
            assert!(
                c["anomalies"].as_array().unwrap().is_empty(),
                "{capture}: {}",
                c["anomalies"]
            );
        }
    }
}

#[test]
fn every_join_hmac_and_add_addr_hmac_verifies() {
    // Each join is checked twice (SYN-ACK and third ACK), each ADD_ADDR that is not an echo
    // once: the kernel accepted all of them, so all must verify.
    for (capture, facts) in captures() {
        let report = analyze(&capture);
        let joins = facts["tshark"]["mp_join_syns"].as_array().unwrap().len();
        let announcements = facts["tshark"]["add_addr"]
            .as_array()
            .map_or(0, |a| a.iter().filter(|a| a["echo"] == false).count());
        let (mut join_ok, mut add_addr_ok) = (0, 0);
        for c in report["connections"].as_array().unwrap() {
            join_ok += c["validation"]["join_hmac"]["ok"].as_u64().unwrap();
            add_addr_ok += c["validation"]["add_addr_hmac"]["ok"].as_u64().unwrap();
        }
        // Even the join the server refuses has both HMACs right: it refuses after the third ACK.
        assert_eq!(join_ok, 2 * joins as u64, "{capture}");
        assert_eq!(add_addr_ok, announcements as u64, "{capture}");
    }
}

#[test]
fn checksums_all_verify_where_tshark_verified_them() {
    let report = analyze("v1-checksum.pcap");
    let c = &report["connections"][0];
    assert_eq!(c["checksums"], true);
    let dss = &c["validation"]["dss_checksum"];
    // testdata/README.md: 17 of 17 DSS checksums verified from the raw option bytes.
    assert_eq!(
        (
            dss["ok"].as_u64(),
            dss["bad"].as_u64(),
            dss["not_verifiable"].as_u64()
        ),
        (Some(17), Some(0), Some(0))
    );
}

#[test]
fn snapshot_length_makes_checksums_unverifiable_not_bad() {
    // The same capture cut to 100 bytes a frame: payloads are gone, so nothing can be checked.
    let file = std::fs::read(pcap_dir().join("v1-checksum.pcap")).unwrap();
    let mut cut = file[..24].to_vec();
    cut[16..20].copy_from_slice(&100u32.to_le_bytes());
    let mut at = 24;
    while at + 16 <= file.len() {
        let incl = u32::from_le_bytes(file[at + 8..at + 12].try_into().unwrap()) as usize;
        let keep = incl.min(100);
        cut.extend_from_slice(&file[at..at + 8]);
        cut.extend_from_slice(&u32::try_from(keep).unwrap().to_le_bytes());
        cut.extend_from_slice(&file[at + 12..at + 16]);
        cut.extend_from_slice(&file[at + 16..at + 16 + keep]);
        at += 16 + incl;
    }
    let path = std::env::temp_dir().join(format!("mptcpstat-cut-{}.pcap", std::process::id()));
    std::fs::write(&path, &cut).unwrap();
    let report: Value =
        serde_json::from_str(&run(&["analyze", "--json", path.to_str().unwrap()])).unwrap();
    std::fs::remove_file(&path).unwrap();
    let dss = &report["connections"][0]["validation"]["dss_checksum"];
    // A DATA_FIN without data maps no payload: its checksum covers the pseudo-header only
    // and can still be checked. Every other mapping has lost its payload.
    let data_fins = decode("v1-checksum.pcap")
        .iter()
        .flat_map(|r| r["options"].as_array().unwrap().clone())
        .filter(|o| {
            o["subtype"] == "dss"
                && o["data_fin"] == true
                && o["data_len"] == 1
                && !o["checksum"].is_null()
        })
        .count() as u64;
    assert!(data_fins > 0);
    assert_eq!(dss["bad"], 0);
    assert_eq!(dss["ok"], data_fins);
    assert_eq!(dss["not_verifiable"], 17 - data_fins);
}

/// Seconds after the first frame of the scenario's event `name`.
fn event_time(facts: &Value, name: &str) -> f64 {
    let e = facts["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .unwrap();
    e["seconds_after_first_frame"].as_f64().unwrap()
}

#[test]
fn failover_when_the_first_path_goes_down() {
    let facts = facts("v1-failover.pcap");
    let down = event_time(&facts, "link_down");
    let report = analyze("v1-failover.pcap");
    let c = &report["connections"][0];
    let failovers = events(c, "failover");
    assert_eq!(failovers.len(), 1, "{failovers:?}");
    let f = failovers[0];
    assert_eq!(
        (&f["by"], &f["from_subflow"], &f["to_subflow"]),
        (&Value::from("client"), &Value::from(0), &Value::from(1))
    );
    // The last data on the first path is sent at most one pacing interval (0.1 s) before the
    // link goes down, and not after.
    let t = f["time"].as_f64().unwrap();
    assert!(
        t <= down + 0.001 && t > down - 0.15,
        "last data at {t}, link down at {down}"
    );
    assert!(f["gap_ms"].as_f64().unwrap() > 0.0);
    // testdata/README.md: 5792 bytes sent after the link died never reached the capture; they
    // come again in frames 246-251 at 1.323 s, while the data after them has been arriving
    // since frame 198 at 1.148 s. That data waited up to 175 ms for the hole to fill.
    let wait = &c["reordering_client_to_server"]["wait"];
    let max = wait["max_ms"].as_f64().unwrap();
    assert!((max - 175.0).abs() < 5.0, "longest wait {max} ms");
    assert_eq!(
        c["data_bytes_client_to_server"],
        facts["bytes"]["client_to_server"]
    );
}

#[test]
fn handover_to_the_backup_without_a_reconnect() {
    let facts = facts("v1-handover-backup.pcap");
    let down = event_time(&facts, "link_down");
    let report = analyze("v1-handover-backup.pcap");
    assert_eq!(report["connections"].as_array().unwrap().len(), 1);
    let c = &report["connections"][0];
    assert_eq!(c["subflows"][1]["backup"], true);
    let f = events(c, "failover");
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(
        (&f[0]["by"], &f[0]["to_backup"]),
        (&Value::from("server"), &Value::from(true))
    );
    let t = f[0]["time"].as_f64().unwrap();
    assert!(
        t <= down + 0.001 && t > down - 0.15,
        "last data at {t}, link down at {down}"
    );
    // The first data on the backup comes later than the link went down: the gap is the
    // handover time, and it ends after the link went down.
    let resumed = t + f[0]["gap_ms"].as_f64().unwrap() / 1000.0;
    assert!(
        resumed > down,
        "data resumed at {resumed}, link down at {down}"
    );
    // Most of the download went over the backup path.
    assert!(
        c["subflows"][1]["bytes_server_to_client"].as_u64()
            > c["subflows"][0]["bytes_server_to_client"].as_u64()
    );
}

#[test]
fn address_events_match_the_path_manager() {
    for capture in [
        "v1-add-addr-join.pcap",
        "v1-add-addr-port.pcap",
        "v1-remove-addr.pcap",
        "v1-ipv6.pcap",
    ] {
        let facts = facts(capture);
        let f = &facts["connections"][0];
        let report = analyze(capture);
        let c = &report["connections"][0];
        let announced: Vec<_> = events(c, "add_addr")
            .into_iter()
            .filter(|e| e["echo"] == false)
            .collect();
        let expected = f["announced_to_client"].as_array().unwrap();
        assert_eq!(announced.len(), expected.len(), "{capture}");
        for (e, x) in announced.iter().zip(expected) {
            assert_eq!(
                (&e["addr_id"], &e["addr"], &e["by"]),
                (&x["addr_id"], &x["addr"], &Value::from("server")),
                "{capture}"
            );
            assert_eq!(e["hmac"], "ok");
        }
        assert_eq!(
            events(c, "add_addr").len(),
            2 * expected.len(),
            "{capture}: each announcement is echoed"
        );
        let removed: Vec<_> = events(c, "remove_addr")
            .iter()
            .flat_map(|e| e["addr_ids"].as_array().unwrap().clone())
            .collect();
        let expected: Vec<_> = f["removed_at_client"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["addr_id"].clone())
            .collect();
        assert_eq!(removed, expected, "{capture}");
    }
    let port = &facts("v1-add-addr-port.pcap")["tshark"]["add_addr"][0]["port"];
    let report = analyze("v1-add-addr-port.pcap");
    assert_eq!(
        &events(&report["connections"][0], "add_addr")[0]["port"],
        port
    );
}

#[test]
fn priority_changes_match_what_the_server_saw() {
    let facts = facts("v1-backup-prio.pcap");
    let changes = facts["connections"][0]["priority_changes"]
        .as_array()
        .unwrap();
    let report = analyze("v1-backup-prio.pcap");
    let c = &report["connections"][0];
    let prio = events(c, "mp_prio");
    assert_eq!(prio.len(), changes.len());
    for (e, x) in prio.iter().zip(changes) {
        assert_eq!(e["backup"], x["backup"]);
    }
    let last = changes.last().unwrap()["backup"].as_bool().unwrap();
    assert_eq!(c["subflows"][1]["backup"], last);
}

#[test]
fn fallback_abort_and_reset_reasons() {
    let report = analyze("v1-fallback.pcap");
    let c = &report["connections"][0];
    assert_eq!(
        (&c["fallback"], &c["fallback_reason"]),
        (
            &Value::from(true),
            &Value::from("syn_ack_without_mp_capable")
        )
    );

    let report = analyze("v1-fastclose.pcap");
    let c = &report["connections"][0];
    assert_eq!(c["state"], "fastclosed");
    assert_eq!(events(c, "fastclose").len(), 2);

    // The server's limits allow no join: it resets the subflow with reason 3
    // (administratively prohibited), as tshark read it.
    let facts = facts("v1-join-rejected.pcap");
    let report = analyze("v1-join-rejected.pcap");
    let c = &report["connections"][0];
    let resets = events(c, "mp_tcprst");
    let expected = facts["tshark"]["mp_tcprst"].as_array().unwrap();
    assert_eq!(resets.len(), expected.len());
    for (e, x) in resets.iter().zip(expected) {
        assert_eq!(e["reason"], x["reason"]);
    }
    assert_eq!(c["subflows"][1]["state"], "reset");
}

#[test]
fn many_short_connections_are_all_there() {
    let facts = facts("v1-many-short.pcap");
    let report = analyze("v1-many-short.pcap");
    let conns = report["connections"].as_array().unwrap();
    assert_eq!(conns.len(), 200);
    assert_eq!(conns.len(), facts["connections"].as_array().unwrap().len());
    assert!(
        conns.iter().all(|c| c["state"] == "closed"),
        "every one closed"
    );
}

#[test]
fn shaped_paths_share_bytes_by_their_rates() {
    let report = analyze("v1-shaped-two-paths.pcap");
    let c = &report["connections"][0];
    let sf = c["subflows"].as_array().unwrap();
    // 20 Mbit/s and 5 Mbit/s: the first path should carry about 80% of the bytes.
    let share = sf[0]["share"].as_f64().unwrap();
    assert!((share - 0.8).abs() < 0.05, "share {share}");
    // The slow path's deep queue makes its RTT clearly higher.
    let rtt = |i: usize| sf[i]["rtt_client_to_server"]["median_ms"].as_f64().unwrap();
    assert!(rtt(1) > 1.5 * rtt(0), "RTT {} vs {}", rtt(1), rtt(0));
    let r = &c["reordering_client_to_server"];
    assert!(r["segments_waited"].as_u64().unwrap() > 0);
    assert!(r["wait"]["median_ms"].as_f64().unwrap() > 1.0);
}

#[test]
fn frames_out_of_time_order_are_reported() {
    use std::ops::ControlFlow;
    // dumpcap writing two interfaces puts frames out of time order; the merged pcaps are
    // sorted. Count the late frames from the capture's own timestamps.
    for (capture, _) in captures() {
        let bytes = std::fs::read(pcap_dir().join(&capture)).unwrap();
        let (mut latest, mut late) = (i64::MIN, 0u64);
        mptcpstat::capture::read_capture(&bytes[..], |e| {
            if let mptcpstat::capture::Event::Segment(s) = e {
                if s.time_ns < latest.saturating_sub(1_000_000) {
                    late += 1;
                }
                latest = latest.max(s.time_ns);
            }
            ControlFlow::Continue(())
        })
        .unwrap();
        let report = analyze(&capture);
        let found: Vec<_> = report["anomalies"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["kind"] == "frames_out_of_order")
            .collect();
        if late == 0 {
            assert!(found.is_empty(), "{capture}");
        } else {
            assert_eq!(found.len(), 1, "{capture}");
            assert!(
                found[0]["detail"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("{late} frames")),
                "{capture}"
            );
        }
        assert_eq!(
            late > 0,
            capture.ends_with(".pcapng"),
            "{capture}: only the dumpcap file is unsorted"
        );
    }
}

#[test]
fn decode_token_keeps_every_subflow_of_one_connection() {
    // The connection of the join capture: its two subflows, and nothing else.
    let join = facts("v1-add-addr-join.pcap");
    let token = join["connections"][0]["server_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = pcap_dir().join("v1-add-addr-join.pcap");
    let by_token = run(&[
        "decode",
        "--json",
        "--token",
        &token,
        path.to_str().unwrap(),
    ]);
    assert_eq!(by_token, run(&["decode", "--json", path.to_str().unwrap()]));

    // One of the 200 short connections: the same frames as its client port selects.
    let short = facts("v1-many-short.pcap");
    let c = &short["connections"][42];
    let client_token = c["client_token"].as_str().unwrap();
    let port = c["client"].as_str().unwrap().rsplit(':').next().unwrap();
    let path = pcap_dir().join("v1-many-short.pcap");
    let by_token = run(&[
        "decode",
        "--json",
        "--token",
        client_token,
        path.to_str().unwrap(),
    ]);
    let by_port = run(&["decode", "--json", "--port", port, path.to_str().unwrap()]);
    assert!(by_token.lines().count() > 4);
    assert_eq!(by_token, by_port);
}
