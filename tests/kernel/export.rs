//! `export --output FILE` in a namespace with an open two-path connection: the file parses
//! as the Prometheus text format, and its values are the kernel's own (`nstat`, `ss -ti`,
//! `ip mptcp limits`). `promtool check metrics` also reads it when it is installed.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::{Command, Stdio};

use crate::netns::{SERVER_ADDR, TwoPaths, can_run, connect, listen};
use crate::{mptcpstat, nstat, ss, ss_field, wait_for_join};

type Labels = BTreeMap<String, String>;

/// A directory removed on drop.
struct Remove(std::path::PathBuf);

impl Drop for Remove {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The samples of a text exposition, checking its grammar on the way: every sample belongs
/// to the family whose HELP and TYPE came just before, names are `mptcp_*`, counters end in
/// `_total`, label values are quoted with `\\`, `\"` and `\n` escapes.
fn parse_exposition(text: &str) -> Vec<(String, Labels, f64)> {
    let mut out = Vec::new();
    let mut family = String::new();
    let mut typed = false;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            rest.split(' ').next().unwrap().clone_into(&mut family);
            assert!(family.starts_with("mptcp_"), "{family}");
            typed = false;
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            assert_eq!(name, family);
            assert!(kind == "counter" || kind == "gauge", "{kind}");
            assert_eq!(name.ends_with("_total"), kind == "counter", "{name}");
            typed = true;
            continue;
        }
        assert!(typed, "sample before its TYPE: {line}");
        let (series, value) = line.rsplit_once(' ').unwrap();
        let (name, labels) = match series.split_once('{') {
            None => (series, Labels::new()),
            Some((name, rest)) => {
                let mut labels = Labels::new();
                let mut chars = rest.chars().peekable();
                loop {
                    let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
                    assert_eq!(chars.next(), Some('"'));
                    let mut value = String::new();
                    loop {
                        match chars.next().unwrap() {
                            '\\' => match chars.next().unwrap() {
                                'n' => value.push('\n'),
                                c => value.push(c),
                            },
                            '"' => break,
                            c => value.push(c),
                        }
                    }
                    labels.insert(key, value);
                    match chars.next() {
                        Some(',') => {}
                        Some('}') => break,
                        other => panic!("after a label: {other:?} in {line}"),
                    }
                }
                (name, labels)
            }
        };
        assert_eq!(name, family, "{line}");
        out.push((name.to_owned(), labels, value.parse().unwrap()));
    }
    out
}

fn get(samples: &[(String, Labels, f64)], name: &str, labels: &[(&str, &str)]) -> Vec<f64> {
    samples
        .iter()
        .filter(|(n, l, _)| {
            n == name
                && labels
                    .iter()
                    .all(|(k, v)| l.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|(_, _, v)| *v)
        .collect()
}

#[test]
#[allow(clippy::too_many_lines)] // one scenario, read top to bottom
fn export_matches_nstat_ss_and_ip() {
    if !can_run("export_matches_nstat_ss_and_ip") {
        return;
    }
    let net = TwoPaths::new("exp");
    let to = SocketAddr::from((SERVER_ADDR, 5201));
    let listener = listen(&net.server, to);
    let _conn = connect(&net.client, &listener, to, 50_000, 20_000);
    wait_for_join(&net.client);

    let dir = std::env::temp_dir().join(format!("mptcpstat-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Removed when the test ends, passed or failed.
    let _cleanup = Remove(dir.clone());
    let file = dir.join("mptcp.prom");
    let out = mptcpstat(&[
        "export",
        "--netns",
        net.client.name(),
        "--output",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{out:?}");
    assert!(
        out.stdout.is_empty(),
        "with --output nothing goes to stdout"
    );
    let text = std::fs::read_to_string(&file).unwrap();
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, vec!["mptcp.prom"], "no temporary file left behind");
    let samples = parse_exposition(&text);

    // Counters: every MPTcpExt counter, as nstat reads it.
    let nstat = nstat(&net.client);
    for (name, value) in &nstat {
        let family = if name == "MPCurrEstab" {
            "mptcp_mib_current"
        } else {
            "mptcp_mib_events_total"
        };
        #[allow(clippy::cast_precision_loss)]
        let expected = *value as f64;
        assert_eq!(
            get(&samples, family, &[("name", name)]),
            vec![expected],
            "{name}"
        );
    }
    // Limits and endpoints, as ip shows them.
    assert_eq!(get(&samples, "mptcp_limit_subflows", &[]), vec![2.0]);
    assert_eq!(
        get(&samples, "mptcp_endpoints", &[("flag", "subflow")]),
        vec![1.0]
    );
    assert_eq!(
        get(
            &samples,
            "mptcp_endpoint_info",
            &[("address", "10.0.2.1"), ("dev", "c2"), ("flags", "subflow")]
        ),
        vec![1.0]
    );
    // One connection with two subflows.
    assert_eq!(
        get(&samples, "mptcp_connections", &[("state", "ESTAB")]),
        vec![1.0]
    );
    assert_eq!(
        get(
            &samples,
            "mptcp_connections_by_subflows",
            &[("subflows", "2")]
        ),
        vec![1.0]
    );
    // Bytes per subflow, as ss -ti reports them for the same 4-tuple.
    let subflows: Vec<_> = ss(&net.client, &["-t"])
        .into_iter()
        .filter(|s| s.state == "ESTAB" && s.detail.contains("tcp-ulp-mptcp"))
        .collect();
    assert_eq!(subflows.len(), 2);
    let mut total = 0.0;
    for s in &subflows {
        let sent: f64 = ss_field(&s.detail, "bytes_sent")
            .unwrap_or("0")
            .parse()
            .unwrap();
        let lp = s.local.1.to_string();
        let la = s.local.0.to_string();
        assert_eq!(
            get(
                &samples,
                "mptcp_subflow_sent_bytes_total",
                &[("local_addr", &la), ("local_port", &lp)]
            ),
            vec![sent],
            "{s:?}"
        );
        total += sent;
    }
    // Per-path shares add up to one, and each is its bytes over all bytes.
    let shares = get(&samples, "mptcp_path_sent_ratio", &[]);
    assert_eq!(shares.len(), 2);
    assert!(
        (shares.iter().sum::<f64>() - 1.0).abs() < 1e-9,
        "{shares:?}"
    );
    let path_sent = get(
        &samples,
        "mptcp_path_sent_bytes",
        &[("local_addr", "10.0.2.1")],
    );
    let share = get(
        &samples,
        "mptcp_path_sent_ratio",
        &[("local_addr", "10.0.2.1")],
    );
    assert!((share[0] - path_sent[0] / total).abs() < 1e-9);

    // promtool, when installed, agrees that this is valid exposition.
    match Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::fs::File::open(&file).unwrap())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
    {
        Ok(p) => assert!(
            p.status.success(),
            "promtool: {}{}",
            String::from_utf8_lossy(&p.stdout),
            String::from_utf8_lossy(&p.stderr)
        ),
        Err(_) => eprintln!("promtool is not installed: its check is skipped"),
    }
}
