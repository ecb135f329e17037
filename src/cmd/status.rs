//! `status`: is MPTCP enabled here, and how is it set up.
//!
//! The first line answers the question: "MPTCP: enabled", "MPTCP: disabled
//! (net.mptcp.enabled = 0)" or "MPTCP: not available in this kernel". Then the kernel
//! release, whether an MPTCP socket can be created, every `net.mptcp.*` sysctl with its
//! meaning (the directory is listed: kernels add and drop entries), the path manager's limits
//! and endpoints, and on out-of-tree kernels their `mptcp_*` sysctls and `/proc/net/mptcp`.
//!
//! MPTCP being off or missing is an answer: the exit status is 0.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use crate::cli::NetnsArg;
use crate::cmd::endpoints::{EndpointRecord, fetch as fetch_endpoints, write_endpoints_table};
use crate::cmd::limits::write_limits_table;
use crate::cmd::{Status, in_netns};
use crate::kernel::pm::{Limits, Pm};
use crate::kernel::probe;
use crate::kernel::procfs::{LegacyConnection, Proc, SysctlValue, Sysctls, sysctl_meaning};
use crate::output::{self, Output, Render, Style};

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub netns: NetnsArg,
}

/// The answer to "is MPTCP on?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Enabled,
    Disabled,
    NotAvailable,
}

/// `status --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusReport {
    pub enabled: bool,
    pub state: State,
    /// Why it is disabled or missing, e.g. "net.mptcp.enabled = 0".
    pub reason: Option<String>,
    /// `uname -r`.
    pub kernel: Option<String>,
    /// The sysctls are the out-of-tree kernel's (multipath-tcp.org, `mptcp_*`).
    pub out_of_tree: bool,
    /// Whether `socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP)` works in this namespace.
    pub socket: SocketCheck,
    /// Every file under /proc/sys/net/mptcp/; `null` for one that could not be read.
    pub sysctls: BTreeMap<String, Option<SysctlValue>>,
    pub limits: Option<Limits>,
    pub endpoints: Option<Vec<EndpointRecord>>,
    /// Why limits and endpoints are missing.
    pub path_manager_error: Option<String>,
    /// The out-of-tree kernel's connection table, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legacy_connections: Option<Vec<LegacyConnection>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SocketCheck {
    pub ok: bool,
    pub error: Option<String>,
}

/// What the path manager said: limits and endpoints, or why not.
pub type PmAnswer = Result<(Limits, Vec<EndpointRecord>), String>;

/// Asks the path manager of the current namespace for its limits and endpoints.
pub fn ask_pm() -> PmAnswer {
    Pm::open()
        .map_err(anyhow::Error::from)
        .and_then(|mut pm| Ok((pm.limits()?, fetch_endpoints(&mut pm)?)))
        .map_err(|e| format!("{e:#}"))
}

pub fn run(args: &StatusArgs, out: &mut Output<'_>) -> anyhow::Result<Status> {
    let report = in_netns(&args.netns, || {
        collect(&Proc::live(), probe::mptcp_socket(), ask_pm())
    })?;
    out.report(&report)?;
    Ok(Status::Ok)
}

/// Composes the report from a `/proc` tree, the socket probe and the path manager's answer.
pub fn collect(proc: &Proc, socket: Result<(), i32>, pm: PmAnswer) -> anyhow::Result<StatusReport> {
    let sysctls = proc.sysctls()?;
    let out_of_tree = sysctls.as_ref().is_some_and(Sysctls::is_out_of_tree);
    let (state, reason) = answer(sysctls.as_ref(), socket);
    let (limits, endpoints, path_manager_error) = match pm {
        Ok((l, e)) => (Some(l), Some(e), None),
        Err(e) => (None, None, Some(e)),
    };
    Ok(StatusReport {
        enabled: state == State::Enabled,
        state,
        reason,
        kernel: proc.osrelease(),
        out_of_tree,
        socket: SocketCheck {
            ok: socket.is_ok(),
            error: socket.err().map(probe::explain_socket_errno),
        },
        sysctls: sysctls
            .map(|s| s.entries.into_iter().map(|e| (e.name, e.value)).collect())
            .unwrap_or_default(),
        limits,
        endpoints,
        path_manager_error,
        legacy_connections: proc.legacy_connections()?,
    })
}

/// Enabled, disabled or missing, and why.
#[must_use]
pub fn answer(sysctls: Option<&Sysctls>, socket: Result<(), i32>) -> (State, Option<String>) {
    let off = |name: &str| (State::Disabled, Some(format!("net.mptcp.{name} = 0")));
    if let Some(s) = sysctls {
        // The out-of-tree kernel made every TCP socket MPTCP-capable; IPPROTO_MPTCP sockets
        // do not exist there, so only its sysctl answers.
        let name = if s.is_out_of_tree() {
            "mptcp_enabled"
        } else {
            "enabled"
        };
        match s.get(name).and_then(SysctlValue::as_int) {
            Some(0) => return off(name),
            Some(_) => return (State::Enabled, None),
            None => {}
        }
    }
    match socket {
        Ok(()) => (State::Enabled, None),
        Err(crate::kernel::ENOPROTOOPT) => off("enabled"),
        Err(e) => (State::NotAvailable, Some(probe::explain_socket_errno(e))),
    }
}

impl StatusReport {
    /// The first line: the answer.
    #[must_use]
    pub fn headline(&self) -> String {
        match self.state {
            State::Enabled if self.out_of_tree => {
                match self
                    .sysctls
                    .get("mptcp_enabled")
                    .and_then(|v| v.as_ref()?.as_int())
                {
                    Some(2) => "MPTCP: enabled for applications that ask for it \
                                (net.mptcp.mptcp_enabled = 2, out-of-tree kernel)"
                        .to_owned(),
                    _ => "MPTCP: enabled (out-of-tree kernel)".to_owned(),
                }
            }
            State::Enabled => "MPTCP: enabled".to_owned(),
            State::Disabled => {
                format!(
                    "MPTCP: disabled ({})",
                    self.reason.as_deref().unwrap_or("by sysctl")
                )
            }
            State::NotAvailable => "MPTCP: not available in this kernel".to_owned(),
        }
    }
}

impl Render for StatusReport {
    fn render(&self, w: &mut dyn Write, style: Style) -> std::io::Result<()> {
        let headline = self.headline();
        let painted = match self.state {
            State::Enabled => style.good(&headline),
            State::Disabled => style.warn(&headline),
            State::NotAvailable => style.bad(&headline),
        };
        writeln!(w, "{}", style.strong(&painted))?;
        if let Some(k) = &self.kernel {
            writeln!(
                w,
                "Kernel: {k}{}",
                if self.out_of_tree {
                    " (out-of-tree MPTCP)"
                } else {
                    ""
                }
            )?;
        }
        match &self.socket.error {
            None => writeln!(w, "MPTCP sockets: can be created")?,
            // That kernel has no IPPROTO_MPTCP: it makes plain TCP sockets multipath.
            Some(_) if self.out_of_tree => {
                writeln!(
                    w,
                    "MPTCP sockets: TCP sockets use MPTCP (no IPPROTO_MPTCP on this kernel)"
                )?;
            }
            Some(e) => writeln!(w, "MPTCP sockets: cannot be created: {e}")?,
        }

        writeln!(w)?;
        if self.sysctls.is_empty() {
            writeln!(w, "Sysctls: none (no /proc/sys/net/mptcp)")?;
        } else {
            let mut t = output::table(&["Sysctl", "Value", "Meaning"]);
            for (name, value) in &self.sysctls {
                t.add_row(vec![
                    format!("net.mptcp.{name}"),
                    value
                        .as_ref()
                        .map_or_else(|| "?".to_owned(), ToString::to_string),
                    sysctl_meaning(name).unwrap_or("").to_owned(),
                ]);
            }
            output::write_table(w, &t)?;
        }

        writeln!(w)?;
        match (&self.limits, &self.endpoints, &self.path_manager_error) {
            (Some(l), Some(e), _) => {
                writeln!(w, "{}", style.strong("Limits"))?;
                write_limits_table(w, l)?;
                writeln!(w)?;
                writeln!(w, "{}", style.strong("Endpoints"))?;
                write_endpoints_table(w, e)?;
            }
            (_, _, Some(err)) => writeln!(w, "Path manager: {err}")?,
            _ => {}
        }

        if let Some(conns) = &self.legacy_connections {
            writeln!(w)?;
            writeln!(w, "{}", style.strong("Connections (/proc/net/mptcp)"))?;
            let mut t = output::table(&[
                "State",
                "Local Address:Port",
                "Peer Address:Port",
                "Local Token",
                "Remote Token",
                "Subflows",
            ]);
            for c in conns {
                t.add_row(vec![
                    c.state.ss_name(),
                    crate::cmd::conns::addr_port(c.local_addr, c.local_port, None),
                    crate::cmd::conns::addr_port(c.remote_addr, c.remote_port, None),
                    c.local_token.to_string(),
                    c.remote_token.to_string(),
                    c.subflows.to_string(),
                ]);
            }
            output::write_table(w, &t)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::{ENOPROTOOPT, EPROTONOSUPPORT};

    fn render(r: &StatusReport) -> String {
        let mut buf = Vec::new();
        r.render(&mut buf, Style::default()).unwrap();
        String::from_utf8(buf).unwrap()
    }

    fn pm() -> (Limits, Vec<EndpointRecord>) {
        (
            Limits {
                subflows: Some(2),
                add_addr_accepted: Some(2),
            },
            Vec::new(),
        )
    }

    #[test]
    fn upstream_enabled() {
        let r = collect(&Proc::testdata("6.18"), Ok(()), Ok(pm())).unwrap();
        assert!(r.enabled);
        assert!(render(&r).starts_with("MPTCP: enabled\n"));
        assert_eq!(r.sysctls["enabled"], Some(SysctlValue::Int(1)));
        assert_eq!(
            r.sysctls["scheduler"],
            Some(SysctlValue::Text("default".into()))
        );
        insta::assert_snapshot!(render(&r));
    }

    #[test]
    fn upstream_disabled_by_sysctl() {
        let r = collect(&Proc::testdata("6.18-disabled"), Err(ENOPROTOOPT), Ok(pm())).unwrap();
        assert!(!r.enabled);
        assert_eq!(r.state, State::Disabled);
        assert!(render(&r).starts_with("MPTCP: disabled (net.mptcp.enabled = 0)\n"));
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["enabled"], false);
        assert_eq!(json["sysctls"]["enabled"], 0);
        assert_eq!(json["limits"]["subflows"], 2);
    }

    #[test]
    fn kernel_without_mptcp() {
        let r = collect(
            &Proc::testdata("no-mptcp"),
            Err(EPROTONOSUPPORT),
            Err("generic netlink family \"mptcp_pm\" not found: is this kernel built with CONFIG_MPTCP?".into()),
        )
        .unwrap();
        assert_eq!(r.state, State::NotAvailable);
        let text = render(&r);
        assert!(
            text.starts_with("MPTCP: not available in this kernel\n"),
            "{text}"
        );
        assert!(text.contains("Path manager: generic netlink family \"mptcp_pm\" not found"));
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["limits"], serde_json::Value::Null);
        assert_eq!(json["endpoints"], serde_json::Value::Null);
    }

    #[cfg(target_endian = "little")]
    #[test]
    fn out_of_tree_kernel() {
        // IPPROTO_MPTCP does not exist there: the socket probe fails, the sysctl answers.
        let r = collect(
            &Proc::testdata("out-of-tree-0.91"),
            Err(EPROTONOSUPPORT),
            Err("no mptcp_pm".into()),
        )
        .unwrap();
        assert!(r.enabled && r.out_of_tree);
        let text = render(&r);
        assert!(
            text.starts_with("MPTCP: enabled (out-of-tree kernel)\n"),
            "{text}"
        );
        assert!(text.contains("net.mptcp.mptcp_path_manager"));
        assert_eq!(r.legacy_connections.as_ref().map(Vec::len), Some(2));
        insta::assert_snapshot!(text);
    }
}
