//! `majorize minimize`: run an optimizer on a loss.

use std::io::IsTerminal;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use majorize::optim::{self, RunOptions, RunResult, SafeRate, StopReason, TracePoint};
use majorize::{Error, Model, Optimizer, Problem};
use serde_json::{Map, Value, json};

use majorize::bench::plot;

use super::{Failure, output, source};

/// Arguments of `majorize minimize`.
#[derive(Args, Debug)]
pub struct MinimizeArgs {
    /// A `.loss` file, or an inline expression such as '(1-x)^2 + 100*(y-x^2)^2'.
    #[arg(allow_hyphen_values = true)]
    pub loss: String,
    /// Initial parameter values: NAME=V,... (a vector takes a bracketed list: 'w=[1,-2,3]').
    #[arg(long, value_name = "NAME=V,...")]
    pub init: Option<String>,
    /// The optimizer (`majorize optimizers` lists them). Default: an MM method, no learning rate:
    /// fullmm up to 10 scalar parameters; beyond, lastlayer: exact steps on a network's last linear
    /// layer (where the loss has one), each followed by an optimistic_lbfgs step (SafeRate along the
    /// L-BFGS direction, with the certified optimistic step).
    #[arg(long, value_name = "NAME")]
    pub optimizer: Option<String>,
    /// With saferate: step along this baseline's update instead of -grad (e.g. adam, lbfgs); with
    /// safecombination: combine it with the previous step; --lr and --opt then set the baseline's
    /// hyperparameters.
    #[arg(long, value_name = "NAME")]
    pub direction: Option<String>,
    /// Learning rate, for optimizers that have one.
    #[arg(long, value_name = "X", allow_hyphen_values = true)]
    pub lr: Option<f64>,
    /// Hyperparameters: key=value,... with PyTorch's names (e.g. momentum=0.9,nesterov=true).
    #[arg(long, value_name = "K=V,...")]
    pub opt: Option<String>,
    /// The most steps (exactly this many for a baseline unless --tol stops earlier; an MM method
    /// also stops once 20 steps in a row leave the parameters unchanged).
    #[arg(long, default_value_t = 1000, value_name = "N", allow_hyphen_values = true)]
    pub steps: usize,
    /// Stop once the gradient norm is at most X.
    #[arg(long, value_name = "X", allow_hyphen_values = true)]
    pub tol: Option<f64>,
    /// Stop after this many seconds.
    #[arg(long, value_name = "S", allow_hyphen_values = true)]
    pub max_seconds: Option<f64>,
    /// Print one JSON object with the loss, parameters, steps and trace.
    #[arg(long)]
    pub json: bool,
    /// Write the trace (step, loss, step size, trust radius, gradient norm, seconds) to a CSV file.
    #[arg(long, value_name = "FILE.csv")]
    pub trace: Option<String>,
    /// Plot the loss against the step (log scale) to a PNG or SVG file.
    #[arg(long, value_name = "FILE")]
    pub plot: Option<String>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
    /// Diagnose every MM step: the step over the exact line minimizer along its direction, and the
    /// bound's curvature over the true one at 0 (in the trace and --json; many extra evaluations
    /// per step, so slower; the steps themselves are unchanged).
    #[arg(long)]
    pub diagnose: bool,
    #[command(flatten)]
    pub simplify: source::SimplifyFlag,
    #[command(flatten)]
    pub memory: source::MemoryFlag,
}

fn build(args: &MinimizeArgs, model: &Model, budget: u64) -> Result<Box<dyn Optimizer>, Error> {
    // The default, within the memory (full MM's bound over every coordinate
    // may not fit) unless options meant for it are given.
    let default = || {
        if args.opt.is_none() && args.lr.is_none() && args.direction.is_none() {
            optim::default_within(model, budget)
        } else {
            optim::default_for(model)
        }
    };
    let name = args.optimizer.as_deref().unwrap_or_else(default);
    let entry = optim::find(optim::all(), name)?;
    if name == "fullmm" && model.num_scalars() > optim::FullMm::MAX_SCALARS {
        return Err(Error::Usage(format!(
            "fullmm handles at most {} scalar parameters, and this loss has {}: use saferate or safecombination",
            optim::FullMm::MAX_SCALARS,
            model.num_scalars()
        )));
    }
    if let Some(dir) = &args.direction {
        let base = optim::find(optim::baselines(), dir)?;
        let opts = optim::options(&base, args.lr, args.opt.as_deref())?;
        return match name {
            "saferate" => Ok(Box::new(SafeRate::default().with_direction(base.direction(&opts)?))),
            "safecombination" => Ok(Box::new(optim::SafeCombination::default().with_direction(base.direction(&opts)?))),
            _ => Err(Error::Usage(format!("--direction applies to saferate and safecombination, not {name}"))),
        };
    }
    let opts = optim::options(&entry, args.lr, args.opt.as_deref())?;
    Ok(entry.build(&opts)?)
}

/// Runs `majorize minimize`.
pub fn run(args: &MinimizeArgs) -> Result<(), Failure> {
    let budget = args.memory.budget()?;
    let mut model = source::load_model(&args.loss, budget)?;
    source::apply_init(&mut model, args.init.as_deref())?;
    if model.graph.params().is_empty() {
        return Err(Error::Usage(
            "nothing to minimize: the loss has no parameters (declare one with `param`, or write a free name in an inline expression)".into(),
        ).into());
    }
    let model = args.simplify.apply(model);
    if let Some(tol) = args.tol
        && (tol.is_nan() || tol < 0.0)
    {
        return Err(Error::Usage(format!("--tol must be >= 0, got {tol}")).into());
    }
    if let Some(s) = args.max_seconds
        && (s.is_nan() || s <= 0.0)
    {
        return Err(Error::Usage(format!("--max-seconds must be > 0, got {s}")).into());
    }
    let mut optimizer = build(args, &model, budget)?;
    source::check_footprint(&model, optim::pass_for(optimizer.name(), &model), budget)?;
    // The trace keeps a point per step.
    let trace_bytes = (args.steps as u64).saturating_mul(std::mem::size_of::<TracePoint>() as u64);
    if trace_bytes > budget / 2 {
        return Err(Error::Usage(format!(
            "--steps {}: the trace of so many steps would take {}, more than half the memory budget",
            args.steps,
            majorize::memory::human(trace_bytes)
        ))
        .into());
    }
    let mut problem = Problem::new(&model);
    problem.set_diagnose(args.diagnose);
    let run_opts = RunOptions {
        max_steps: args.steps,
        grad_tol: args.tol.unwrap_or(0.0),
        max_seconds: args.max_seconds.unwrap_or(f64::INFINITY),
        stall_steps: if optim::stops_when_stalled(optimizer.name()) { optim::STALL_STEPS } else { 0 },
        ..RunOptions::default()
    };
    let show = !args.quiet && std::io::stderr().is_terminal();
    let mut bar: Option<ProgressBar> = None;
    let result = optim::run(optimizer.as_mut(), &mut problem, model.init.clone(), &run_opts, |p: &TracePoint| {
        if !show {
            return;
        }
        // A bar only for runs longer than about a second.
        if bar.is_none() && p.seconds > 1.0 {
            let b = ProgressBar::new(args.steps as u64);
            b.set_style(
                ProgressStyle::with_template("{bar:40} {pos}/{len} steps  loss {msg}  {elapsed} (eta {eta})")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar = Some(b);
        }
        if let Some(b) = &bar {
            b.set_position(p.step as u64);
            b.set_message(format!("{:.6e}", p.loss));
        }
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if let Some(path) = &args.trace {
        output::write_trace(path, &result)?;
    }
    if let Some(path) = &args.plot {
        draw(path, &args.loss, optimizer.name(), &result)?;
    }
    report(args, &model, optimizer.as_ref(), &result, problem.counts());
    outcome(&model, &result)
}

/// The exit status of a run that ended without a finite minimum, with its
/// message: 3 unbounded below, 4 no finite loss at the start, 5 a step
/// that went non-finite (the run stopped at the last finite point).
fn outcome(model: &Model, result: &RunResult) -> Result<(), Failure> {
    let values = || {
        let shown: Vec<String> = model
            .graph
            .params()
            .iter()
            .zip(&result.params)
            .map(|(p, v)| format!("{} = {}", p.name, output::tensor_text(v)))
            .collect();
        shown.join(", ")
    };
    match &result.stop {
        StopReason::Unbounded => Err(Failure {
            message: format!(
                "the loss is unbounded below: it fell to {} at {} (a parameter beyond {:e}, or -inf)",
                output::num_text(result.loss()),
                values(),
                optim::UNBOUNDED_PARAMETER
            ),
            status: super::UNBOUNDED,
        }),
        StopReason::NoFiniteLoss => Err(Failure {
            message: format!(
                "the loss is not finite at the initial parameters ({}): nothing to minimize from there; set others with --init",
                values()
            ),
            status: super::NO_FINITE_LOSS,
        }),
        StopReason::Failed(e) => Err(Failure { message: e.to_string(), status: super::RUN_FAILED }),
        StopReason::StalledAtKink(kinks) => Err(Failure {
            message: format!(
                "stalled on a kink of the loss: the argument of {} is 0 (or within 1e-9 of it) at {}, where \
                 no quadratic majorizer exists or its curvature is huge; the point need not be a minimum. Proximal MM \
                 (fullmm, saferate) keeps penalties such as lambda * sum(abs(w - a)) on parameters exact; for \
                 other kinks start elsewhere with --init",
                optim::describe_kinks(kinks),
                values()
            ),
            status: super::STALLED_AT_KINK,
        }),
        _ => Ok(()),
    }
}

fn draw(path: &str, loss: &str, name: &str, result: &RunResult) -> Result<(), Error> {
    let points: Vec<(f64, f64)> = result.trace.iter().map(|p| (p.step as f64, p.loss)).collect();
    let log_y = points.iter().all(|p| p.1 > 0.0);
    let title = format!("{name} on {loss}");
    let series = vec![plot::Series { name: name.to_string(), points, color: 0, bold: false }];
    Ok(plot::write(path, &plot::Plot { title: &title, x_label: "step", y_label: "loss", series, log_y })?)
}

fn report(
    args: &MinimizeArgs,
    model: &Model,
    optimizer: &dyn Optimizer,
    result: &RunResult,
    counts: (usize, usize, usize),
) {
    let seconds = result.trace.last().map_or(0.0, |p| p.seconds);
    if args.json {
        let hyper: Map<String, Value> =
            optimizer.hyperparameters().into_iter().map(|(k, v)| (k, Value::String(v))).collect();
        let trace: Vec<Value> = result
            .trace
            .iter()
            .map(|p| {
                let mut v = json!({ "step": p.step, "loss": output::number(p.loss) });
                if let Some(r) = p.record.as_ref() {
                    if let Some(s) = r.step_size {
                        v["step_size"] = output::number(s);
                    }
                    if let Some(o) = r.optimistic {
                        v["optimistic"] = json!(o);
                    }
                    if let Some(d) = r.diagnosis {
                        v["step_ratio"] = output::number(d.step_ratio);
                        v["curvature_ratio"] = output::number(d.curvature_ratio);
                        v["line_min"] = output::number(d.line_min);
                    }
                }
                v
            })
            .collect();
        let out = json!({
            "loss": output::number(result.loss()),
            "params": output::by_name(&model.graph, &result.params),
            "steps": result.steps(),
            "optimizer": optimizer.name(),
            "hyperparameters": hyper,
            "stop_reason": result.stop.to_string(),
            "seconds": seconds,
            "passes": { "evaluations": counts.0, "gradients": counts.1, "bounds": counts.2 },
            "trace": trace,
        });
        outln!("{out}");
        return;
    }
    let hyper: Vec<String> = optimizer.hyperparameters().into_iter().map(|(k, v)| format!("{k}={v}")).collect();
    outln!("optimizer {} ({})", optimizer.name(), hyper.join(", "));
    outln!(
        "{} steps ({}), loss {} -> {}, {:.3} s",
        result.steps(),
        result.stop,
        output::num_text(result.trace.first().map_or(f64::NAN, |p| p.loss)),
        output::num_text(result.loss()),
        seconds
    );
    for (p, v) in model.graph.params().iter().zip(&result.params) {
        outln!("{} = {}", p.name, output::tensor_text(v));
    }
}
