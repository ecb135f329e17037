//! `monitor` beside `ip mptcp monitor`, both watching the same namespace while a connection
//! opens, joins a second path, learns an announced address and closes.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::netns::{Netns, SERVER_ADDR, TwoPaths, can_run, connect, listen, wait_until};

/// A child whose stdout goes to a file, read while it runs.
struct Watcher {
    child: Child,
    out: PathBuf,
}

impl Watcher {
    fn spawn(cmd: &mut Command, tag: &str) -> Self {
        let out = std::env::temp_dir().join(format!(
            "mptcpstat-{tag}-{}-{}.out",
            std::process::id(),
            rand_suffix()
        ));
        let file = std::fs::File::create(&out).unwrap();
        let child = cmd.stdout(file).stderr(Stdio::null()).spawn().unwrap();
        Watcher { child, out }
    }

    fn text(&self) -> String {
        std::fs::read_to_string(&self.out).unwrap_or_default()
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.out);
    }
}

fn rand_suffix() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// An event as both tools can describe it: name, then `key=value` fields in a fixed order.
fn ip_event(line: &str) -> Option<(String, Vec<String>)> {
    let (kind, rest) = line.strip_prefix('[')?.split_once(']')?;
    let name = match kind.trim() {
        "CREATED" => "created",
        "ESTABLISHED" => "established",
        "CLOSED" => "closed",
        "ANNOUNCED" => "announced",
        "REMOVED" => "removed",
        "SF_ESTABLISHED" => "sub_established",
        "SF_CLOSED" => "sub_closed",
        "SF_PRIORITY" => "sub_priority",
        "UNKNOWN 15" => "listener_created",
        "UNKNOWN 16" => "listener_closed",
        other => panic!("ip printed an event we did not expect: {other}"),
    };
    let mut fields: Vec<String> = rest
        .split_whitespace()
        .filter(|w| !w.starts_with("flags=") && *w != "server_side")
        .map(str::to_owned)
        .collect();
    fields.sort();
    Some((name.to_owned(), fields))
}

/// Our JSON record in `ip`'s words.
fn our_event(v: &Value) -> (String, Vec<String>) {
    let mut fields = Vec::new();
    let mut put = |key: &str, value: &Value| {
        if !value.is_null() {
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Bool(b) => u8::from(*b).to_string(),
                v => v.to_string(),
            };
            fields.push(format!("{key}={text}"));
        }
    };
    put("token", &v["token"]);
    put("remid", &v["rem_id"]);
    put("locid", &v["loc_id"]);
    // ip names the attribute: saddr4 or saddr6, by the address's form.
    let key = |base: &str, a: &Value| {
        let six = a.as_str().is_some_and(|s| s.contains(':'));
        format!("{base}{}", if six { 6 } else { 4 })
    };
    put(&key("saddr", &v["saddr"]), &v["saddr"]);
    put(&key("daddr", &v["daddr"]), &v["daddr"]);
    put("sport", &v["sport"]);
    put("dport", &v["dport"]);
    put("backup", &v["backup"]);
    put("ifindex", &v["if_idx"]);
    put("error", &v["error"]);
    fields.sort();
    (v["event"].as_str().unwrap().to_owned(), fields)
}

fn token_of(fields: &[String]) -> Option<&str> {
    fields.iter().find_map(|f| f.strip_prefix("token="))
}

#[test]
#[allow(clippy::too_many_lines)] // one scenario, read top to bottom
fn monitor_sees_what_ip_mptcp_monitor_sees() {
    if !can_run("monitor_sees_what_ip_mptcp_monitor_sees") {
        return;
    }
    let net = TwoPaths::new("mon");
    // The server announces its second address: the client gets an ANNOUNCED event.
    net.server.ip(&[
        "mptcp", "endpoint", "add", "10.0.2.2", "dev", "s2", "signal",
    ]);
    let ns = &net.client;
    let ours = Watcher::spawn(
        Command::new(env!("CARGO_BIN_EXE_mptcpstat")).args([
            "monitor",
            "--json",
            "--netns",
            ns.name(),
        ]),
        "mon-ours",
    );
    let theirs = Watcher::spawn(
        Command::new("ip").args(["-n", ns.name(), "mptcp", "monitor"]),
        "mon-ip",
    );
    // Both are listening once both report a closed loopback connection made after them.
    wait_until(
        "both monitors to subscribe",
        Duration::from_secs(20),
        || {
            let port = 6000 + u16::try_from(rand_suffix() % 1000).unwrap();
            let lo = SocketAddr::from(([127, 0, 0, 1], port));
            let l = listen(ns, lo);
            drop(connect(ns, &l, lo, 1, 1));
            drop(l);
            std::thread::sleep(Duration::from_millis(100));
            ours.text().contains("\"closed\"") && theirs.text().contains("CLOSED")
        },
    );

    let to = SocketAddr::from((SERVER_ADDR, 5201));
    let listener = listen(&net.server, to);
    let conn = connect(ns, &listener, to, 1000, 1000);
    crate::wait_for_join(ns);
    drop(conn);
    drop(listener);

    // The connection to 10.0.1.2:5201, as ip saw it, from CREATED to CLOSED.
    let find = |lines: &[(String, Vec<String>)]| -> Option<String> {
        lines
            .iter()
            .find(|(n, f)| n == "created" && f.contains(&"daddr4=10.0.1.2".to_owned()))
            .and_then(|(_, f)| token_of(f).map(str::to_owned))
    };
    let ip_lines =
        || -> Vec<(String, Vec<String>)> { theirs.text().lines().filter_map(ip_event).collect() };
    wait_until(
        "ip to see the connection close",
        Duration::from_secs(20),
        || {
            let lines = ip_lines();
            find(&lines).is_some_and(|t| {
                lines
                    .iter()
                    .any(|(n, f)| n == "closed" && token_of(f) == Some(t.as_str()))
            })
        },
    );
    let ip_all = ip_lines();
    let token = find(&ip_all).unwrap();
    let ip_conn: Vec<_> = ip_all
        .into_iter()
        .filter(|(_, f)| token_of(f) == Some(token.as_str()))
        .collect();
    wait_until(
        "our monitor to see it close",
        Duration::from_secs(10),
        || {
            ours.text().lines().any(|l| {
                let v: Value = serde_json::from_str(l).unwrap();
                v["event"] == "closed" && v["token"] == token.as_str()
            })
        },
    );

    // Ctrl-C ends our monitor with status 0 and whole lines.
    let pid = ours.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let mut ours = ours;
    let status = ours.child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "SIGINT is a clean exit");
    let records: Vec<Value> = ours
        .text()
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    let our_conn: Vec<_> = records
        .iter()
        .filter(|v| v["token"] == token.as_str())
        .map(our_event)
        .collect();
    assert_eq!(
        our_conn, ip_conn,
        "the same events with the same fields, in order"
    );
    let names: Vec<&str> = our_conn.iter().map(|(n, _)| n.as_str()).collect();
    for expected in [
        "created",
        "established",
        "announced",
        "sub_established",
        "closed",
    ] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
    // The join over c2 names its interface, which ip shows as a number.
    let join = records
        .iter()
        .find(|v| v["token"] == token.as_str() && v["event"] == "sub_established")
        .unwrap();
    assert_eq!(join["dev"], "c2");
    assert_eq!(join["saddr"], "10.0.2.1");
}

#[test]
fn monitor_ends_quietly_when_its_reader_goes_away_and_on_count() {
    if !can_run("monitor_ends_quietly_when_its_reader_goes_away_and_on_count") {
        return;
    }
    let ns = Netns::new("monpipe");
    let bin = env!("CARGO_BIN_EXE_mptcpstat");
    let piped = Command::new("bash")
        .args([
            "-c",
            &format!(
                "set -o pipefail; {bin} monitor --netns {} --timeout 20 | head -n 1",
                ns.name()
            ),
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let counted = Command::new(bin)
        .args([
            "monitor",
            "--netns",
            ns.name(),
            "--count",
            "2",
            "--timeout",
            "20",
            "--json",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let lo = SocketAddr::from(([127, 0, 0, 1], 6100));
    let l = listen(&ns, lo);
    // Connections until both have had their events (each brings three).
    let mut piped = Some(piped);
    let mut counted = Some(counted);
    let mut outputs = Vec::new();
    wait_until("both monitors to end", Duration::from_secs(20), || {
        drop(connect(&ns, &l, lo, 1, 1));
        for child in [&mut piped, &mut counted] {
            if let Some(c) = child.as_mut()
                && c.try_wait().unwrap().is_some()
            {
                outputs.push(child.take().unwrap().wait_with_output().unwrap());
            }
        }
        piped.is_none() && counted.is_none()
    });
    for out in &outputs {
        assert!(out.status.success(), "{out:?}");
    }
    let lines: Vec<usize> = outputs
        .iter()
        .map(|o| String::from_utf8_lossy(&o.stdout).lines().count())
        .collect();
    // head kept one line; --count 2 printed two.
    let mut sorted = lines.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, vec![1, 2], "{lines:?}");
}
