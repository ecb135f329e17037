//! `analyze --plot`: the SVG of a real capture, and the one-line errors around it.

use std::path::PathBuf;
use std::process::{Command, Output};

const SHAPED: &str = "testdata/pcap/v1-shaped-two-paths.pcap";

fn mptcpstat(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mptcpstat"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("running mptcpstat")
}

/// A path in the temporary directory, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str) -> Self {
        TempFile(std::env::temp_dir().join(format!("mptcpstat-{}-{name}", std::process::id())))
    }

    fn arg(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn plot_writes_an_svg_and_leaves_the_report_as_it_was() {
    let svg = TempFile::new("shaped.svg");
    let plotted = mptcpstat(&["analyze", SHAPED, "--plot", svg.arg()]);
    assert!(
        plotted.status.success(),
        "{}",
        String::from_utf8_lossy(&plotted.stderr)
    );
    // The buckets and points drawn are not printed: the table is the one without --plot.
    let plain = mptcpstat(&["analyze", SHAPED]);
    assert_eq!(plotted.stdout, plain.stdout);
    let text = std::fs::read_to_string(&svg.0).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("well-formed SVG");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    // --connection 0 is the default here: the capture has one connection.
    let again = TempFile::new("shaped-0.svg");
    let out = mptcpstat(&[
        "analyze",
        SHAPED,
        "--plot",
        again.arg(),
        "--connection",
        "0",
    ]);
    assert!(out.status.success());
    assert_eq!(std::fs::read_to_string(&again.0).unwrap(), text);
}

#[test]
fn plot_errors_are_one_line_and_say_what_to_do() {
    let png = TempFile::new("shaped.png");
    let svg = TempFile::new("missing.svg");
    for (args, expected) in [
        (
            vec!["analyze", SHAPED, "--plot", png.arg()],
            "only SVG is drawn; name the file .svg",
        ),
        (
            vec!["analyze", SHAPED, "--plot", svg.arg(), "--connection", "7"],
            "--connection 7: no such connection; the capture has only connection 0",
        ),
    ] {
        let out = mptcpstat(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with("mptcpstat: ") && err.contains(expected),
            "{err}"
        );
        assert!(out.stdout.is_empty());
    }
    assert!(!png.0.exists() && !svg.0.exists(), "no file on error");
    // --connection without --plot is a usage error.
    let out = mptcpstat(&["analyze", SHAPED, "--connection", "0"]);
    assert_eq!(out.status.code(), Some(2));
}
