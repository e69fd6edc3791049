//! Adam (coupled L2 weight decay) and AdamW (decoupled), as PyTorch's
//! `torch.optim.Adam` and `torch.optim.AdamW`.

use super::OptimError;
use super::macros::{field_pairs, named_optimizer, require};
use super::options::{Key, KeyDefault, Options, range};
use super::transform::{AddDecayedWeights, Scale, Transform, zeros_like};
use crate::tensor::Tensor;

/// Adam's moment estimates with bias correction (optax's `scale_by_adam`,
/// with PyTorch's placement of `eps` outside the square root):
///
/// ```text
/// m <- b1 m + (1 - b1) g;   v <- b2 v + (1 - b2) g^2;   v_max <- max(v_max, v) (amsgrad)
/// u = (m / (1 - b1^t)) / (sqrt(v or v_max) / sqrt(1 - b2^t) + eps)
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScaleByAdam {
    /// Decay of the first moment.
    pub b1: f64,
    /// Decay of the second moment.
    pub b2: f64,
    /// Added to the bias-corrected root of the second moment.
    pub eps: f64,
    /// Use the running maximum of the second moment.
    pub amsgrad: bool,
}

/// The state of [`ScaleByAdam`].
#[derive(Clone, Debug, PartialEq)]
pub struct AdamState {
    /// Steps taken.
    pub count: i32,
    /// First moment.
    pub m: Vec<Tensor>,
    /// Second moment.
    pub v: Vec<Tensor>,
    /// Running maximum of the second moment (amsgrad only).
    pub v_max: Vec<Tensor>,
}

impl Transform for ScaleByAdam {
    type State = AdamState;

    fn init(&self, params: &[Tensor]) -> AdamState {
        let v_max = if self.amsgrad { zeros_like(params) } else { Vec::new() };
        AdamState { count: 0, m: zeros_like(params), v: zeros_like(params), v_max }
    }

    fn update(&self, grads: Vec<Tensor>, s: &mut AdamState, _: &[Tensor]) -> Vec<Tensor> {
        s.count = s.count.saturating_add(1);
        let (b1, b2, eps) = (self.b1, self.b2, self.eps);
        let bc1 = 1.0 - b1.powi(s.count);
        let bc2_sqrt = (1.0 - b2.powi(s.count)).sqrt();
        let mut out = Vec::with_capacity(grads.len());
        for (i, g) in grads.iter().enumerate() {
            s.m[i] = s.m[i].zip_with(g, |m, g| b1 * m + (1.0 - b1) * g);
            s.v[i] = s.v[i].zip_with(g, |v, g| b2 * v + (1.0 - b2) * g * g);
            let v = if self.amsgrad {
                s.v_max[i] = s.v_max[i].zip_with(&s.v[i], f64::max);
                &s.v_max[i]
            } else {
                &s.v[i]
            };
            out.push(s.m[i].zip_with(v, |m, v| (m / bc1) / (v.sqrt() / bc2_sqrt + eps)));
        }
        out
    }
}

/// # Adam
///
/// ```text
/// g <- g + weight_decay * theta          (coupled L2; this is not AdamW)
/// theta <- theta - lr * ScaleByAdam(g)
/// ```
///
/// # Hyperparameters
/// `lr` (1e-3), `beta1` (0.9), `beta2` (0.999), `eps` (1e-8, outside the
/// square root), `weight_decay` (0), `amsgrad` (false): PyTorch's names
/// (`betas` split in two) and defaults. With `weight_decay = 0` it equals
/// optax's `adam` with `eps_root = 0`.
///
/// # Errors
/// `build` fails unless `lr >= 0`, `0 <= beta < 1`, `eps >= 0`, `weight_decay >= 0`.
///
/// # References
/// Kingma & Ba 2015; PyTorch `torch.optim.Adam`. Convention: eps is added
/// to the bias-corrected `sqrt(v_hat)`, not to the uncorrected `sqrt(v)` of
/// the paper's "efficient" ordering.
#[derive(Clone, Debug, PartialEq)]
pub struct Adam {
    /// Learning rate.
    pub lr: f64,
    /// First-moment decay.
    pub beta1: f64,
    /// Second-moment decay.
    pub beta2: f64,
    /// Denominator offset.
    pub eps: f64,
    /// Weight decay (coupled in Adam, decoupled in AdamW).
    pub weight_decay: f64,
    /// The AMSGrad variant.
    pub amsgrad: bool,
}

/// # AdamW
///
/// Adam with decoupled weight decay:
/// `theta <- theta - lr * (ScaleByAdam(g) + weight_decay * theta)`, which is
/// PyTorch's `theta *= 1 - lr * wd` followed by the Adam step.
///
/// # Hyperparameters
/// As [`Adam`], but `weight_decay` defaults to 1e-2 (PyTorch; optax's
/// `adamw` defaults to 1e-4).
#[derive(Clone, Debug, PartialEq)]
pub struct AdamW(pub Adam);

/// The keys of `adam` (weight decay coupled, default 0).
pub const KEYS: &[Key] = &[
    Key { name: "lr", default: KeyDefault::Num(1e-3), help: "learning rate" },
    Key { name: "beta1", default: KeyDefault::Num(0.9), help: "first-moment decay (PyTorch betas[0])" },
    Key { name: "beta2", default: KeyDefault::Num(0.999), help: "second-moment decay (PyTorch betas[1])" },
    Key { name: "eps", default: KeyDefault::Num(1e-8), help: "added to sqrt(v_hat), outside the square root" },
    Key { name: "weight_decay", default: KeyDefault::Num(0.0), help: "coupled (L2) weight decay" },
    Key { name: "amsgrad", default: KeyDefault::Bool(false), help: "use the running maximum of v (AMSGrad)" },
];

/// The keys of `adamw` (weight decay decoupled, default 1e-2).
pub const KEYS_W: &[Key] = &{
    let mut k = [KEYS[0], KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]];
    k[4] = Key { name: "weight_decay", default: KeyDefault::Num(1e-2), help: "decoupled weight decay (times lr)" };
    k
};

impl Adam {
    fn read(o: &Options) -> Self {
        Adam {
            lr: o.num("lr"),
            beta1: o.num("beta1"),
            beta2: o.num("beta2"),
            eps: o.num("eps"),
            weight_decay: o.num("weight_decay"),
            amsgrad: o.flag("amsgrad"),
        }
    }

    fn check(&self, name: &str) -> Result<(), OptimError> {
        require(name, "lr", self.lr, range::non_negative(self.lr), ">= 0")?;
        require(name, "beta1", self.beta1, range::unit(self.beta1), "in [0, 1)")?;
        require(name, "beta2", self.beta2, range::unit(self.beta2), "in [0, 1)")?;
        require(name, "eps", self.eps, range::non_negative(self.eps), ">= 0")?;
        require(name, "weight_decay", self.weight_decay, range::non_negative(self.weight_decay), ">= 0")
    }

    /// Checks every hyperparameter.
    ///
    /// # Errors
    /// [`OptimError::Invalid`] naming the allowed range.
    pub fn validate(&self) -> Result<(), OptimError> {
        self.check("adam")
    }

    fn pairs(&self) -> Vec<(String, String)> {
        field_pairs!(self; lr, beta1, beta2, eps, weight_decay, amsgrad)
    }

    /// The moment-estimation stage.
    pub fn scale_by_adam(&self) -> ScaleByAdam {
        ScaleByAdam { b1: self.beta1, b2: self.beta2, eps: self.eps, amsgrad: self.amsgrad }
    }
}

impl AdamW {
    fn read(o: &Options) -> Self {
        AdamW(Adam::read(o))
    }

    /// Checks every hyperparameter.
    ///
    /// # Errors
    /// [`OptimError::Invalid`] naming the allowed range.
    pub fn validate(&self) -> Result<(), OptimError> {
        self.0.check("adamw")
    }

    fn pairs(&self) -> Vec<(String, String)> {
        self.0.pairs()
    }
}

named_optimizer!(Adam, "adam", KEYS);
named_optimizer!(AdamW, "adamw", KEYS_W);

impl Transform for Adam {
    type State = AdamState;

    fn init(&self, params: &[Tensor]) -> AdamState {
        self.scale_by_adam().init(params)
    }

    fn update(&self, grads: Vec<Tensor>, state: &mut AdamState, params: &[Tensor]) -> Vec<Tensor> {
        let g = AddDecayedWeights(self.weight_decay).update(grads, &mut (), params);
        let u = self.scale_by_adam().update(g, state, params);
        Scale(-self.lr).update(u, &mut (), params)
    }
}

impl Transform for AdamW {
    type State = AdamState;

    fn init(&self, params: &[Tensor]) -> AdamState {
        self.0.scale_by_adam().init(params)
    }

    fn update(&self, grads: Vec<Tensor>, state: &mut AdamState, params: &[Tensor]) -> Vec<Tensor> {
        let u = self.0.scale_by_adam().update(grads, state, params);
        let u = AddDecayedWeights(self.0.weight_decay).update(u, &mut (), params);
        Scale(-self.0.lr).update(u, &mut (), params)
    }
}
