//! Normalized gradient descent: the learning rate is a radius divided by
//! the root-mean-square gradient norm (the "update energy" optimum of the
//! greedy-alignment view).

use super::OptimError;
use super::macros::{field_pairs, named_optimizer, require};
use super::options::{Key, KeyDefault, Options, range};
use super::transform::{Transform, global_norm};
use crate::tensor::Tensor;

/// # Normalized
///
/// ```text
/// s <- beta s + (1 - beta) ||g||^2;   s_hat = s / (1 - beta^t)
/// theta <- theta - lr * g / (sqrt(s_hat) + eps)
/// ```
///
/// Maximizing the expected first-order decrease `E[g^T Q g]` over
/// optimizers `Q` with a bounded update energy `E||Q g||^2 <= r^2` gives
/// `Q = r / sqrt(E||g||^2) I`: plain gradient descent whose learning rate is
/// `r / RMS(||g||)`, with the mean taken by an EMA. With `beta = 0` every
/// step has length `lr` exactly (normalized gradient descent).
///
/// # Hyperparameters
/// `lr` (1e-2, the radius r), `beta` (0.9, decay of the EMA of `||g||^2`,
/// bias-corrected), `eps` (1e-12).
///
/// # References
/// Lee & Lee, *Greedy Alignment Principle for Optimizer Selection*
/// (arXiv:2512.06370), the update-energy row of its closed forms.
#[derive(Clone, Debug, PartialEq)]
pub struct Normalized {
    /// The radius: the step length when the gradient norm is steady.
    pub lr: f64,
    /// Decay of the running mean of the squared gradient norm.
    pub beta: f64,
    /// Denominator offset.
    pub eps: f64,
}

/// The keys of `normalized`.
pub const KEYS: &[Key] = &[
    Key { name: "lr", default: KeyDefault::Num(1e-2), help: "radius r: the step is r * g / RMS(||g||)" },
    Key { name: "beta", default: KeyDefault::Num(0.9), help: "EMA decay of ||g||^2 (0: normalized gradient descent)" },
    Key { name: "eps", default: KeyDefault::Num(1e-12), help: "denominator offset" },
];

impl Normalized {
    fn read(o: &Options) -> Self {
        Normalized { lr: o.num("lr"), beta: o.num("beta"), eps: o.num("eps") }
    }

    /// Checks every hyperparameter.
    ///
    /// # Errors
    /// [`OptimError::Invalid`] naming the allowed range.
    pub fn validate(&self) -> Result<(), OptimError> {
        require("normalized", "lr", self.lr, range::non_negative(self.lr), ">= 0")?;
        require("normalized", "beta", self.beta, range::unit(self.beta), "in [0, 1)")?;
        require("normalized", "eps", self.eps, range::non_negative(self.eps), ">= 0")
    }

    fn pairs(&self) -> Vec<(String, String)> {
        field_pairs!(self; lr, beta, eps)
    }
}

named_optimizer!(Normalized, "normalized", KEYS);

/// The state of [`Normalized`]: the step count and the EMA of `||g||^2`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct NormalizedState {
    /// Steps taken.
    pub count: i32,
    /// EMA of the squared gradient norm.
    pub energy: f64,
}

impl Transform for Normalized {
    type State = NormalizedState;

    fn init(&self, _: &[Tensor]) -> NormalizedState {
        NormalizedState::default()
    }

    fn update(&self, grads: Vec<Tensor>, s: &mut NormalizedState, _: &[Tensor]) -> Vec<Tensor> {
        s.count = s.count.saturating_add(1);
        let n2 = global_norm(&grads).powi(2);
        s.energy = self.beta * s.energy + (1.0 - self.beta) * n2;
        let rms = (s.energy / (1.0 - self.beta.powi(s.count))).sqrt();
        let scale = -self.lr / (rms + self.eps);
        grads.into_iter().map(|g| g.map(|v| scale * v)).collect()
    }
}
