//! Exact last-layer steps (squared error, softmax cross-entropy, logistic
//! loss): the bench networks are recognised (after
//! simplification, as `minimize` sees them), losses without a last linear
//! layer are not, and on random small networks every exact step and every
//! `lastlayer` step keeps or lowers the loss.

mod common;

use majorize::mm::last_layer::{Head, recognise};
use majorize::optim::{self, Alternating, RunOptions};
use majorize::simplify::Simplifier;
use majorize::{Evaluator, Func, Graph, Model, NodeId, Problem, Shape, Tensor, lang};
use proptest::prelude::*;

/// A `.loss` file of `bench/`, simplified as `minimize` does.
fn bench(name: &str) -> Model {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("bench");
    let text = std::fs::read_to_string(dir.join(name)).unwrap();
    let model = lang::parse_program(name, &text, &dir).unwrap_or_else(|e| panic!("{}", e.render()));
    Simplifier::default().run_model(&model).0
}

#[test]
fn the_bench_networks_are_recognised() {
    // (file, head, W, b, factor: 1/N of the mean (1797 digits, 1/N over
    // the sp500 weeks), ridge on W)
    let sp500_weeks = bench("sp500_mlp.loss").graph.data_tensors()[0].value.shape().dims2().0;
    let cases = [
        ("mlp_digits.loss", Head::CrossEntropy, "W2", "b2", 1.0 / 1797.0, 0.0),
        ("mlp_deep_digits.loss", Head::CrossEntropy, "W3", "b3", 1.0 / 1797.0, 0.0),
        ("softmax_digits.loss", Head::CrossEntropy, "W", "b", 1.0 / 1797.0, 1e-3),
        ("sp500_mlp.loss", Head::Squared, "w2", "b2", 1.0 / sp500_weeks as f64, 0.0),
    ];
    for (file, head, w, b, factor, ridge) in cases {
        let model = bench(file);
        let layer = recognise(&model.graph, model.loss).unwrap_or_else(|| panic!("{file}: no last layer"));
        let name = |i: usize| model.graph.params()[i].name.as_str();
        assert_eq!(layer.head, head, "{file}");
        assert_eq!((name(layer.weight), layer.bias.map(|(i, s)| (name(i), s))), (w, Some((b, 1.0))), "{file}");
        assert!((layer.factor - factor).abs() <= 1e-15 * factor, "{file}: factor {}", layer.factor);
        assert_eq!(layer.ridge, ridge, "{file}");
    }
    // softmax_digits' input is the data itself, scaled into W: X @ (W * 0.0625).
    let model = bench("softmax_digits.loss");
    assert_eq!(recognise(&model.graph, model.loss).unwrap().scale, 0.0625);
}

#[test]
fn losses_without_a_last_linear_layer_are_not_recognised() {
    let data =
        "data A = [[1, 2], [3, -1], [0, 1]]\ndata y = [1, 0, 1]\nparam W[2, 2] = 0\nparam w[2] = 0\nparam b = 0\n";
    for objective in [
        // A logistic head on a layer with two outputs.
        "mean(softplus(A @ W) - A * (A @ W))",
        // A nonlinearity after the layer.
        "mean((tanh(A @ w + b) - y)^2)",
        // W elsewhere in the loss (a kink penalty).
        "mean((A @ w + b - y)^2) + sum(abs(w))",
        // The layer's input depends on its own weights.
        "mean((tanh(A * sum(w)) @ w + b - y)^2)",
        // An offset beside the layer depends on them.
        "mean((tanh(A @ W) @ w + sum(w) - y)^2)",
        // The cube, not the square.
        "mean((A @ w + b - y)^3)",
        // A negative ridge.
        "mean((A @ w + b - y)^2) - 0.1 * sum(w^2)",
        // No layer at all.
        "(1 - b)^2 + 100 * (sum(w) - b^2)^2",
    ] {
        let model = lang::parse_program("t.loss", &format!("{data}minimize {objective}\n"), std::path::Path::new("."))
            .unwrap_or_else(|e| panic!("{}", e.render()));
        let model = Simplifier::default().run_model(&model).0;
        assert!(recognise(&model.graph, model.loss).is_none(), "{objective}");
    }
}

/// A random small network: inputs `X` (`n x d`), `depth` hidden layers of
/// `h` units with activation `act`, a last layer of `k` outputs (`W`
/// scaled by `scale`; a vector `W` and a scalar bias when `k = 1` and
/// `vector`), the head, a ridge `lambda` on `W` and one on the first
/// hidden layer's weights. Every value comes from `vals` (cycled).
#[derive(Debug)]
struct Net {
    n: usize,
    d: usize,
    h: usize,
    k: usize,
    depth: usize,
    act: Func,
    head: Head,
    vector: bool,
    scale: f64,
    lambda: f64,
}

/// Values drawn in turn from a list, cycled (scaled a little more each round).
struct Draw<'a> {
    vals: &'a [f64],
    at: usize,
}

impl Draw<'_> {
    fn take(&mut self, len: usize) -> Vec<f64> {
        self.at += len;
        (self.at - len..self.at)
            .map(|i| self.vals[i % self.vals.len()] * (1.0 + (i / self.vals.len()) as f64 * 0.1))
            .collect()
    }

    /// A parameter of `shape`, its initial value pushed on `init`.
    fn param(&mut self, g: &mut Graph, init: &mut Vec<Tensor>, name: &str, shape: Shape) -> NodeId {
        init.push(Tensor::new(shape, self.take(shape.len()).iter().map(|v| v * 0.5).collect()));
        g.param(name, shape).unwrap()
    }
}

fn network(net: &Net, vals: &[f64]) -> Model {
    let mut draw = Draw { vals, at: 0 };
    let mut g = Graph::new();
    let mut init = Vec::new();
    let x = g.data("X", Tensor::new(Shape::Matrix(net.n, net.d), draw.take(net.n * net.d))).unwrap();
    let (mut a, mut width, mut penalty) = (x, net.d, None);
    for l in 0..net.depth {
        let w = draw.param(&mut g, &mut init, &format!("W{l}"), Shape::Matrix(width, net.h));
        let b = draw.param(&mut g, &mut init, &format!("b{l}"), Shape::Vector(net.h));
        let z = g.matmul(a, w).unwrap();
        let z = g.add(z, b).unwrap();
        a = g.func(net.act, z);
        width = net.h;
        penalty = penalty.or(Some(w));
    }
    let (wshape, bshape) = if net.k == 1 && net.vector {
        (Shape::Vector(width), Shape::Scalar)
    } else {
        (Shape::Matrix(width, net.k), Shape::Vector(net.k))
    };
    let w = draw.param(&mut g, &mut init, "W", wshape);
    let b = draw.param(&mut g, &mut init, "b", bshape);
    let c = g.constant(net.scale);
    let cw = g.mul(w, c).unwrap();
    let z = g.matmul(a, cw).unwrap();
    let z = g.add(b, z).unwrap();
    let rows = g.shape(z);
    let fit = match net.head {
        Head::Squared => {
            let y = g.data("y", Tensor::new(rows, draw.take(rows.len()))).unwrap();
            let r = g.sub(z, y).unwrap();
            let r2 = g.powi(r, 2);
            g.mean(r2, None).unwrap()
        }
        Head::CrossEntropy => {
            let labels = draw.take(net.n).iter().map(|v| ((v.abs() * 7.0) as usize % net.k) as f64).collect();
            let y = g.data("labels", Tensor::vector(labels)).unwrap();
            let y = g.onehot(y, net.k).unwrap();
            let lse = g.logsumexp(z, Some(1)).unwrap();
            let zy = g.mul(y, z).unwrap();
            let picked = g.sum(zy, Some(1)).unwrap();
            let ce = g.sub(lse, picked).unwrap();
            g.mean(ce, None).unwrap()
        }
        Head::Logistic => {
            let labels = draw.take(rows.len()).iter().map(|v| f64::from(u8::from(*v > 0.0))).collect();
            let y = g.data("y", Tensor::new(rows, labels)).unwrap();
            let sp = g.func(Func::Softplus, z);
            let yz = g.mul(y, z).unwrap();
            let e = g.sub(sp, yz).unwrap();
            g.mean(e, None).unwrap()
        }
    };
    let mut loss = fit;
    for p in [Some(w), penalty].into_iter().flatten() {
        let p2 = g.powi(p, 2);
        let s = g.sum(p2, None).unwrap();
        let l = g.constant(net.lambda);
        let r = g.mul(l, s).unwrap();
        loss = g.add(loss, r).unwrap();
    }
    Model::new(g, loss, init).unwrap()
}

fn net() -> impl Strategy<Value = Net> {
    let acts = [Func::Tanh, Func::Softplus, Func::Sigmoid, Func::Swish, Func::Relu, Func::Sin, Func::Erf];
    (
        (2usize..12, 1usize..4, 1usize..6, 1usize..4, 0usize..3),
        (0usize..acts.len(), any::<bool>(), any::<bool>(), -3.0f64..3.0, prop_oneof![Just(0.0), 1e-4f64..1.0]),
    )
        .prop_map(move |((n, d, h, k, depth), (act, ce, vector, scale, lambda))| {
            let head = match (ce, k) {
                (true, 1) => Head::Logistic,
                (true, _) => Head::CrossEntropy,
                _ => Head::Squared,
            };
            let scale = if scale.abs() < 0.1 { 1.0 } else { scale };
            Net { n, d, h, k, depth, act: acts[act], head, vector, scale, lambda }
        })
}

proptest! {
    #![proptest_config(majorize::testing::config(60))]

    /// On random small networks the last layer is recognised, the exact
    /// step alone does not raise the loss (beyond rounding), and every
    /// `lastlayer` step keeps or lowers it, with finite parameters.
    #[test]
    fn every_lastlayer_step_is_monotone(net in net(), vals in prop::collection::vec(-2.0f64..2.0, 7..40)) {
        let model = network(&net, &vals);
        let layer = recognise(&model.graph, model.loss);
        prop_assert!(layer.is_some(), "not recognised: {}", model.graph.display(model.loss));
        let layer = layer.unwrap();
        prop_assert_eq!(layer.head, net.head);
        let x0 = model.init.clone();
        let mut ev = Evaluator::new(&model.graph, model.loss);
        let (f0, g) = ev.value_and_grad(&x0);
        prop_assume!(f0.is_finite());
        if let Some(x) = layer.step(&layer.input_values(&model.graph, &x0), &x0, &g) {
            let f1 = ev.loss(&x);
            prop_assert!(f1 <= f0 + 1e-12 * f0.abs(), "exact step: {f0} -> {f1} on {}", model.graph.display(model.loss));
        }
        let mut problem = Problem::new(&model);
        let opts = RunOptions { max_steps: 12, grad_tol: 0.0, ..RunOptions::default() };
        let r = optim::run(&mut Alternating::default(), &mut problem, x0, &opts, |_| {});
        let losses: Vec<f64> = r.trace.iter().map(|p| p.loss).collect();
        prop_assert!(losses.windows(2).all(|w| w[1] <= w[0]), "{losses:?} on {}", model.graph.display(model.loss));
        prop_assert!(r.params.iter().all(Tensor::is_finite));
    }
}
