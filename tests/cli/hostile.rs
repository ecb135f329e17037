//! Broken and hostile input: each case is a file written here, into the temporary directory,
//! and run through the built binary's `decode` and `analyze`, as text and as JSON.
//!
//! Every run must end within a generous time (a hang fails the test), never with a panic
//! (exit code 101), and either with exit 0 and its findings on stdout, or with exit 1 and
//! exactly one line on stderr starting `mptcpstat: `. What was printed before an error stays
//! on stdout. Where a file claims more bytes than it holds, the peak memory of the process
//! is measured with GNU time (`/usr/bin/time -f %M`) and compared with a run on a file with
//! no frames at all.
//!
//! Frames are built with the crate's capture writer; the MPTCP options in them are written
//! out byte by byte from RFC 8684 §3 so that the expectations do not come from our encoder.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use mptcpstat::capture::TcpFlags;
use mptcpstat::capture::link::{LINKTYPE_ETHERNET, LINKTYPE_RAW};
use mptcpstat::capture::writer::{PcapWriter, TcpFrame, ip_packet, tcp_frame};
use serde_json::Value;

/// Long enough for a debug build on a loaded machine; only a hang gets near it.
const TIMEOUT: Duration = Duration::from_secs(600);

/// A file in the temporary directory, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, bytes: &[u8]) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "mptcpstat-hostile-{}-{n}-{name}",
            std::process::id()
        ));
        std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        TempFile(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("temporary paths are UTF-8 here")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// How one run ended.
struct Run {
    args: String,
    code: i32,
    stdout: String,
    stderr: String,
    /// Peak resident memory in KiB, when GNU time is installed.
    max_rss_kib: Option<u64>,
}

const GNU_TIME: &str = "/usr/bin/time";

/// Runs the binary with `args`; stdout is kept unless `keep_stdout` is false (huge outputs).
fn run_with(args: &[&str], keep_stdout: bool) -> Run {
    let bin = env!("CARGO_BIN_EXE_mptcpstat");
    let rss_file = TempFile::new("rss", b"");
    let mut cmd = if Path::new(GNU_TIME).exists() {
        let mut c = Command::new(GNU_TIME);
        c.args(["-f", "%M", "-o", rss_file.path(), bin]);
        c
    } else {
        Command::new(bin)
    };
    cmd.args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(if keep_stdout {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("running mptcpstat");
    // Drain both pipes while waiting, so that a large output cannot block the child.
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let code = wait(&mut child, args);
    let max_rss_kib = std::fs::read_to_string(&rss_file.0)
        .ok()
        .and_then(|s| s.lines().last()?.trim().parse().ok());
    let r = Run {
        args: args.join(" "),
        code,
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
        max_rss_kib,
    };
    assert_ne!(r.code, 101, "{}: panicked: {}", r.args, r.stderr);
    r
}

fn run(args: &[&str]) -> Run {
    run_with(args, true)
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut s = String::new();
        if let Some(mut p) = pipe {
            p.read_to_string(&mut s).expect("output is UTF-8");
        }
        s
    })
}

fn wait(child: &mut Child, args: &[&str]) -> i32 {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("waiting for mptcpstat") {
            return status.code().unwrap_or(-1);
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("mptcpstat {} did not finish in {TIMEOUT:?}", args.join(" "));
        }
        thread::sleep(Duration::from_millis(20));
    }
}

impl Run {
    /// Exit 0, nothing on stderr.
    fn ok(&self) -> &Self {
        assert_eq!(self.code, 0, "{}: {}", self.args, self.stderr);
        assert!(self.stderr.is_empty(), "{}: {}", self.args, self.stderr);
        self
    }

    /// Exit 1 with exactly one line on stderr, `mptcpstat: ...`; returns that line.
    fn error(&self) -> &str {
        assert_eq!(self.code, 1, "{}: {}", self.args, self.stderr);
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{}: {:?}", self.args, self.stderr);
        assert!(lines[0].starts_with("mptcpstat: "), "{}", lines[0]);
        lines[0]
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "{}: not one JSON document ({e}): {}",
                self.args, self.stdout
            )
        })
    }

    fn json_lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{}: {e}: {l}", self.args)))
            .collect()
    }
}

/// The `kind`s of a list of anomalies.
fn kinds(anomalies: &Value) -> Vec<String> {
    anomalies
        .as_array()
        .expect("anomalies is a list")
        .iter()
        .map(|a| a["kind"].as_str().expect("kind").to_owned())
        .collect()
}

/// Every `kind` of every anomaly in decode's JSON lines, with the frame it is about.
fn decode_findings(lines: &[Value]) -> Vec<(u64, String)> {
    lines
        .iter()
        .flat_map(|l| {
            let frame = l["frame"].as_u64().expect("frame");
            kinds(&l["anomalies"]).into_iter().map(move |k| (frame, k))
        })
        .collect()
}

const T0: i64 = 1_700_000_000_000_000_000;
const MS: i64 = 1_000_000;

// MPTCP options of RFC 8684 §3.1, Figure 4, written out. Version 1, flags H (HMAC-SHA256).
const KEY_A: [u8; 8] = [0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f, 0x60, 0x71];
const KEY_B: [u8; 8] = [0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18];

/// MP_CAPABLE of a SYN: kind 30, length 4, subtype 0 and version 1, flags H.
const MPC_SYN: [u8; 4] = [30, 4, 0x01, 0x01];

fn mpc_syn_ack() -> Vec<u8> {
    // Length 12: the listener's key.
    let mut o = vec![30, 12, 0x01, 0x01];
    o.extend_from_slice(&KEY_B);
    o
}

fn mpc_ack() -> Vec<u8> {
    // Length 20: both keys, the sender's first.
    let mut o = vec![30, 20, 0x01, 0x01];
    o.extend_from_slice(&KEY_A);
    o.extend_from_slice(&KEY_B);
    o
}

fn client() -> std::net::SocketAddr {
    "10.0.0.1:40000".parse().unwrap()
}

fn server() -> std::net::SocketAddr {
    "10.0.0.2:5201".parse().unwrap()
}

/// An Ethernet frame from the client (or the server) with these options.
fn frame(from_client: bool, flags: TcpFlags, seq: u32, options: &[u8]) -> Vec<u8> {
    let (src, dst) = if from_client {
        (client(), server())
    } else {
        (server(), client())
    };
    tcp_frame(&TcpFrame {
        seq,
        ack: u32::from(flags.ack()),
        flags,
        options,
        ..TcpFrame::new(src, dst)
    })
}

/// The client's MP_CAPABLE SYN: every file below starts with it, so `decode` has a record
/// to print before whatever goes wrong.
fn syn() -> Vec<u8> {
    frame(true, TcpFlags::SYN, 100, &MPC_SYN)
}

/// A pcap file (Ethernet, microseconds, little-endian) of whole frames, 1 ms apart.
fn pcap(frames: &[Vec<u8>]) -> Vec<u8> {
    pcap_of(LINKTYPE_ETHERNET, frames)
}

fn pcap_of(linktype: u32, frames: &[Vec<u8>]) -> Vec<u8> {
    let mut w = PcapWriter::new(Vec::new(), linktype, 0).unwrap();
    let mut t = T0;
    for f in frames {
        w.write_frame(t, f).unwrap();
        t += MS;
    }
    w.into_inner()
}

/// A pcap record header (little-endian): seconds, microseconds, captured and original length.
fn record_header(caplen: u32, orig_len: u32) -> Vec<u8> {
    let mut h = Vec::new();
    for v in [1_700_000_001u32, 0, caplen, orig_len] {
        h.extend_from_slice(&v.to_le_bytes());
    }
    h
}

/// The four runs a capture gets: decode and analyze, text and JSON.
fn all_four(path: &str) -> [Run; 4] {
    [
        run(&["decode", path]),
        run(&["decode", "--json", path]),
        run(&["analyze", path]),
        run(&["analyze", "--json", path]),
    ]
}

#[test]
fn empty_and_text_files_are_no_capture() {
    for (name, bytes, says) in [
        ("empty", &b""[..], "the input is empty"),
        (
            "text",
            &b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"[..],
            "it starts with text \"GET / HTTP/1.1\"",
        ),
        ("short", &b"\xd4\xc3"[..], "the input is only 2 bytes long"),
    ] {
        let f = TempFile::new(name, bytes);
        for r in all_four(f.path()) {
            let line = r.error();
            assert!(line.contains("not a pcap or pcapng capture"), "{line}");
            assert!(line.contains(says), "{line}");
            assert!(r.stdout.is_empty(), "{}: {}", r.args, r.stdout);
        }
    }
}

#[test]
fn a_directory_or_a_missing_file_is_one_line() {
    let dir = std::env::temp_dir();
    let dir = dir.to_str().expect("UTF-8");
    let missing = format!(
        "{dir}/mptcpstat-hostile-{}-missing.pcap",
        std::process::id()
    );
    for (path, says) in [(dir, "Is a directory"), (missing.as_str(), "No such file")] {
        for r in all_four(path) {
            let line = r.error();
            assert!(line.contains(path) && line.contains(says), "{line}");
            assert!(r.stdout.is_empty());
        }
    }
}

#[test]
fn pcap_header_alone_is_an_empty_capture() {
    let f = TempFile::new("header.pcap", &pcap(&[]));
    let [decode, decode_json, analyze, analyze_json] = all_four(f.path());
    assert!(decode.ok().stdout.is_empty());
    assert!(decode_json.ok().stdout.is_empty());
    assert!(analyze.ok().stdout.starts_with("0 frames, 0 TCP segments"));
    let v = analyze_json.ok().json();
    assert_eq!(v["packets"], 0);
    assert_eq!(v["connections"], Value::Array(Vec::new()));
    assert_eq!(v["anomalies"], Value::Array(Vec::new()));
}

/// A file cut inside the second record: in its header, or in its frame. The first frame is
/// printed, the cut is a `truncated_file` finding, and the exit code is 0.
#[test]
fn file_cut_inside_a_record_header_or_a_frame() {
    let whole = pcap(&[syn(), syn()]);
    let second = 24 + 16 + syn().len();
    for (name, keep) in [("in-header", second + 7), ("in-frame", second + 16 + 30)] {
        let f = TempFile::new(name, &whole[..keep]);
        let [decode, decode_json, analyze, analyze_json] = all_four(f.path());
        let text = &decode.ok().stdout;
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(
            text.lines().next().unwrap().contains("MP_CAPABLE"),
            "{text}"
        );
        assert!(text.contains("truncated_file"), "{text}");
        let lines = decode_json.ok().json_lines();
        assert_eq!(lines[0]["options"][0]["subtype"], "mp_capable");
        assert_eq!(
            decode_findings(&lines),
            vec![(2, "truncated_file".to_owned())],
            "the cut record would have been frame 2"
        );
        assert!(analyze.ok().stdout.contains("truncated_file"));
        let v = analyze_json.ok().json();
        assert_eq!(v["packets"], 1);
        assert_eq!(v["connections"].as_array().unwrap().len(), 1);
        assert_eq!(kinds(&v["anomalies"]), vec!["truncated_file"]);
    }
}

/// Peak memory of `args` over a file, minus that over a capture with no frames, in KiB.
fn extra_rss_kib(args: &[&str], path: &str) -> Option<u64> {
    let empty = TempFile::new("baseline.pcap", &pcap(&[]));
    let with = |p: &str| {
        let mut all = args.to_vec();
        all.push(p);
        run(&all).max_rss_kib
    };
    let Some(base) = with(empty.path()) else {
        eprintln!("{GNU_TIME} is not installed: peak memory not measured");
        return None;
    };
    Some(with(path)?.saturating_sub(base))
}

/// A record that claims more bytes than the file holds, but less than the largest frame the
/// reader accepts (16 MiB): the file just ends inside it. Nothing is allocated for the claim.
#[test]
fn record_longer_than_the_file_is_a_cut_not_an_allocation() {
    let mut file = pcap(&[syn()]);
    file.extend(record_header(16 * 1024 * 1024 - 1, 16 * 1024 * 1024 - 1));
    file.extend_from_slice(&[0x55; 100]);
    let f = TempFile::new("claims-16m.pcap", &file);
    for r in all_four(f.path()) {
        r.ok();
        assert!(
            r.stdout.contains("truncated_file"),
            "{}: {}",
            r.args,
            r.stdout
        );
    }
    for args in [&["decode"][..], &["analyze", "--json"][..]] {
        if let Some(extra) = extra_rss_kib(args, f.path()) {
            eprintln!("{args:?} over a 16 MiB claim: {extra} KiB more than for no frames");
            // 16 MiB would be the claim; what the file holds is 100 bytes.
            assert!(
                extra < 4 * 1024,
                "{args:?}: {extra} KiB more than for no frames"
            );
        }
    }
}

/// A record length over any real frame (4 GiB): the framing is lost, which is an error,
/// after the frames before it. `decode` has printed them; `analyze` prints their report.
#[test]
fn absurd_record_length_is_an_error_after_the_frames_before_it() {
    let mut file = pcap(&[syn()]);
    file.extend(record_header(0xffff_fff0, 60));
    file.extend_from_slice(&[0x55; 100]);
    let f = TempFile::new("claims-4g.pcap", &file);
    let second = 24 + 16 + syn().len();
    let [decode, decode_json, analyze, analyze_json] = all_four(f.path());
    for r in [&decode, &decode_json, &analyze, &analyze_json] {
        let line = r.error();
        assert!(line.contains(f.path()), "{line}");
        let claim = format!("frame 2 at byte {second} claims 4294967280 bytes");
        assert!(line.contains(&claim), "{line}");
    }
    assert_eq!(decode.stdout.lines().count(), 1);
    assert!(decode.stdout.contains("MP_CAPABLE"));
    assert_eq!(decode_json.json_lines()[0]["frame"], 1);
    assert!(analyze.stdout.starts_with("1 frames"), "{}", analyze.stdout);
    let v = analyze_json.json();
    assert_eq!(v["packets"], 1);
    assert_eq!(v["connections"][0]["state"], "syn_sent");
    if let Some(extra) = extra_rss_kib(&["decode"], f.path()) {
        assert!(extra < 4 * 1024, "{extra} KiB more than for no frames");
    }
}

#[test]
fn unknown_linktype_is_one_finding_and_frames_are_counted() {
    // LINKTYPE_USER0 (147): private use, nothing this reader can decode.
    let f = TempFile::new("user0.pcap", &pcap_of(147, &[syn(), syn(), syn()]));
    let [decode, decode_json, analyze, analyze_json] = all_four(f.path());
    assert_eq!(decode.ok().stdout.lines().count(), 1);
    assert_eq!(
        decode_findings(&decode_json.ok().json_lines()),
        vec![(1, "unknown_linktype".to_owned())]
    );
    assert!(analyze.ok().stdout.contains("unknown_linktype"));
    let v = analyze_json.ok().json();
    assert_eq!(v["packets"], 3);
    assert_eq!(v["tcp_segments"], 0);
    assert_eq!(kinds(&v["anomalies"]), vec!["unknown_linktype"]);
}

/// A pcapng block: type, total length, body padded to 4 bytes, total length (little-endian).
fn block(block_type: u32, body: &[u8]) -> Vec<u8> {
    let padded = body.len().next_multiple_of(4);
    let len = u32::try_from(12 + padded).unwrap();
    let mut b = Vec::new();
    b.extend_from_slice(&block_type.to_le_bytes());
    b.extend_from_slice(&len.to_le_bytes());
    b.extend_from_slice(body);
    b.resize(8 + padded, 0);
    b.extend_from_slice(&len.to_le_bytes());
    b
}

/// Section header (version 1.0, length unknown) and one Ethernet interface, microseconds.
fn pcapng_start() -> Vec<u8> {
    let mut shb = Vec::new();
    shb.extend_from_slice(&0x1a2b_3c4du32.to_le_bytes());
    shb.extend_from_slice(&[1, 0, 0, 0]);
    shb.extend_from_slice(&(-1i64).to_le_bytes());
    let mut file = block(0x0a0d_0d0a, &shb);
    // Linktype 1, reserved, snapshot length 0: no options, so microseconds.
    file.extend(block(1, &[1, 0, 0, 0, 0, 0, 0, 0]));
    file
}

/// An Enhanced Packet Block of a whole frame on interface `if_id`.
fn epb(if_id: u32, frame: &[u8]) -> Vec<u8> {
    let len = u32::try_from(frame.len()).unwrap();
    let ts: u64 = 1_700_000_000_000_000;
    let mut body = Vec::new();
    #[allow(clippy::cast_possible_truncation)] // the two halves of the timestamp
    for v in [if_id, (ts >> 32) as u32, ts as u32, len, len] {
        body.extend_from_slice(&v.to_le_bytes());
    }
    body.extend_from_slice(frame);
    block(6, &body)
}

#[test]
fn pcapng_unknown_block_type_is_skipped() {
    let mut file = pcapng_start();
    file.extend(block(0x0bad_c0de, b"not a block anyone defined"));
    file.extend(epb(0, &syn()));
    let f = TempFile::new("unknown-block.pcapng", &file);
    let [decode, decode_json, _, analyze_json] = all_four(f.path());
    assert_eq!(decode.ok().stdout.lines().count(), 1);
    let lines = decode_json.ok().json_lines();
    assert_eq!(lines.len(), 1);
    assert_eq!(
        lines[0]["frame"], 1,
        "a block that is no packet is no frame"
    );
    assert_eq!(lines[0]["options"][0]["subtype"], "mp_capable");
    let v = analyze_json.ok().json();
    assert_eq!(v["packets"], 1);
    assert_eq!(v["anomalies"], Value::Array(Vec::new()));
}

#[test]
fn pcapng_block_length_not_a_multiple_of_4_is_an_error_after_the_frames_before_it() {
    let mut file = pcapng_start();
    file.extend(epb(0, &syn()));
    let bad_at = file.len();
    let mut bad = block(0x0bad_c0de, &[0; 20]);
    bad[4..8].copy_from_slice(&30u32.to_le_bytes());
    file.extend(bad);
    file.extend(epb(0, &syn()));
    let f = TempFile::new("length-30.pcapng", &file);
    let [decode, decode_json, analyze, analyze_json] = all_four(f.path());
    for r in [&decode, &decode_json, &analyze, &analyze_json] {
        let line = r.error();
        assert!(
            line.contains(&format!("corrupt capture at byte {bad_at}")),
            "{line}"
        );
        assert!(line.contains("block length 30"), "{line}");
    }
    assert_eq!(decode.stdout.lines().count(), 1);
    assert_eq!(decode_json.json_lines()[0]["frame"], 1);
    assert!(analyze.stdout.starts_with("1 frames"), "{}", analyze.stdout);
    assert_eq!(analyze_json.json()["packets"], 1);
}

#[test]
fn pcapng_interface_that_does_not_exist_is_a_finding() {
    let mut file = pcapng_start();
    file.extend(epb(7, &syn()));
    file.extend(epb(0, &syn()));
    let f = TempFile::new("interface-7.pcapng", &file);
    let [decode, decode_json, _, analyze_json] = all_four(f.path());
    assert!(decode.ok().stdout.contains("interface 7"));
    let lines = decode_json.ok().json_lines();
    assert_eq!(
        decode_findings(&lines),
        vec![(1, "unknown_interface".to_owned())]
    );
    assert_eq!(lines[1]["frame"], 2);
    assert_eq!(lines[1]["options"][0]["subtype"], "mp_capable");
    let v = analyze_json.ok().json();
    assert_eq!(v["packets"], 2);
    assert_eq!(kinds(&v["anomalies"]), vec!["unknown_interface"]);
    assert_eq!(v["connections"].as_array().unwrap().len(), 1);
}

/// Two interfaces whose `if_tsoffset` (option 14: seconds added to every timestamp) put
/// their frames 2^62 seconds after and before 1970: far past what 64-bit nanoseconds hold.
/// Times are clamped, and the frames decoded and analyzed like any others.
#[test]
fn pcapng_time_offsets_past_any_clock() {
    let mut file = pcapng_start();
    for offset in [1i64 << 62, -(1i64 << 62)] {
        let mut idb = vec![1, 0, 0, 0, 0, 0, 0, 0]; // linktype 1, snapshot length 0
        idb.extend_from_slice(&[14, 0, 8, 0]); // if_tsoffset, 8 bytes
        idb.extend_from_slice(&offset.to_le_bytes());
        idb.extend_from_slice(&[0, 0, 0, 0]); // opt_endofopt
        file.extend(block(1, &idb));
    }
    for if_id in [1, 2, 0] {
        file.extend(epb(if_id, &syn()));
    }
    let f = TempFile::new("offsets.pcapng", &file);
    let [decode, decode_json, analyze, analyze_json] = all_four(f.path());
    assert_eq!(decode.ok().stdout.lines().count(), 3);
    let times: Vec<f64> = decode_json
        .ok()
        .json_lines()
        .iter()
        .map(|l| l["time"].as_f64().unwrap())
        .collect();
    // Relative to the first frame (2116): the second is 292 years before it.
    assert!(times[0].abs() < 1e-9, "{times:?}");
    assert!(times[1] < -9.2e9 && times[1] > -9.3e9, "{times:?}");
    analyze.ok();
    assert_eq!(analyze_json.ok().json()["packets"], 3);
}

/// Raw IP frames: one with IHL 3 (12 bytes, below the minimum of 20), one whose TCP data
/// offset (15 words, 60 bytes) runs past its 40-byte segment, then a good one.
#[test]
fn bad_ip_header_length_and_tcp_data_offset_are_findings() {
    let good = ip_packet(&TcpFrame {
        flags: TcpFlags::SYN,
        options: &MPC_SYN,
        ..TcpFrame::new(client(), server())
    });
    let mut bad_ihl = ip_packet(&TcpFrame::new(client(), server()));
    bad_ihl[0] = 0x43;
    let mut bad_offset = ip_packet(&TcpFrame::new(client(), server()));
    bad_offset[20 + 12] = 0xf0;
    let f = TempFile::new(
        "bad-headers.pcap",
        &pcap_of(LINKTYPE_RAW, &[bad_ihl, bad_offset, good]),
    );
    let [decode, decode_json, analyze, analyze_json] = all_four(f.path());
    let text = &decode.ok().stdout;
    assert!(text.contains("IPv4 header length 12"), "{text}");
    assert!(text.contains("TCP data offset 60"), "{text}");
    let lines = decode_json.ok().json_lines();
    assert_eq!(
        decode_findings(&lines),
        vec![
            (1, "bad_ip_header".to_owned()),
            (2, "bad_tcp_header".to_owned())
        ]
    );
    assert_eq!(lines[2]["options"][0]["subtype"], "mp_capable");
    assert!(analyze.ok().stdout.contains("bad_tcp_header"));
    let v = analyze_json.ok().json();
    assert_eq!(
        kinds(&v["anomalies"]),
        vec!["bad_ip_header", "bad_tcp_header"]
    );
    assert_eq!(v["connections"].as_array().unwrap().len(), 1);
}

/// MPTCP options whose length is 0, 1, 2 or 3, or longer than the options area, sent by the
/// client after a complete MP_CAPABLE handshake; and one of length 0 on a SYN of its own.
#[test]
fn mptcp_option_lengths_that_cannot_be() {
    let broken: [&[u8]; 5] = [
        &[30, 0, 0x20, 0x01],                    // length 0: the walk cannot go on
        &[30, 1, 0x20, 0x01],                    // length 1: neither
        &[30, 2],                                // length 2: kind and length, no subtype
        &[30, 3, 0x20],                          // length 3: a DSS without its flags byte
        &[1, 1, 30, 40, 0x20, 0x01, 0x00, 0x00], // length 40, in an area of 8 bytes
    ];
    let mut frames = vec![
        frame(true, TcpFlags::SYN, 100, &MPC_SYN),
        frame(false, TcpFlags(0x12), 500, &mpc_syn_ack()),
        frame(true, TcpFlags::ACK, 101, &mpc_ack()),
    ];
    for b in broken {
        frames.push(frame(true, TcpFlags::ACK, 101, b));
    }
    let stray: std::net::SocketAddr = "10.0.9.9:41000".parse().unwrap();
    frames.push(tcp_frame(&TcpFrame {
        flags: TcpFlags::SYN,
        options: &[30, 0, 0, 0],
        ..TcpFrame::new(stray, server())
    }));
    let f = TempFile::new("option-lengths.pcap", &pcap(&frames));
    let [decode, decode_json, analyze, analyze_json] = all_four(f.path());

    // decode: a record for every frame, the broken ones with their finding.
    assert_eq!(decode.ok().stdout.lines().count(), 9, "{}", decode.stdout);
    let lines = decode_json.ok().json_lines();
    let frames_and_kinds: Vec<(u64, String)> = decode_findings(&lines);
    assert_eq!(
        frames_and_kinds,
        [
            (4, "malformed_tcp_options"),
            (5, "malformed_tcp_options"),
            (6, "malformed_option"),
            (7, "malformed_option"),
            (8, "malformed_tcp_options"),
            (9, "malformed_tcp_options"),
        ]
        .map(|(f, k)| (f, k.to_owned()))
    );
    for l in &lines[3..] {
        assert_eq!(l["options"][0]["subtype"], "malformed", "{l}");
    }
    let detail = |i: usize| {
        lines[i]["anomalies"][0]["detail"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(detail(3).contains("length 0"), "{}", detail(3));
    assert!(detail(4).contains("length 1"), "{}", detail(4));
    assert!(detail(5).contains("no subtype"), "{}", detail(5));
    assert!(
        detail(6).starts_with("DSS option of length 3"),
        "{}",
        detail(6)
    );
    assert!(
        detail(7).contains("length 40 but only 6 bytes remain"),
        "{}",
        detail(7)
    );

    // analyze: five findings on the connection, one on the stray SYN.
    assert!(analyze.ok().stdout.contains("malformed_option"));
    let v = analyze_json.ok().json();
    let conns = v["connections"].as_array().unwrap();
    assert_eq!(conns.len(), 1);
    assert_eq!(conns[0]["state"], "established");
    let on_conn: Vec<u64> = conns[0]["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "malformed_option")
        .map(|a| a["frame"].as_u64().unwrap())
        .collect();
    assert_eq!(on_conn, vec![4, 5, 6, 7, 8]);
    assert_eq!(kinds(&v["anomalies"]), vec!["malformed_option"]);
    assert_eq!(v["anomalies"][0]["frame"], 9);
}

/// Gives an Ethernet/IPv4/TCP frame the source address 10.x.y.z (the low 24 bits of `i`) and
/// port 1024 + `i` % 60000: a 4-tuple of its own for every `i` below 2^24.
fn patch_source(frame: &mut [u8], i: u32) {
    let [_, b1, b2, b3] = i.to_be_bytes();
    frame[26..30].copy_from_slice(&[10, b1, b2, b3]);
    let port = u16::try_from(1024 + i % 60_000).unwrap();
    frame[34..36].copy_from_slice(&port.to_be_bytes());
}

/// Writes `n` MP_JOIN SYNs, each from its own 4-tuple, with tokens no connection has, as
/// quickly as possible: one frame built, then its addresses, port and token patched.
fn join_flood(n: u32) -> Vec<u8> {
    let join_syn = [
        30, 12, // MPTCP, length 12: MP_JOIN SYN (RFC 8684 §3.2, Figure 5)
        0x10, 1, // subtype 1, B = 0; address ID 1
        0, 0, 0, 0, // receiver's token: patched below
        0xaa, 0xbb, 0xcc, 0xdd, // sender's nonce
    ];
    let template = tcp_frame(&TcpFrame {
        flags: TcpFlags::SYN,
        options: &join_syn,
        ..TcpFrame::new(client(), server())
    });
    let mut w = PcapWriter::new(Vec::new(), LINKTYPE_ETHERNET, 0).unwrap();
    let mut f = template.clone();
    // A linear congruential generator: distinct, scattered tokens (Knuth's MMIX constants).
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for i in 0..n {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        patch_source(&mut f, i);
        // The token: bytes 4-7 of the option, which starts after 14 + 20 + 20 header bytes.
        let token = u32::try_from(x >> 32).unwrap();
        f[54 + 4..54 + 8].copy_from_slice(&token.to_be_bytes());
        w.write_frame(T0 + i64::from(i) * 1000, &f).unwrap();
    }
    w.into_inner()
}

#[test]
fn join_flood_with_random_tokens_is_bounded() {
    let f = TempFile::new("join-flood.pcap", &join_flood(10_000));
    let decode = run_with(&["decode", f.path()], false);
    decode.ok();
    let v = run(&["analyze", "--json", f.path()]).ok().json();
    assert_eq!(v["packets"], 10_000);
    assert_eq!(v["connections"], Value::Array(Vec::new()));
    // Each join is an unknown token and a subflow in no connection; the default caps
    // (200 000 subflows, 10 000 anomalies) hold them all.
    assert_eq!(v["unlinked_subflows"].as_array().unwrap().len(), 10_000);
    let k = kinds(&v["anomalies"]);
    assert_eq!(k.len(), 10_000);
    assert!(k.iter().all(|k| k == "unknown_token_join"));
    // Past the caps, 30 000 joins: 10 000 anomalies listed, the rest counted.
    let f = TempFile::new("join-flood-30k.pcap", &join_flood(30_000));
    let r = run(&["analyze", "--json", f.path()]);
    let v = r.ok().json();
    let k = kinds(&v["anomalies"]);
    assert_eq!(
        k.iter().filter(|k| *k == "unknown_token_join").count(),
        10_000
    );
    let last = v["anomalies"].as_array().unwrap().last().unwrap();
    assert_eq!(last["kind"], "anomaly_limit_reached");
    assert_eq!(last["detail"], "20000 more findings not listed");
    if let Some(kib) = r.max_rss_kib {
        eprintln!("analyze, 30 000 joins: peak {kib} KiB");
        // 30 000 tracked subflows at under 3 KiB each (about 1.5 KiB when written).
        assert!(kib < 96 * 1024, "{kib} KiB");
    }
}

/// 200 MPTCP connections, each with 10 bytes of data 99 s after its SYN, analyzed in 1 ms
/// buckets: 100 000 buckets for each of 1600 series would take gigabytes for a capture of
/// 40 KB. The buckets widen instead, memory stays small, and the report says so.
#[test]
fn fine_series_buckets_over_many_connections_stay_bounded() {
    let mut w = PcapWriter::new(Vec::new(), LINKTYPE_ETHERNET, 0).unwrap();
    let mut frame = syn();
    for i in 0..200 {
        patch_source(&mut frame, i);
        w.write_frame(T0 + i64::from(i) * MS, &frame).unwrap();
    }
    let mut data = tcp_frame(&TcpFrame {
        seq: 101,
        flags: TcpFlags::ACK | TcpFlags::PSH,
        payload: b"0123456789",
        ..TcpFrame::new(client(), server())
    });
    for i in 0..200 {
        patch_source(&mut data, i);
        w.write_frame(T0 + 99_000 * MS + i64::from(i), &data)
            .unwrap();
    }
    let f = TempFile::new("series.pcap", &w.into_inner());
    let r = run(&["analyze", "--json", "--interval", "0.001", f.path()]);
    let v = r.ok().json();
    assert_eq!(v["connections"].as_array().unwrap().len(), 200);
    let interval = v["connections"][0]["series"]["interval"].as_f64().unwrap();
    assert!(interval > 0.001, "{interval}");
    assert!(kinds(&v["anomalies"]).contains(&"series_widened".to_owned()));
    if let Some(kib) = r.max_rss_kib {
        eprintln!("analyze --interval 0.001, 200 connections over 99 s: peak {kib} KiB");
        assert!(kib < 128 * 1024, "{kib} KiB");
    }
}

/// A million MP_CAPABLE SYNs, each from its own 4-tuple: far more connections than the cap
/// given on the command line. The cap holds, the rest is counted, memory stays flat.
#[test]
fn a_million_distinct_4_tuples() {
    let template = syn();
    let n: u32 = 1_000_000;
    let mut w = PcapWriter::new(Vec::new(), LINKTYPE_ETHERNET, 0).unwrap();
    let mut frame = template.clone();
    for i in 0..n {
        patch_source(&mut frame, i);
        w.write_frame(T0 + i64::from(i) * 1000, &frame).unwrap();
    }
    let big = TempFile::new("million.pcap", &w.into_inner());
    let full = run(&["analyze", "--json", "--max-connections", "1000", big.path()]);
    let v = full.ok().json();
    assert_eq!(v["packets"], n);
    assert_eq!(v["tcp_segments"], n);
    assert_eq!(v["connections"].as_array().unwrap().len(), 1000);
    let anomalies = v["anomalies"].as_array().unwrap();
    assert_eq!(
        kinds(&v["anomalies"]),
        vec!["connection_limit_reached", "not_analyzed"]
    );
    assert_eq!(anomalies[0]["frame"], 1001);
    assert_eq!(
        anomalies[1]["detail"],
        "999000 connections past the limit were not analyzed"
    );
    let decode = run_with(&["decode", big.path()], false);
    decode.ok();
    // Memory does not grow with the capture: a tenth of it costs about as much.
    let tenth = TempFile::new(
        "tenth.pcap",
        &std::fs::read(&big.0).unwrap()[..24 + 100_000 * (16 + template.len())],
    );
    let small = run(&[
        "analyze",
        "--json",
        "--max-connections",
        "1000",
        tenth.path(),
    ]);
    assert_eq!(small.ok().json()["packets"], 100_000);
    if let (Some(big_kib), Some(small_kib), Some(decode_kib)) =
        (full.max_rss_kib, small.max_rss_kib, decode.max_rss_kib)
    {
        eprintln!(
            "analyze: 1 000 000 frames {big_kib} KiB, 100 000 frames {small_kib} KiB; decode {decode_kib} KiB"
        );
        assert!(
            big_kib < small_kib + 16 * 1024,
            "1 000 000 frames: {big_kib} KiB, 100 000 frames: {small_kib} KiB"
        );
        assert!(decode_kib < 64 * 1024, "decode: {decode_kib} KiB");
    }
}
