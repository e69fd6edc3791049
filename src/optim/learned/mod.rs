//! A learned optimizer: a small MLP, applied to every parameter element,
//! maps per-element features ([`features`]) to a step, in the design of
//! google/learned_optimization's MLP LOpt (Metz et al.): outputs `(d, a)`
//! give `p <- p - d exp(exp_mult a) step_mult`. Unlike the reference, its
//! inputs include unnormalized log-scale features, so that it can set its
//! own step scale across problems whose good learning rates differ by
//! orders of magnitude.
//!
//! The shipped weights ([`shipped`]) were meta-trained by `majorize
//! meta-train` ([`meta`]) on synthetic task families; `learned` in the
//! registry steps by them, `saferate_learned` and
//! `safecombination_learned` take their update as a direction and certify
//! the step size by the bound (docs/learned.md).
//!
//! ```
//! use majorize::optim::{Optimizer, learned};
//! use majorize::{Problem, Tensor, lang::parse_inline};
//! let model = parse_inline("(x - 1)^2 + 10 * (y + 2)^2").unwrap();
//! let mut problem = Problem::new(&model);
//! let mut opt = learned::shipped::rule().optimizer();
//! let mut x = vec![Tensor::scalar(0.0), Tensor::scalar(0.0)];
//! let f0 = problem.value(&x);
//! for _ in 0..100 {
//!     opt.step(&mut problem, &mut x).unwrap();
//! }
//! assert!(problem.value(&x) < f0);
//! ```

pub mod features;
#[cfg(feature = "testing")]
pub mod meta;
pub mod mlp;
pub mod shipped;

use std::sync::Arc;

use super::Stateful;
use super::transform::{Describe, Transform};
use crate::tensor::Tensor;
use features::Accumulators;
use mlp::Mlp;

/// The largest `exp_mult a` the step takes (`exp(30)` is about `1e13`):
/// a network output beyond it is clipped, never an overflow.
const MAX_EXPONENT: f64 = 30.0;

/// The learned update rule, as a gradient transformation: so that it is
/// an optimizer ([`Learned`]) and, as a direction, drives SafeRate and
/// SafeCombination (the step size then certified by the bound).
#[derive(Clone, Debug)]
pub struct LearnedRule {
    /// The network, `features::WIDTH` inputs to 2 outputs.
    pub net: Arc<Mlp>,
    /// The factor on the magnitude output inside the exponential.
    pub exp_mult: f64,
    /// The step's scale.
    pub step_mult: f64,
}

/// The rule's state: per tensor its accumulators, and the steps taken.
#[derive(Clone, Debug)]
pub struct LearnedState {
    /// One per parameter tensor.
    pub acc: Vec<Accumulators>,
    /// Steps taken.
    pub t: u64,
}

impl LearnedRule {
    /// The rule of `net`.
    ///
    /// # Panics
    /// If `net` does not take [`features::WIDTH`] inputs to 2 outputs.
    pub fn new(net: Arc<Mlp>, exp_mult: f64, step_mult: f64) -> Self {
        let sizes = net.sizes();
        assert!(
            sizes[0] == features::WIDTH && sizes[sizes.len() - 1] == 2,
            "a {} -> 2 network, not {sizes:?}",
            features::WIDTH
        );
        LearnedRule { net, exp_mult, step_mult }
    }

    /// The optimizer that steps by this rule.
    pub fn optimizer(self) -> Learned {
        Stateful::new(self)
    }
}

/// The learned optimizer (an [`Optimizer`](super::Optimizer)): `p <- p - d exp(exp_mult a) step_mult`.
pub type Learned = Stateful<LearnedRule>;

impl Transform for LearnedRule {
    type State = LearnedState;

    fn init(&self, params: &[Tensor]) -> LearnedState {
        LearnedState { acc: params.iter().map(|p| Accumulators::zeros(p.shape())).collect(), t: 0 }
    }

    fn update(&self, grads: Vec<Tensor>, state: &mut LearnedState, params: &[Tensor]) -> Vec<Tensor> {
        let mut out = Vec::with_capacity(params.len());
        for ((p, g), a) in params.iter().zip(&grads).zip(state.acc.iter_mut()) {
            a.update(g);
            let y = self.net.forward(&features::rows(p, g, a, state.t));
            let step: Vec<f64> = y
                .data()
                .chunks_exact(2)
                .map(|o| -o[0] * (self.exp_mult * o[1]).clamp(-MAX_EXPONENT, MAX_EXPONENT).exp() * self.step_mult)
                .collect();
            out.push(Tensor::new(p.shape(), step));
        }
        state.t += 1;
        out
    }
}

impl Describe for LearnedRule {
    fn name(&self) -> &'static str {
        "learned"
    }

    fn hyperparameters(&self) -> Vec<(String, String)> {
        vec![
            ("network".into(), format!("{:?}", self.net.sizes())),
            ("exp_mult".into(), self.exp_mult.to_string()),
            ("step_mult".into(), self.step_mult.to_string()),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Problem;
    use crate::lang::parse_inline;
    use crate::optim::Optimizer;

    #[test]
    fn a_step_is_the_network_output_through_the_head() {
        // A network whose last layer is zero but for its biases: outputs
        // (d, a) = (2, 3) everywhere, so every element moves by
        // -2 exp(0.5 * 3) 0.01.
        let mut net = Mlp::new(&[features::WIDTH, 4, 2], 1);
        let last = net.layers.len() - 1;
        net.layers[last].w = net.layers[last].w.map(|_| 0.0);
        net.layers[last].b = Tensor::vector(vec![2.0, 3.0]);
        let model = parse_inline("(x - 1)^2 + (y + 2)^2").unwrap();
        let mut problem = Problem::new(&model);
        let mut opt = LearnedRule::new(Arc::new(net), 0.5, 0.01).optimizer();
        let mut x = vec![Tensor::scalar(0.0), Tensor::scalar(0.0)];
        opt.step(&mut problem, &mut x).unwrap();
        let want = -2.0 * 1.5f64.exp() * 0.01;
        assert_eq!((x[0].item(), x[1].item()), (want, want));
        // A huge magnitude is clipped, not an overflow.
        let mut net = (*opt.transform().net).clone();
        net.layers[last].b = Tensor::vector(vec![1.0, 1e300]);
        let mut opt = LearnedRule::new(Arc::new(net), 1.0, 1.0).optimizer();
        let mut x = vec![Tensor::scalar(0.0), Tensor::scalar(0.0)];
        opt.step(&mut problem, &mut x).unwrap();
        assert_eq!(x[0].item(), -(30f64.exp()));
    }

    #[test]
    fn as_a_direction_saferate_never_raises_the_loss() {
        // An untrained network's update is an arbitrary direction; SafeRate
        // along it certifies each step by the bound.
        let net = Arc::new(Mlp::new(&[features::WIDTH, 8, 2], 3));
        let model = parse_inline("(1-x)^2 + 100*(y-x^2)^2").unwrap();
        let mut problem = Problem::new(&model);
        let mut opt = crate::optim::SafeRate::default().with_direction(Box::new(LearnedRule::new(net, 1.0, 1e-2)));
        let mut x = vec![Tensor::scalar(-1.2), Tensor::scalar(1.0)];
        let mut last = problem.value(&x);
        for _ in 0..50 {
            opt.step(&mut problem, &mut x).unwrap();
            let f = problem.value(&x);
            assert!(f <= last, "{f} > {last}");
            last = f;
        }
    }
}
