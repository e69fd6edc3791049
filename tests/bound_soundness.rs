//! Soundness of the bounding engine: random expression trees over every
//! primitive, random expansion points and regions, every degree; at many
//! sample points the function lies between the lower and upper bounds. A
//! point where the function is not finite must have an unbounded enclosure.

mod common;

use std::cell::Cell;

use common::{Instr, instr, random_function};
use majorize::{Evaluator, Tensor, bound};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

const SAMPLES: usize = 51;

/// Checks the enclosure of a random function at `SAMPLES` points; returns
/// how many points were compared.
fn check(prog: &[Instr], x0: f64, left: f64, right: f64, k: usize) -> Result<usize, TestCaseError> {
    let model = random_function(prog);
    let (lo, hi) = (x0 - left, x0 + right);
    let e = bound::taylor_bounds(&model.graph, model.loss, x0, (lo, hi), k);
    let mut ev = Evaluator::new(&model.graph, model.loss);
    let expr = model.graph.display(model.loss);
    let mut checked = 0;
    for j in 0..SAMPLES {
        let x = if j == SAMPLES - 1 { x0 } else { lo + (hi - lo) * j as f64 / (SAMPLES - 2) as f64 };
        let f = ev.forward(&[Tensor::scalar(x)]).item();
        let b = e.at(x);
        if !f.is_finite() {
            prop_assert!(!b.is_finite(), "{expr} at {x}: f = {f} but the enclosure is finite: {b}");
            continue;
        }
        let tol = 1e-10 * (1.0 + f.abs());
        prop_assert!(
            b.lo() - tol <= f && f <= b.hi() + tol,
            "{expr}, degree {k} at {x0} over [{lo}, {hi}]: f({x}) = {f} outside {b}; coefficients {:?}",
            e.coefficients
        );
        checked += 1;
    }
    Ok(checked)
}

/// 2200 random cases of 51 points: at least 100,000 sampled checks.
#[test]
fn bounds_hold_at_sampled_points() {
    let mut runner = TestRunner::new(Config { cases: 2200, ..Config::default() });
    let strategy = (prop::collection::vec(instr(), 1..10), -2.0f64..2.0, 0.0f64..1.5, 0.0f64..1.5, 0usize..=6);
    let total = Cell::new(0usize);
    runner
        .run(&strategy, |(prog, x0, l, r, k)| {
            total.set(total.get() + check(&prog, x0, l, r, k)?);
            Ok(())
        })
        .unwrap();
    assert!(total.get() >= 100_000, "only {} sampled checks", total.get());
}

/// Narrow regions, where remainder ratios suffer cancellation unless they
/// are evaluated stably.
#[test]
fn narrow_regions_stay_sound() {
    let mut runner = TestRunner::new(Config { cases: 500, ..Config::default() });
    let strategy = (prop::collection::vec(instr(), 1..8), -2.0f64..2.0, 1e-9f64..1e-4, 0usize..=4);
    runner.run(&strategy, |(prog, x0, w, k)| check(&prog, x0, w, w * 0.7, k).map(|_| ())).unwrap();
}
