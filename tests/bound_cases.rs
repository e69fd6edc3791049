//! The 20 conformance cases of the reference implementation
//! (tests/data/bound_cases.json, from shared/reference), run through
//! `majorize bound --json` exactly as held-out cases will be: point
//! coefficients equal the reference's, the interval coefficient is valid
//! on a dense grid, and it is never wider than the reference's.

use std::process::Command;

use majorize::bound::Enclosure;
use majorize::{Interval, lang};
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
        // 1. Point coefficients: printed as a number (exact) or an interval a
        // few ulps wide, holding the reference's value (to 1e-9 relative: the
        // reference itself is a rounded f64).
        for i in 0..reference.len() - 1 {
            let ((glo, ghi), r) = (interval(&coefs[i]), reference[i].as_f64().unwrap());
            let slack = 1e-9 * r.abs().max(1e-6);
            assert!(glo - slack <= r && r <= ghi + slack, "{name}: c{i} = [{glo}, {ghi}], reference {r}");
            assert!(
                ghi - glo <= 8.0 * f64::EPSILON * glo.abs().max(ghi.abs()),
                "{name}: c{i} = [{glo}, {ghi}] is wide"
            );
        }
        // 2. The enclosure holds as printed: decided exactly at 401 points of
        // the region against f enclosed to 256 bits (undecided only where a
        // bound touches f exactly, as x + 0 z^2 does for log(exp(x))).
        let model = lang::parse_inline(function).unwrap();
        let printed = Enclosure {
            x0,
            region: Interval::new(lo, hi) - Interval::point(x0),
            coefficients: coefs
                .iter()
                .map(|c| {
                    let (a, b) = interval(c);
                    Interval::new(a, b)
                })
                .collect(),
        };
        for j in 0..=400 {
            let x = (lo + (hi - lo) * f64::from(j) / 400.0).clamp(lo, hi);
            let holds = printed.holds_at(&model.graph, model.loss, x);
            assert_ne!(holds, Some(false), "{name}: the printed enclosure misses f at x = {x}");
        }
        let (clo, chi) = interval(coefs.last().unwrap());
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
