//! RMSProp, as PyTorch's `torch.optim.RMSprop`, with optax's placement of
//! `eps` as an option.

use super::OptimError;
use super::macros::{field_pairs, named_optimizer, require};
use super::options::{Key, KeyDefault, Options, range};
use super::transform::{AddDecayedWeights, Scale, Trace, Transform, zeros_like};
use crate::tensor::Tensor;

/// Division by the root of a running mean of squared gradients (optax's
/// `scale_by_rms`, or `scale_by_stddev` when centered):
///
/// ```text
/// v <- alpha v + (1 - alpha) g^2;   gbar <- alpha gbar + (1 - alpha) g   (centered)
/// u = g / (sqrt(v - gbar^2) + eps)       (PyTorch)
/// u = g / sqrt(v - gbar^2 + eps)         (eps_in_sqrt, optax)
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScaleByRms {
    /// Decay of the running means.
    pub alpha: f64,
    /// Denominator offset.
    pub eps: f64,
    /// Subtract the squared running mean of the gradient.
    pub centered: bool,
    /// Put `eps` inside the square root.
    pub eps_in_sqrt: bool,
}

/// The state of [`ScaleByRms`]: running means of `g^2` and `g`.
#[derive(Clone, Debug, PartialEq)]
pub struct RmsState {
    /// Running mean of the squared gradient.
    pub v: Vec<Tensor>,
    /// Running mean of the gradient (centered only).
    pub gbar: Vec<Tensor>,
}

impl Transform for ScaleByRms {
    type State = RmsState;

    fn init(&self, params: &[Tensor]) -> RmsState {
        RmsState { v: zeros_like(params), gbar: if self.centered { zeros_like(params) } else { Vec::new() } }
    }

    fn update(&self, grads: Vec<Tensor>, s: &mut RmsState, _: &[Tensor]) -> Vec<Tensor> {
        let (a, eps, inside) = (self.alpha, self.eps, self.eps_in_sqrt);
        let denom = move |var: f64| if inside { (var + eps).sqrt() } else { var.sqrt() + eps };
        let mut out = Vec::with_capacity(grads.len());
        for (i, g) in grads.iter().enumerate() {
            s.v[i] = s.v[i].zip_with(g, |v, g| a * v + (1.0 - a) * g * g);
            let var = if self.centered {
                s.gbar[i] = s.gbar[i].zip_with(g, |m, g| a * m + (1.0 - a) * g);
                s.v[i].zip_with(&s.gbar[i], |v, m| v - m * m)
            } else {
                s.v[i].clone()
            };
            out.push(g.zip_with(&var, |g, var| g / denom(var)));
        }
        out
    }
}

/// # RMSProp
///
/// ```text
/// g <- g + weight_decay * theta
/// u = ScaleByRms(g)
/// b <- momentum * b + u;  theta <- theta - lr * b      (momentum > 0)
/// theta <- theta - lr * u                              (otherwise)
/// ```
///
/// # Hyperparameters
/// `lr` (1e-2), `alpha` (0.99), `eps` (1e-8), `weight_decay` (0),
/// `momentum` (0), `centered` (false): PyTorch's names and defaults.
/// `eps_in_sqrt` (false) selects optax's placement of eps.
///
/// # Convention
/// PyTorch and optax differ: optax's `rmsprop` defaults to `decay = 0.9`
/// and `eps` inside the square root; set `alpha=0.9,eps_in_sqrt=true` for
/// optax's defaults. Neither corrects the bias of `v`, so the first step is
/// about `lr / sqrt(1 - alpha)` per coordinate.
///
/// # References
/// Tieleman & Hinton 2012; PyTorch `torch.optim.RMSprop`; optax `rmsprop`.
#[derive(Clone, Debug, PartialEq)]
pub struct RmsProp {
    /// Learning rate.
    pub lr: f64,
    /// Decay of the running means.
    pub alpha: f64,
    /// Denominator offset.
    pub eps: f64,
    /// Coupled (L2) weight decay.
    pub weight_decay: f64,
    /// Momentum of the scaled updates.
    pub momentum: f64,
    /// Centered variant.
    pub centered: bool,
    /// Put eps inside the square root (optax).
    pub eps_in_sqrt: bool,
}

/// The keys of `rmsprop`.
pub const KEYS: &[Key] = &[
    Key { name: "lr", default: KeyDefault::Num(1e-2), help: "learning rate" },
    Key { name: "alpha", default: KeyDefault::Num(0.99), help: "decay of the running mean of g^2 (optax: decay, 0.9)" },
    Key { name: "eps", default: KeyDefault::Num(1e-8), help: "denominator offset" },
    Key { name: "weight_decay", default: KeyDefault::Num(0.0), help: "coupled (L2) weight decay" },
    Key { name: "momentum", default: KeyDefault::Num(0.0), help: "momentum of the scaled update" },
    Key { name: "centered", default: KeyDefault::Bool(false), help: "divide by the estimated standard deviation" },
    Key {
        name: "eps_in_sqrt",
        default: KeyDefault::Bool(false),
        help: "eps inside the square root (optax) instead of outside (PyTorch)",
    },
];

impl RmsProp {
    fn read(o: &Options) -> Self {
        RmsProp {
            lr: o.num("lr"),
            alpha: o.num("alpha"),
            eps: o.num("eps"),
            weight_decay: o.num("weight_decay"),
            momentum: o.num("momentum"),
            centered: o.flag("centered"),
            eps_in_sqrt: o.flag("eps_in_sqrt"),
        }
    }

    /// Checks every hyperparameter.
    ///
    /// # Errors
    /// [`OptimError::Invalid`] naming the allowed range.
    pub fn validate(&self) -> Result<(), OptimError> {
        require("rmsprop", "lr", self.lr, range::non_negative(self.lr), ">= 0")?;
        require("rmsprop", "alpha", self.alpha, range::unit(self.alpha), "in [0, 1)")?;
        require("rmsprop", "eps", self.eps, range::non_negative(self.eps), ">= 0")?;
        require("rmsprop", "weight_decay", self.weight_decay, range::non_negative(self.weight_decay), ">= 0")?;
        require("rmsprop", "momentum", self.momentum, range::non_negative(self.momentum), ">= 0")
    }

    fn pairs(&self) -> Vec<(String, String)> {
        field_pairs!(self; lr, alpha, eps, weight_decay, momentum, centered, eps_in_sqrt)
    }

    fn stages(&self) -> (ScaleByRms, Trace) {
        let rms =
            ScaleByRms { alpha: self.alpha, eps: self.eps, centered: self.centered, eps_in_sqrt: self.eps_in_sqrt };
        (rms, Trace { momentum: self.momentum, dampening: 0.0, nesterov: false })
    }
}

named_optimizer!(RmsProp, "rmsprop", KEYS);

impl Transform for RmsProp {
    type State = (RmsState, <Trace as Transform>::State);

    fn init(&self, params: &[Tensor]) -> Self::State {
        let (rms, trace) = self.stages();
        (rms.init(params), trace.init(params))
    }

    fn update(&self, grads: Vec<Tensor>, state: &mut Self::State, params: &[Tensor]) -> Vec<Tensor> {
        let (rms, trace) = self.stages();
        let g = AddDecayedWeights(self.weight_decay).update(grads, &mut (), params);
        let u = rms.update(g, &mut state.0, params);
        let u = trace.update(u, &mut state.1, params);
        Scale(-self.lr).update(u, &mut (), params)
    }
}
