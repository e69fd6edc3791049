//! Small networks: one-hidden-layer perceptrons on seeded random data,
//! with a squared-error, softmax cross-entropy or logistic head on a last
//! layer `H @ W2 + b2` of the form
//! [`last_layer::recognise`](crate::mm::last_layer::recognise) takes; the
//! strategy [`networks`] and the builder [`mlp`] it maps its draws through.

use std::fmt;

use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, StandardNormal};

use crate::mm::last_layer::Head;
use crate::{Func, Graph, Model, Shape, Tensor};

/// A network to train: the loss, a random start and a one-line
/// description. Its `Debug` form is the description and the start's norm.
#[derive(Clone)]
pub struct Network {
    /// The loss; its parameters are `W1`, `b1`, `W2`, `b2`.
    pub model: Model,
    /// A seeded Glorot-uniform start (biases 0), as the model's `init`.
    pub start: Vec<Tensor>,
    /// Such as `tanh MLP 4-3-2, softmax cross-entropy, 20 rows (mlp(...))`,
    /// with the builder's call that rebuilds it.
    pub description: String,
}

impl fmt::Debug for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let norm = self.start.iter().map(|t| t.norm().powi(2)).sum::<f64>().sqrt();
        write!(f, "{}, start norm {norm:.4}", self.description)
    }
}

/// The hidden activations [`networks`] draws from, in shrinking order.
pub const ACTIVATIONS: [Func; 4] = [Func::Tanh, Func::Sigmoid, Func::Softplus, Func::Relu];

/// The heads [`networks`] draws from, in shrinking order.
pub const HEADS: [Head; 3] = [Head::Squared, Head::CrossEntropy, Head::Logistic];

/// Networks [`mlp`] builds from 8 to 32 rows of 1 to 4 inputs, 1 to 6
/// hidden units, an activation from [`ACTIVATIONS`], a head from [`HEADS`]
/// (2 or 3 classes for cross-entropy) and seeds for the data and the
/// start. Each number shrinks toward its low end (tanh, squared error).
pub fn networks() -> impl Strategy<Value = Network> {
    let shape = (8usize..=32, 1usize..=4, 1usize..=6, 2usize..=3);
    let picks = (0..ACTIVATIONS.len(), 0..HEADS.len(), any::<u64>(), any::<u64>());
    (shape, picks).prop_map(|((rows, inputs, hidden, classes), (act, head, data_seed, init_seed))| {
        mlp(rows, inputs, hidden, classes, ACTIVATIONS[act], HEADS[head], data_seed, init_seed)
    })
}

fn head_name(head: Head) -> &'static str {
    match head {
        Head::Squared => "squared error",
        Head::CrossEntropy => "softmax cross-entropy",
        Head::Logistic => "logistic",
    }
}

/// The perceptron `H = act(X @ W1 + b1)`, `Z = H @ W2 + b2` on `rows`
/// standard normal rows of `inputs` columns (drawn from `data_seed`), with
/// the loss of `head`:
///
/// - `Squared`: `mean((Z - y)^2)`, `Z` and `y` vectors (`W2[hidden]`, a
///   scalar `b2`);
/// - `CrossEntropy`: `mean(logsumexp(Z, 1) - sum(Y * Z, 1))` over
///   `classes` classes, `Y` one-hot (`W2[hidden, classes]`, `b2[classes]`);
/// - `Logistic`: `mean(softplus(Z) - y * Z)`, labels `y` in {0, 1}.
///
/// The targets come from a random teacher `t = tanh(X V) u` of three units
/// plus noise: `y = t_0`, the argmax of `t` (one column per class), or `t_0
/// > 0`. The start (from `init_seed`) draws each weight matrix uniformly
/// in `±sqrt(6 / (fan_in + fan_out))`; the biases are 0.
#[allow(clippy::too_many_arguments)]
pub fn mlp(
    rows: usize,
    inputs: usize,
    hidden: usize,
    classes: usize,
    activation: Func,
    head: Head,
    data_seed: u64,
    init_seed: u64,
) -> Network {
    let k = if head == Head::CrossEntropy { classes } else { 1 };
    let (x, targets) = teacher_data(rows, inputs, k, data_seed);
    let mut g = Graph::new();
    let (out_w, out_b) =
        if k == 1 { (Shape::Vector(hidden), Shape::Scalar) } else { (Shape::Matrix(hidden, k), Shape::Vector(k)) };
    let w1 = g.param("W1", Shape::Matrix(inputs, hidden)).unwrap();
    let b1 = g.param("b1", Shape::Vector(hidden)).unwrap();
    let w2 = g.param("W2", out_w).unwrap();
    let b2 = g.param("b2", out_b).unwrap();
    let xn = g.data("X", Tensor::new(Shape::Matrix(rows, inputs), x)).unwrap();
    let pre = g.matmul(xn, w1).unwrap();
    let pre = g.add(pre, b1).unwrap();
    let h = g.func(activation, pre);
    let hw = g.matmul(h, w2).unwrap();
    let z = g.add(hw, b2).unwrap();
    let score = |i: usize, c: usize| targets[i * k + c];
    let e = match head {
        Head::Squared => {
            let y = g.data("y", Tensor::vector((0..rows).map(|i| score(i, 0)).collect())).unwrap();
            let r = g.sub(z, y).unwrap();
            g.powi(r, 2)
        }
        Head::Logistic => {
            let labels = (0..rows).map(|i| if score(i, 0) > 0.0 { 1.0 } else { 0.0 }).collect();
            let y = g.data("y", Tensor::vector(labels)).unwrap();
            let sp = g.func(Func::Softplus, z);
            let yz = g.mul(y, z).unwrap();
            g.sub(sp, yz).unwrap()
        }
        Head::CrossEntropy => {
            let mut onehot = vec![0.0; rows * k];
            for i in 0..rows {
                let best = (0..k).max_by(|&a, &b| score(i, a).total_cmp(&score(i, b))).unwrap();
                onehot[i * k + best] = 1.0;
            }
            let y = g.data("Y", Tensor::new(Shape::Matrix(rows, k), onehot)).unwrap();
            let lse = g.logsumexp(z, Some(1)).unwrap();
            let yz = g.mul(y, z).unwrap();
            let picked = g.sum(yz, Some(1)).unwrap();
            g.sub(lse, picked).unwrap()
        }
    };
    let loss = g.mean(e, None).unwrap();
    let mut rng = StdRng::seed_from_u64(init_seed);
    let mut glorot = |shape: Shape, fan_in: usize, fan_out: usize| {
        let a = (6.0 / (fan_in + fan_out) as f64).sqrt();
        Tensor::new(shape, (0..shape.len()).map(|_| rng.random_range(-a..a)).collect())
    };
    let start = vec![
        glorot(Shape::Matrix(inputs, hidden), inputs, hidden),
        Tensor::zeros(Shape::Vector(hidden)),
        glorot(out_w, hidden, k),
        Tensor::zeros(out_b),
    ];
    let description = format!(
        "{activation} MLP {inputs}-{hidden}-{k}, {}, {rows} rows (mlp({rows}, {inputs}, {hidden}, {classes}, Func::{activation:?}, Head::{head:?}, {data_seed}, {init_seed}))",
        head_name(head)
    );
    Network { model: Model::new(g, loss, start.clone()).unwrap(), start, description }
}

/// `rows x inputs` standard normal inputs and a teacher's `rows x outputs`
/// scores `tanh(X V) U + noise / 2` (three hidden units, `V` and `U`
/// standard normal).
fn teacher_data(rows: usize, inputs: usize, outputs: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut draw = |len: usize| -> Vec<f64> { (0..len).map(|_| StandardNormal.sample(&mut rng)).collect() };
    let (x, v, u, noise) = (draw(rows * inputs), draw(inputs * 3), draw(3 * outputs), draw(rows * outputs));
    let scores = (0..rows * outputs)
        .map(|ic| {
            let (i, c) = (ic / outputs, ic % outputs);
            let unit = |j: usize| (0..inputs).map(|l| x[i * inputs + l] * v[l * 3 + j]).sum::<f64>().tanh();
            (0..3).map(|j| unit(j) * u[j * outputs + c]).sum::<f64>() + noise[ic] / 2.0
        })
        .collect();
    (x, scores)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Evaluator;
    use crate::optim::Problem;
    use proptest::strategy::ValueTree;

    proptest! {
        #![proptest_config(crate::testing::config(64))]

        /// At the start the loss and its gradient are finite, the start is
        /// not 0, and the last layer is recognised with the drawn head,
        /// `W2` as its weight and `b2` as its bias.
        #[test]
        fn networks_are_finite_and_end_in_a_last_layer(net in networks()) {
            let mut ev = Evaluator::new(&net.model.graph, net.model.loss);
            let (value, grad) = ev.value_and_grad(&net.start);
            prop_assert!(value.is_finite() && grad.iter().all(Tensor::is_finite), "{value}, {grad:?}");
            prop_assert!(net.start[0].norm() > 0.0 && net.start[2].norm() > 0.0);
            let problem = Problem::new(&net.model);
            let layer = problem.last_layer();
            prop_assert!(layer.is_some(), "no last layer");
            let layer = layer.unwrap();
            prop_assert!(net.description.contains(head_name(layer.head)));
            prop_assert_eq!((layer.weight, layer.bias), (2, Some((3, 1.0))));
        }
    }

    /// Every activation and head is drawn, each a few times in 200 cases.
    #[test]
    fn every_activation_and_head_is_drawn() {
        let mut runner = proptest::test_runner::TestRunner::new(crate::testing::config(200));
        let (mut acts, mut heads) = ([0; 4], [0; 3]);
        for _ in 0..200 {
            let net = networks().new_tree(&mut runner).unwrap().current();
            let act = ACTIVATIONS.iter().position(|a| net.description.starts_with(&format!("{a} "))).unwrap();
            acts[act] += 1;
            heads[HEADS.iter().position(|&h| net.description.contains(head_name(h))).unwrap()] += 1;
        }
        assert!(acts.iter().chain(&heads).all(|&n| n >= 10), "{acts:?} {heads:?}");
    }
}
