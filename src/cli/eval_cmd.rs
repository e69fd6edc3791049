//! `majorize eval`: the loss (and gradient) at the initial parameters.

use clap::Args;
use majorize::{Error, Evaluator, Pass};
use serde_json::json;

use super::{output, source};

/// Arguments of `majorize eval`.
#[derive(Args, Debug)]
pub struct EvalArgs {
    /// A `.loss` file, or an inline expression such as '(1-x)^2 + 100*(y-x^2)^2'.
    #[arg(allow_hyphen_values = true)]
    pub loss: String,
    /// Initial parameter values: NAME=V,... (a vector takes a bracketed list: 'w=[1,-2,3]').
    #[arg(long, value_name = "NAME=V,...")]
    pub init: Option<String>,
    /// Also print the gradient with respect to every parameter.
    #[arg(long)]
    pub grad: bool,
    /// Print one JSON object: {"loss": ..., "grad": {...}}.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub simplify: source::SimplifyFlag,
    #[command(flatten)]
    pub memory: source::MemoryFlag,
}

/// Runs `majorize eval`.
pub fn run(args: &EvalArgs) -> Result<(), Error> {
    let budget = args.memory.budget()?;
    let mut model = source::load_model(&args.loss, budget)?;
    source::apply_init(&mut model, args.init.as_deref())?;
    source::check_footprint(&model, if args.grad { Pass::Gradient } else { Pass::Value }, budget)?;
    let model = args.simplify.apply(model);
    let mut ev = Evaluator::new(&model.graph, model.loss);
    let (loss, grad) = if args.grad {
        let (l, g) = ev.value_and_grad(&model.init);
        (l, Some(g))
    } else {
        (ev.forward(&model.init).item(), None)
    };
    if args.json {
        let mut out = json!({ "loss": output::number(loss) });
        if let Some(g) = &grad {
            out["grad"] = output::by_name(&model.graph, g);
        }
        outln!("{out}");
    } else {
        outln!("loss = {}", output::num_text(loss));
        for (p, g) in model.graph.params().iter().zip(grad.iter().flatten()) {
            outln!("grad {} = {}", p.name, output::tensor_text(g));
        }
    }
    if !loss.is_finite() {
        eprintln!("warning: the loss is not finite at these parameters");
    }
    Ok(())
}
