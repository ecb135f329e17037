//! `limits`: the in-kernel path manager's per-connection limits (`ip mptcp limits`), and
//! `limits set`.

use anyhow::{Context, bail};
use serde::Serialize;

use crate::cli::NetnsArg;
use crate::cmd::{Status, in_netns};
use crate::kernel::pm::{Limits, Pm};
use crate::output::{self, Output, Render, Style};

#[derive(Debug, clap::Args)]
pub struct LimitsArgs {
    #[command(subcommand)]
    pub action: Option<LimitsAction>,
    #[command(flatten)]
    pub netns: NetnsArg,
}

#[derive(Debug, clap::Subcommand)]
pub enum LimitsAction {
    /// Change the limits (needs CAP_NET_ADMIN); a limit not given stays as it is.
    Set(SetArgs),
}

#[derive(Debug, clap::Args)]
pub struct SetArgs {
    /// Additional subflows per connection (the kernel allows 0-8).
    #[arg(long)]
    pub subflows: Option<u32>,
    /// ADD_ADDR announcements accepted per connection (the kernel allows 0-8).
    #[arg(long)]
    pub add_addr_accepted: Option<u32>,
}

/// `limits --json`: `{"subflows": n, "add_addr_accepted": n}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LimitsReport {
    #[serde(flatten)]
    pub limits: Limits,
}

impl Render for LimitsReport {
    fn render(&self, w: &mut dyn std::io::Write, _style: Style) -> std::io::Result<()> {
        write_limits_table(w, &self.limits)
    }
}

/// The limits table, also used by `status`.
pub fn write_limits_table(w: &mut dyn std::io::Write, l: &Limits) -> std::io::Result<()> {
    let mut t = output::table(&["Limit", "Value", "Meaning"]);
    let show = |v: Option<u32>| v.map(|v| v.to_string()).unwrap_or_default();
    t.add_row(vec![
        "subflows".to_owned(),
        show(l.subflows),
        "additional subflows each connection may have".to_owned(),
    ]);
    t.add_row(vec![
        "add_addr_accepted".to_owned(),
        show(l.add_addr_accepted),
        "ADD_ADDRs from the peer each connection acts on".to_owned(),
    ]);
    output::write_table(w, &t)
}

pub fn run(args: &LimitsArgs, out: &mut Output<'_>) -> anyhow::Result<Status> {
    let change = match &args.action {
        Some(LimitsAction::Set(s)) => {
            if s.subflows.is_none() && s.add_addr_accepted.is_none() {
                bail!("nothing to set: give --subflows and/or --add-addr-accepted");
            }
            Some(Limits {
                subflows: s.subflows,
                add_addr_accepted: s.add_addr_accepted,
            })
        }
        None => None,
    };
    let limits = in_netns(&args.netns, || {
        let mut pm = Pm::open()?;
        if let Some(change) = change {
            pm.set_limits(change).context("setting MPTCP limits")?;
        }
        pm.limits().context("reading MPTCP limits")
    })?;
    out.report(&LimitsReport { limits })?;
    Ok(Status::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_ip_shape() {
        let r = LimitsReport {
            limits: Limits {
                subflows: Some(2),
                add_addr_accepted: Some(1),
            },
        };
        assert_eq!(
            serde_json::to_value(r).unwrap(),
            serde_json::json!({"subflows": 2, "add_addr_accepted": 1})
        );
    }
}
