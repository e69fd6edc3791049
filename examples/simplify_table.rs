//! Prints the table of docs/simplify.md: for each expression of
//! tests/data/simplify_cases.json, the width of the degree-2 enclosure's
//! interval coefficient without simplification, of the rewritten form
//! alone, of what `majorize bound` returns (the narrower of the two), and
//! the reference's (AutoBound in JAX, filled in by
//! tests/data/gen_simplify_ref.py).
//!
//! Run with `cargo run --release --example simplify_table`.

use majorize::simplify::Simplifier;
use majorize::{bound, lang};
use serde_json::Value;

fn width(w: f64) -> String {
    if w.is_finite() { format!("{w:.4}") } else { "inf".to_string() }
}

fn reference(v: &Value) -> String {
    v.as_f64().map_or_else(|| "n/a".to_string(), width)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/simplify_cases.json");
    let json: Value = serde_json::from_str(&std::fs::read_to_string(path)?)?;
    println!(
        "| expression | x0 | region | rewritten | width, as written | width, rewritten | `majorize bound` | reference (propagated) | reference (not propagated) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for c in json["cases"].as_array().ok_or("no cases")? {
        let expr = c["expr"].as_str().ok_or("no expr")?;
        let x0 = c["x0"].as_f64().ok_or("no x0")?;
        let over = (c["over"][0].as_f64().ok_or("no over")?, c["over"][1].as_f64().ok_or("no over")?);
        let k = c["degree"].as_u64().ok_or("no degree")? as usize;
        let m = lang::parse_inline(expr)?;
        let s = Simplifier::default().run(&m.graph, m.loss);
        let without = bound::taylor_bounds(&m.graph, m.loss, x0, over, k).width();
        let rewritten = bound::taylor_bounds(&s.graph, s.root, x0, over, k).width();
        let (best, _) = bound::taylor_bounds_simplified(&m.graph, m.loss, x0, over, k);
        println!(
            "| `{expr}` | {x0} | [{}, {}] | `{}` | {} | {} | {} | {} | {} |",
            over.0,
            over.1,
            s.graph.display(s.root),
            width(without),
            width(rewritten),
            width(best.width()),
            reference(&c["ref_width_prop"]),
            reference(&c["ref_width_noprop"]),
        );
    }
    Ok(())
}
