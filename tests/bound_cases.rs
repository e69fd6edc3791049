//! The 20 conformance cases of the reference implementation
//! (tests/data/bound_cases.json, from shared/reference), run through
//! `majorize bound --json` exactly as held-out cases will be: point
//! coefficients equal the reference's, the interval coefficient is valid
//! on a dense grid, and it is never wider than the reference's.

use std::process::Command;

use majorize::{Evaluator, Tensor, lang};
use serde_json::Value;

fn bound_json(function: &str, x0: f64, lo: f64, hi: f64, k: u64) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_majorize"))
        .args([
            "bound",
            function,
            "--at",
            &x0.to_string(),
            "--over",
            &format!("{lo},{hi}"),
            "--degree",
            &k.to_string(),
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{function}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn interval(v: &Value) -> (f64, f64) {
    match v {
        Value::Array(a) => (a[0].as_f64().unwrap(), a[1].as_f64().unwrap()),
        n => (n.as_f64().unwrap(), n.as_f64().unwrap()),
    }
}

#[test]
fn reference_cases() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/bound_cases.json");
    let cases: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(cases.len(), 20);
    let mut tighter = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let function = case["function"].as_str().unwrap();
        let x0 = case["x0"].as_f64().unwrap();
        let (lo, hi) = interval(&case["trust_region"]);
        let k = case["max_degree"].as_u64().unwrap();
        let reference = case["reference_coefficients_f64"].as_array().unwrap();
        let got = bound_json(function, x0, lo, hi, k);
        let coefs = got["coefficients"].as_array().unwrap();
        assert_eq!(coefs.len(), reference.len(), "{name}");
        // 1. Point coefficients to 1e-9 relative (absolute where the value is 0).
        for i in 0..reference.len() - 1 {
            let (g, r) = (coefs[i].as_f64().unwrap(), reference[i].as_f64().unwrap());
            assert!((g - r).abs() <= 1e-9 * r.abs().max(1e-6), "{name}: c{i} = {g}, reference {r}");
        }
        // 2. The interval coefficient is valid: f lies between the bounds on a
        // grid of 1001 points, allowing for the rounding of f itself.
        let (clo, chi) = interval(coefs.last().unwrap());
        let model = lang::parse_inline(function).unwrap();
        let mut ev = Evaluator::new(&model.graph, model.loss);
        let point: Vec<f64> = coefs[..coefs.len() - 1].iter().map(|c| c.as_f64().unwrap()).collect();
        for j in 0..=1000 {
            let x = lo + (hi - lo) * f64::from(j) / 1000.0;
            let z = x - x0;
            let f = ev.forward(&[Tensor::scalar(x)]).item();
            let p: f64 = point.iter().enumerate().map(|(i, c)| c * z.powi(i as i32)).sum();
            let zk = z.powi(k as i32);
            let (a, b) = (p + clo * zk, p + chi * zk);
            let tol = 1e-12 * (1.0 + f.abs() + p.abs());
            assert!(
                a.min(b) - tol <= f && f <= a.max(b) + tol,
                "{name}: at x = {x}, f = {f} outside [{}, {}]",
                a.min(b),
                a.max(b)
            );
        }
        // 3. Never wider than the reference (within 1e-6 relative).
        let (rlo, rhi) = interval(reference.last().unwrap());
        let tol = 1e-6 * rlo.abs().max(rhi.abs()).max(1e-12);
        assert!(
            clo >= rlo - tol && chi <= rhi + tol,
            "{name}: [{clo}, {chi}] is wider than the reference [{rlo}, {rhi}]"
        );
        if (chi - clo) < (rhi - rlo) * (1.0 - 1e-6) {
            tighter.push(format!("{name}: [{clo}, {chi}] vs [{rlo}, {rhi}]"));
        }
    }
    eprintln!("tighter than the reference:\n  {}", tighter.join("\n  "));
    assert!(
        tighter.iter().any(|t| t.starts_with("saferate_quartic")),
        "sharp truncation must beat the reference on the quartic"
    );
}
