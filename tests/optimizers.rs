//! Baseline optimizers against the published test vectors
//! (shared/reference/optimizers.md, section 11), and their invariants.

mod common;

use majorize::optim::{self, Optimizer, RunOptions};
use majorize::{Model, Problem, Tensor, lang};
use proptest::prelude::*;

/// f(x) = 1/4 sum x^4 + 1/2 (sum x)^2 from [1, -2, 3]: not homogeneous, so
/// coupled and decoupled weight decay differ.
fn quartic() -> Model {
    let src = "param x[3] = [1, -2, 3]\nminimize 0.25 * sum(x^4) + 0.5 * sum(x)^2\n";
    lang::parse_program("quartic.loss", src, std::path::Path::new(".")).unwrap()
}

/// f(x) = sum x^2 from [1, 2, 3] (optax's documentation example).
fn parabola() -> Model {
    lang::parse_program("p.loss", "param x[3] = [1, 2, 3]\nminimize sum(x^2)\n", std::path::Path::new(".")).unwrap()
}

fn build(name: &str, lr: f64, opt: &str) -> Box<dyn Optimizer> {
    let entry = optim::find(optim::baselines(), name).unwrap();
    let o = optim::options(&entry, Some(lr), Some(opt)).unwrap();
    entry.build(&o).unwrap()
}

/// The parameters after `steps` steps, and the loss after each step.
fn trajectory(model: &Model, opt: &mut dyn Optimizer, steps: usize) -> (Vec<f64>, Vec<f64>) {
    let mut problem = Problem::new(model);
    let mut x = model.init.clone();
    let mut losses = Vec::new();
    for _ in 0..steps {
        opt.step(&mut problem, &mut x).unwrap();
        losses.push(problem.value(&x));
    }
    (x[0].data().to_vec(), losses)
}

fn assert_close(got: &[f64], want: &[f64], rtol: f64, what: &str) {
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() <= rtol * w.abs().max(1e-300), "{what}: got {got:?}, want {want:?}");
    }
}

/// Section 11.1: three steps on the quartic, to 1e-9.
#[test]
fn three_steps_on_the_quartic() {
    let cases: &[(&str, f64, &str, [f64; 3])] = &[
        ("sgd", 0.01, "", [0.9195483999, -1.832999901, 2.322999885]),
        ("sgd", 0.01, "momentum=0.9", [0.8474149209, -1.683596649, 1.678425417]),
        ("sgd", 0.01, "momentum=0.9,nesterov=true", [0.8008025384, -1.572627753, 1.412386204]),
        ("sgd", 0.01, "momentum=0.9,dampening=0.1,weight_decay=0.1", [0.8493112627, -1.68905329, 1.716338448]),
        ("adam", 0.1, "", [0.7020117493, -1.703539891, 2.701391048]),
        ("adam", 0.1, "weight_decay=0.1", [0.7019970428, -1.70340581, 2.70137816]),
        ("adamw", 0.1, "weight_decay=0.1", [0.6756525822, -1.648259272, 2.615861831]),
        ("rmsprop", 0.01, "", [0.7818901978, -1.786940372, 2.779206823]),
        ("rmsprop", 0.01, "momentum=0.9,centered=true", [0.55241923, -1.562492451, 2.547814605]),
        ("rmsprop", 0.01, "alpha=0.9,eps_in_sqrt=true", [0.9272982673, -1.92773429, 2.927010732]),
        ("adagrad", 0.1, "", [0.7823664286, -1.787413708, 2.779681479]),
        ("adagrad", 0.1, "lr_decay=0.1,initial_accumulator_value=0.1", [0.7975293396, -1.801178684, 2.794455891]),
        (
            "adagrad",
            0.1,
            "initial_accumulator_value=0.1,eps=1e-7,eps_in_sqrt=true",
            [0.7831953967, -1.787619482, 2.779689297],
        ),
        ("lion", 0.01, "weight_decay=0.1", [0.967032989, -1.964035988, 2.961038987]),
    ];
    let model = quartic();
    for &(name, lr, opt, want) in cases {
        let (x, _) = trajectory(&model, build(name, lr, opt).as_mut(), 3);
        // The published vectors have 10 significant digits.
        assert_close(&x, &want, 1e-9, &format!("{name} lr={lr} {opt}"));
    }
}

/// Section 11.2: optax's documentation sequences on sum x^2, the loss after
/// each of five steps with optax's defaults, to 1e-7 (8 digits published).
#[test]
fn optax_documentation_sequences() {
    let cases: &[(&str, f64, &str, [f64; 5])] = &[
        ("sgd", 0.003, "", [13.832504, 13.667012, 13.5035, 13.341944, 13.182321]),
        ("adam", 0.003, "", [13.964027, 13.928109, 13.892248, 13.856444, 13.820698]),
        ("adamw", 0.003, "weight_decay=1e-4", [13.964019, 13.928093, 13.892223, 13.856411, 13.820657]),
        ("rmsprop", 0.003, "alpha=0.9,eps_in_sqrt=true", [13.886428, 13.804557, 13.736314, 13.675961, 13.620836]),
        (
            "adagrad",
            1.0,
            "initial_accumulator_value=0.1,eps=1e-7,eps_in_sqrt=true",
            [5.011927, 2.4026964, 1.2548269, 0.68609579, 0.38519433],
        ),
        ("lion", 0.003, "weight_decay=1e-3", [13.963943, 13.927941, 13.891992, 13.856098, 13.820259]),
    ];
    let model = parabola();
    for &(name, lr, opt, want) in cases {
        let (_, losses) = trajectory(&model, build(name, lr, opt).as_mut(), 5);
        assert_close(&losses, &want, 1e-7, &format!("{name} lr={lr} {opt}"));
    }
}

/// `scale * (sum((x - shift)^2) + 0.1 sum(x)^4 + sum(softplus(x)))`: not
/// homogeneous, and it couples the coordinates.
fn test_loss(scale: f64, shift: f64) -> Model {
    let src = format!(
        "param x[3] = [0.5, -1.5, 2]\nminimize {scale} * (sum((x - {shift})^2) + 0.1 * sum(x)^4 + sum(softplus(x)))\n"
    );
    lang::parse_program("q.loss", &src, std::path::Path::new(".")).unwrap()
}

proptest! {
    #![proptest_config(majorize::testing::config(64))]

    /// Adam with eps = 0 is invariant to scaling the loss by a constant c > 0.
    #[test]
    fn adam_is_invariant_to_loss_scaling(scale in 0.01f64..100.0, shift in -1.0f64..1.0, lr in 0.001f64..0.2) {
        let base = test_loss(1.0, shift);
        let scaled = test_loss(scale, shift);
        let opt = "eps=0,beta1=0.8";
        let (a, _) = trajectory(&base, build("adam", lr, opt).as_mut(), 10);
        let (b, _) = trajectory(&scaled, build("adam", lr, opt).as_mut(), 10);
        for (x, y) in a.iter().zip(&b) {
            prop_assert!((x - y).abs() <= 1e-9 * (1.0 + x.abs()), "{a:?} vs {b:?}");
        }
    }

    /// Lion's update has entries in {-lr, 0, lr} when there is no weight decay.
    #[test]
    fn lion_steps_are_signs(lr in 0.001f64..0.5, shift in -1.0f64..1.0, b1 in 0.0f64..1.0) {
        let model = test_loss(1.0, shift);
        let mut problem = Problem::new(&model);
        let mut opt = build("lion", lr, &format!("beta1={b1}"));
        let mut x = model.init.clone();
        for _ in 0..5 {
            let before = x.clone();
            opt.step(&mut problem, &mut x).unwrap();
            for (p, q) in x[0].data().iter().zip(before[0].data()) {
                let d = (p - q).abs();
                prop_assert!(d == 0.0 || (d - lr).abs() <= 1e-12 * (1.0 + q.abs()), "step {d} with lr {lr}");
            }
        }
    }

    /// SGD with momentum 0 is plain SGD, whatever the dampening.
    #[test]
    fn sgd_without_momentum_is_plain_sgd(lr in 0.001f64..0.1, damp in 0.0f64..1.0, shift in -1.0f64..1.0) {
        let model = test_loss(1.0, shift);
        let (a, _) = trajectory(&model, build("sgd", lr, "").as_mut(), 8);
        let (b, _) = trajectory(&model, build("sgd", lr, &format!("momentum=0,dampening={damp}")).as_mut(), 8);
        prop_assert_eq!(a, b);
    }
}

/// A non-finite gradient stops the run and leaves the parameters as they were.
#[test]
fn non_finite_gradients_stop_without_corrupting_parameters() {
    let model = lang::parse_inline("sqrt(x)").unwrap();
    let mut problem = Problem::new(&model);
    let mut opt = build("adam", 0.1, "");
    let mut x = vec![Tensor::scalar(-1.0)];
    let err = opt.step(&mut problem, &mut x).unwrap_err();
    assert_eq!(err, majorize::OptimError::NonFinite { step: 1, what: "loss" });
    assert_eq!(x[0].item(), -1.0);
    // SGD with lr 10 from x = 1 on a one-variable loss: the run and the loss.
    let sgd_run = |loss: &str| {
        let model = lang::parse_inline(loss).unwrap();
        let mut problem = Problem::new(&model);
        let x0 = vec![Tensor::scalar(1.0)];
        let result = optim::run(build("sgd", 10.0, "").as_mut(), &mut problem, x0, &RunOptions::default(), |_| {});
        let f = problem.value(&result.params);
        (result, f)
    };
    // A run that diverges ends with the last good parameters and says why.
    let (result, f) = sgd_run("exp(x^2)");
    assert!(matches!(result.stop, optim::StopReason::Failed(_)), "{:?}", result.stop);
    assert!(result.params[0].is_finite() && f.is_finite());
    // A step that lands where the loss is NaN (sqrt(1 - 10 * 0.5) = sqrt(-4))
    // is undone: the run ends where the loss was last finite, and the trace
    // ends there too.
    let (result, _) = sgd_run("sqrt(x)");
    assert_eq!(result.stop, optim::StopReason::Failed(majorize::OptimError::NonFinite { step: 2, what: "loss" }));
    assert_eq!(result.params[0].item(), 1.0);
    assert_eq!((result.steps(), result.loss()), (0, 1.0));
    assert!(result.trace.iter().all(|p| p.loss.is_finite()));
}

/// With a single candidate the greedy optimizers are SGD with momentum, Adam
/// and AdamW, exactly.
#[test]
fn greedy_with_one_candidate_is_the_plain_method() {
    let model = test_loss(1.0, 0.3);
    let pairs = [
        (("greedy_sgdm", 0.01, "momentum=[0.9]"), ("sgd", 0.01, "momentum=0.9")),
        (
            ("greedy_sgdm", 0.01, "momentum=[0.9],weight_decay=0.1,mode=per_tensor"),
            ("sgd", 0.01, "momentum=0.9,weight_decay=0.1"),
        ),
        (("greedy_adam", 0.05, "beta1=[0.9]"), ("adam", 0.05, "")),
        (("greedy_adam", 0.05, "beta1=[0.8],weight_decay=0.1"), ("adam", 0.05, "beta1=0.8,weight_decay=0.1")),
        (("greedy_adam", 0.05, "beta1=[0.9],weight_decay=0.1,decoupled=true"), ("adamw", 0.05, "weight_decay=0.1")),
    ];
    for ((g, glr, gopt), (p, plr, popt)) in pairs {
        let (a, _) = trajectory(&model, build(g, glr, gopt).as_mut(), 12);
        let (b, _) = trajectory(&model, build(p, plr, popt).as_mut(), 12);
        assert_close(&a, &b, 1e-12, &format!("{g} {gopt} vs {p} {popt}"));
    }
}

/// On the first step every buffer equals the gradient, so
/// J_j = ||g||^2 sqrt(1 - mu_j^2) and the smallest momentum wins; the step
/// is then -lr * g.
#[test]
fn greedy_sgdm_first_step_picks_the_smallest_momentum() {
    use majorize::optim::{GreedySgdm, Transform};
    let g = GreedySgdm { lr: 0.1, momentum: vec![0.99, 0.5, 0.9], ..GreedySgdm::default() };
    let params = vec![Tensor::vector(vec![1.0, 2.0])];
    let mut st = g.init(&params);
    let u = g.update(vec![Tensor::vector(vec![3.0, -4.0])], &mut st, &params);
    assert_eq!(st.chosen, vec![1]);
    assert_eq!(u[0].data(), &[-0.1 * 3.0, 0.1 * 4.0]);
    // Second step with the gradient reversed: b_j = mu_j g1 + g2 with g2 = -g1,
    // so J_j = g2 . b_j sqrt(1 - mu_j^2) = (1 - mu_j) ||g||^2 sqrt(1 - mu_j^2):
    // the reversal favours the least momentum.
    let _ = g.update(vec![Tensor::vector(vec![-3.0, 4.0])], &mut st, &params);
    let j = |mu: f64| (1.0 - mu) * (1.0 - mu * mu).sqrt();
    let best = [0.99, 0.5, 0.9].iter().enumerate().max_by(|a, b| j(*a.1).total_cmp(&j(*b.1))).unwrap().0;
    assert_eq!(st.chosen, vec![best]);
}
