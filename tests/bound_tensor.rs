//! Enclosures over tensor graphs: along one direction (SafeRate's), along a
//! few directions (SafeCombination's) and over a box in every coordinate
//! (full MM's). The exact coefficients match the value and reverse-mode
//! directional derivatives, and the bounds hold at sampled points.

mod common;

use common::{example, instr, params_from, random_model};
use majorize::bound::Bounder;
use majorize::{Evaluator, Interval, Model, Tensor};
use proptest::prelude::*;

fn axpy(x: &[Tensor], s: f64, v: &[Tensor]) -> Vec<Tensor> {
    x.iter().zip(v).map(|(a, b)| a.zip_with(b, |a, b| a + s * b)).collect()
}

fn close(i: Interval, want: f64, scale: f64) -> bool {
    i.lo() - 1e-9 * scale <= want && want <= i.hi() + 1e-9 * scale
}

/// Checks a degree-2 enclosure along `v` over `[0, e]`; returns the number
/// of sampled points.
fn check_line(model: &Model, x: &[Tensor], v: &[Tensor], e: f64) -> Result<usize, TestCaseError> {
    let b = Bounder::new(&model.graph, model.loss);
    let out = b.line::<3>(x, v, Interval::new(0.0, e));
    let c = out.polys[0].c;
    let mut ev = Evaluator::new(&model.graph, model.loss);
    let (f, g) = ev.value_and_grad(x);
    if !f.is_finite() || !g.iter().all(Tensor::is_finite) {
        return Ok(0);
    }
    let slope: f64 = g.iter().zip(v).map(|(g, v)| g.dot(v)).sum();
    let scale = 1.0 + f.abs() + g.iter().zip(v).map(|(g, v)| g.map(f64::abs).dot(&v.map(f64::abs))).sum::<f64>();
    prop_assert!(close(c[0], f, scale), "c0 = {} but f = {f}", c[0]);
    prop_assert!(close(c[1], slope, scale), "c1 = {} but grad . v = {slope}", c[1]);
    let mut n = 0;
    for j in 0..=20 {
        let eta = e * f64::from(j) / 20.0;
        let fx = ev.forward(&axpy(x, eta, v)).item();
        let bound = c[0] + c[1] * eta + c[2] * (eta * eta);
        if !fx.is_finite() {
            prop_assert!(!bound.is_finite(), "f = {fx} at eta = {eta} but the bound is {bound}");
            continue;
        }
        let tol = 1e-10 * (1.0 + fx.abs());
        prop_assert!(bound.lo() - tol <= fx && fx <= bound.hi() + tol, "eta = {eta}: f = {fx} outside {bound}");
        n += 1;
    }
    Ok(n)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Random tensor programs (matrix products, reductions, broadcasting,
    /// every primitive) along a random direction.
    #[test]
    fn along_one_direction(
        prog in prop::collection::vec(instr(), 1..12),
        vals in prop::collection::vec(-1.5f64..1.5, 10),
        dir in prop::collection::vec(-1.0f64..1.0, 10),
        e in 0.0f64..1.0,
    ) {
        let model = random_model(&prog, false);
        let x = params_from(&model, &vals);
        let v = params_from(&model, &dir);
        check_line(&model, &x, &v, e)?;
    }

    /// A few directions at once, over a box in the non-negative orthant.
    #[test]
    fn along_a_few_directions(
        prog in prop::collection::vec(instr(), 1..10),
        vals in prop::collection::vec(-1.5f64..1.5, 10),
        dirs in prop::collection::vec(prop::collection::vec(-1.0f64..1.0, 10), 1..4),
        box_hi in prop::collection::vec(0.0f64..0.8, 4),
        samples in prop::collection::vec(prop::collection::vec(0.0f64..1.0, 4), 12),
    ) {
        let model = random_model(&prog, false);
        let x = params_from(&model, &vals);
        let v: Vec<Vec<Tensor>> = dirs.iter().map(|d| params_from(&model, d)).collect();
        let eta: Vec<Interval> = (0..v.len()).map(|i| Interval::new(0.0, box_hi[i])).collect();
        check_quad(&model, &x, &v, &eta, &samples)?;
    }

    /// Every coordinate of a two-variable function over a box around the point.
    #[test]
    fn over_a_box_in_every_coordinate(
        prog in prop::collection::vec(instr(), 1..10),
        x0 in -1.5f64..1.5,
        y0 in -1.5f64..1.5,
        r in prop::collection::vec(0.0f64..0.8, 2),
        samples in prop::collection::vec(prop::collection::vec(-1.0f64..1.0, 2), 12),
    ) {
        let model = random_model(&prog, true);
        let x = vec![Tensor::scalar(x0), Tensor::scalar(y0)];
        let v = vec![vec![Tensor::scalar(1.0), Tensor::scalar(0.0)], vec![Tensor::scalar(0.0), Tensor::scalar(1.0)]];
        let eta = vec![Interval::new(-r[0], r[0]), Interval::new(-r[1], r[1])];
        check_quad(&model, &x, &v, &eta, &samples)?;
    }
}

fn check_quad(
    model: &Model,
    x: &[Tensor],
    v: &[Vec<Tensor>],
    eta: &[Interval],
    samples: &[Vec<f64>],
) -> Result<(), TestCaseError> {
    let b = Bounder::new(&model.graph, model.loss);
    let q = b.quad(x, v, eta);
    let mut ev = Evaluator::new(&model.graph, model.loss);
    let (f, g) = ev.value_and_grad(x);
    if !f.is_finite() || !g.iter().all(Tensor::is_finite) {
        return Ok(());
    }
    prop_assert!(close(q.c(), f, 1.0 + f.abs()), "c = {} but f = {f}", q.c());
    for (i, vi) in v.iter().enumerate() {
        let slope: f64 = g.iter().zip(vi).map(|(g, v)| g.dot(v)).sum();
        prop_assert!(close(q.g(i), slope, 1.0 + f.abs() + slope.abs()), "g{i} = {} but grad . v = {slope}", q.g(i));
    }
    for s in samples {
        // A point of the box: eta_i = lo_i + s_i (hi_i - lo_i), s_i in [-1, 1] mapped to [0, 1].
        let t: Vec<f64> = eta.iter().zip(s).map(|(e, &u)| e.lo() + (u.abs()) * (e.hi() - e.lo())).collect();
        let mut point = x.to_vec();
        for (vi, &ti) in v.iter().zip(&t) {
            point = axpy(&point, ti, vi);
        }
        let fx = ev.forward(&point).item();
        let bound = q.at(&t);
        if !fx.is_finite() {
            prop_assert!(!bound.is_finite(), "f = {fx} at {t:?} but the bound is {bound}");
            continue;
        }
        let tol = 1e-10 * (1.0 + fx.abs());
        prop_assert!(bound.lo() - tol <= fx && fx <= bound.hi() + tol, "at {t:?}: f = {fx} outside {bound}");
    }
    Ok(())
}

/// The examples along the negative gradient: c1 = -|grad|^2 and the bound
/// holds, with a useful (finite, non-trivial) curvature interval.
#[test]
fn examples_along_the_negative_gradient() {
    for (name, e) in [
        ("logistic_breast_cancer.loss", 1.0),
        ("softmax_iris.loss", 1.0),
        ("mlp_digits.loss", 0.5),
        ("ridge_diabetes.loss", 1.0),
    ] {
        let model = example(name);
        let x: Vec<Tensor> = model.init.iter().map(|t| t.map(|v| v + 0.05)).collect();
        let mut ev = Evaluator::new(&model.graph, model.loss);
        let (_, g) = ev.value_and_grad(&x);
        let v: Vec<Tensor> = g.iter().map(|t| t.map(|x| -x)).collect();
        let n = check_line(&model, &x, &v, e).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(n, 21, "{name}");
        let b = Bounder::new(&model.graph, model.loss);
        let c2 = b.line::<3>(&x, &v, Interval::new(0.0, e)).polys[0].c[2];
        assert!(c2.is_finite() && c2.hi() > 0.0, "{name}: {c2}");
    }
}
