//! One module per subcommand; [`run`] dispatches to it and maps the outcome to an exit code.
//!
//! A command module reads its `Args`, collects what it needs from the sources (`kernel`,
//! `capture`), composes a report and hands it to [`Output`]. It never prints by itself.

pub mod analyze;
pub mod check;
pub mod completions;
pub mod conns;
pub mod counters;
pub mod decode;
pub mod endpoints;
pub mod export;
pub mod limits;
pub mod monitor;
pub mod status;

use std::io::{self, Write};
use std::process::ExitCode;

use crate::cli::{Cli, Command, NetnsArg};
use crate::kernel::netns::{NetnsTarget, run_in};
use crate::output::{Format, Output, Style};

/// The exit codes, documented in the README and the man page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// 0: done. Anomalies in a capture and "MPTCP is off" from `status` are answers, not failures.
    Ok,
    /// 1: a check found a problem that keeps MPTCP from working (errors also exit 1, from `main`).
    Problem,
}

impl From<Status> for ExitCode {
    fn from(s: Status) -> Self {
        match s {
            Status::Ok => ExitCode::SUCCESS,
            Status::Problem => ExitCode::FAILURE,
        }
    }
}

/// Runs one command line against `out` (stdout in the binary, a `Vec<u8>` in tests).
pub fn run(cli: Cli, out: &mut dyn Write) -> anyhow::Result<Status> {
    let format = if cli.json { Format::Json } else { Format::Text };
    let mut output = Output::new(out, format, Style::from_choice(cli.color));
    let status = match cli.command {
        Command::Decode(args) => decode::run(&args, &mut output)?,
        Command::Analyze(args) => analyze::run(&args, &mut output)?,
        Command::Completions(args) => completions::run_completions(&args, &mut output)?,
        Command::Man(args) => completions::run_man(&args, &mut output)?,
        Command::Status(args) => status::run(&args, &mut output)?,
        Command::Endpoints(args) => endpoints::run(&args, &mut output)?,
        Command::Limits(args) => limits::run(&args, &mut output)?,
        Command::Counters(args) => counters::run(&args, &mut output)?,
        Command::Conns(args) => conns::run(&args, &mut output)?,
        Command::Check(args) => check::run(&args, &mut output)?,
        Command::Export(args) => export::run(&args, &mut output)?,
        Command::Monitor(args) => monitor::run(&args, &mut output)?,
    };
    output.flush()?;
    Ok(status)
}

/// A closed pipe (`mptcpstat decode big.pcap | head`) ends the run normally.
#[must_use]
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain()
        .filter_map(|c| c.downcast_ref::<io::Error>())
        .any(|io| io.kind() == io::ErrorKind::BrokenPipe)
}

/// Runs `f` inside the namespace `--netns` names, or here when it names none. Sockets and
/// `/proc` files `f` opens belong to that namespace; the thread returns afterwards.
pub(crate) fn in_netns<T>(
    arg: &NetnsArg,
    f: impl FnOnce() -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let target = arg.netns.as_deref().map(NetnsTarget::parse);
    run_in(target.as_ref(), f)?
}
