//! Soundness of the bounding engine: random expression trees over every
//! primitive, random expansion points and regions, every degree; at many
//! sample points the enclosure holds, decided exactly
//! ([`Enclosure::holds_at`]: the printed polynomial in exact arithmetic
//! against `f` enclosed to 256 bits), with no tolerance. A point where the
//! function is not finite must have an unbounded enclosure.

mod common;

use std::cell::Cell;

use majorize::bound::{self, Enclosure};
use majorize::testing::{Instr, instr, random_function};
use majorize::{Evaluator, Interval, Model, Tensor};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;

const SAMPLES: usize = 41;

/// Checks the enclosure of a random function at `SAMPLES` points; returns
/// how many points were decided.
fn check(prog: &[Instr], x0: f64, left: f64, right: f64, k: usize) -> Result<usize, TestCaseError> {
    check_model(&random_function(prog), x0, left, right, k)
}

/// [`check`] for a given one-variable model.
fn check_model(model: &Model, x0: f64, left: f64, right: f64, k: usize) -> Result<usize, TestCaseError> {
    let (lo, hi) = (x0 - left, x0 + right);
    let e = bound::taylor_bounds(&model.graph, model.loss, x0, (lo, hi), k);
    let mut ev = Evaluator::new(&model.graph, model.loss);
    let expr = model.graph.display(model.loss);
    let mut decided = 0;
    for j in 0..SAMPLES {
        let x = if j == SAMPLES - 1 { x0 } else { (lo + (hi - lo) * j as f64 / (SAMPLES - 2) as f64).clamp(lo, hi) };
        let f = ev.forward(&[Tensor::scalar(x)]).item();
        if !f.is_finite() {
            prop_assert!(
                !e.at(x).is_finite(),
                "{expr} at {x}: f = {f} but the enclosure is finite: {:?}",
                e.coefficients
            );
            continue;
        }
        let holds = e.holds_at(&model.graph, model.loss, x);
        prop_assert!(
            holds != Some(false),
            "{expr}, degree {k} at {x0} over [{lo}, {hi}]: the enclosure misses f({x}) = {f}; coefficients {:?}",
            e.coefficients
        );
        decided += usize::from(holds.is_some());
    }
    Ok(decided)
}

/// 1500 random cases of 41 points: at least 50,000 decided checks.
#[test]
fn bounds_hold_at_sampled_points() {
    let mut runner = TestRunner::new(majorize::testing::config(1500));
    let strategy = (prop::collection::vec(instr(), 1..10), -2.0f64..2.0, 0.0f64..1.5, 0.0f64..1.5, 0usize..=6);
    let total = Cell::new(0usize);
    runner
        .run(&strategy, |(prog, x0, l, r, k)| {
            total.set(total.get() + check(&prog, x0, l, r, k)?);
            Ok(())
        })
        .unwrap();
    assert!(total.get() >= 50_000, "only {} decided checks", total.get());
}

/// atan, erf, tan, sinh and cosh alone and composed, on a grid of centres
/// (beside tan's pole pi/2 among them), region widths and every degree:
/// every point holds, most are decided, and most enclosures are finite.
#[test]
fn new_primitives_hold_on_a_grid() {
    let exprs = [
        "atan(3*x)",
        "erf(2*x - 1)",
        "tan(x)",
        "sinh(4*x)",
        "cosh(5*x - 1)",
        "erf(x) * tan(x)",
        "atan(sinh(x)) - cosh(x)^2",
        "erf(tan(x) / 4) + atan(erf(3*x))",
    ];
    let (mut decided, mut total, mut finite, mut cases) = (0, 0, 0, 0);
    for src in exprs {
        let model = majorize::lang::parse_inline(src).unwrap();
        for x0 in [-1.4, -0.3, 0.0, 0.7, 1.5, 1.57] {
            for (l, r) in [(0.01, 0.005), (0.3, 0.06), (1.0, 0.07), (0.5, 2.0)] {
                for k in 0..=6 {
                    decided += check_model(&model, x0, l, r, k).unwrap_or_else(|e| panic!("{src}: {e}"));
                    total += SAMPLES;
                    let e = bound::taylor_bounds(&model.graph, model.loss, x0, (x0 - l, x0 + r), k);
                    finite += usize::from(e.is_finite());
                    cases += 1;
                }
            }
        }
    }
    assert!(decided * 10 >= total * 9, "{decided} of {total} points decided");
    // Infinite only where a region holds tan's pole or the degree-0 range
    // overflows: 1113 of the 1344 enclosures are finite.
    assert!(finite * 4 >= cases * 3, "{finite} of {cases} enclosures finite");
}

/// Narrow regions, where remainder ratios suffer cancellation unless they
/// are evaluated stably.
#[test]
fn narrow_regions_stay_sound() {
    let mut runner = TestRunner::new(majorize::testing::config(400));
    let strategy = (prop::collection::vec(instr(), 1..8), -2.0f64..2.0, 1e-9f64..1e-4, 0usize..=4);
    runner.run(&strategy, |(prog, x0, w, k)| check(&prog, x0, w, w * 0.7, k).map(|_| ())).unwrap();
}

/// The printed point coefficients are the tight ones: an ulp or two wide
/// where they exist (f64 interval arithmetic alone gives hundreds of ulps
/// for high coefficients of compositions), and the same whatever the region.
#[test]
fn point_coefficients_are_tight_and_do_not_depend_on_the_region() {
    let mut runner = TestRunner::new(majorize::testing::config(400));
    let strategy = (prop::collection::vec(instr(), 1..10), -2.0f64..2.0, 0.0f64..1.5, 0.0f64..1.5, 1usize..=5);
    runner
        .run(&strategy, |(prog, x0, l, r, k)| {
            let model = random_function(&prog);
            let wide = bound::taylor_bounds(&model.graph, model.loss, x0, (x0 - l, x0 + r), k);
            let narrow = bound::taylor_bounds(&model.graph, model.loss, x0, (x0, x0 + r * 1e-6), k);
            let exact =
                bound::precise_taylor(&model.graph, model.loss, &[Tensor::scalar(x0)], &[Tensor::scalar(1.0)], k - 1);
            for i in 0..k {
                let (a, b) = (wide.coefficients[i], narrow.coefficients[i]);
                prop_assert!(a.intersect(b).is_some(), "c{i}: {a} over the region vs {b} near x0");
                if let Some(t) = exact.as_ref().map(|c| c[i]).filter(|t| t.is_finite()) {
                    prop_assert!(t.encloses(a), "c{i} = {a}, exact {t}: {}", model.graph.display(model.loss));
                    let ulp = f64::EPSILON * t.mag().max(f64::MIN_POSITIVE);
                    prop_assert!(t.width() <= 2.0 * ulp || t.contains(0.0), "c{i} = {t} is wide");
                }
            }
            Ok(())
        })
        .unwrap();
}

/// A printed enclosure read back as written holds: JSON coefficients are
/// numbers only when they are one double.
#[test]
fn enclosures_rebuilt_from_their_printed_form_hold() {
    let m = majorize::lang::parse_inline("tanh((3.5*x+0.375)^5)").unwrap();
    let (x0, lo, hi) = (2.9451275572573232, 1.6928550480163846, 5.070738179904356);
    let e = bound::taylor_bounds(&m.graph, m.loss, x0, (lo, hi), 2);
    let printed =
        Enclosure { x0, region: Interval::new(lo, hi) - Interval::point(x0), coefficients: e.coefficients.clone() };
    for j in 0..=200 {
        let x = (lo + (hi - lo) * f64::from(j) / 200.0).clamp(lo, hi);
        assert_ne!(printed.holds_at(&m.graph, m.loss, x), Some(false), "at {x}");
    }
    // The case: c1 is about 0, so its enclosure holds 0 and is tiny.
    assert!(e.coefficients[1].contains(0.0) && e.coefficients[1].mag() < 1e-300, "{}", e.coefficients[1]);
}

/// The widths, in ulps, of the point coefficients of 4000 random
/// expressions (degrees 1 to 6): printed by `bound` (with the 256-bit pass)
/// and from the f64 region pass alone. A report, not a check: run with
/// `cargo test --release --test bound_soundness -- --ignored --nocapture`.
#[test]
#[ignore = "a report; run it by name"]
fn report_point_coefficient_widths() {
    use proptest::strategy::{Strategy, ValueTree};
    let mut runner = TestRunner::new(majorize::testing::config(1));
    let strategy = (prop::collection::vec(instr(), 1..10), -2.0f64..2.0, 0.0f64..1.5, 0.0f64..1.5, 1usize..=6);
    let ulps = |c: Interval| -> Option<f64> {
        let m = c.mag();
        (c.is_finite() && !(c.lo() <= 0.0 && c.hi() >= 0.0)).then(|| c.width() / (m * f64::EPSILON / 2.0))
    };
    let (mut printed, mut alone) = (Vec::new(), Vec::new());
    for _ in 0..4000 {
        let (prog, x0, l, r, k) = strategy.new_tree(&mut runner).unwrap().current();
        let m = random_function(&prog);
        let region = Interval::new(x0 - l, x0 + r) - Interval::point(x0);
        let e = bound::taylor_bounds(&m.graph, m.loss, x0, (x0 - l, x0 + r), k);
        let b = bound::Bounder::new(&m.graph, m.loss);
        let f64_only = bound::along(&b, &[Tensor::scalar(x0)], &[Tensor::scalar(1.0)], region, k);
        for (&c, &f) in e.coefficients.iter().zip(&f64_only).take(k) {
            if let (Some(a), Some(b)) = (ulps(c), ulps(f)) {
                printed.push(a);
                alone.push(b);
            }
        }
    }
    for (name, v) in [("printed", &mut printed), ("f64 pass alone", &mut alone)] {
        v.sort_by(f64::total_cmp);
        let q = |p: f64| v[((v.len() - 1) as f64 * p) as usize];
        println!(
            "{name}: {} coefficients, median {:.2}, p99 {:.1}, p99.9 {:.1} ulps",
            v.len(),
            q(0.5),
            q(0.99),
            q(0.999)
        );
    }
}
