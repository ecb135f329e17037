//! `counters`: the MPTCP MIB (the `MPTcpExt` line of `/proc/net/netstat`, what `nstat`
//! shows), each counter with a one-line meaning; trouble is marked.
//!
//! By default only non-zero counters are shown, as `nstat` does; `--all` shows every one.
//! `--interval S` prints what changed every S seconds (deltas, like `nstat` between two
//! runs), as JSON Lines with `--json`; `--count N` stops after N samples.

use std::collections::HashMap;
use std::io::Write;
use std::time::Duration;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::cli::NetnsArg;
use crate::cmd::{Status, in_netns};
use crate::kernel::mib::{self, Level};
use crate::kernel::procfs::{Counters, Proc};
use crate::output::{self, Output, Render, Style};

#[derive(Debug, clap::Args)]
pub struct CountersArgs {
    /// Show counters that are zero too.
    #[arg(short, long)]
    pub all: bool,
    /// Print the changes every SECS seconds (fractions allowed).
    #[arg(short, long, value_name = "SECS", value_parser = parse_secs)]
    pub interval: Option<Duration>,
    /// Stop after N samples (with --interval).
    #[arg(short, long, value_name = "N", requires = "interval")]
    pub count: Option<u64>,
    #[command(flatten)]
    pub netns: NetnsArg,
}

/// A positive number of seconds.
pub(crate) fn parse_secs(s: &str) -> Result<Duration, String> {
    let secs: f64 = s
        .parse()
        .map_err(|_| format!("{s:?} is not a number of seconds"))?;
    if !(secs > 0.0 && secs <= 86_400.0) {
        return Err("give a number of seconds between 0 and 86400".into());
    }
    Ok(Duration::from_secs_f64(secs))
}

/// One counter as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counter {
    pub name: String,
    /// The value, or the change since the previous sample (negative only for a gauge).
    pub value: i128,
    pub level: Level,
    pub meaning: Option<&'static str>,
}

/// `counters --json`: `{"source", "counters": {name: value}, "trouble": [names]}`; with
/// `--interval`, one such object per sample, with `sample` and `interval` (seconds).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountersReport {
    pub source: String,
    pub out_of_tree: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<f64>,
    #[serde(serialize_with = "as_map")]
    pub counters: Vec<Counter>,
    /// Non-zero counters whose level is `trouble`.
    pub trouble: Vec<String>,
}

fn as_map<S: Serializer>(counters: &[Counter], s: S) -> Result<S::Ok, S::Error> {
    let mut m = s.serialize_map(Some(counters.len()))?;
    for c in counters {
        m.serialize_entry(&c.name, &c.value)?;
    }
    m.end()
}

/// The report for one reading (`prev` = None) or the change since `prev`.
#[must_use]
pub fn collect(
    now: &Counters,
    prev: Option<&Counters>,
    all: bool,
    sample: Option<(u64, Duration)>,
) -> CountersReport {
    let before: HashMap<&str, u64> = prev
        .map(|p| p.values.iter().map(|(n, v)| (n.as_str(), *v)).collect())
        .unwrap_or_default();
    let counters: Vec<Counter> = now
        .values
        .iter()
        .map(|(name, v)| {
            let value = match prev {
                // A counter that wrapped still yields its small increase.
                Some(_) => i128::from(delta(*v, before.get(name.as_str()).copied().unwrap_or(0))),
                None => i128::from(*v),
            };
            let (meaning, level) =
                mib::describe(name).map_or((None, Level::Info), |(m, l)| (Some(m), l));
            Counter {
                name: name.clone(),
                value,
                level,
                meaning,
            }
        })
        .filter(|c| all || c.value != 0)
        .collect();
    let trouble = counters
        .iter()
        .filter(|c| c.level == Level::Trouble && c.value != 0)
        .map(|c| c.name.clone())
        .collect();
    CountersReport {
        source: now.source.display().to_string(),
        out_of_tree: now.out_of_tree,
        sample: sample.map(|(n, _)| n),
        interval: sample.map(|(_, d)| d.as_secs_f64()),
        counters,
        trouble,
    }
}

/// `now - before` on the kernel's unsigned long: a wrap still gives the small increase, a
/// gauge that fell gives a negative change.
fn delta(now: u64, before: u64) -> i64 {
    i64::from_ne_bytes(now.wrapping_sub(before).to_ne_bytes())
}

impl Render for CountersReport {
    fn render(&self, w: &mut dyn Write, style: Style) -> std::io::Result<()> {
        if let (Some(n), Some(secs)) = (self.sample, self.interval) {
            writeln!(w, "Sample {n}: changes over {secs} s")?;
        }
        let mut t = output::table(&["Counter", "Value", "Level", "Meaning"]);
        for c in &self.counters {
            let level = match c.level {
                Level::Info => "",
                Level::Warn => "warn",
                Level::Trouble => "trouble",
            };
            t.add_row(vec![
                c.name.clone(),
                c.value.to_string(),
                level.to_owned(),
                c.meaning.unwrap_or("").to_owned(),
            ]);
        }
        // Colour whole lines, never cells: the table counts escape codes as width.
        // Line 0 is the header; line i shows counter i - 1.
        for (i, line) in t.lines().enumerate() {
            let line = line.trim_end();
            let level = i
                .checked_sub(1)
                .and_then(|r| self.counters.get(r))
                .map(|c| c.level);
            let painted = match level {
                Some(Level::Trouble) => style.bad(line),
                Some(Level::Warn) => style.warn(line),
                _ => line.to_owned(),
            };
            writeln!(w, "{painted}")?;
        }
        Ok(())
    }
}

pub fn run(args: &CountersArgs, out: &mut Output<'_>) -> anyhow::Result<Status> {
    let read = || in_netns(&args.netns, || Ok(Proc::live().counters()?));
    let Some(interval) = args.interval else {
        out.report(&collect(&read()?, None, args.all, None))?;
        return Ok(Status::Ok);
    };
    let mut prev = read()?;
    let mut n = 0;
    while args.count.is_none_or(|c| n < c) {
        std::thread::sleep(interval);
        let now = read()?;
        n += 1;
        out.record(&collect(&now, Some(&prev), args.all, Some((n, interval))))?;
        out.flush()?;
        prev = now;
    }
    Ok(Status::Ok)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn counters(values: &[(&str, u64)]) -> Counters {
        Counters {
            source: PathBuf::from("/proc/net/netstat"),
            out_of_tree: false,
            values: values.iter().map(|(n, v)| ((*n).to_owned(), *v)).collect(),
        }
    }

    #[test]
    fn non_zero_by_default_and_trouble_listed() {
        let c = counters(&[
            ("MPCapableSYNRX", 3),
            ("MPJoinSynRx", 0),
            ("DataCsumErr", 1),
        ]);
        let r = collect(&c, None, false, None);
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            serde_json::json!({
                "source": "/proc/net/netstat",
                "out_of_tree": false,
                "counters": {"MPCapableSYNRX": 3, "DataCsumErr": 1},
                "trouble": ["DataCsumErr"],
            })
        );
        assert_eq!(collect(&c, None, true, None).counters.len(), 3);
    }

    #[test]
    fn deltas_like_nstat() {
        let before = counters(&[
            ("MPCapableSYNRX", 3),
            ("MPCurrEstab", 5),
            ("Wrapped", u64::MAX),
        ]);
        let now = counters(&[("MPCapableSYNRX", 10), ("MPCurrEstab", 2), ("Wrapped", 1)]);
        let r = collect(
            &now,
            Some(&before),
            false,
            Some((1, Duration::from_secs(2))),
        );
        let values: Vec<_> = r
            .counters
            .iter()
            .map(|c| (c.name.as_str(), c.value))
            .collect();
        assert_eq!(
            values,
            vec![("MPCapableSYNRX", 7), ("MPCurrEstab", -3), ("Wrapped", 2)]
        );
        assert_eq!(r.interval, Some(2.0));
    }

    #[test]
    fn table_marks_trouble_in_its_own_column_and_colours_the_line() {
        let c = counters(&[("MPCapableSYNRX", 3), ("DataCsumErr", 1)]);
        let r = collect(&c, None, false, None);
        let mut plain = Vec::new();
        r.render(&mut plain, Style::default()).unwrap();
        insta::assert_snapshot!(String::from_utf8(plain).unwrap(), @r"
        Counter         Value  Level    Meaning
        MPCapableSYNRX  3               SYN with MP_CAPABLE received (passive MPTCP open attempts)
        DataCsumErr     1      trouble  DSS checksum failed
        ");
        let mut colour = Vec::new();
        r.render(&mut colour, Style { color: true }).unwrap();
        let text = String::from_utf8(colour).unwrap();
        assert!(
            text.lines()
                .nth(2)
                .unwrap()
                .starts_with("\x1b[31mDataCsumErr")
        );
        assert!(text.lines().nth(1).unwrap().starts_with("MPCapableSYNRX"));
    }

    #[test]
    fn seconds() {
        assert_eq!(parse_secs("0.5"), Ok(Duration::from_millis(500)));
        assert!(parse_secs("0").is_err());
        assert!(parse_secs("x").is_err());
    }
}
