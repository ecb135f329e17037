//! The `mptcpstat` binary: parse the command line, run the command, map the result to an exit code.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;
use mptcpstat::cli::Cli;
use mptcpstat::cmd;

fn main() -> ExitCode {
    let cli = Cli::parse(); // usage errors: clap prints them and exits 2
    let mut stdout = io::BufWriter::new(io::stdout().lock());
    match cmd::run(cli, &mut stdout) {
        Ok(code) => code.into(),
        Err(e) if cmd::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            // Keep what was printed before the error, then say what went wrong.
            let _ = stdout.flush();
            eprintln!("mptcpstat: {e:#}");
            ExitCode::FAILURE
        }
    }
}
