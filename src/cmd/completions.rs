//! `completions SHELL` and `man`: text generated from the one [`Cli`] definition, so it cannot drift.
//!
//! The committed copies under `completions/` and `man/` are checked against these by `tests/cli.rs`.

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;
use crate::cmd::Status;
use crate::output::Output;

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to generate for.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// The completion script for `shell`.
#[must_use]
pub fn completion_script(shell: Shell) -> Vec<u8> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "mptcpstat", &mut buf);
    buf
}

/// The man page, in roff.
pub fn man_page() -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut buf)?;
    Ok(buf)
}

pub fn run_completions(args: &CompletionsArgs, out: &mut Output<'_>) -> anyhow::Result<Status> {
    out.raw(&completion_script(args.shell))?;
    Ok(Status::Ok)
}

pub fn run_man(out: &mut Output<'_>) -> anyhow::Result<Status> {
    out.raw(&man_page()?)?;
    Ok(Status::Ok)
}
