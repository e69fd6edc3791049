//! Reverse-mode gradients against central finite differences (random
//! expressions over every primitive, and every example) and against
//! num-dual's exact first and second derivatives.

mod common;

use common::{central_difference, example, instr, params_from, random_model};
use majorize::{Evaluator, Tensor, eval_scalar};
use num_dual::{Dual2_64, DualNum};
use proptest::prelude::*;

/// Checks every coordinate of the gradient against central differences.
/// Coordinates where two step sizes disagree (a kink or an unstable
/// region within the step) are skipped; returns how many were checked.
fn check_coordinates(ev: &mut Evaluator, x: &[Tensor], grad: &[Tensor], f: f64, coords: &[(usize, usize)]) -> usize {
    let mut checked = 0;
    for &(p, i) in coords {
        let mut dir: Vec<Tensor> = x.iter().map(|t| Tensor::zeros(t.shape())).collect();
        dir[p].data_mut()[i] = 1.0;
        let fd1 = central_difference(ev, x, &dir, 1e-5);
        let fd2 = central_difference(ev, x, &dir, 5e-6);
        if !fd1.is_finite() || (fd1 - fd2).abs() > 1e-6 * (1.0 + fd1.abs()) + 1e-9 * f.abs() {
            continue;
        }
        let g = grad[p].data()[i];
        let tol = 1e-6 * (1.0 + g.abs()) + 1e-9 * f.abs();
        assert!((g - fd1).abs() <= tol, "param {p}[{i}]: reverse mode {g}, finite difference {fd1}");
        checked += 1;
    }
    checked
}

fn all_coordinates(x: &[Tensor]) -> Vec<(usize, usize)> {
    x.iter().enumerate().flat_map(|(p, t)| (0..t.shape().len()).map(move |i| (p, i))).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn gradient_matches_central_differences(
        prog in prop::collection::vec(instr(), 1..14),
        vals in prop::collection::vec(-1.5f64..1.5, 10),
    ) {
        let model = random_model(&prog, false);
        let x = params_from(&model, &vals);
        let mut ev = Evaluator::new(&model.graph, model.loss);
        let (f, grad) = ev.value_and_grad(&x);
        let expr = model.graph.display(model.loss);
        prop_assert!(!grad.iter().any(|g| g.data().iter().any(|v| v.is_nan())) || expr.contains("cbrt"), "NaN gradient of {expr}");
        if f.is_finite() && f.abs() < 1e6 && grad.iter().all(Tensor::is_finite) {
            check_coordinates(&mut ev, &x, &grad, f, &all_coordinates(&x));
        }
    }

    #[test]
    fn scalar_derivatives_match_num_dual(
        prog in prop::collection::vec(instr(), 1..14),
        x0 in -1.5f64..1.5,
        y0 in -1.5f64..1.5,
    ) {
        let model = random_model(&prog, true);
        let point = [Tensor::scalar(x0), Tensor::scalar(y0)];
        let mut ev = Evaluator::new(&model.graph, model.loss);
        let (f, grad) = ev.value_and_grad(&point);
        let d = eval_scalar(&model.graph, model.loss, &[Dual2_64::new(x0, 1.0, 0.0), Dual2_64::from_re(y0)])
            .expect("an all-scalar graph");
        if !(f.is_finite() && f.abs() < 1e6 && d.v1.is_finite() && d.v2.is_finite()) {
            return Ok(());
        }
        prop_assert!((d.re - f).abs() <= 1e-12 * (1.0 + f.abs()), "value {} vs {}", d.re, f);
        let g = grad[0].item();
        prop_assert!((d.v1 - g).abs() <= 1e-9 * (1.0 + g.abs()), "first derivative: num-dual {} vs reverse mode {}", d.v1, g);
        // The second derivative against a central difference of the reverse-mode gradient.
        let gx = |ev: &mut Evaluator, x: f64| ev.value_and_grad(&[Tensor::scalar(x), Tensor::scalar(y0)]).1[0].item();
        let (h1, h2) = (1e-5, 5e-6);
        let s1 = (gx(&mut ev, x0 + h1) - gx(&mut ev, x0 - h1)) / (2.0 * h1);
        let s2 = (gx(&mut ev, x0 + h2) - gx(&mut ev, x0 - h2)) / (2.0 * h2);
        // Central differences err by O(h^2); Richardson's (4 s2 - s1) / 3
        // cancels that term (near a singularity such as cbrt's at 0 the
        // plain difference is off by 1e-6 relative). Compare only where
        // the two step sizes roughly agree, away from kinks.
        let richardson = (4.0 * s2 - s1) / 3.0;
        if (s1 - s2).abs() <= 1e-4 * (1.0 + s1.abs()) + 1e-9 * g.abs() {
            let tol = 1e-6 * (1.0 + d.v2.abs()) + 1e-9 * g.abs();
            prop_assert!((d.v2 - richardson).abs() <= tol, "second derivative: num-dual {} vs difference of gradients {}", d.v2, richardson);
        }
    }
}

#[test]
fn num_dual_second_derivative_convention() {
    // Dual2's v2 is f'' (not f''/2): for x^3 at 2, f' = 12 and f'' = 12.
    let d = Dual2_64::new(2.0, 1.0, 0.0).powi(3);
    assert_eq!((d.re, d.v1, d.v2), (8.0, 12.0, 12.0));
}

/// Every example: the gradient matches central differences on a sample of
/// coordinates of every parameter, and along random directions.
#[test]
fn examples_gradients_match_finite_differences() {
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
        let (f, grad) = ev.value_and_grad(&x);
        assert!(f.is_finite(), "{name}: loss {f}");
        let mut coords = Vec::new();
        for (p, t) in x.iter().enumerate() {
            for _ in 0..8 {
                coords.push((p, rng.random_range(0..t.shape().len())));
            }
        }
        let checked = check_coordinates(&mut ev, &x, &grad, f, &coords);
        assert_eq!(checked, coords.len(), "{name}: every sampled coordinate is smooth and must be checked");
        for _ in 0..4 {
            let dir: Vec<Tensor> = x.iter().map(|t| t.map(|_| rng.random_range(-1.0..1.0))).collect();
            let fd = central_difference(&mut ev, &x, &dir, 1e-5);
            let exact: f64 = grad.iter().zip(&dir).map(|(g, d)| g.dot(d)).sum();
            assert!((fd - exact).abs() <= 1e-6 * exact.abs().max(1e-3), "{name}: directional {exact} vs {fd}");
        }
    }
}
