//! Hermetic tests of the command line, run against files in the repository only.
//!
//! - `golden`: every `tests/cmd/*.toml` case (arguments, expected stdout and exit code) and
//!   the console examples in README.md, through trycmd.
//! - `generated`: the committed completions and man pages are what the code generates.
//! - `captures`: `analyze` and `decode` on the captures of `testdata/pcap/` against the facts
//!   the kernel's own tools recorded when each was made.
//! - `plot`: `analyze --plot` on a real capture: a well-formed SVG, the report unchanged.
//! - `hostile`: broken and hostile input gives findings or a one-line error, never a panic.

#[path = "cli/captures.rs"]
mod captures;
#[path = "cli/generated.rs"]
mod generated;
#[path = "cli/golden.rs"]
mod golden;
#[path = "cli/hostile.rs"]
mod hostile;
#[path = "cli/plot.rs"]
mod plot;
