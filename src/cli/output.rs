//! Shared output helpers: tensors as JSON, parameters by name.

use majorize::optim::RunResult;
use majorize::{Error, Graph, Shape, Tensor};
use serde_json::{Map, Value, json};

/// A number for JSON; non-finite values become `null`.
pub fn number(v: f64) -> Value {
    if v.is_finite() { json!(v) } else { Value::Null }
}

/// A tensor as a number, a list or a list of rows.
pub fn tensor(t: &Tensor) -> Value {
    match t.shape() {
        Shape::Scalar => number(t.item()),
        Shape::Vector(_) => Value::Array(t.data().iter().map(|&v| number(v)).collect()),
        Shape::Matrix(_, c) => Value::Array(
            t.data().chunks(c.max(1)).map(|row| Value::Array(row.iter().map(|&v| number(v)).collect())).collect(),
        ),
    }
}

/// One tensor per parameter, as a JSON object keyed by parameter name.
pub fn by_name(graph: &Graph, values: &[Tensor]) -> Value {
    let map: Map<String, Value> = graph.params().iter().zip(values).map(|(p, v)| (p.name.clone(), tensor(v))).collect();
    Value::Object(map)
}

/// A tensor for humans: a number, or its shape and a few entries.
pub fn tensor_text(t: &Tensor) -> String {
    match t.shape() {
        Shape::Scalar => num_text(t.item()),
        s => {
            let short = |v: f64| {
                if v == 0.0 || !v.is_finite() || (1e-4..1e6).contains(&v.abs()) {
                    format!("{v:.6}")
                } else {
                    format!("{v:.6e}")
                }
            };
            let shown: Vec<String> = t.data().iter().take(6).map(|&v| short(v)).collect();
            let more = if s.len() > 6 { ", ..." } else { "" };
            format!("{s} [{}{more}]", shown.join(", "))
        }
    }
}

/// A number in full (it reads back to the same `f64`), in exponent form
/// when tiny or huge rather than with dozens of zeros.
pub fn num_text(v: f64) -> String {
    if v == 0.0 || !v.is_finite() || (1e-4..1e16).contains(&v.abs()) { format!("{v}") } else { format!("{v:e}") }
}

/// Writes the trace of a run as CSV: step, loss, step size, trust radius,
/// gradient norm (at the step's start), seconds; then whether the step was
/// the optimistic one, and the diagnosis (empty where not made).
pub fn write_trace(path: &str, result: &RunResult) -> Result<(), Error> {
    let io = |e: &dyn std::fmt::Display| Error::Io { action: "write", path: path.to_string(), message: e.to_string() };
    let mut w = csv::Writer::from_path(path).map_err(|e| io(&e))?;
    w.write_record([
        "step",
        "loss",
        "step_size",
        "trust_radius",
        "grad_norm",
        "seconds",
        "optimistic",
        "step_ratio",
        "curvature_ratio",
    ])
    .map_err(|e| io(&e))?;
    let opt = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    for p in &result.trace {
        let r = p.record.as_ref();
        let row = [
            p.step.to_string(),
            p.loss.to_string(),
            opt(r.and_then(|r| r.step_size)),
            opt(r.and_then(|r| r.trust_radius)),
            opt(r.map(|r| r.grad_norm)),
            p.seconds.to_string(),
            r.and_then(|r| r.optimistic).map(|o| o.to_string()).unwrap_or_default(),
            opt(r.and_then(|r| r.diagnosis).map(|d| d.step_ratio)),
            opt(r.and_then(|r| r.diagnosis).map(|d| d.curvature_ratio)),
        ];
        w.write_record(&row).map_err(|e| io(&e))?;
    }
    w.flush().map_err(|e| io(&e))
}

#[cfg(test)]
mod tests {
    use super::num_text;

    #[test]
    fn numbers_read_back_and_avoid_long_zeros() {
        let cases = [
            (0.0, "0"),
            (24.2, "24.2"),
            (1e-4, "0.0001"),
            (3.988677952023741e-29, "3.988677952023741e-29"),
            (-1e-5, "-1e-5"),
            (1e16, "1e16"),
            (f64::INFINITY, "inf"),
        ];
        for (v, want) in cases {
            assert_eq!(num_text(v), want);
        }
        for v in [0.1 + 0.2, 1.0 / 3.0, 5e-324, f64::MAX, -7.25e-100, 123456789.123] {
            assert_eq!(num_text(v).parse::<f64>().unwrap(), v, "{v}");
        }
    }
}
