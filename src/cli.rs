//! The command line: [`Cli`], the flag groups several commands share, and the [`Command`] enum.
//!
//! Each command's own options live in its `Args`, beside the code that reads them (`cmd/<name>.rs`);
//! only `--json` and `--color` are global.

use clap::{Parser, Subcommand, ValueEnum};

use crate::cmd;

/// Multipath TCP on Linux: is it on, which connections are open, what happened on the wire.
#[derive(Debug, Parser)]
#[command(name = "mptcpstat", version, propagate_version = true)]
#[command(
    about = "Multipath TCP on Linux: is it on, which connections are open, what happened on the wire",
    long_about = "Multipath TCP on Linux: is it on, which connections are open, what happened on the wire.\n\n\
        mptcpstat reads the live kernel (sysctls, path manager, sock_diag, MIB counters) and \
        tcpdump captures (pcap, pcapng) with one MPTCP options decoder (RFC 8684, and RFC 6824 for v0).",
    after_help = "Examples:\n  \
        mptcpstat decode capture.pcap\n  \
        tcpdump -i any -w - tcp | mptcpstat decode -"
)]
pub struct Cli {
    /// Print JSON instead of a table (JSON Lines for commands that stream).
    #[arg(long, global = true)]
    pub json: bool,

    /// When to use colour in tables and lines.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,

    #[command(subcommand)]
    pub command: Command,
}

/// `--color`: `auto` colours only a terminal, and never when `NO_COLOR` is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Decode every MPTCP option in a capture, one line per packet.
    #[command(after_help = cmd::decode::EXAMPLES)]
    Decode(cmd::decode::Args),
    /// Rebuild the MPTCP connections of a capture: subflows, events, checks, anomalies.
    #[command(after_help = cmd::analyze::EXAMPLES)]
    Analyze(cmd::analyze::Args),
    /// Print a shell completion script.
    Completions(cmd::completions::CompletionsArgs),
    /// Print a man page (roff): mptcpstat(1), or a command's.
    Man(cmd::completions::ManArgs),
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
