//! Small networks: 0 to 2 hidden layers on small data, with a squared
//! error, softmax cross-entropy or logistic head on a last layer `H @ W + b`
//! (or `H @ (W * c) + b`, plus ridge penalties) of the form
//! [`last_layer::recognise`](crate::mm::last_layer::recognise) takes; the
//! strategy [`networks`] and the spec [`NetSpec`] it maps its draws to.

use std::fmt;

use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, StandardNormal};

use crate::mm::last_layer::Head;
use crate::{Func, Graph, Model, Shape, Tensor};

/// A network to train: the loss, a start, a one-line description and the
/// spec that built it. Its `Debug` form is the description and the
/// start's norm.
#[derive(Clone)]
pub struct Network {
    /// The loss; its parameters are `W1`, `b1`, ..., the last layer's
    /// `W{depth+1}`, `b{depth+1}` (indices `2 depth` and `2 depth + 1`).
    pub model: Model,
    /// The start, as the model's `init`.
    pub start: Vec<Tensor>,
    /// Such as `tanh MLP 4-3-2, softmax cross-entropy, 20 rows, teacher data:
    /// NetSpec { .. }.build()`, with the spec as Rust that rebuilds it.
    pub description: String,
    /// What [`NetSpec::build`] built it from.
    pub spec: NetSpec,
}

impl fmt::Debug for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let norm = self.start.iter().map(|t| t.norm().powi(2)).sum::<f64>().sqrt();
        write!(f, "{}, start norm {norm:.4}", self.description)
    }
}

/// The hidden activations [`networks`] draws from, in shrinking order.
pub const ACTIVATIONS: [Func; 7] =
    [Func::Tanh, Func::Sigmoid, Func::Softplus, Func::Relu, Func::Swish, Func::Sin, Func::Erf];

/// The heads [`networks`] draws from, in shrinking order.
pub const HEADS: [Head; 3] = [Head::Squared, Head::CrossEntropy, Head::Logistic];

/// Where a network's numbers come from.
#[derive(Clone, Debug, PartialEq)]
pub enum NetValues {
    /// Standard normal inputs and a random teacher's targets `tanh(X V) U +
    /// noise / 2` (three units); a Glorot-uniform start: each weight uniform
    /// in `±sqrt(6 / (fan_in + fan_out))`, the biases 0.
    Teacher {
        /// The seed of the inputs and targets.
        data_seed: u64,
        /// The seed of the start.
        init_seed: u64,
    },
    /// The values in turn, cycled (each round scaled by 1.1 more): the
    /// inputs, then the start (halved), parameter by parameter, then the
    /// targets' scores. Shrinking moves them toward 0.
    Cycled(Vec<f64>),
}

/// A network for [`NetSpec::build`]: inputs `X`, hidden layers `H =
/// act(H @ W_l + b_l)`, the last layer `Z = H @ W + b` under a head.
#[derive(Clone, Debug, PartialEq)]
pub struct NetSpec {
    /// The rows of `X`.
    pub rows: usize,
    /// The columns of `X`.
    pub inputs: usize,
    /// The units of each hidden layer.
    pub hidden: usize,
    /// The columns of `Z`: at least 2 for cross-entropy, 1 for logistic.
    pub outputs: usize,
    /// The hidden layers (0: `Z = X @ W + b`).
    pub depth: usize,
    /// The hidden layers' activation.
    pub activation: Func,
    /// How `Z` enters the loss.
    pub head: Head,
    /// With one output: `W[P, 1]`, `b[1]` and a column `Z` rather than a
    /// vector `W[P]`, a scalar `b` and a vector `Z`.
    pub column: bool,
    /// `c` in `H @ (W * c)`; `None` for `H @ W`.
    pub scale: Option<f64>,
    /// `lambda` in `lambda * sum(W^2)` and (with a hidden layer) `lambda *
    /// sum(W1^2)`; `None` for neither term.
    pub penalty: Option<f64>,
    /// The inputs, targets and start.
    pub values: NetValues,
}

/// Networks of 2 to 32 rows of 1 to 4 inputs, 0 to 2 hidden layers of 1 to
/// 6 units with an activation from [`ACTIVATIONS`], a head from [`HEADS`]
/// (1 to 3 outputs for squared error, 2 or 3 classes for cross-entropy, a
/// vector or a column for one output), half of them with the last weight
/// scaled by a constant in `±[0.1, 3)`, half with a ridge `lambda` (0 or in
/// `[1e-4, 1)`), and [`NetValues`] of either kind (7 to 39 cycled values in
/// `[-2, 2)`). Everything shrinks toward its first or low end: the data
/// straight into a vector squared-error layer, no scale, no ridge, teacher
/// data.
pub fn networks() -> impl Strategy<Value = Network> {
    let sizes = (2usize..=32, 1usize..=4, 1usize..=6, 1usize..=3, 0usize..=2);
    let scale = prop::option::of((-3.0f64..3.0).prop_map(|c| if c.abs() < 0.1 { 1.0 } else { c }));
    let penalty = prop::option::of(prop_oneof![Just(0.0), 1e-4f64..1.0]);
    let kinds = (0..ACTIVATIONS.len(), 0..HEADS.len(), any::<bool>(), scale, penalty);
    let values = prop_oneof![
        (any::<u64>(), any::<u64>()).prop_map(|(data_seed, init_seed)| NetValues::Teacher { data_seed, init_seed }),
        prop::collection::vec(-2.0f64..2.0, 7..40).prop_map(NetValues::Cycled),
    ];
    (sizes, kinds, values).prop_map(
        |((rows, inputs, hidden, outputs, depth), (act, head, column, scale, penalty), values)| {
            let head = HEADS[head];
            let outputs = match head {
                Head::Squared => outputs,
                Head::CrossEntropy => outputs.max(2),
                Head::Logistic => 1,
            };
            let activation = ACTIVATIONS[act];
            NetSpec { rows, inputs, hidden, outputs, depth, activation, head, column, scale, penalty, values }.build()
        },
    )
}

fn head_name(head: Head) -> &'static str {
    match head {
        Head::Squared => "squared error",
        Head::CrossEntropy => "softmax cross-entropy",
        Head::Logistic => "logistic",
    }
}

impl NetSpec {
    /// The shapes of `W1`, `b1`, ..., `W`, `b`.
    fn shapes(&self) -> Vec<Shape> {
        let mut shapes = Vec::new();
        for l in 0..self.depth {
            let width = if l == 0 { self.inputs } else { self.hidden };
            shapes.extend([Shape::Matrix(width, self.hidden), Shape::Vector(self.hidden)]);
        }
        let (width, k) = (if self.depth == 0 { self.inputs } else { self.hidden }, self.outputs);
        if k == 1 && !self.column {
            shapes.extend([Shape::Vector(width), Shape::Scalar]);
        } else {
            shapes.extend([Shape::Matrix(width, k), Shape::Vector(k)]);
        }
        shapes
    }

    /// The network: the loss is the mean over `Z`'s elements of the head,
    /// `(Z - Y)^2`, `softplus(Z) - y * Z` with labels `y = [score > 0]`, or
    /// (a row each) `logsumexp(Z, 1) - sum(onehot(labels) * Z, 1)` with the
    /// labels the rows' highest scores; plus the penalties.
    ///
    /// # Panics
    /// If a size is 0, or `outputs` does not fit the head.
    pub fn build(&self) -> Network {
        let (n, d, k) = (self.rows, self.inputs, self.outputs);
        assert!(n > 0 && d > 0 && self.hidden > 0 && k > 0, "empty network: {self:?}");
        match self.head {
            Head::Squared => {}
            Head::CrossEntropy => assert!(k >= 2, "cross-entropy needs 2 classes or more: {self:?}"),
            Head::Logistic => assert!(k == 1, "a logistic head has one output: {self:?}"),
        }
        let shapes = self.shapes();
        let (x, start, scores) = match &self.values {
            NetValues::Teacher { data_seed, init_seed } => {
                let (x, scores) = teacher_data(n, d, k, *data_seed);
                (x, glorot(&shapes, *init_seed), scores)
            }
            NetValues::Cycled(vals) => {
                assert!(!vals.is_empty(), "no values to cycle");
                let mut at = 0;
                let mut take = |len: usize| -> Vec<f64> {
                    at += len;
                    (at - len..at).map(|i| vals[i % vals.len()] * (1.0 + (i / vals.len()) as f64 * 0.1)).collect()
                };
                let x = take(n * d);
                let start = shapes.iter().map(|&s| Tensor::new(s, take(s.len()).iter().map(|v| v * 0.5).collect()));
                let start = start.collect();
                (x, start, take(n * k))
            }
        };
        let mut g = Graph::new();
        let params: Vec<_> = (0..shapes.len())
            .map(|i| g.param(&format!("{}{}", ["W", "b"][i % 2], i / 2 + 1), shapes[i]).unwrap())
            .collect();
        let mut h = g.data("X", Tensor::new(Shape::Matrix(n, d), x)).unwrap();
        for l in 0..self.depth {
            let z = g.matmul(h, params[2 * l]).unwrap();
            let z = g.add(z, params[2 * l + 1]).unwrap();
            h = g.func(self.activation, z);
        }
        let (w, b) = (params[2 * self.depth], params[2 * self.depth + 1]);
        let cw = match self.scale {
            Some(c) => {
                let c = g.constant(c);
                g.mul(w, c).unwrap()
            }
            None => w,
        };
        let hw = g.matmul(h, cw).unwrap();
        let z = g.add(hw, b).unwrap();
        let zshape = g.shape(z);
        let e = match self.head {
            Head::Squared => {
                let y = g.data("y", Tensor::new(zshape, scores)).unwrap();
                let r = g.sub(z, y).unwrap();
                g.powi(r, 2)
            }
            Head::Logistic => {
                let labels = scores.iter().map(|&s| f64::from(u8::from(s > 0.0))).collect();
                let y = g.data("y", Tensor::new(zshape, labels)).unwrap();
                let sp = g.func(Func::Softplus, z);
                let yz = g.mul(y, z).unwrap();
                g.sub(sp, yz).unwrap()
            }
            Head::CrossEntropy => {
                let best = |i: usize| (0..k).max_by(|&a, &c| scores[i * k + a].total_cmp(&scores[i * k + c]));
                let labels = (0..n).map(|i| best(i).unwrap() as f64).collect();
                let labels = g.data("labels", Tensor::vector(labels)).unwrap();
                let y = g.onehot(labels, k).unwrap();
                let lse = g.logsumexp(z, Some(1)).unwrap();
                let yz = g.mul(y, z).unwrap();
                let picked = g.sum(yz, Some(1)).unwrap();
                g.sub(lse, picked).unwrap()
            }
        };
        let mut loss = g.mean(e, None).unwrap();
        if let Some(lambda) = self.penalty {
            for p in std::iter::once(w).chain((self.depth > 0).then_some(params[0])) {
                let p2 = g.powi(p, 2);
                let s = g.sum(p2, None).unwrap();
                let l = g.constant(lambda);
                let r = g.mul(l, s).unwrap();
                loss = g.add(loss, r).unwrap();
            }
        }
        let model = Model::new(g, loss, start).unwrap();
        Network { start: model.init.clone(), model, description: self.describe(), spec: self.clone() }
    }

    /// What the network is, and the Rust that rebuilds it.
    fn describe(&self) -> String {
        let widths = std::iter::once(self.inputs)
            .chain(std::iter::repeat_n(self.hidden, self.depth))
            .chain([self.outputs])
            .map(|w| w.to_string())
            .collect::<Vec<_>>()
            .join("-");
        let kind = if self.depth == 0 { "linear".to_string() } else { format!("{} MLP", self.activation) };
        let last = self.depth + 1;
        let column = if self.outputs == 1 && self.column { " on a column" } else { "" };
        let mut text = format!("{kind} {widths}, {}{column}, {} rows", head_name(self.head), self.rows);
        if let Some(c) = self.scale {
            text += &format!(", W{last} * {c}");
        }
        if let Some(lambda) = self.penalty {
            text += &format!(", ridge {lambda}");
        }
        let values = match &self.values {
            NetValues::Teacher { data_seed, init_seed } => {
                text += ", teacher data";
                format!("NetValues::Teacher {{ data_seed: {data_seed}, init_seed: {init_seed} }}")
            }
            NetValues::Cycled(vals) => {
                text += &format!(", {} cycled values", vals.len());
                let vals: Vec<String> = vals.iter().map(|v| format!("{v:?}")).collect();
                format!("NetValues::Cycled(vec![{}])", vals.join(", "))
            }
        };
        let NetSpec { rows, inputs, hidden, outputs, depth, activation, head, column, scale, penalty, .. } = self;
        format!(
            "{text}: NetSpec {{ rows: {rows}, inputs: {inputs}, hidden: {hidden}, outputs: {outputs}, depth: {depth}, \
             activation: Func::{activation:?}, head: Head::{head:?}, column: {column}, scale: {scale:?}, \
             penalty: {penalty:?}, values: {values} }}.build()"
        )
    }
}

/// Glorot-uniform weights (the even indices of `shapes`), zero biases.
fn glorot(shapes: &[Shape], seed: u64) -> Vec<Tensor> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut weight = |shape: Shape| {
        let (fan_in, fan_out) = match shape {
            Shape::Matrix(r, c) => (r, c),
            _ => (shape.len(), 1),
        };
        let a = (6.0 / (fan_in + fan_out) as f64).sqrt();
        Tensor::new(shape, (0..shape.len()).map(|_| rng.random_range(-a..a)).collect())
    };
    shapes.iter().enumerate().map(|(i, &s)| if i % 2 == 0 { weight(s) } else { Tensor::zeros(s) }).collect()
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

        /// At the start the loss and its gradient are finite and the last
        /// weight is not 0; the last layer is recognised with the drawn
        /// head, weight, bias, scale, ridge and outputs; the spec rebuilds
        /// the same network.
        #[test]
        fn networks_are_finite_and_end_in_a_last_layer(net in networks()) {
            let spec = &net.spec;
            let mut ev = Evaluator::new(&net.model.graph, net.model.loss);
            let (value, grad) = ev.value_and_grad(&net.start);
            prop_assert!(value.is_finite() && grad.iter().all(Tensor::is_finite), "{value}, {grad:?}");
            prop_assert!(net.start[2 * spec.depth].norm() > 0.0);
            let problem = Problem::new(&net.model);
            let layer = problem.last_layer();
            prop_assert!(layer.is_some(), "no last layer");
            let layer = layer.unwrap();
            prop_assert_eq!(layer.head, spec.head);
            prop_assert_eq!((layer.weight, layer.bias), (2 * spec.depth, Some((2 * spec.depth + 1, 1.0))));
            prop_assert_eq!((layer.scale, layer.ridge), (spec.scale.unwrap_or(1.0), spec.penalty.unwrap_or(0.0)));
            prop_assert_eq!(layer.classes, spec.outputs);
            let again = spec.build();
            prop_assert_eq!(&again.start, &net.start);
            prop_assert_eq!(again.description, net.description.clone());
        }
    }

    /// Every activation, head, depth and variant is drawn, each at least
    /// 10 times in 200 cases.
    #[test]
    fn every_variant_is_drawn() {
        let mut runner = proptest::test_runner::TestRunner::new(crate::testing::config(200));
        let mut counts = std::collections::BTreeMap::<String, usize>::new();
        for _ in 0..200 {
            let s = networks().new_tree(&mut runner).unwrap().current().spec;
            let mut seen = vec![format!("{:?}", s.activation), format!("{:?}", s.head), format!("depth {}", s.depth)];
            seen.push(format!("outputs {} {}", s.outputs, if s.outputs == 1 { s.column } else { true }));
            seen.push(format!("scale {}", s.scale.is_some()));
            seen.push(format!("penalty {:?}", s.penalty.map(|l| l > 0.0)));
            seen.push(format!("teacher {}", matches!(s.values, NetValues::Teacher { .. })));
            seen.into_iter().for_each(|k| *counts.entry(k).or_default() += 1);
        }
        assert_eq!(counts.len(), 7 + 3 + 3 + 4 + 2 + 3 + 2, "{counts:?}");
        assert!(counts.values().all(|&n| n >= 10), "{counts:?}");
    }

    /// The description's Rust is the spec: this literal is copied from one.
    #[test]
    fn a_description_rebuilds_its_network() {
        let spec = NetSpec {
            rows: 3,
            inputs: 2,
            hidden: 2,
            outputs: 1,
            depth: 2,
            activation: Func::Swish,
            head: Head::Logistic,
            column: true,
            scale: Some(-1.5),
            penalty: Some(0.0),
            values: NetValues::Cycled(vec![0.5, -1.25, 1e-5, 2.0, -0.0, 1.0, 0.75]),
        };
        let net = spec.build();
        let text = "swish MLP 2-2-2-1, logistic on a column, 3 rows, W3 * -1.5, ridge 0, 7 cycled values: \
            NetSpec { rows: 3, inputs: 2, hidden: 2, outputs: 1, depth: 2, activation: Func::Swish, \
            head: Head::Logistic, column: true, scale: Some(-1.5), penalty: Some(0.0), \
            values: NetValues::Cycled(vec![0.5, -1.25, 1e-5, 2.0, -0.0, 1.0, 0.75]) }.build()";
        assert_eq!(net.description, text);
        assert_eq!(net.model.graph.params().len(), 6);
        assert_eq!(net.start[4].shape(), Shape::Matrix(2, 1));
    }
}
