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
        mptcpstat status                     is MPTCP on here, and how is it set up?\n  \
        mptcpstat check                      why is it not used, or only on one path?\n  \
        mptcpstat conns                      open connections, both tokens, their subflows\n  \
        mptcpstat analyze capture.pcap       what happened on the wire, and why slow\n  \
        tcpdump -i any -w - tcp | mptcpstat decode -\n\n\
        Exit status: 0 done (capture anomalies and \"MPTCP is off\" are answers); 1 could not \
        do it, or check found a problem; 2 usage error. See mptcpstat COMMAND --help."
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

/// `--netns`, shared by every command that reads the live kernel.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct NetnsArg {
    /// Network namespace to query: a name from `ip netns list`, a path such as
    /// /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`).
    #[arg(short = 'N', long, value_name = "NAME", global = true)]
    pub netns: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Is MPTCP enabled here, and how is it set up: sysctls, limits, endpoints.
    #[command(after_help = "Examples:\n  \
        mptcpstat status\n  \
        mptcpstat status --netns blue\n  \
        mptcpstat status --json | jq .enabled\n\n\
        Exit status 0 whether MPTCP is on, off or missing: the answer is the output.")]
    Status(cmd::status::StatusArgs),
    /// Path manager endpoints (like `ip mptcp endpoint`); add, delete, change them.
    #[command(after_help = "Examples:\n  \
        mptcpstat endpoints\n  \
        mptcpstat endpoints add 10.0.2.1 subflow --dev eth1\n  \
        mptcpstat endpoints add 192.0.2.10 signal --port 8080\n  \
        mptcpstat endpoints set --id 1 backup\n  \
        mptcpstat endpoints delete --id 1")]
    Endpoints(cmd::endpoints::EndpointsArgs),
    /// Path manager limits (like `ip mptcp limits`): subflows and ADD_ADDRs accepted.
    #[command(after_help = "Examples:\n  \
        mptcpstat limits\n  \
        mptcpstat limits set --subflows 2 --add-addr-accepted 2")]
    Limits(cmd::limits::LimitsArgs),
    /// Why is MPTCP not used, or only one subflow? Every check, one line each, with the fix.
    #[command(after_help = cmd::check::EXAMPLES)]
    Check(cmd::check::CheckArgs),
    /// MPTCP MIB counters (MPTcpExt, as `nstat` shows them), each with its meaning.
    #[command(after_help = "Examples:\n  \
        mptcpstat counters\n  \
        mptcpstat counters --all\n  \
        mptcpstat counters --interval 1 --count 10\n\n\
        Counters that signal trouble (fallbacks, checksum and HMAC errors, refused joins,\n\
        dropped ADD_ADDR) are marked in the Level column and coloured on a terminal.")]
    Counters(cmd::counters::CountersArgs),
    /// Open MPTCP connections with local and remote tokens and their subflows (`ss -M` + `ss -ti`).
    #[command(after_help = "Examples:\n  \
        mptcpstat conns\n  \
        mptcpstat conns -a --json\n  \
        mptcpstat conns --dport 443 --watch 1\n  \
        mptcpstat conns --netns blue -4 --addr 10.0.1.2\n\n\
        The remote token is known when this host opened an MP_JOIN subflow (the kernel keeps\n\
        it for the join) or when the peer socket is in the same namespace; otherwise it is\n\
        empty (null in JSON).")]
    Conns(cmd::conns::ConnsArgs),
    /// Path manager events as they happen (like `ip mptcp monitor`), one line each.
    #[command(after_help = cmd::monitor::EXAMPLES)]
    Monitor(cmd::monitor::MonitorArgs),
    /// Status, counters and a connection summary as Prometheus metrics (textfile collector).
    #[command(after_help = cmd::export::EXAMPLES)]
    Export(cmd::export::ExportArgs),
    /// Decode every MPTCP option in a capture, one line per packet.
    #[command(after_help = cmd::decode::EXAMPLES)]
    Decode(cmd::decode::Args),
    /// Rebuild the MPTCP connections of a capture: subflows, events, checks, anomalies.
    #[command(after_help = cmd::analyze::EXAMPLES)]
    Analyze(cmd::analyze::Args),
    /// Print a shell completion script.
    #[command(after_help = "Examples:\n  \
        mptcpstat completions bash > /usr/share/bash-completion/completions/mptcpstat\n  \
        mptcpstat completions zsh > \"${fpath[1]}/_mptcpstat\"\n  \
        mptcpstat completions fish > ~/.config/fish/completions/mptcpstat.fish")]
    Completions(cmd::completions::CompletionsArgs),
    /// Print a man page (roff): mptcpstat(1), or a command's.
    #[command(after_help = "Examples:\n  \
        mptcpstat man | man -l -\n  \
        mptcpstat man analyze > mptcpstat-analyze.1")]
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
