//! Golden cases: `tests/cmd/<name>.toml` with `<name>.stdout`, and README.md's console blocks.
//! `TRYCMD=overwrite cargo test --test cli` rewrites the expected output, to be reviewed.

#[test]
fn golden_cases() {
    trycmd::TestCases::new()
        .register_bin(
            "mptcpstat",
            std::path::Path::new(env!("CARGO_BIN_EXE_mptcpstat")),
        )
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .case("tests/cmd/*.toml")
        .case("README.md");
}
