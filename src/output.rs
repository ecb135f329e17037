//! Rendering: every report leaves through [`Output`], as a table/line or as JSON.
//!
//! A command builds a value that implements [`Render`]; `Output` decides its form. Whole reports
//! are one JSON document; streamed records (`decode`, `monitor`) are JSON Lines, flushed each.
//! This is the only module, with `main.rs`, that writes to stdout or stderr.

use std::io::{self, IsTerminal, Write};

use comfy_table::{Table, presets};
use serde::Serialize;

use crate::cli::ColorWhen;

/// How reports leave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

/// Colour for human output: on only when asked for, or on a terminal without `NO_COLOR`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
}

impl Style {
    /// Resolves `--color` against stdout and `NO_COLOR` (<https://no-color.org>).
    #[must_use]
    pub fn from_choice(when: ColorWhen) -> Self {
        let color = match when {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && io::stdout().is_terminal()
            }
        };
        Style { color }
    }

    /// Text that signals trouble (red).
    #[must_use]
    pub fn bad(self, text: &str) -> String {
        self.paint("31", text)
    }

    /// Text that deserves a second look (yellow).
    #[must_use]
    pub fn warn(self, text: &str) -> String {
        self.paint("33", text)
    }

    /// Text that says all is well (green).
    #[must_use]
    pub fn good(self, text: &str) -> String {
        self.paint("32", text)
    }

    /// Headings and the answer that matters most (bold).
    #[must_use]
    pub fn strong(self, text: &str) -> String {
        self.paint("1", text)
    }

    fn paint(self, sgr: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{sgr}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
}

/// A report or a record that can be shown to a person as well as serialised.
pub trait Render: Serialize {
    /// Human form: a report's tables, or a streamed record's one line (with its newline).
    fn render(&self, w: &mut dyn Write, style: Style) -> io::Result<()>;
}

/// Where every command's results go.
pub struct Output<'w> {
    out: &'w mut dyn Write,
    format: Format,
    style: Style,
    /// One record is built here, then written with one call: serializers and `write!` make
    /// many small writes, each a dynamic call through `out`.
    scratch: Vec<u8>,
}

impl<'w> Output<'w> {
    pub fn new(out: &'w mut dyn Write, format: Format, style: Style) -> Self {
        Output {
            out,
            format,
            style,
            scratch: Vec::new(),
        }
    }

    #[must_use]
    pub fn format(&self) -> Format {
        self.format
    }

    #[must_use]
    pub fn style(&self) -> Style {
        self.style
    }

    /// A whole report: one JSON document, or its tables.
    pub fn report(&mut self, r: &impl Render) -> io::Result<()> {
        match self.format {
            Format::Json => {
                // serde_json writes token by token; a buffer in front of the `dyn Write`
                // turns millions of small dynamic calls (`conns` with 10 000 connections)
                // into a few large writes.
                let mut w = io::BufWriter::with_capacity(1 << 16, &mut *self.out);
                serde_json::to_writer_pretty(&mut w, r).map_err(io::Error::from)?;
                w.write_all(b"\n")?;
                w.flush()
            }
            Format::Text => r.render(self.out, self.style),
        }
    }

    /// One streamed record (a packet, an event): one JSON line or one text line.
    ///
    /// Not flushed here: call [`Output::flush`] where the stream may pause (live events), so
    /// that a capture of millions of packets is not written one system call per line.
    pub fn record(&mut self, r: &impl Render) -> io::Result<()> {
        self.scratch.clear();
        match self.format {
            Format::Json => {
                serde_json::to_writer(&mut self.scratch, r).map_err(io::Error::from)?;
                self.scratch.push(b'\n');
            }
            Format::Text => r.render(&mut self.scratch, self.style)?,
        }
        self.out.write_all(&self.scratch)
    }

    /// Before a screen that replaces the previous one (`--watch`): clears the terminal and
    /// puts the cursor home. Nothing in JSON or when stdout is not a terminal, where the
    /// records simply follow each other.
    pub fn clear_screen(&mut self) -> io::Result<()> {
        if self.format == Format::Text && io::stdout().is_terminal() {
            self.out.write_all(b"\x1b[H\x1b[2J")
        } else {
            Ok(())
        }
    }

    /// Raw text, for generated files (completions, man page) that have no JSON form.
    pub fn raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// A progress line on stderr, only when stderr is a terminal; it overwrites itself.
    pub fn progress(&mut self, line: &str) {
        if io::stderr().is_terminal() {
            eprint!("\r\x1b[2K{line}");
        }
    }

    /// Clears the progress line, if one was drawn.
    pub fn progress_done(&mut self) {
        if io::stderr().is_terminal() {
            eprint!("\r\x1b[2K");
        }
    }
}

/// The one table style: borderless like `ss`, capitalised headers, two spaces between columns.
///
/// Print it with [`write_table`], which drops trailing spaces.
#[must_use]
pub fn table(headers: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(presets::NOTHING);
    t.set_header(headers.iter().copied());
    for column in t.column_iter_mut() {
        column.set_padding((0, 2));
    }
    t
}

/// Writes a table made by [`table`], without trailing spaces, and a final newline.
pub fn write_table(w: &mut dyn Write, t: &Table) -> io::Result<()> {
    for line in t.lines() {
        writeln!(w, "{}", line.trim_end())?;
    }
    Ok(())
}

/// The Prometheus text exposition format (version 0.0.4), as node_exporter's textfile
/// collector reads it: per family a `# HELP` and a `# TYPE` line, then one line per sample,
/// `name{label="value",...} value`. Label values escape `\`, `"` and newlines; help text
/// escapes `\` and newlines (<https://prometheus.io/docs/instrumenting/exposition_formats/>).
pub mod prometheus {
    use std::collections::BTreeMap;
    use std::fmt::Write as _;
    use std::io::{self, Write};

    use serde::Serialize;

    /// `counter` or `gauge`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
    #[serde(rename_all = "snake_case")]
    pub enum MetricType {
        Counter,
        Gauge,
    }

    /// One sample: its labels (sorted by name) and value.
    #[derive(Debug, Clone, PartialEq, Serialize)]
    pub struct Sample {
        pub labels: BTreeMap<String, String>,
        pub value: f64,
    }

    /// A metric family: name, help, type, samples.
    #[derive(Debug, Clone, PartialEq, Serialize)]
    pub struct Family {
        pub name: String,
        pub help: String,
        #[serde(rename = "type")]
        pub kind: MetricType,
        pub samples: Vec<Sample>,
    }

    impl Family {
        #[must_use]
        pub fn new(name: &str, kind: MetricType, help: &str) -> Self {
            Family {
                name: name.to_owned(),
                help: help.to_owned(),
                kind,
                samples: Vec::new(),
            }
        }

        /// Adds a sample; `labels` are (name, value) pairs.
        pub fn sample(&mut self, labels: &[(&str, &str)], value: f64) -> &mut Self {
            self.samples.push(Sample {
                labels: labels
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
                value,
            });
            self
        }
    }

    /// A label value with `\`, `"` and newline escaped.
    #[must_use]
    pub fn escape_label(v: &str) -> String {
        v.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
    }

    /// Help text with `\` and newline escaped.
    #[must_use]
    pub fn escape_help(v: &str) -> String {
        v.replace('\\', "\\\\").replace('\n', "\\n")
    }

    /// A value as Go's `strconv.FormatFloat(v, 'g', -1, 64)` would accept it back: integers
    /// without a fraction, `NaN`, `+Inf`, `-Inf`.
    #[must_use]
    pub fn format_value(v: f64) -> String {
        if v.is_nan() {
            "NaN".into()
        } else if v.is_infinite() {
            if v > 0.0 { "+Inf" } else { "-Inf" }.into()
        } else {
            // Rust prints the shortest text that reads back as the same f64, integers
            // without ".0" in this form.
            let s = format!("{v}");
            s.strip_suffix(".0")
                .map_or_else(|| s.clone(), str::to_owned)
        }
    }

    /// Writes `families` in the text format. Families without samples are left out, as a
    /// `# TYPE` line with nothing after it says nothing.
    pub fn write(w: &mut dyn Write, families: &[Family]) -> io::Result<()> {
        let mut out = String::new();
        for f in families.iter().filter(|f| !f.samples.is_empty()) {
            let kind = match f.kind {
                MetricType::Counter => "counter",
                MetricType::Gauge => "gauge",
            };
            let _ = writeln!(out, "# HELP {} {}", f.name, escape_help(&f.help));
            let _ = writeln!(out, "# TYPE {} {kind}", f.name);
            for s in &f.samples {
                out.push_str(&f.name);
                if !s.labels.is_empty() {
                    let labels: Vec<String> = s
                        .labels
                        .iter()
                        .map(|(k, v)| format!("{k}=\"{}\"", escape_label(v)))
                        .collect();
                    let _ = write!(out, "{{{}}}", labels.join(","));
                }
                let _ = writeln!(out, " {}", format_value(s.value));
            }
        }
        w.write_all(out.as_bytes())
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn text_format() {
            let mut f = Family::new("mptcp_x_total", MetricType::Counter, "a \\ b\nc");
            f.sample(&[("name", "a\"b\\c\nd"), ("dev", "eth0")], 3.0);
            f.sample(&[], 0.25);
            let empty = Family::new("mptcp_empty", MetricType::Gauge, "nothing");
            let mut buf = Vec::new();
            write(&mut buf, &[f, empty]).unwrap();
            assert_eq!(
                String::from_utf8(buf).unwrap(),
                "# HELP mptcp_x_total a \\\\ b\\nc\n\
                 # TYPE mptcp_x_total counter\n\
                 mptcp_x_total{dev=\"eth0\",name=\"a\\\"b\\\\c\\nd\"} 3\n\
                 mptcp_x_total 0.25\n"
            );
        }

        #[test]
        fn values() {
            assert_eq!(format_value(1e20), "100000000000000000000");
            assert_eq!(format_value(-2.5), "-2.5");
            assert_eq!(format_value(f64::NAN), "NaN");
            assert_eq!(format_value(f64::INFINITY), "+Inf");
            assert_eq!(
                format_value(1.844_674_407_370_955_2e19),
                "18446744073709552000"
            );
        }
    }
}
