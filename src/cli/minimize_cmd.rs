//! `majorize minimize`: run an optimizer on a loss.

use clap::Args;
use majorize::optim::{self, RunOptions, RunResult, StopReason};
use majorize::{Error, Optimizer, Problem};
use serde_json::{Map, Value, json};

use super::{output, source};

/// Arguments of `majorize minimize`.
#[derive(Args, Debug)]
pub struct MinimizeArgs {
    /// A `.loss` file, or an inline expression such as '(1-x)^2 + 100*(y-x^2)^2'.
    pub loss: String,
    /// Initial parameter values: NAME=V,... (a vector takes a bracketed list: 'w=[1,-2,3]').
    #[arg(long, value_name = "NAME=V,...")]
    pub init: Option<String>,
    /// The optimizer (`majorize optimizers` lists them).
    #[arg(long, value_name = "NAME")]
    pub optimizer: Option<String>,
    /// Learning rate, for optimizers that have one.
    #[arg(long, value_name = "X", allow_negative_numbers = true)]
    pub lr: Option<f64>,
    /// Hyperparameters: key=value,... with PyTorch's names (e.g. momentum=0.9,nesterov=true).
    #[arg(long, value_name = "K=V,...")]
    pub opt: Option<String>,
    /// Number of steps (exactly this many unless --tol stops earlier).
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub steps: usize,
    /// Stop once the gradient norm is at most X.
    #[arg(long, value_name = "X", allow_negative_numbers = true)]
    pub tol: Option<f64>,
    /// Print one JSON object with the loss, parameters, steps and trace.
    #[arg(long)]
    pub json: bool,
    /// Write the trace (step, loss, step size, seconds, ...) to a CSV file.
    #[arg(long, value_name = "FILE.csv")]
    pub trace: Option<String>,
}

/// Runs `majorize minimize`.
pub fn run(args: &MinimizeArgs) -> Result<(), Error> {
    let mut model = source::load_model(&args.loss)?;
    source::apply_init(&mut model, args.init.as_deref())?;
    let Some(name) = args.optimizer.as_deref() else {
        return Err(Error::Usage("--optimizer is required: `majorize optimizers` lists them".into()));
    };
    if let Some(tol) = args.tol
        && (tol.is_nan() || tol < 0.0)
    {
        return Err(Error::Usage(format!("--tol must be >= 0, got {tol}")));
    }
    let entry = optim::find(optim::baselines(), name)?;
    let opts = optim::options(&entry, args.lr, args.opt.as_deref())?;
    let mut optimizer = entry.build(&opts)?;
    let mut problem = Problem::new(&model);
    let run_opts = RunOptions { max_steps: args.steps, grad_tol: args.tol.unwrap_or(0.0), ..RunOptions::default() };
    let result = optim::run(optimizer.as_mut(), &mut problem, model.init.clone(), &run_opts, |_| {});
    if let Some(path) = &args.trace {
        output::write_trace(path, &result)?;
    }
    report(args, &model, optimizer.as_ref(), &result);
    match result.stop {
        StopReason::NonFinite(e) => Err(e.into()),
        _ => Ok(()),
    }
}

fn report(args: &MinimizeArgs, model: &majorize::Model, optimizer: &dyn Optimizer, result: &RunResult) {
    let seconds = result.trace.last().map_or(0.0, |p| p.seconds);
    if args.json {
        let hyper: Map<String, Value> =
            optimizer.hyperparameters().into_iter().map(|(k, v)| (k, Value::String(v))).collect();
        let trace: Vec<Value> =
            result.trace.iter().map(|p| json!({ "step": p.step, "loss": output::number(p.loss) })).collect();
        let out = json!({
            "loss": output::number(result.loss()),
            "params": output::by_name(&model.graph, &result.params),
            "steps": result.steps(),
            "optimizer": optimizer.name(),
            "hyperparameters": hyper,
            "stop_reason": result.stop.to_string(),
            "seconds": seconds,
            "trace": trace,
        });
        println!("{out}");
        return;
    }
    let hyper: Vec<String> = optimizer.hyperparameters().into_iter().map(|(k, v)| format!("{k}={v}")).collect();
    println!("optimizer {} ({})", optimizer.name(), hyper.join(", "));
    println!(
        "{} steps ({}), loss {} -> {}, {:.3} s",
        result.steps(),
        result.stop,
        result.trace.first().map_or(f64::NAN, |p| p.loss),
        result.loss(),
        seconds
    );
    for (p, v) in model.graph.params().iter().zip(&result.params) {
        println!("{} = {}", p.name, output::tensor_text(v));
    }
}
