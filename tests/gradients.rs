//! Reverse-mode gradients and num-dual's derivatives against the exact
//! derivatives (256-bit dyadic intervals, `bound::precise_taylor`), on
//! random expressions over every primitive and on every example; and
//! against central differences as a check of the check; the point Taylor
//! pass (value, slope and curvature along a direction) against the same;
//! num-dual's forward mode over tensor graphs against reverse mode.
//!
//! Tolerances follow the conditioning of each case: a floating-point
//! derivative may be off by about the width of the rigorous `f64` interval
//! enclosure of the same derivative (which grows with cancellation and with
//! the size of what is summed), never by a fixed relative amount. Checked
//! with 50 seeds (`PROPTEST_RNG_SEED`) of 400 cases per property.

mod common;

use common::example;
use majorize::bound::{Bounder, precise_taylor};
use majorize::eval::{directional_derivative, taylor2};
use majorize::testing::{Instr, central_difference, instr, params_from, random_model};
use majorize::{Evaluator, Interval, Model, Tensor, eval_scalar};
use num_dual::{Dual2, Dual2_64, DualNum};
use proptest::prelude::*;

const EPS: f64 = f64::EPSILON;

/// The rigorous `f64` interval of the directional derivative along `v`
/// (the degree-1 coefficient of the line enclosure over the region {0}).
fn f64_slope(model: &Model, x: &[Tensor], v: &[Tensor]) -> Interval {
    Bounder::new(&model.graph, model.loss).line::<2>(x, v, Interval::ZERO).polys[0].c[1]
}

/// Checks the reverse-mode directional derivative along `v` against the
/// exact one; `Ok(false)` where no exact derivative exists (a kink, a pole).
fn check_direction(model: &Model, ev: &mut Evaluator, x: &[Tensor], v: &[Tensor]) -> Result<bool, TestCaseError> {
    let (f, grad) = ev.value_and_grad(x);
    let Some(exact) = precise_taylor(&model.graph, model.loss, x, v, 1) else { return Ok(false) };
    let slope: f64 = grad.iter().zip(v).map(|(g, v)| g.dot(v)).sum();
    let terms: f64 = grad.iter().zip(v).map(|(g, v)| g.map(f64::abs).dot(&v.map(f64::abs))).sum();
    let n = v.iter().map(|t| t.shape().len()).sum::<usize>() as f64;
    let width = f64_slope(model, x, v).width();
    let tol = 4.0 * width + 4.0 * (n + 1.0) * EPS * terms + 1e-300;
    let (lo, hi) = (exact[1].lo(), exact[1].hi());
    prop_assert!(
        width.is_finite() && lo - tol <= slope && slope <= hi + tol,
        "{}: reverse mode {slope} vs exact [{lo}, {hi}] (tolerance {tol}, f = {f})",
        model.graph.display(model.loss)
    );
    Ok(true)
}

/// The point Taylor pass (`eval::taylor2`, the optimistic step's) against
/// the exact `h(0), h'(0), h''(0)/2` along `v`, each within a few widths of
/// the rigorous `f64` enclosure of the same coefficient.
fn check_jet(model: &Model, x: &[Tensor], v: &[Tensor]) -> Result<(), TestCaseError> {
    let Some(exact) = precise_taylor(&model.graph, model.loss, x, v, 2) else { return Ok(()) };
    let widths = Bounder::new(&model.graph, model.loss).line::<3>(x, v, Interval::ZERO).polys[0].c.map(|c| c.width());
    let got = taylor2(&model.graph, model.loss, x, v);
    for k in 0..3 {
        if !got[k].is_finite() || !widths[k].is_finite() {
            continue;
        }
        let tol = 4.0 * widths[k] + 8.0 * EPS * got[k].abs() + 16.0 * EPS * (1.0 + got[0].abs()) + 1e-300;
        prop_assert!(
            exact[k].lo() - tol <= got[k] && got[k] <= exact[k].hi() + tol,
            "{}: point Taylor c{k} = {}, exact {} (tolerance {tol})",
            model.graph.display(model.loss),
            got[k],
            exact[k]
        );
    }
    Ok(())
}

/// One case of the tensor property: the gradient along a random direction
/// and along one coordinate; central differences agree where the function
/// is smooth at their step.
fn gradient_case(prog: &[Instr], vals: &[f64], dir: &[f64], coord: usize) -> Result<(), TestCaseError> {
    let model = random_model(prog, false);
    let x = params_from(&model, vals);
    let mut ev = Evaluator::new(&model.graph, model.loss);
    let (f, grad) = ev.value_and_grad(&x);
    if !f.is_finite() || !grad.iter().all(Tensor::is_finite) {
        return Ok(());
    }
    let v = params_from(&model, dir);
    check_direction(&model, &mut ev, &x, &v)?;
    check_jet(&model, &x, &v)?;
    // One coordinate.
    let mut e: Vec<Tensor> = x.iter().map(|t| Tensor::zeros(t.shape())).collect();
    let total: usize = e.iter().map(|t| t.shape().len()).sum();
    let (mut p, mut i) = (0, coord % total);
    while i >= e[p].shape().len() {
        i -= e[p].shape().len();
        p += 1;
    }
    e[p].data_mut()[i] = 1.0;
    if check_direction(&model, &mut ev, &x, &e)? {
        // Central differences err by h^2 f'''/6 and by the rounding of f
        // over 2h; where two steps agree to within what that allows, the
        // exact value lies within twice their difference plus the rounding.
        let (h1, h2) = (1e-4, 5e-5);
        let (d1, d2) = (central_difference(&mut ev, &x, &e, h1), central_difference(&mut ev, &x, &e, h2));
        let rounding = 64.0 * EPS * (1.0 + f.abs()) / h2;
        let exact = precise_taylor(&model.graph, model.loss, &x, &e, 1).expect("checked above")[1];
        if d1.is_finite() && d2.is_finite() && (d1 - d2).abs() <= 1e-3 * (1.0 + d2.abs()) {
            let tol = 2.0 * (d1 - d2).abs() + rounding + 4.0 * exact.width();
            prop_assert!(
                (d2 - exact.mid()).abs() <= tol,
                "central difference {d2} (and {d1}) vs exact {exact}: {}",
                model.graph.display(model.loss)
            );
        }
    }
    Ok(())
}

/// One case of the scalar property: value, first and second derivative of
/// num-dual (f64) and the value and gradient of reverse mode against the
/// exact ones, each within the width of num-dual over intervals.
fn scalar_case(prog: &[Instr], x0: f64, y0: f64) -> Result<(), TestCaseError> {
    let model = random_model(prog, true);
    let point = [Tensor::scalar(x0), Tensor::scalar(y0)];
    let dir = [Tensor::scalar(1.0), Tensor::scalar(0.0)];
    let Some(exact) = precise_taylor(&model.graph, model.loss, &point, &dir, 2) else { return Ok(()) };
    let expr = model.graph.display(model.loss);
    let d =
        eval_scalar(&model.graph, model.loss, &[Dual2_64::new(x0, 1.0, 0.0), Dual2_64::from_re(y0)]).expect("scalars");
    let di = eval_scalar(
        &model.graph,
        model.loss,
        &[Dual2::new(Interval::point(x0), Interval::ONE, Interval::ZERO), Dual2::from_re(Interval::point(y0))],
    )
    .expect("scalars");
    let mut ev = Evaluator::new(&model.graph, model.loss);
    let (f, grad) = ev.value_and_grad(&point);
    prop_assert!(
        !grad[0].item().is_nan() || expr.contains("cbrt"),
        "NaN gradient of {expr} where the derivative exists"
    );
    // exact[2] is f''/2; Dual2's v2 is f''.
    let want = [exact[0], exact[1], exact[2] * 2.0];
    let widths = [di.re.width(), di.v1.width(), di.v2.width()];
    let got = [
        ("num-dual value", d.re, 0),
        ("num-dual f'", d.v1, 1),
        ("num-dual f''", d.v2, 2),
        ("value", f, 0),
        ("f'", grad[0].item(), 1),
    ];
    for (what, y, k) in got {
        // Overflow in f64 is not an error.
        if !y.is_finite() || !widths[k].is_finite() {
            continue;
        }
        // Reverse mode adds the partials in another order than forward mode:
        // where they cancel, it is off by ulps of terms the size of f's.
        let cancel = if what == "f'" { 16.0 * EPS * (1.0 + f.abs()) } else { 0.0 };
        let tol = 4.0 * widths[k] + 8.0 * EPS * y.abs() + cancel + 1e-300;
        prop_assert!(
            want[k].lo() - tol <= y && y <= want[k].hi() + tol,
            "{expr} at ({x0}, {y0}): {what} = {y}, exact {} (tolerance {tol})",
            want[k]
        );
    }
    Ok(())
}

/// One case of the forward-mode property: num-dual's value and slope along
/// `dir` (`directional_derivative`, over the tensors) against the value
/// domain's and reverse mode's. Both err from the exact numbers by about
/// the widths of their rigorous `f64` enclosures, and reverse mode adds the
/// partials in another order (`(n + 1) eps` of the terms summed); where
/// paths cancel in its adjoints (`a + (D - a)`), by ulps of each path, a
/// few per node on it: `eps` times the number of nodes and [`absolute_slope`](majorize::testing::absolute_slope).
fn dual_case(prog: &[Instr], vals: &[f64], dir: &[f64]) -> Result<(), TestCaseError> {
    let model = random_model(prog, false);
    let (x, v) = (params_from(&model, vals), params_from(&model, dir));
    let mut ev = Evaluator::new(&model.graph, model.loss);
    let (_, grad) = ev.value_and_grad(&x);
    let f = ev.forward(&x).item();
    let [w0, w1] =
        Bounder::new(&model.graph, model.loss).line::<2>(&x, &v, Interval::ZERO).polys[0].c.map(|c| c.width());
    let paths = majorize::testing::absolute_slope(&model, &x, &v);
    if !f.is_finite() || !grad.iter().all(Tensor::is_finite) || !w1.is_finite() || !paths.is_finite() {
        return Ok(());
    }
    let (y, slope) = directional_derivative(&model.graph, model.loss, &x, &v).expect("one tensor per parameter");
    let reverse: f64 = grad.iter().zip(&v).map(|(g, v)| g.dot(v)).sum();
    let terms: f64 = grad.iter().zip(&v).map(|(g, v)| g.map(f64::abs).dot(&v.map(f64::abs))).sum();
    let n = v.iter().map(|t| t.shape().len()).sum::<usize>() as f64;
    let nodes = model.graph.reachable(model.loss).len() as f64;
    let expr = model.graph.display(model.loss);
    let tol = 8.0 * w1 + 4.0 * (n + 1.0) * EPS * terms + 4.0 * nodes * EPS * paths + 1e-300;
    prop_assert!(
        (slope - reverse).abs() <= tol,
        "{expr}: num-dual slope {slope} vs reverse mode {reverse} (tolerance {tol})"
    );
    let tol = 8.0 * w0 + 8.0 * EPS * f.abs() + 1e-300;
    prop_assert!((y - f).abs() <= tol, "{expr}: num-dual value {y} vs forward {f} (tolerance {tol})");
    Ok(())
}

proptest! {
    #![proptest_config(majorize::testing::config(400))]

    #[test]
    fn forward_mode_matches_reverse_mode_on_tensors(
        prog in prop::collection::vec(instr(), 1..14),
        vals in prop::collection::vec(-1.5f64..1.5, 10),
        dir in prop::collection::vec(-1.0f64..1.0, 10),
    ) {
        dual_case(&prog, &vals, &dir)?;
    }

    #[test]
    fn gradient_matches_exact_derivatives(
        prog in prop::collection::vec(instr(), 1..14),
        vals in prop::collection::vec(-1.5f64..1.5, 10),
        dir in prop::collection::vec(-1.0f64..1.0, 10),
        coord in 0usize..10,
    ) {
        gradient_case(&prog, &vals, &dir, coord)?;
    }

    #[test]
    fn scalar_derivatives_match_exact_derivatives(
        prog in prop::collection::vec(instr(), 1..14),
        x0 in -1.5f64..1.5,
        y0 in -1.5f64..1.5,
    ) {
        scalar_case(&prog, x0, y0)?;
    }
}

fn i(code: u8, a: usize, b: usize, c: f64) -> Instr {
    Instr { code, a, b, c }
}

/// Cases a random run once found (kept from proptest's regression files).
#[test]
fn saved_cases() {
    // At all-zero parameters: kinks (abs, relu) where no derivative exists.
    let prog = [i(0, 4, 0, 0.0), i(14, 39, 239, 0.0), i(0, 0, 0, 0.0), i(0, 11, 0, 0.0)];
    let tail = [i(0, 0, 0, 0.0), i(0, 0, 0, 0.0), i(0, 0, 0, 0.0), i(0, 0, 0, 0.0), i(0, 653, 0, 0.0)];
    let prog: Vec<Instr> = prog.into_iter().chain(tail).collect();
    gradient_case(&prog, &[0.0; 10], &[0.5; 10], 3).unwrap();
    let z = || i(0, 0, 0, 0.0);
    let prog = vec![
        i(30, 631, 0, -1.750278620195784),
        z(),
        z(),
        z(),
        i(0, 175, 0, 0.0),
        i(10, 7, 909, 0.0),
        i(10, 458, 39, 0.0),
        z(),
        i(0, 338, 0, 0.0),
        z(),
        z(),
        i(0, 881, 0, 0.0),
    ];
    scalar_case(&prog, 1.2770492810910619, 0.2958480935823285).unwrap();
    // sum(cbrt(a + (D - a))): forward mode's slope cancels to 0 exactly,
    // reverse mode's (the sum of cbrt' over D, once added and once
    // subtracted) to -1.6e-16, far outside the slope's enclosure (1e-30).
    let prog = [i(14, 3, 0, 0.0), i(10, 0, 4, 0.0), i(0, 23, 0, 0.0)];
    dual_case(&prog, &[0.3], &[0.7]).unwrap();
}

/// cos of an argument near 6e6: one rounding of the argument moves the
/// value by 1e-9, so num-dual and reverse mode (which round the argument
/// differently) may differ by that much; the tolerance follows it.
#[test]
fn ill_conditioned_arguments_get_their_own_tolerance() {
    for text in ["cos(6050000 * x + y)", "sin(x * 1234567.25 - 3 * y) * exp(y)", "(1e8 * x - 1e8 + y)^2"] {
        let model = majorize::lang::parse_inline(text).unwrap();
        for (x0, y0) in [(1.0000001, 0.3), (0.7, -1.1), (-1.3, 0.9)] {
            let point = [Tensor::scalar(x0), Tensor::scalar(y0)];
            let dir = [Tensor::scalar(1.0), Tensor::scalar(0.0)];
            let exact = precise_taylor(&model.graph, model.loss, &point, &dir, 1).unwrap();
            let d =
                eval_scalar(&model.graph, model.loss, &[Dual2_64::new(x0, 1.0, 0.0), Dual2_64::from_re(y0)]).unwrap();
            let di = eval_scalar(
                &model.graph,
                model.loss,
                &[Dual2::new(Interval::point(x0), Interval::ONE, Interval::ZERO), Dual2::from_re(Interval::point(y0))],
            )
            .unwrap();
            // The f64 interval is wide here: the conditioning, not the method.
            assert!(text.starts_with('(') || di.re.width() > 1e-12, "{text}: {}", di.re);
            for (y, want, w) in [(d.re, exact[0], di.re.width()), (d.v1, exact[1], di.v1.width())] {
                let tol = 4.0 * w + 8.0 * EPS * y.abs();
                assert!(want.lo() - tol <= y && y <= want.hi() + tol, "{text} at ({x0}, {y0}): {y} vs {want}");
            }
        }
    }
}

#[test]
fn num_dual_second_derivative_convention() {
    // Dual2's v2 is f'' (not f''/2): for x^3 at 2, f' = 12 and f'' = 12.
    let d = Dual2_64::new(2.0, 1.0, 0.0).powi(3);
    assert_eq!((d.re, d.v1, d.v2), (8.0, 12.0, 12.0));
}

/// Every example: the gradient along random directions and coordinates
/// matches the exact derivative.
#[test]
fn examples_gradients_match_exact_derivatives() {
    use rand::{RngExt, SeedableRng, rngs::StdRng};
    let names = [
        "rosenbrock.loss",
        "logistic_breast_cancer.loss",
        "softmax_iris.loss",
        "softmax_wine.loss",
        "mlp_digits.loss",
        "ridge_diabetes.loss",
    ];
    let mut rng = StdRng::seed_from_u64(0);
    for name in names {
        let model = example(name);
        // Move away from the all-zero initialization, where many partials vanish.
        let x: Vec<Tensor> = model.init.iter().map(|t| t.map(|v| v + rng.random_range(-0.3..0.3))).collect();
        let mut ev = Evaluator::new(&model.graph, model.loss);
        let mut checked = 0;
        for _ in 0..2 {
            let dir: Vec<Tensor> = x.iter().map(|t| t.map(|_| rng.random_range(-1.0..1.0))).collect();
            if check_direction(&model, &mut ev, &x, &dir).unwrap() {
                checked += 1;
            }
            let fd = central_difference(&mut ev, &x, &dir, 1e-5);
            let (_, grad) = ev.value_and_grad(&x);
            let exact: f64 = grad.iter().zip(&dir).map(|(g, d)| g.dot(d)).sum();
            assert!((fd - exact).abs() <= 1e-6 * exact.abs().max(1e-3), "{name}: directional {exact} vs {fd}");
        }
        assert!(checked > 0 || name == "mlp_digits.loss", "{name}: no exact derivative");
    }
}
