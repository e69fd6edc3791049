//! `majorize check`: property-test a loss (bounds hold, gradients agree,
//! MM is monotone, where runs converge) and report, with the rerun
//! command of any shrunk counterexample.

use std::io::IsTerminal;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use majorize::testing::check::{
    self, Case, CheckOptions, MAX_SECONDS, MAX_STEPS, Method, Property, Report, SAMPLES, STEPS,
};
use majorize::{Error, Model, Pass, optim};
use serde_json::{Value, json};

use super::{Failure, output, source};

/// Exit status: a property failed (the report names the case and how to rerun it).
pub const CHECK_FAILED: u8 = 1;

/// Arguments of `majorize check`.
#[derive(Args, Debug)]
pub struct CheckArgs {
    /// A `.loss` file, or an inline expression such as '(1-x)^2 + 100*(y-x^2)^2'.
    #[arg(allow_hyphen_values = true)]
    pub loss: String,
    /// Initial parameter values, the centre of every sampled point: NAME=V,...
    #[arg(long, value_name = "NAME=V,...")]
    pub init: Option<String>,
    /// Cases of the bounds and gradients properties; an eighth of it (at least 2) per MM method
    /// for monotonicity, a sixteenth (at least 3) starts for convergence.
    #[arg(long, default_value_t = i64::from(SAMPLES), value_name = "N", allow_hyphen_values = true)]
    pub samples: i64,
    /// The seed the cases are drawn from.
    #[arg(long, default_value_t = majorize::testing::SEED, value_name = "S")]
    pub seed: u64,
    /// Only these properties: bounds, gradients, monotone, convergence (comma-separated).
    #[arg(long, value_name = "P,...")]
    pub only: Option<String>,
    /// Steps per monotonicity case.
    #[arg(long, default_value_t = STEPS as i64, value_name = "N", allow_hyphen_values = true)]
    pub steps: i64,
    /// The most steps of a convergence run.
    #[arg(long, default_value_t = MAX_STEPS as i64, value_name = "N", allow_hyphen_values = true)]
    pub max_steps: i64,
    /// The time budget in seconds, shared among the properties: past it no further case starts
    /// (the report says how many ran).
    #[arg(long, default_value_t = MAX_SECONDS, value_name = "S", allow_hyphen_values = true)]
    pub max_seconds: f64,
    /// Check this optimizer's monotonicity and convergence instead of the MM methods' (a baseline
    /// is expected to fail monotonicity: that is a finding, with its counterexample).
    #[arg(long, value_name = "NAME")]
    pub optimizer: Option<String>,
    /// Learning rate of --optimizer.
    #[arg(long, value_name = "X", allow_hyphen_values = true)]
    pub lr: Option<f64>,
    /// Hyperparameters of --optimizer: key=value,...
    #[arg(long, value_name = "K=V,...")]
    pub opt: Option<String>,
    /// Rerun one case, as a failure's report prints it (e.g. 'bounds:start=3,spread=0.5,dir=7,radius=0.125,descent=0').
    #[arg(long, value_name = "CASE")]
    pub replay: Option<String>,
    /// Print one JSON object with every property's outcome.
    #[arg(long)]
    pub json: bool,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
    #[command(flatten)]
    pub simplify: source::SimplifyFlag,
    #[command(flatten)]
    pub memory: source::MemoryFlag,
}

/// Runs `majorize check`.
pub fn run(args: &CheckArgs) -> Result<(), Failure> {
    let opts = options(args)?;
    let budget = args.memory.budget()?;
    let mut model = source::load_model(&args.loss, budget)?;
    source::apply_init(&mut model, args.init.as_deref())?;
    if model.graph.params().is_empty() {
        return Err(Error::Usage("nothing to check: the loss has no parameters".into()).into());
    }
    source::check_footprint(&model, Pass::Bound { coefficients: 6 }, budget)?;
    let model = args.simplify.apply(model);
    let mut opts = opts;
    opts.memory = budget;
    if let Some(name) = &args.optimizer {
        opts.methods = Some(vec![method(name, args, &model)?]);
    }
    if let Some(text) = &args.replay {
        let case = Case::parse(text).map_err(|m| Error::Usage(format!("--replay: {m}")))?;
        let outcome = check::replay(&model, &case, &opts).map_err(|m| Error::Usage(format!("--replay: {m}")))?;
        let report = Report { seconds: outcome.seconds, outcomes: vec![outcome], convergence: None };
        return finish(args, &model, &opts, &report);
    }
    let show = !args.quiet && !args.json && std::io::stderr().is_terminal();
    let bar = show.then(|| {
        let b = ProgressBar::new(0);
        b.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} cases  {msg}  {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    });
    let report = check::check_loss(&model, &opts, |p| {
        if let Some(b) = &bar {
            b.set_length(p.planned);
            b.set_position(p.done);
            b.set_message(p.label.clone());
        }
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    finish(args, &model, &opts, &report)
}

fn options(args: &CheckArgs) -> Result<CheckOptions, Error> {
    let count = |name: &str, v: i64, min: i64| -> Result<u32, Error> {
        u32::try_from(v)
            .ok()
            .filter(|&n| i64::from(n) >= min)
            .ok_or_else(|| Error::Usage(format!("--{name} must be an integer from {min} to {}, got {v}", u32::MAX)))
    };
    if !(args.max_seconds > 0.0 && args.max_seconds.is_finite()) {
        return Err(Error::Usage(format!("--max-seconds must be > 0 and finite, got {}", args.max_seconds)));
    }
    let only = match &args.only {
        None => Vec::new(),
        Some(list) => list
            .split(',')
            .map(|p| {
                Property::from_name(p.trim()).ok_or_else(|| {
                    Error::Usage(format!(
                        "--only: unknown property `{p}` (expected bounds, gradients, monotone, convergence)"
                    ))
                })
            })
            .collect::<Result<_, _>>()?,
    };
    Ok(CheckOptions {
        samples: count("samples", args.samples, 1)?,
        seed: args.seed,
        steps: count("steps", args.steps, 1)? as usize,
        max_steps: count("max-steps", args.max_steps, 1)? as usize,
        max_seconds: args.max_seconds,
        only,
        methods: None,
        memory: u64::MAX, // set from --max-memory once the loss is read
    })
}

/// `--optimizer NAME` with `--lr` and `--opt`, built once to check them.
fn method(name: &str, args: &CheckArgs, model: &Model) -> Result<Method, Error> {
    let entry = optim::find(optim::all(), name)?;
    if entry.name == "fullmm" && model.num_scalars() > optim::FullMm::MAX_SCALARS {
        return Err(Error::Usage(format!(
            "fullmm handles at most {} scalar parameters, and this loss has {}",
            optim::FullMm::MAX_SCALARS,
            model.num_scalars()
        )));
    }
    Ok(Method::registered_with(entry.name, args.lr, args.opt.as_deref())?)
}

/// Prints the report; exit status 1 if a property failed.
fn finish(args: &CheckArgs, model: &Model, opts: &CheckOptions, report: &Report) -> Result<(), Failure> {
    if args.json {
        outln!("{}", to_json(args, model, opts, report));
    } else {
        text(args, model, opts, report);
    }
    if report.passed() {
        Ok(())
    } else {
        let failed: Vec<&str> = report.outcomes.iter().filter(|o| !o.held()).map(|o| o.label.as_str()).collect();
        Err(Failure { message: format!("check failed: {}", failed.join(", ")), status: CHECK_FAILED })
    }
}

/// The command that reruns `case`: this one's loss and options, with `--replay`.
fn rerun(args: &CheckArgs, opts: &CheckOptions, case: &Case) -> String {
    let mut parts = vec!["majorize".to_string(), "check".into(), quote(&args.loss)];
    let mut flag = |name: &str, value: String| {
        parts.push(format!("--{name}"));
        parts.push(quote(&value));
    };
    if let Some(v) = &args.init {
        flag("init", v.clone());
    }
    if let Some(v) = &args.optimizer {
        flag("optimizer", v.clone());
    }
    if let Some(v) = args.lr {
        flag("lr", v.to_string());
    }
    if let Some(v) = &args.opt {
        flag("opt", v.clone());
    }
    if case.property == Property::Monotone && opts.steps != STEPS {
        flag("steps", opts.steps.to_string());
    }
    if case.property == Property::Convergence && opts.max_steps != MAX_STEPS {
        flag("max-steps", opts.max_steps.to_string());
    }
    flag("replay", case.to_string());
    if let Some(m) = &args.memory.max_memory {
        parts.push("--max-memory".into());
        parts.push(quote(m));
    }
    if args.simplify.no_simplify {
        parts.push("--no-simplify".into());
    }
    parts.join(" ")
}

/// `s` as one shell word.
fn quote(s: &str) -> String {
    let plain = !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=,:+".contains(c));
    if plain { s.to_string() } else { format!("'{}'", s.replace('\'', r"'\''")) }
}

fn text(args: &CheckArgs, model: &Model, opts: &CheckOptions, report: &Report) {
    match &args.replay {
        Some(case) => {
            outln!("majorize check {}: {} scalar parameters, replaying {case}", args.loss, model.num_scalars())
        }
        None => outln!(
            "majorize check {}: {} scalar parameters, seed {}, {} samples",
            args.loss,
            model.num_scalars(),
            opts.seed,
            opts.samples
        ),
    }
    outln!(
        "{:<28} {:>9} {:>9} {:>9} {:>7} {:>8}  result",
        "property",
        "cases",
        "checks",
        "undecided",
        "steps",
        "seconds"
    );
    for o in &report.outcomes {
        let steps = if o.steps > 0 { o.steps.to_string() } else { "-".into() };
        let result = match (o.held(), o.cases, o.checks) {
            (false, _, _) => "FAILED",
            (true, 0, _) => "not run (time budget)",
            (true, _, 0) => "held, but nothing decided",
            (true, _, _) => "held",
        };
        let cases = format!("{}/{}", o.cases, o.planned);
        outln!(
            "{:<32} {:>7} {:>9} {:>9} {:>7} {:>8.2}  {result}",
            o.label,
            cases,
            o.checks,
            o.undecided,
            steps,
            o.seconds
        );
    }
    if let Some(c) = &report.convergence
        && let Some((lo, mid, hi)) = c.spread()
    {
        let mut stops: Vec<(String, usize)> = Vec::new();
        for r in &c.runs {
            match stops.iter_mut().find(|(s, _)| *s == r.stop) {
                Some(e) => e.1 += 1,
                None => stops.push((r.stop.clone(), 1)),
            }
        }
        let stops: Vec<String> = stops.iter().map(|(s, n)| format!("{s} {n}")).collect();
        let gmax = c.runs.iter().map(|r| r.grad_norm).fold(0.0, f64::max);
        outln!(
            "convergence of {} from {} starts: final loss min {lo:.6e}, median {mid:.6e}, max {hi:.6e}",
            c.method,
            c.runs.len()
        );
        outln!(
            "  largest final gradient norm {gmax:.3e}; {} distinct end point{}; stops: {}",
            c.distinct,
            if c.distinct == 1 { "" } else { "s" },
            stops.join(", ")
        );
    }
    let vacuous: Vec<&str> =
        report.outcomes.iter().filter(|o| o.cases > 0 && o.checks == 0 && o.held()).map(|o| o.label.as_str()).collect();
    if !vacuous.is_empty() {
        outln!(
            "warning: nothing was decided for {} (every enclosure infinite, or the loss not finite at every point drawn)",
            vacuous.join(", ")
        );
    }
    let short: Vec<&str> =
        report.outcomes.iter().filter(|o| o.cases < o.planned && o.held()).map(|o| o.label.as_str()).collect();
    if !short.is_empty() {
        outln!("the time budget (--max-seconds {}) ended before every case of: {}", opts.max_seconds, short.join(", "));
    }
    for o in report.outcomes.iter().filter(|o| !o.held()) {
        let f = o.failure.as_ref().expect("a failed property has its failure");
        outln!();
        outln!("FAILED {}", o.label);
        outln!("  {}", f.reason);
        outln!("  minimal case: {}", f.case);
        outln!("  rerun: {}", rerun(args, opts, &f.case));
    }
    outln!();
    if report.passed() {
        outln!("every property held ({:.1} s)", report.seconds);
    } else {
        outln!(
            "{} of {} properties failed ({:.1} s)",
            report.outcomes.iter().filter(|o| !o.held()).count(),
            report.outcomes.len(),
            report.seconds
        );
    }
}

fn to_json(args: &CheckArgs, model: &Model, opts: &CheckOptions, report: &Report) -> Value {
    let properties: Vec<Value> = report
        .outcomes
        .iter()
        .map(|o| {
            let failure = o
                .failure
                .as_ref()
                .map(|f| json!({"case": f.case.to_string(), "reason": f.reason, "rerun": rerun(args, opts, &f.case)}));
            json!({
                "property": o.property.name(), "label": o.label, "held": o.held(), "cases": o.cases,
                "planned": o.planned, "checks": o.checks, "undecided": o.undecided, "steps": o.steps,
                "seconds": o.seconds, "failure": failure,
            })
        })
        .collect();
    let convergence = report.convergence.as_ref().map(|c| {
        let runs: Vec<Value> = c
            .runs
            .iter()
            .map(|r| {
                json!({"case": r.case.to_string(), "loss": output::number(r.loss), "grad_norm": output::number(r.grad_norm),
                       "steps": r.steps, "stop": r.stop, "seconds": r.seconds})
            })
            .collect();
        let spread = c.spread().map(|(a, b, d)| json!({"min": output::number(a), "median": output::number(b), "max": output::number(d)}));
        json!({"method": c.method, "distinct": c.distinct, "losses": spread, "runs": runs})
    });
    json!({
        "loss": args.loss, "scalars": model.num_scalars(), "seed": opts.seed, "samples": opts.samples,
        "passed": report.passed(), "seconds": report.seconds, "properties": properties, "convergence": convergence,
    })
}
