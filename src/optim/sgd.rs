//! Stochastic gradient descent with momentum, dampening, Nesterov and
//! coupled weight decay, as PyTorch's `torch.optim.SGD`.

use super::OptimError;
use super::macros::{field_pairs, named_optimizer, require};
use super::options::{Key, KeyDefault, Options, range};
use super::transform::{AddDecayedWeights, Scale, Trace, Transform};
use crate::tensor::Tensor;

/// # SGD
///
/// ```text
/// g <- g + weight_decay * theta
/// b <- g                                      (first step)
/// b <- momentum * b + (1 - dampening) * g     (later steps)
/// g <- g + momentum * b  if nesterov, else b
/// theta <- theta - lr * g
/// ```
///
/// # Hyperparameters
/// `lr` (1e-3), `momentum` (0), `dampening` (0), `nesterov` (false),
/// `weight_decay` (0, coupled): PyTorch's names and defaults. With
/// `dampening = 0` this is also optax's `sgd` (with coupled decay chained in
/// front).
///
/// # Errors
/// `build` fails for a negative rate, momentum or decay, and for Nesterov
/// without momentum or with dampening (as PyTorch).
///
/// # References
/// PyTorch `torch.optim.SGD`; Sutskever et al. 2013 for the Nesterov form.
#[derive(Clone, Debug, PartialEq)]
pub struct Sgd {
    /// Learning rate.
    pub lr: f64,
    /// Momentum coefficient.
    pub momentum: f64,
    /// Dampening of the new gradient in the buffer.
    pub dampening: f64,
    /// Nesterov momentum.
    pub nesterov: bool,
    /// Coupled (L2) weight decay.
    pub weight_decay: f64,
}

/// The keys of `sgd`.
pub const KEYS: &[Key] = &[
    Key { name: "lr", default: KeyDefault::Num(1e-3), help: "learning rate" },
    Key { name: "momentum", default: KeyDefault::Num(0.0), help: "momentum coefficient" },
    Key { name: "dampening", default: KeyDefault::Num(0.0), help: "dampening of the gradient in the momentum buffer" },
    Key {
        name: "nesterov",
        default: KeyDefault::Bool(false),
        help: "Nesterov momentum (needs momentum > 0, dampening 0)",
    },
    Key { name: "weight_decay", default: KeyDefault::Num(0.0), help: "coupled (L2) weight decay" },
];

impl Sgd {
    fn read(o: &Options) -> Self {
        Sgd {
            lr: o.num("lr"),
            momentum: o.num("momentum"),
            dampening: o.num("dampening"),
            nesterov: o.flag("nesterov"),
            weight_decay: o.num("weight_decay"),
        }
    }

    /// Checks every hyperparameter.
    ///
    /// # Errors
    /// [`OptimError::Invalid`] naming the allowed range.
    pub fn validate(&self) -> Result<(), OptimError> {
        require("sgd", "lr", self.lr, range::non_negative(self.lr), ">= 0")?;
        require("sgd", "momentum", self.momentum, range::non_negative(self.momentum), ">= 0")?;
        require("sgd", "dampening", self.dampening, range::closed_unit(self.dampening), "in [0, 1]")?;
        require("sgd", "weight_decay", self.weight_decay, range::non_negative(self.weight_decay), ">= 0")?;
        let ok = !self.nesterov || (self.momentum > 0.0 && self.dampening == 0.0);
        require("sgd", "nesterov", self.nesterov, ok, "false unless momentum > 0 and dampening = 0")
    }

    fn pairs(&self) -> Vec<(String, String)> {
        field_pairs!(self; lr, momentum, dampening, nesterov, weight_decay)
    }

    fn trace(&self) -> Trace {
        Trace { momentum: self.momentum, dampening: self.dampening, nesterov: self.nesterov }
    }
}

named_optimizer!(Sgd, "sgd", KEYS);

impl Transform for Sgd {
    type State = <Trace as Transform>::State;

    fn init(&self, params: &[Tensor]) -> Self::State {
        self.trace().init(params)
    }

    fn update(&self, grads: Vec<Tensor>, state: &mut Self::State, params: &[Tensor]) -> Vec<Tensor> {
        let g = AddDecayedWeights(self.weight_decay).update(grads, &mut (), params);
        let d = self.trace().update(g, state, params);
        Scale(-self.lr).update(d, &mut (), params)
    }
}
