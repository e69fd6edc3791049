//! AdaGrad, as PyTorch's `torch.optim.Adagrad`, with optax's placement of
//! `eps` as an option.

use super::OptimError;
use super::macros::{field_pairs, named_optimizer, require};
use super::options::{Key, KeyDefault, Options, range};
use super::transform::{AddDecayedWeights, Scale, ScaleBySchedule, Schedule, Transform};
use crate::tensor::Tensor;

/// Division by the root of the running sum of squared gradients (optax's
/// `scale_by_rss`):
///
/// ```text
/// S <- S + g^2            (S starts at initial_accumulator_value)
/// u = g / (sqrt(S) + eps)      (PyTorch)
/// u = g / sqrt(S + eps)        (eps_in_sqrt, optax; 0 where S = 0)
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScaleByRss {
    /// Starting value of the accumulator.
    pub initial_accumulator_value: f64,
    /// Denominator offset.
    pub eps: f64,
    /// Put `eps` inside the square root.
    pub eps_in_sqrt: bool,
}

impl Transform for ScaleByRss {
    type State = Vec<Tensor>;

    fn init(&self, params: &[Tensor]) -> Vec<Tensor> {
        params.iter().map(|p| Tensor::full(p.shape(), self.initial_accumulator_value)).collect()
    }

    fn update(&self, grads: Vec<Tensor>, sums: &mut Vec<Tensor>, _: &[Tensor]) -> Vec<Tensor> {
        let (eps, inside) = (self.eps, self.eps_in_sqrt);
        grads
            .iter()
            .zip(sums.iter_mut())
            .map(|(g, s)| {
                *s = s.zip_with(g, |s, g| s + g * g);
                g.zip_with(s, |g, s| {
                    if !inside {
                        g / (s.sqrt() + eps)
                    } else if s > 0.0 {
                        g / (s + eps).sqrt()
                    } else {
                        0.0
                    }
                })
            })
            .collect()
    }
}

/// # AdaGrad
///
/// ```text
/// lr_t = lr / (1 + (t - 1) * lr_decay)
/// g <- g + weight_decay * theta
/// theta <- theta - lr_t * ScaleByRss(g)
/// ```
///
/// # Hyperparameters
/// `lr` (1e-2), `lr_decay` (0), `weight_decay` (0),
/// `initial_accumulator_value` (0), `eps` (1e-10): PyTorch's names and
/// defaults. `eps_in_sqrt` (false) selects optax's placement.
///
/// # Convention
/// optax's `adagrad` defaults differ on both counts: the accumulator starts
/// at 0.1 and eps = 1e-7 sits inside the square root
/// (`initial_accumulator_value=0.1,eps=1e-7,eps_in_sqrt=true`).
///
/// # References
/// Duchi, Hazan & Singer 2011; PyTorch `torch.optim.Adagrad`; optax `adagrad`.
#[derive(Clone, Debug, PartialEq)]
pub struct AdaGrad {
    /// Learning rate.
    pub lr: f64,
    /// Inverse-time decay of the learning rate.
    pub lr_decay: f64,
    /// Coupled (L2) weight decay.
    pub weight_decay: f64,
    /// Starting value of the accumulator.
    pub initial_accumulator_value: f64,
    /// Denominator offset.
    pub eps: f64,
    /// Put eps inside the square root (optax).
    pub eps_in_sqrt: bool,
}

/// The keys of `adagrad`.
pub const KEYS: &[Key] = &[
    Key { name: "lr", default: KeyDefault::Num(1e-2), help: "learning rate" },
    Key { name: "lr_decay", default: KeyDefault::Num(0.0), help: "lr_t = lr / (1 + (t-1) lr_decay)" },
    Key { name: "weight_decay", default: KeyDefault::Num(0.0), help: "coupled (L2) weight decay" },
    Key {
        name: "initial_accumulator_value",
        default: KeyDefault::Num(0.0),
        help: "starting sum of squares (optax: 0.1)",
    },
    Key { name: "eps", default: KeyDefault::Num(1e-10), help: "denominator offset (optax: 1e-7, inside)" },
    Key {
        name: "eps_in_sqrt",
        default: KeyDefault::Bool(false),
        help: "eps inside the square root (optax) instead of outside (PyTorch)",
    },
];

impl AdaGrad {
    fn read(o: &Options) -> Self {
        AdaGrad {
            lr: o.num("lr"),
            lr_decay: o.num("lr_decay"),
            weight_decay: o.num("weight_decay"),
            initial_accumulator_value: o.num("initial_accumulator_value"),
            eps: o.num("eps"),
            eps_in_sqrt: o.flag("eps_in_sqrt"),
        }
    }

    /// Checks every hyperparameter.
    ///
    /// # Errors
    /// [`OptimError::Invalid`] naming the allowed range.
    pub fn validate(&self) -> Result<(), OptimError> {
        require("adagrad", "lr", self.lr, range::non_negative(self.lr), ">= 0")?;
        require("adagrad", "lr_decay", self.lr_decay, range::non_negative(self.lr_decay), ">= 0")?;
        require("adagrad", "weight_decay", self.weight_decay, range::non_negative(self.weight_decay), ">= 0")?;
        let init = self.initial_accumulator_value;
        require("adagrad", "initial_accumulator_value", init, range::non_negative(init), ">= 0")?;
        require("adagrad", "eps", self.eps, range::non_negative(self.eps), ">= 0")
    }

    fn pairs(&self) -> Vec<(String, String)> {
        field_pairs!(self; lr, lr_decay, weight_decay, initial_accumulator_value, eps, eps_in_sqrt)
    }

    fn rss(&self) -> ScaleByRss {
        ScaleByRss {
            initial_accumulator_value: self.initial_accumulator_value,
            eps: self.eps,
            eps_in_sqrt: self.eps_in_sqrt,
        }
    }

    fn schedule(&self) -> ScaleBySchedule {
        ScaleBySchedule(Schedule::InverseTime { decay: self.lr_decay })
    }
}

named_optimizer!(AdaGrad, "adagrad", KEYS);

impl Transform for AdaGrad {
    type State = (Vec<Tensor>, usize);

    fn init(&self, params: &[Tensor]) -> Self::State {
        (self.rss().init(params), self.schedule().init(params))
    }

    fn update(&self, grads: Vec<Tensor>, state: &mut Self::State, params: &[Tensor]) -> Vec<Tensor> {
        let g = AddDecayedWeights(self.weight_decay).update(grads, &mut (), params);
        let u = self.rss().update(g, &mut state.0, params);
        let u = self.schedule().update(u, &mut state.1, params);
        Scale(-self.lr).update(u, &mut (), params)
    }
}
