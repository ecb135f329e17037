//! `monitor`: path manager events as they happen (`ip mptcp monitor`, with every attribute).
//!
//! Joins the `mptcp_pm_events` multicast group in the namespace asked for and prints one
//! line (or one JSON object, flushed) per event: connections created, established and
//! closed, addresses announced and removed by the peer, subflows established, closed and
//! changing priority, path manager listeners; with tokens, addresses, ports, address IDs,
//! error codes and MP_TCPRST reasons. Events of a type this version does not know are
//! printed with their number and raw attributes.
//!
//! It runs until Ctrl-C (SIGINT) or SIGTERM, `--count` events or `--timeout` seconds, and
//! exits 0 then; a reader that goes away (`| head`) ends it quietly at the next event. When
//! the kernel had to drop events because we fell behind, a `lost` record says so.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use serde::Serialize;

use crate::cli::NetnsArg;
use crate::cmd::conns::addr_port;
use crate::cmd::counters::parse_secs;
use crate::cmd::{Status, in_netns};
use crate::kernel::events::{Event, EventSocket, MPTCP_RST_TRANSIENT, parse_datagram};
use crate::kernel::sock_diag::{AF_INET, AF_INET6, RawAttr};
use crate::kernel::{ENOBUFS, KernelError, probe};
use crate::mptcp::option::MpTcprst;
use crate::mptcp::types::{Hex, Token};
use crate::output::{Output, Render, Style};

pub const EXAMPLES: &str = "Examples:\n  \
    mptcpstat monitor\n  \
    mptcpstat monitor --netns blue --json | jq -c 'select(.event == \"sub_closed\")'\n  \
    mptcpstat monitor --count 10 --timeout 30\n\n\
    Times are UTC. Ctrl-C ends the monitor with exit status 0.";

#[derive(Debug, clap::Args)]
pub struct MonitorArgs {
    /// Stop after N events.
    #[arg(short, long, value_name = "N")]
    pub count: Option<u64>,
    /// Stop after SECS seconds (fractions allowed).
    #[arg(short, long, value_name = "SECS", value_parser = parse_secs)]
    pub timeout: Option<Duration>,
    #[command(flatten)]
    pub netns: NetnsArg,
}

/// One event as printed: `monitor --json` writes one of these per line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventRecord {
    /// Seconds since the epoch when the event was received.
    pub time: f64,
    /// The type in `snake_case` (`created`, `sub_established`, ...), `unknown` for a type this
    /// version does not know, `lost` when the kernel dropped events, `malformed` for a message
    /// that could not be read.
    pub event: &'static str,
    /// The type's number (`enum mptcp_event_type`); `null` for `lost` and `malformed`.
    pub event_type: Option<u8>,
    pub token: Option<Token>,
    /// `ipv4` or `ipv6`.
    pub family: Option<&'static str>,
    pub loc_id: Option<u8>,
    pub rem_id: Option<u8>,
    pub saddr: Option<IpAddr>,
    pub sport: Option<u16>,
    pub daddr: Option<IpAddr>,
    pub dport: Option<u16>,
    pub backup: Option<bool>,
    pub if_idx: Option<i32>,
    /// The name of `if_idx` in the namespace watched.
    pub dev: Option<String>,
    /// The subflow's socket error, an `errno` (111: connection refused).
    pub error: Option<u8>,
    pub error_message: Option<String>,
    /// MP_TCPRST reason code (RFC 8684 §3.6) and its name.
    pub reset_reason: Option<u32>,
    pub reset_reason_name: Option<&'static str>,
    pub reset_flags: Option<u32>,
    /// The T flag of MP_TCPRST: the peer may retry the subflow.
    pub reset_transient: Option<bool>,
    pub server_side: Option<bool>,
    pub deny_join_id0: Option<bool>,
    /// `MPTCP_ATTR_FLAGS` as sent.
    pub flags: Option<u16>,
    pub timeout: Option<u32>,
    /// Attributes this version does not know.
    pub other_attributes: Vec<RawAttr>,
    /// For `lost` and `malformed`: what happened.
    pub message: Option<String>,
}

impl EventRecord {
    /// `dev` resolves an interface index in the namespace being watched.
    #[must_use]
    pub fn new(e: &Event, time: f64, dev: &mut dyn FnMut(i32) -> Option<String>) -> Self {
        let reset = e
            .reset_reason
            .and_then(|r| u8::try_from(r).ok())
            .map(|reason| MpTcprst {
                flags: 0,
                transient: false,
                reason,
            });
        EventRecord {
            time,
            event: e.kind().name(),
            event_type: Some(e.kind),
            token: e.token,
            family: e.family.and_then(|f| match u8::try_from(f).ok()? {
                AF_INET => Some("ipv4"),
                AF_INET6 => Some("ipv6"),
                _ => None,
            }),
            loc_id: e.loc_id,
            rem_id: e.rem_id,
            saddr: e.saddr,
            sport: e.sport,
            daddr: e.daddr,
            dport: e.dport,
            backup: e.backup.map(|b| b != 0),
            if_idx: e.if_idx,
            dev: e.if_idx.filter(|&i| i > 0).and_then(dev),
            error: e.error,
            error_message: e.error.map(|n| errno_message(i32::from(n))),
            reset_reason: e.reset_reason,
            reset_reason_name: reset.as_ref().and_then(MpTcprst::reason_name),
            reset_flags: e.reset_flags,
            reset_transient: e.reset_flags.map(|f| f & MPTCP_RST_TRANSIENT != 0),
            server_side: e.server_side(),
            deny_join_id0: e.deny_join_id0(),
            flags: e.flags,
            timeout: e.timeout,
            other_attributes: e.other.clone(),
            message: None,
        }
    }

    /// A record that is no event: events lost, or a message that could not be read.
    #[must_use]
    pub fn notice(event: &'static str, time: f64, message: String) -> Self {
        let mut r = EventRecord::new(&Event::default(), time, &mut |_| None);
        r.event = event;
        r.event_type = None;
        r.message = Some(message);
        r
    }
}

/// "Connection refused", without std's " (os error 111)".
fn errno_message(errno: i32) -> String {
    let text = std::io::Error::from_raw_os_error(errno).to_string();
    match text.rfind(" (os error") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

/// `HH:MM:SS.ffffff` of an epoch time, in UTC.
fn clock(time: f64) -> String {
    let micros = (time * 1e6).round();
    // Times before the epoch or past u64 do not come from a clock; show them as zero.
    let micros = if micros.is_finite() && micros >= 0.0 {
        format!("{micros:.0}").parse::<u64>().unwrap_or(0)
    } else {
        0
    };
    let secs = micros / 1_000_000;
    format!(
        "{:02}:{:02}:{:02}.{:06}",
        secs / 3600 % 24,
        secs / 60 % 60,
        secs % 60,
        micros % 1_000_000
    )
}

impl Render for EventRecord {
    fn render(&self, w: &mut dyn Write, style: Style) -> std::io::Result<()> {
        let name = match self.event_type {
            Some(n) if self.event == "unknown" => format!("unknown({n})"),
            _ => self.event.to_owned(),
        };
        let painted = match self.event {
            "lost" | "malformed" => style.bad(&format!("{name:<16}")),
            "closed" | "sub_closed" | "removed" | "listener_closed" => {
                style.warn(&format!("{name:<16}"))
            }
            "created" | "established" | "sub_established" | "announced" => {
                style.good(&format!("{name:<16}"))
            }
            _ => format!("{name:<16}"),
        };
        let mut parts: Vec<String> = Vec::new();
        if let Some(t) = self.token {
            parts.push(format!("token {t}"));
        }
        let at = |a: IpAddr, p: Option<u16>| match p {
            Some(p) => addr_port(a, p, None),
            None => a.to_string(),
        };
        match (self.saddr, self.daddr) {
            (Some(s), Some(d)) => {
                parts.push(format!("{} -> {}", at(s, self.sport), at(d, self.dport)));
            }
            (None, Some(d)) => parts.push(format!("remote {}", at(d, self.dport))),
            (Some(s), None) => parts.push(format!("local {}", at(s, self.sport))),
            (None, None) => {}
        }
        if let Some(i) = self.loc_id {
            parts.push(format!("loc_id {i}"));
        }
        if let Some(i) = self.rem_id {
            parts.push(format!("rem_id {i}"));
        }
        match (&self.dev, self.if_idx) {
            (Some(d), _) => parts.push(format!("dev {d}")),
            (None, Some(i)) if i > 0 => parts.push(format!("if#{i}")),
            _ => {}
        }
        if self.backup == Some(true) {
            parts.push("backup".into());
        }
        if let Some(e) = self.error {
            let msg = self.error_message.as_deref().unwrap_or("");
            parts.push(format!("error {e} ({msg})"));
        }
        if let Some(r) = self.reset_reason {
            let mut s = format!("reset_reason {r}");
            if let Some(n) = self.reset_reason_name {
                let _ = write!(s, " ({n})");
            }
            if self.reset_transient == Some(true) {
                s.push_str(" transient");
            }
            parts.push(s);
        }
        if self.server_side == Some(true) {
            parts.push("server_side".into());
        }
        if self.deny_join_id0 == Some(true) {
            parts.push("deny_join_id0".into());
        }
        let known = crate::kernel::events::MPTCP_PM_EV_FLAG_DENY_JOIN_ID0
            | crate::kernel::events::MPTCP_PM_EV_FLAG_SERVER_SIDE;
        if let Some(f) = self.flags.filter(|f| f & !known != 0) {
            parts.push(format!("flags {f:#x}"));
        }
        if let Some(t) = self.timeout {
            parts.push(format!("timeout {t}"));
        }
        for a in &self.other_attributes {
            parts.push(format!("attr {}={}", a.kind, Hex(&a.value)));
        }
        if let Some(m) = &self.message {
            parts.push(m.clone());
        }
        let line = format!("{} {painted} {}", clock(self.time), parts.join("  "));
        writeln!(w, "{}", line.trim_end())
    }
}

/// How long one wait for events lasts: the longest a Ctrl-C, `--timeout` or `--count` waits
/// to be noticed.
const TICK: Duration = Duration::from_millis(200);

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

pub fn run(args: &MonitorArgs, out: &mut Output<'_>) -> anyhow::Result<Status> {
    // SIGINT and SIGTERM set a flag the loop checks between waits; the output stays whole.
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, Arc::clone(&stop))
            .context("installing the Ctrl-C handler")?;
    }
    in_netns(&args.netns, || {
        let mut socket = EventSocket::open().context("subscribing to MPTCP path manager events")?;
        watch(&mut socket, args, &stop, out)
    })
}

fn watch(
    socket: &mut EventSocket,
    args: &MonitorArgs,
    stop: &AtomicBool,
    out: &mut Output<'_>,
) -> anyhow::Result<Status> {
    let family = socket.family();
    let deadline = args.timeout.map(|t| Instant::now() + t);
    let mut names: HashMap<i32, Option<String>> = HashMap::new();
    let mut dev = |i: i32| {
        names
            .entry(i)
            .or_insert_with(|| u32::try_from(i).ok().and_then(probe::ifname))
            .clone()
    };
    let mut seen = 0u64;
    while !stop.load(Ordering::SeqCst) && args.count.is_none_or(|c| seen < c) {
        let wait = match deadline {
            Some(d) => match d.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => left.min(TICK),
                _ => break,
            },
            None => TICK,
        };
        let datagram = match socket.recv(wait) {
            Ok(None) => continue,
            Ok(Some(bytes)) => parse_datagram(bytes, family),
            Err(KernelError::Os { errno: ENOBUFS, .. }) => {
                out.record(&EventRecord::notice(
                    "lost",
                    now(),
                    "the kernel dropped events: they came faster than they were read".into(),
                ))?;
                out.flush()?;
                continue;
            }
            Err(e) => return Err(anyhow::Error::from(e).context("receiving MPTCP events")),
        };
        let time = now();
        for event in datagram {
            if args.count.is_some_and(|c| seen >= c) {
                break;
            }
            let record = match event {
                Ok(e) => EventRecord::new(&e, time, &mut dev),
                Err(e) => EventRecord::notice("malformed", time, e.to_string()),
            };
            out.record(&record)?;
            seen += 1;
        }
        out.flush()?;
    }
    Ok(Status::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::events::parse_event;

    fn render(r: &EventRecord) -> String {
        let mut buf = Vec::new();
        r.render(&mut buf, Style::default()).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn clock_is_utc_time_of_day() {
        // 2024-01-01T12:34:56.789012Z
        assert_eq!(clock(1_704_112_496.789_012), "12:34:56.789012");
        assert_eq!(clock(-1.0), "00:00:00.000000");
        assert_eq!(clock(f64::NAN), "00:00:00.000000");
    }

    #[test]
    fn errno_messages_drop_the_os_error_suffix() {
        assert_eq!(errno_message(111), "Connection refused");
    }

    #[cfg(target_endian = "little")]
    #[test]
    fn a_refused_join_reads_like_ip_mptcp_monitor_but_says_why() {
        let e = parse_event(&hex_literal::hex!(
            "0b 01 00 00"             // SUB_CLOSED
            "08 00 01 00 86 34 22 26" // token 26223486
            "06 00 02 00 02 00 00 00" // AF_INET
            "08 00 05 00 0a 00 02 01" // 10.0.2.1
            "08 00 07 00 0a 00 02 02" // 10.0.2.2
            "06 00 09 00 87 97 00 00" // 34711
            "06 00 0a 00 14 51 00 00" // 5201
            "05 00 03 00 01 00 00 00" // loc_id 1
            "05 00 04 00 01 00 00 00" // rem_id 1
            "05 00 0b 00 00 00 00 00" // backup 0
            "08 00 0f 00 03 00 00 00" // if_idx 3
            "05 00 0c 00 6f 00 00 00" // error 111
            "08 00 10 00 05 00 00 00" // reset reason 5
            "08 00 11 00 01 00 00 00" // transient
        ))
        .unwrap();
        let r = EventRecord::new(&e, 1_704_112_496.5, &mut |i| (i == 3).then(|| "c2".into()));
        assert_eq!(
            render(&r),
            "12:34:56.500000 sub_closed       token 26223486  10.0.2.1:34711 -> 10.0.2.2:5201  \
             loc_id 1  rem_id 1  dev c2  error 111 (Connection refused)  \
             reset_reason 5 (unacceptable_performance) transient\n"
        );
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["event"], "sub_closed");
        assert_eq!(json["event_type"], 11);
        assert_eq!(json["token"], "26223486");
        assert_eq!(json["family"], "ipv4");
        assert_eq!(json["sport"], 34711);
        assert_eq!(json["backup"], false);
        assert_eq!(json["dev"], "c2");
        assert_eq!(json["error"], 111);
        assert_eq!(json["reset_reason_name"], "unacceptable_performance");
        assert_eq!(json["reset_transient"], true);
        assert_eq!(
            json["server_side"],
            serde_json::Value::Null,
            "not sent: null"
        );
    }

    #[cfg(target_endian = "little")]
    #[test]
    fn unknown_events_show_their_number_and_raw_attributes() {
        let e = parse_event(&hex_literal::hex!("2a 01 00 00 08 00 40 00 de ad be ef")).unwrap();
        let r = EventRecord::new(&e, 0.0, &mut |_| None);
        assert_eq!(
            render(&r),
            "00:00:00.000000 unknown(42)      attr 64=deadbeef\n"
        );
        assert_eq!(serde_json::to_value(&r).unwrap()["event_type"], 42);
    }

    #[test]
    fn lost_events_are_a_record_too() {
        let r = EventRecord::notice("lost", 0.0, "dropped".into());
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["event"], "lost");
        assert_eq!(json["event_type"], serde_json::Value::Null);
        assert_eq!(json["message"], "dropped");
    }
}
