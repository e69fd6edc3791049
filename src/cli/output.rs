//! Shared output helpers: tensors as JSON, parameters by name.

use majorize::{Graph, Shape, Tensor};
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
        Shape::Scalar => format!("{}", t.item()),
        s => {
            let shown: Vec<String> = t.data().iter().take(6).map(|v| format!("{v:.6}")).collect();
            let more = if s.len() > 6 { ", ..." } else { "" };
            format!("{s} [{}{more}]", shown.join(", "))
        }
    }
}
