//! The committed completions and man pages match the command-line definition.

use std::fs;
use std::path::Path;

use clap_complete::Shell;
use mptcpstat::cmd::completions::{completion_script, man_pages};

/// Compares (or, with `UPDATE_GENERATED=1`, rewrites) one generated file.
fn check(path: &Path, generated: &[u8], stale: &mut Vec<String>) {
    if std::env::var_os("UPDATE_GENERATED").is_some() {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, generated).unwrap();
    } else if fs::read(path).ok().as_deref() != Some(generated) {
        stale.push(path.display().to_string());
    }
}

#[test]
fn completions_and_man_pages_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stale = Vec::new();
    for (shell, file) in [
        (Shell::Bash, "mptcpstat.bash"),
        (Shell::Zsh, "_mptcpstat"),
        (Shell::Fish, "mptcpstat.fish"),
        (Shell::PowerShell, "_mptcpstat.ps1"),
        (Shell::Elvish, "mptcpstat.elv"),
    ] {
        check(
            &root.join("completions").join(file),
            &completion_script(shell),
            &mut stale,
        );
    }
    let pages = man_pages().unwrap();
    assert!(pages.len() > 2, "a page for mptcpstat and one per command");
    for (name, page) in &pages {
        check(&root.join("man").join(name), page, &mut stale);
    }
    assert!(
        stale.is_empty(),
        "out of date: {}; run UPDATE_GENERATED=1 cargo test --test cli and commit the result",
        stale.join(", ")
    );
}
