//! Shared test helpers: running the binary and loading the examples (the
//! strategies, configuration and finite differences are
//! `majorize::testing`'s).
#![allow(dead_code)]

use majorize::Model;

/// Loads an example `.loss` file from `examples/`.
pub fn example(name: &str) -> Model {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let text = std::fs::read_to_string(dir.join(name)).unwrap();
    majorize::lang::parse_program(name, &text, &dir).unwrap_or_else(|e| panic!("{}", e.render()))
}

/// Runs the `majorize` binary.
pub fn majorize(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_majorize")).args(args).output().expect("the binary runs")
}

/// Runs the `majorize` binary in `dir`.
pub fn majorize_in(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_majorize"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

/// What a run printed on standard output.
pub fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// What a run printed on standard error.
pub fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A scratch directory for this test binary, with the given files.
pub fn scratch(files: &[(&str, &str)]) -> std::path::PathBuf {
    let name = std::env::current_exe().ok().and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()));
    let dir = std::env::temp_dir().join(format!("majorize-{}-{}", name.unwrap_or_default(), std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    dir
}
