//! `majorize simplify`: the rewritten expression, as bounding and evaluation see it.

use clap::Args;
use majorize::Error;
use majorize::simplify::{Report, Simplifier};
use serde_json::json;

use super::source;

/// Arguments of `majorize simplify`.
#[derive(Args, Debug)]
pub struct SimplifyArgs {
    /// A `.loss` file, or an inline expression such as 'log(1 + exp(-3*x))'.
    #[arg(allow_hyphen_values = true)]
    pub loss: String,
    /// Print what saturation did (e-graph size, stop reason, costs, time) on stderr.
    #[arg(long)]
    pub stats: bool,
    /// Print one JSON object: {"expression": ..., "changed": ..., ...}.
    #[arg(long)]
    pub json: bool,
    /// The maximum number of rewrite iterations.
    #[arg(long, default_value_t = 12, value_name = "N")]
    pub iter_limit: usize,
    /// The maximum number of e-graph nodes.
    #[arg(long, default_value_t = 8000, value_name = "N")]
    pub node_limit: usize,
    #[command(flatten)]
    pub memory: source::MemoryFlag,
}

/// Runs `majorize simplify`.
pub fn run(args: &SimplifyArgs) -> Result<(), Error> {
    // An e-graph node takes a few hundred bytes: a million of them is plenty.
    const MAX_NODES: usize = 1_000_000;
    const MAX_ITERS: usize = 1000;
    if args.node_limit > MAX_NODES || args.iter_limit > MAX_ITERS {
        return Err(Error::Usage(format!("--node-limit is at most {MAX_NODES} and --iter-limit at most {MAX_ITERS}")));
    }
    let model = source::load_model(&args.loss, args.memory.budget()?)?;
    let simplifier = Simplifier::default().with_iter_limit(args.iter_limit).with_node_limit(args.node_limit);
    let s = simplifier.run(&model.graph, model.loss);
    let inline = !source::is_file(&args.loss);
    let show = |g: &majorize::Graph, root| if inline { g.display(root) } else { g.display_program(root) };
    let r = &s.report;
    if args.json {
        let out = json!({
            "expression": show(&s.graph, s.root),
            "original": show(&model.graph, model.loss),
            "changed": r.changed,
            "occurrences": [r.cost_before.occurrences, r.cost_after.occurrences],
            "work": [r.cost_before.work, r.cost_after.work],
            "nodes": [r.nodes_before, r.nodes_after],
            "egraph_nodes": r.egraph_nodes,
            "iterations": r.iterations,
            "stop_reason": r.stop_reason.to_string(),
            "seconds": r.seconds,
        });
        outln!("{out}");
    } else {
        out!("{}", show(&s.graph, s.root));
        if inline {
            outln!();
        }
    }
    if args.stats {
        eprintln!("{}", stats(r));
    }
    Ok(())
}

/// One line on what simplification did.
pub fn stats(r: &Report) -> String {
    format!(
        "simplify: {} ({} iterations, {} e-nodes, {:.1} ms); parameter occurrences {} -> {}, work {:.3e} -> {:.3e}, graph nodes {} -> {}",
        r.stop_reason,
        r.iterations,
        r.egraph_nodes,
        r.seconds * 1e3,
        r.cost_before.occurrences,
        r.cost_after.occurrences,
        r.cost_before.work,
        r.cost_after.work,
        r.nodes_before,
        r.nodes_after
    )
}
