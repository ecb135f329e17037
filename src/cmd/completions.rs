//! `completions SHELL` and `man [COMMAND]`: text generated from the one [`Cli`] definition,
//! so it cannot drift from the code.
//!
//! The committed copies under `completions/` and `man/` are checked against these by
//! `tests/cli.rs`; `UPDATE_GENERATED=1 cargo test --test cli` rewrites them.

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

#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// A command whose page to print (mptcpstat-COMMAND(1)); without it, mptcpstat(1).
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

/// The completion script for `shell`.
#[must_use]
pub fn completion_script(shell: Shell) -> Vec<u8> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "mptcpstat", &mut buf);
    buf
}

/// Every man page as (file name, roff): mptcpstat.1, then mptcpstat-COMMAND.1 for each command.
pub fn man_pages() -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let cli = Cli::command();
    let mut pages = vec![("mptcpstat.1".to_owned(), render(cli.clone())?)];
    for sub in cli.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("mptcpstat-{}", sub.get_name());
        let page = sub
            .clone()
            .display_name(name.clone())
            .bin_name(format!("mptcpstat {}", sub.get_name()));
        pages.push((format!("{name}.1"), render(page)?));
    }
    Ok(pages)
}

fn render(cmd: clap::Command) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd)
        .source(format!("mptcpstat {}", env!("CARGO_PKG_VERSION")))
        .render(&mut buf)?;
    // clap_mangen heads the text after the options "EXTRA"; ours is always the examples
    // (and, for mptcpstat(1), the exit status).
    let page = String::from_utf8_lossy(&buf).replace(".SH EXTRA\n", ".SH EXAMPLES\n");
    Ok(page.into_bytes())
}

pub fn run_completions(args: &CompletionsArgs, out: &mut Output<'_>) -> anyhow::Result<Status> {
    out.raw(&completion_script(args.shell))?;
    Ok(Status::Ok)
}

pub fn run_man(args: &ManArgs, out: &mut Output<'_>) -> anyhow::Result<Status> {
    let wanted = match &args.command {
        Some(c) => format!("mptcpstat-{c}.1"),
        None => "mptcpstat.1".to_owned(),
    };
    let pages = man_pages()?;
    let Some((_, page)) = pages.iter().find(|(name, _)| *name == wanted) else {
        let names: Vec<_> = pages
            .iter()
            .skip(1)
            .map(|(n, _)| n.trim_start_matches("mptcpstat-").trim_end_matches(".1"))
            .collect();
        anyhow::bail!(
            "no command {:?}; pages exist for: {}",
            args.command.as_deref().unwrap_or(""),
            names.join(", ")
        );
    };
    out.raw(page)?;
    Ok(Status::Ok)
}
