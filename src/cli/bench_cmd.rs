//! `majorize bench`: every optimizer on a suite of problems, side by side.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use majorize::Error;
use majorize::bench::{self, Progress};

use super::source;

/// Arguments of `majorize bench`.
#[derive(Args, Debug)]
pub struct BenchArgs {
    /// The suite: quick (a smoke test, under a minute), full (every problem), classic (the test
    /// functions), sp500 (the weekly S&P 500 study), networks, or one problem's name; sp500-daily
    /// (the optimizer showdown on a state-space model of the daily S&P 500: writes DIR/sp500.md);
    /// or speed (the cost of each pass and optimizer step on one loss).
    #[arg(default_value = "full")]
    pub suite: String,
    /// With `speed`: the loss to time (default: bench/mlp_digits.loss).
    #[arg(value_name = "FILE.loss")]
    pub file: Option<String>,
    /// With `speed`: print one JSON object.
    #[arg(long)]
    pub json: bool,
    /// With `speed`: about this many seconds per figure.
    #[arg(long, default_value_t = 0.5, value_name = "S", allow_hyphen_values = true)]
    pub seconds: f64,
    #[command(flatten)]
    pub memory: source::MemoryFlag,
    /// Steps per run, for every problem (default: each problem's own).
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub steps: Option<usize>,
    /// With `sp500-daily`: seeds of initialization (default 5).
    #[arg(long, value_name = "N")]
    pub seeds: Option<u64>,
    /// With `sp500-daily`: days per window (default: chosen on validation among 8, 16, 32).
    #[arg(long, value_name = "L")]
    pub len: Option<usize>,
    /// Run only these contenders (comma-separated labels, as the report names them), e.g.
    /// learned,adam_meta,saferate_learned,adam.
    #[arg(long, value_name = "LABELS", value_delimiter = ',')]
    pub only: Vec<String>,
    /// Where to write results.md, runs.csv, traces.csv and plots/.
    #[arg(long, default_value = "bench-results", value_name = "DIR")]
    pub out: String,
    /// The directory holding bench/ and data/ (default: the current one, else the source tree).
    #[arg(long, value_name = "DIR")]
    pub root: Option<String>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// The directory with `bench/` and `data/`.
fn root(arg: Option<&str>) -> Result<PathBuf, Error> {
    if let Some(r) = arg {
        return Ok(PathBuf::from(r));
    }
    let candidates = [PathBuf::from("."), PathBuf::from(env!("CARGO_MANIFEST_DIR"))];
    candidates.into_iter().find(|c| c.join("bench").is_dir() && c.join("data").is_dir()).ok_or_else(|| {
        Error::Usage("no bench/ and data/ here: run from the majorize source tree, or pass --root DIR".into())
    })
}

/// Runs `majorize bench`.
pub fn run(args: &BenchArgs) -> Result<(), Error> {
    if args.steps == Some(0) {
        return Err(Error::Usage("--steps must be at least 1".into()));
    }
    if args.suite == "speed" {
        let file = match &args.file {
            Some(f) => f.clone(),
            None => root(args.root.as_deref())?.join("bench/mlp_digits.loss").display().to_string(),
        };
        return super::speed_cmd::run(&file, args.json, args.seconds, args.memory.budget()?);
    }
    if args.file.is_some() || args.json {
        return Err(Error::Usage("a loss file and --json go with `majorize bench speed` only".into()));
    }
    let daily = args.suite == "sp500-daily";
    if !daily && (args.seeds.is_some() || args.len.is_some()) {
        return Err(Error::Usage("--seeds and --len go with `majorize bench sp500-daily` only".into()));
    }
    if args.seeds == Some(0) || args.len == Some(0) {
        return Err(Error::Usage("--seeds and --len must be at least 1".into()));
    }
    let root = root(args.root.as_deref())?;
    let show = !args.quiet && std::io::stderr().is_terminal();
    let mut bar: Option<ProgressBar> = None;
    let progress = |p: Progress<'_>| {
        if !show {
            return;
        }
        let b = bar.get_or_insert_with(|| {
            let b = ProgressBar::new(p.total as u64);
            b.set_style(
                ProgressStyle::with_template("{bar:40} {pos}/{len} runs  {elapsed} (eta {eta})  {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            b
        });
        b.set_length(p.total as u64);
        b.set_position(p.done as u64);
        b.set_message(p.message.to_string());
    };
    let mut command = format!("majorize bench {}", args.suite);
    if let Some(s) = args.steps {
        command.push_str(&format!(" --steps {s}"));
    }
    if daily {
        if let Some(s) = args.seeds {
            command.push_str(&format!(" --seeds {s}"));
        }
        if let Some(l) = args.len {
            command.push_str(&format!(" --len {l}"));
        }
    }
    if !args.only.is_empty() {
        command.push_str(&format!(" --only {}", args.only.join(",")));
    }
    command.push_str(&format!(" --out {}", args.out));
    let out = Path::new(&args.out);
    if daily {
        let defaults = bench::sp500_daily::StudyOptions::default();
        let options = bench::sp500_daily::StudyOptions {
            len: args.len,
            steps: args.steps.unwrap_or(defaults.steps),
            seeds: args.seeds.unwrap_or(defaults.seeds),
            only: args.only.clone(),
            ..defaults
        };
        let study = bench::sp500_daily::run(&root, &options, progress)?;
        if let Some(b) = bar {
            b.finish_and_clear();
        }
        bench::sp500_daily::report::write(out, &study, &command)?;
        let runs: usize = study.results.iter().map(|r| r.seeds.len()).sum();
        outln!("L = {}, {} contenders, {runs} runs at the chosen settings", study.size.len, study.results.len());
        outln!("wrote {0}/sp500.md, {0}/sp500/runs.csv and {0}/sp500/*.png", out.display());
        return Ok(());
    }
    let results = bench::run_suite(&root, &args.suite, args.steps, &args.only, progress)?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    bench::write_all(out, &results, &command)?;
    let runs: usize = results.iter().map(|r| r.runs.len()).sum();
    let seconds: f64 = results.iter().flat_map(|r| &r.runs).map(|r| r.seconds).sum();
    outln!("{} problems, {runs} runs, {seconds:.1} s of optimization", results.len());
    for r in &results {
        let best = r.best.iter().min_by(|a, b| a.run.loss.total_cmp(&b.run.loss));
        if let Some(b) = best {
            outln!("  {:<24} lowest training loss {:.6e} ({})", r.spec.name, b.run.loss, b.run.contender);
        }
    }
    outln!("wrote {0}/results.md, {0}/runs.csv, {0}/traces.csv and {0}/plots/", out.display());
    Ok(())
}
