//! The language's derived functions and its gather forms: `max`, `min`,
//! `clip`, transposes, indexing and slicing, inline data, real powers,
//! `logsigmoid`, `softmax`, `norm`, `dot`, `ones`, `zeros`. Each is
//! evaluated against the formula it stands for, its gradient against the
//! closed form or central differences, and its enclosures against sampled
//! values.

mod common;

use std::cell::Cell;

use majorize::bound::Bounder;
use majorize::testing::central_difference;
use majorize::{Evaluator, Interval, Model, Shape, Tensor, lang};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;

fn program(src: &str) -> Model {
    lang::parse_program("t.loss", src, std::path::Path::new(".")).unwrap_or_else(|e| panic!("{}", e.render()))
}

fn value(m: &Model) -> f64 {
    Evaluator::new(&m.graph, m.loss).forward(&m.init).item()
}

fn grad(m: &Model) -> Vec<Tensor> {
    Evaluator::new(&m.graph, m.loss).value_and_grad(&m.init).1
}

/// The data matrix of these tests: X[i][j] = 10 i + j + 1 over 3 x 4.
const X: &str = "data X = [[1, 2, 3, 4], [11, 12, 13, 14], [21, 22, 23, 24]]\n";

fn x(i: usize, j: usize) -> f64 {
    (10 * i + j + 1) as f64
}

#[test]
fn indexing_and_slicing_take_the_elements_numpy_takes() {
    let cases: &[(&str, f64)] = &[
        ("sum(X[:, 1:3])", (0..3).map(|i| x(i, 1) + x(i, 2)).sum()),
        ("sum(X[:, 0])", (0..3).map(|i| x(i, 0)).sum()),
        ("sum(X[2, :])", (0..4).map(|j| x(2, j)).sum()),
        ("sum(X[1:3, :])", (1..3).flat_map(|i| (0..4).map(move |j| x(i, j))).sum()),
        ("sum(X[1])", (0..4).map(|j| x(1, j)).sum()),
        ("X[2, 3]", x(2, 3)),
        ("sum(X[:2, 2:])", (0..2).flat_map(|i| (2..4).map(move |j| x(i, j))).sum()),
        ("sum(X[:, 1:4][1:3, 0])", x(1, 1) + x(2, 1)),
        // X' @ X: the Gram matrix, entry (j, k) = sum_i X[i][j] X[i][k].
        ("sum(X' @ X)", (0..4).flat_map(|j| (0..4).map(move |k| (0..3).map(|i| x(i, j) * x(i, k)).sum::<f64>())).sum()),
        ("(X')[3, 0]", x(0, 3)),
        ("transpose(X)[1, 2]", x(2, 1)),
        ("sum(reshape(X, 12)[5:7])", x(1, 1) + x(1, 2)),
        // Row-major: element (1, 0) of the 4 x 3 reshape is element 3.
        ("reshape(X, 4, 3)[1, 0]", x(0, 3)),
    ];
    for (expr, want) in cases {
        let m = program(&format!("{X}param w = 0\nminimize {expr} + w^2\n"));
        assert_eq!(value(&m), *want, "{expr}");
    }
}

#[test]
fn gather_gradients_scatter_back() {
    // d/dW sum(U @ W') with U all ones [2, 3], W [4, 3]: each entry of W
    // appears in 2 products with coefficient 1.
    let m = program("param U[2, 3] = 1\nparam W[4, 3] = [[1,2,3],[4,5,6],[7,8,9],[1,1,1]]\nminimize sum(U @ W')\n");
    let g = grad(&m);
    assert_eq!(g[1], Tensor::full(Shape::Matrix(4, 3), 2.0));
    // d/dU_ij = sum_k W_kj: the column sums of W.
    let cols = [13.0, 16.0, 19.0];
    assert_eq!(g[0].data(), &[cols, cols].concat()[..]);
    // A repeated element gets the sum of its uses: w[1] twice, w[0] once.
    let m = program("param w[3] = [1, 2, 3]\nminimize w[1]^2 + 3 * w[1] + w[0] * sum(w[0:2])\n");
    // d/dw0 = 2 w0 + w1 = 4; d/dw1 = 2 w1 + 3 + w0 = 8; d/dw2 = 0.
    assert_eq!(grad(&m)[0].data(), &[4.0, 8.0, 0.0]);
}

#[test]
fn max_min_and_clip_are_their_formulas() {
    let cases: &[(&str, f64, f64)] = &[
        // (expression in x, at x, value)
        ("max(2, x)", 3.0, 3.0),
        ("max(2, x)", 1.0, 2.0),
        ("min(2, x)", 3.0, 2.0),
        ("min(x, -1)", 0.5, -1.0),
        ("clip(x, -1, 1)", 0.25, 0.25),
        ("clip(x, -1, 1)", 7.0, 1.0),
        ("clip(x, -1, 1)", -7.0, -1.0),
        ("clip(x, 2, 2)", 0.0, 2.0),
    ];
    for &(expr, at, want) in cases {
        let mut m = lang::parse_inline(expr).unwrap();
        m.set_init("x", Tensor::scalar(at)).unwrap();
        assert_eq!(value(&m), want, "{expr} at {at}");
        // The slope: 1 where x is the one taken, 0 elsewhere.
        let slope = if want == at { 1.0 } else { 0.0 };
        assert_eq!(grad(&m)[0].item(), slope, "{expr} at {at}");
    }
    // Broadcasting: a vector against a scalar.
    let m = program("data c = [1, 10, 100, 1000]\nparam w[4] = [-3, -0.5, 0.5, 3]\nminimize dot(clip(w, -1, 1), c)\n");
    assert_eq!(value(&m), -1.0 - 5.0 + 50.0 + 1000.0);
    assert_eq!(grad(&m)[0].data(), &[0.0, 10.0, 100.0, 0.0]);
}

#[test]
fn inline_data_and_constant_tensors() {
    let m = program("data c = [1, 2, 3]\ndata M = [[1, 2], [3, 4]]\nparam w = 1\nminimize w * (sum(c) + sum(M @ M))\n");
    // M @ M = [[7, 10], [15, 22]].
    assert_eq!(value(&m), 6.0 + 54.0);
    assert_eq!(m.graph.data_tensors()[1].value.shape(), Shape::Matrix(2, 2));
    let m = program("param w[3] = [1, 2, 3]\nminimize sum(ones(2, 3) * w) + sum(zeros(3) + w) + sum(ones(4))\n");
    assert_eq!(value(&m), 2.0 * 6.0 + 6.0 + 4.0);
    assert_eq!(grad(&m)[0].data(), &[3.0, 3.0, 3.0]);
}

#[test]
fn powers_with_exponents_that_vary() {
    let at = |expr: &str, xs: (f64, f64)| {
        let mut m = lang::parse_inline(expr).unwrap();
        m.set_init("x", Tensor::scalar(xs.0)).unwrap();
        if m.graph.param_index("y").is_some() {
            m.set_init("y", Tensor::scalar(xs.1)).unwrap();
        }
        (value(&m), grad(&m).iter().map(Tensor::item).collect::<Vec<f64>>())
    };
    let (x, y) = (1.5f64, 0.75f64);
    let (v, g) = at("x ^ y", (x, y));
    assert!((v - x.powf(y)).abs() <= 4.0 * f64::EPSILON * v);
    // d/dx = y x^(y-1), d/dy = x^y log x.
    assert!((g[0] - y * x.powf(y - 1.0)).abs() < 1e-14 && (g[1] - x.powf(y) * x.ln()).abs() < 1e-14, "{g:?}");
    let (v, g) = at("2 ^ x", (x, 0.0));
    assert!((v - 2f64.powf(x)).abs() <= 4.0 * f64::EPSILON * v);
    assert!((g[0] - 2f64.powf(x) * 2f64.ln()).abs() < 1e-14);
    // A constant exponent keeps the integer power.
    let m = lang::parse_inline("x ^ (1 + 2)").unwrap();
    assert_eq!(m.graph.display(m.loss), "x^3");
    // The constant base's log is a node: the interval passes enclose it.
    let m = lang::parse_inline("3 ^ x").unwrap();
    assert_eq!(m.graph.display(m.loss), "exp(x * log(3))");
}

#[test]
fn logsigmoid_softmax_norm_and_dot() {
    let mut m = lang::parse_inline("logsigmoid(x)").unwrap();
    for x in [-800.0, -3.0, 0.0, 2.5, 800.0f64] {
        m.set_init("x", Tensor::scalar(x)).unwrap();
        let want = if x < -30.0 { x } else { -(-x).exp().ln_1p() };
        assert!((value(&m) - want).abs() <= 1e-15 * (1.0 + want.abs()), "logsigmoid({x})");
    }
    // softmax along rows: each row sums to 1 and is exp(a_i) / sum_j exp(a_j).
    let a = [[1.0, 2.0, 3.0], [-1.0, 0.0, 5.0]];
    for axis in [0usize, 1] {
        let m = program(&format!(
            "data A = [[1, 2, 3], [-1, 0, 5]]\nparam w = 0\nlet S = softmax(A + w, {axis})\nminimize S[1, 2] + 0 * sum(S)\n"
        ));
        let (num, den) = if axis == 1 {
            (a[1][2], a[1].iter().map(|v: &f64| v.exp()).sum::<f64>())
        } else {
            (a[1][2], a[0][2].exp() + a[1][2].exp())
        };
        let want = num.exp() / den;
        assert!((value(&m) - want).abs() < 1e-15, "axis {axis}: {} vs {want}", value(&m));
        let m = program(&format!(
            "data A = [[1, 2, 3], [-1, 0, 5]]\nparam w = 0\nminimize sum(softmax(A * (1 + w), {axis}), {axis})[1]\n"
        ));
        assert!((value(&m) - 1.0).abs() < 1e-15, "axis {axis}: sums to {}", value(&m));
    }
    let m = program("param v[3] = [1, 2, 3]\nminimize softmax(v)[0]\n");
    let den: f64 = [1f64, 2.0, 3.0].iter().map(|v| v.exp()).sum();
    assert!((value(&m) - 1f64.exp() / den).abs() < 1e-15);
    // norm: 3-4-5; its gradient is v / |v|. Frobenius for a matrix.
    let m = program("param v[2] = [3, 4]\nminimize norm(v)\n");
    assert_eq!(value(&m), 5.0);
    let g = grad(&m);
    assert!((g[0].data()[0] - 0.6).abs() < 1e-15 && (g[0].data()[1] - 0.8).abs() < 1e-15, "{g:?}");
    let m = program("param M[2, 2] = [[1, 2], [2, 4]]\nminimize norm(M)\n");
    assert_eq!(value(&m), 5.0);
    let m = program("param a[3] = [1, 2, 3]\nparam b[3] = [4, -5, 6]\nminimize dot(a, b)\n");
    assert_eq!(value(&m), 4.0 - 10.0 + 18.0);
    assert_eq!(grad(&m)[0].data(), &[4.0, -5.0, 6.0]);
}

/// Every new construct in one loss: reverse mode agrees with central
/// differences in every coordinate.
#[test]
fn gradients_of_every_construct_match_central_differences() {
    let src = format!(
        "{X}param w[4] = [0.3, -0.2, 0.5, 0.1]\nparam U[2, 3] = [[0.1, 0.2, -0.3], [0.4, -0.5, 0.6]]\n\
         param V[4, 3] = [[0.1, 0.2, 0.3], [-0.1, 0.4, 0.2], [0.3, 0.1, -0.2], [0.2, 0.2, 0.2]]\n\
         let s = softmax(U @ V', 1)\n\
         minimize sum(s[:, 1:3]) + max(w[0], w[1]) + sum(min(w, 0.2)) + sum(clip(V[1:3, :], -0.15, 0.25)) +\n\
           norm(w) + dot(w, X[0, :]) / 100 + logsigmoid(w[2]) + (w[2] + 1) ^ w[3] + 2 ^ w[1] +\n\
           sum(transpose(U)[0:2, 1] * w[2:4]) + sum(reshape(V, 2, 6) * ones(2, 6))\n"
    );
    let m = program(&src);
    let mut ev = Evaluator::new(&m.graph, m.loss);
    let g = ev.value_and_grad(&m.init).1;
    for (p, gp) in g.iter().enumerate() {
        for e in 0..gp.shape().len() {
            let dir: Vec<Tensor> = m
                .init
                .iter()
                .enumerate()
                .map(|(q, t)| {
                    let mut d = Tensor::zeros(t.shape());
                    if q == p {
                        d.data_mut()[e] = 1.0;
                    }
                    d
                })
                .collect();
            let fd = central_difference(&mut ev, &m.init, &dir, 1e-6);
            assert!((fd - gp.data()[e]).abs() < 1e-6, "param {p} element {e}: {} vs {fd}", gp.data()[e]);
        }
    }
}

/// A loss with transposes, slices, reshapes, softmax, powers and the
/// relu forms of `max`, `min` and `clip`.
fn gather_loss() -> Model {
    program(&format!(
        "{X}param U[2, 3] = 0\nparam V[4, 3] = 0\nparam w[4] = 0\n\
         let s = softmax(U @ V', 1)\n\
         minimize sum(s[:, 1:3] * (X[0:2, 1:3] / 10)) + sum(max(w, V[:, 0])) + sum(clip(transpose(V)[1, :], -0.5, 0.5)^2) +\n\
           norm(reshape(U, 6)[1:5]) + dot(w, X[:, 2]' [0:1] * ones(4)) / 50 + (w[0]^2 + 1) ^ w[1]\n"
    ))
}

/// Dyadic numbers (few significant bits), so that `x + eta v` is exact.
fn coarse() -> impl Strategy<Value = f64> {
    (-16i32..=16).prop_map(|k| f64::from(k) / 16.0)
}

/// The degree-2 enclosure along a random direction holds at sampled points
/// of the line, through every gather; and it is finite in most cases (so
/// that the check is not vacuous).
#[test]
fn line_enclosures_hold_through_gathers() {
    let m = gather_loss();
    let split = |vals: &[f64]| -> Vec<Tensor> {
        let mut k = 0;
        m.init
            .iter()
            .map(|t| {
                let n = t.shape().len();
                k += n;
                Tensor::new(t.shape(), vals[k - n..k].to_vec())
            })
            .collect()
    };
    let strategy = (
        prop::collection::vec(coarse(), 22),
        prop::collection::vec(coarse(), 22),
        (1i32..=32).prop_map(|k| f64::from(k) / 32.0),
    );
    let finite = Cell::new(0usize);
    let mut runner = TestRunner::new(majorize::testing::config(200));
    runner
        .run(&strategy, |(x, v, e)| {
            let (x, v) = (split(&x), split(&v));
            let c = Bounder::new(&m.graph, m.loss).line::<3>(&x, &v, Interval::new(0.0, e)).polys[0].c;
            finite.set(finite.get() + usize::from(c.iter().all(|c| c.is_finite())));
            let mut ev = Evaluator::new(&m.graph, m.loss);
            for j in 0..=16 {
                let eta = e * f64::from(j) / 16.0;
                let p: Vec<Tensor> = x.iter().zip(&v).map(|(a, b)| a.zip_with(b, |a, b| a + eta * b)).collect();
                let f = ev.forward(&p).item();
                if !f.is_finite() {
                    continue;
                }
                let t = Interval::point(eta);
                let bound = c[0] + c[1] * t + c[2] * t * t;
                // f64 evaluation rounds; the enclosure is rigorous.
                let slack = 1e-12 * (1.0 + f.abs());
                prop_assert!(
                    bound.lo() - slack <= f && f <= bound.hi() + slack,
                    "at eta {eta}: f = {f}, bound {bound}"
                );
            }
            Ok(())
        })
        .unwrap();
    assert!(finite.get() >= 100, "only {} of 200 enclosures finite", finite.get());
}
