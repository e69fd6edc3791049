//! Lion and Roaree (Lion with a smooth surrogate of the sign).

use super::OptimError;
use super::macros::{field_pairs, named_optimizer, require};
use super::options::{Key, KeyDefault, Options, range};
use super::transform::{AddDecayedWeights, Scale, Transform, zeros_like};
use crate::tensor::Tensor;

/// The function applied to Lion's interpolated momentum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Surrogate {
    /// `sign(x)`, with `sign(0) = 0` (Lion).
    Sign,
    /// `tanh(x)`.
    Tanh,
    /// `atan(x)`; its range is (-pi/2, pi/2), so steps reach 1.57 lr.
    Atan,
    /// `x / (1 + |x|)`.
    Softsign,
    /// `1 / (1 + e^-x)`. Not odd: its range is (0, 1), so every coordinate
    /// moves down by `lr * sigmoid(kappa c) > 0` each step, whatever the
    /// sign of the gradient. This is the published definition, kept so
    /// results can be replicated; `2 sigmoid(x) - 1 = tanh(x / 2)` would be
    /// the sign-like version.
    Sigmoid,
    /// `erf(x)`.
    Erf,
    /// `x / sqrt(1 + x^2)`.
    Norm,
}

impl Surrogate {
    /// The names accepted by the `surrogate` key.
    pub const NAMES: &'static [&'static str] = &["tanh", "atan", "softsign", "sigmoid", "erf", "norm"];

    /// The surrogate called `name` (one of [`Surrogate::NAMES`] or `sign`).
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "sign" => Surrogate::Sign,
            "tanh" => Surrogate::Tanh,
            "atan" => Surrogate::Atan,
            "softsign" => Surrogate::Softsign,
            "sigmoid" => Surrogate::Sigmoid,
            "erf" => Surrogate::Erf,
            "norm" => Surrogate::Norm,
            _ => return None,
        })
    }

    /// The name.
    pub fn name(self) -> &'static str {
        match self {
            Surrogate::Sign => "sign",
            Surrogate::Tanh => "tanh",
            Surrogate::Atan => "atan",
            Surrogate::Softsign => "softsign",
            Surrogate::Sigmoid => "sigmoid",
            Surrogate::Erf => "erf",
            Surrogate::Norm => "norm",
        }
    }

    /// `s(x)`.
    pub fn apply(self, x: f64) -> f64 {
        match self {
            Surrogate::Sign => crate::eval::func::sign(x),
            Surrogate::Tanh => x.tanh(),
            Surrogate::Atan => x.atan(),
            Surrogate::Softsign => x / (1.0 + x.abs()),
            Surrogate::Sigmoid => crate::eval::func::sigmoid(x),
            Surrogate::Erf => libm::erf(x),
            Surrogate::Norm => x / (1.0 + x * x).sqrt(),
        }
    }
}

impl std::fmt::Display for Surrogate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl super::options::Show for Surrogate {
    fn show(&self) -> String {
        self.name().to_string()
    }
}

/// Lion's update direction with a surrogate of the sign (optax's
/// `scale_by_lion` when the surrogate is the sign):
///
/// ```text
/// c = b1 m + (1 - b1) g;   u = s(kappa c);   m <- b2 m + (1 - b2) g
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScaleBySign {
    /// Interpolation weight of the update.
    pub b1: f64,
    /// Decay of the state.
    pub b2: f64,
    /// The surrogate.
    pub surrogate: Surrogate,
    /// Horizontal scale of the surrogate's argument.
    pub kappa: f64,
}

impl Transform for ScaleBySign {
    type State = Vec<Tensor>;

    fn init(&self, params: &[Tensor]) -> Vec<Tensor> {
        zeros_like(params)
    }

    fn update(&self, grads: Vec<Tensor>, m: &mut Vec<Tensor>, _: &[Tensor]) -> Vec<Tensor> {
        let (b1, b2, s, k) = (self.b1, self.b2, self.surrogate, self.kappa);
        grads
            .iter()
            .zip(m.iter_mut())
            .map(|(g, m)| {
                let u = m.zip_with(g, |m, g| s.apply(k * (b1 * m + (1.0 - b1) * g)));
                *m = m.zip_with(g, |m, g| b2 * m + (1.0 - b2) * g);
                u
            })
            .collect()
    }
}

/// # Lion
///
/// ```text
/// c = beta1 m + (1 - beta1) g
/// theta <- theta - lr * (sign(c) + weight_decay * theta)
/// m <- beta2 m + (1 - beta2) g
/// ```
///
/// # Hyperparameters
/// `lr` (1e-4), `beta1` (0.9), `beta2` (0.99), `weight_decay` (0,
/// decoupled): the defaults of lucidrains' `lion-pytorch` (PyTorch has no
/// Lion; optax's `lion` defaults to `weight_decay = 1e-3`).
///
/// # References
/// Chen et al. 2023, *Symbolic Discovery of Optimization Algorithms*
/// (arXiv:2302.06675); optax `lion`.
#[derive(Clone, Debug, PartialEq)]
pub struct Lion {
    /// Learning rate.
    pub lr: f64,
    /// Interpolation weight of the update.
    pub beta1: f64,
    /// Decay of the momentum.
    pub beta2: f64,
    /// Decoupled weight decay.
    pub weight_decay: f64,
}

/// # Roaree
///
/// Lion with `sign(c)` replaced by `s(kappa * c)` for a smooth surrogate s
/// (see [`Surrogate`]; note that `sigmoid` is not odd). As kappa grows the
/// odd surrogates tend to Lion; for small kappa Roaree is SGD with an EMA
/// momentum and an effective rate `lr * kappa * s'(0)`.
///
/// # Hyperparameters
/// `lr` (1e-4), `beta1` (0.9), `beta2` (0.99), `weight_decay` (0,
/// decoupled: `theta *= 1 - lr * wd`), `surrogate` (tanh), `kappa` (100,
/// `curv` in the published code).
///
/// # References
/// Garmonina & Chan, *From Rattle to Roar* (arXiv:2508.04707).
#[derive(Clone, Debug, PartialEq)]
pub struct Roaree {
    /// Learning rate.
    pub lr: f64,
    /// Interpolation weight of the update.
    pub beta1: f64,
    /// Decay of the momentum.
    pub beta2: f64,
    /// Decoupled weight decay.
    pub weight_decay: f64,
    /// The surrogate of the sign.
    pub surrogate: Surrogate,
    /// Scale of the surrogate's argument.
    pub kappa: f64,
}

/// The keys of `lion`.
pub const KEYS: &[Key] = &[
    Key { name: "lr", default: KeyDefault::Num(1e-4), help: "learning rate (3-10x smaller than AdamW's)" },
    Key { name: "beta1", default: KeyDefault::Num(0.9), help: "interpolation weight of the update" },
    Key { name: "beta2", default: KeyDefault::Num(0.99), help: "decay of the momentum" },
    Key { name: "weight_decay", default: KeyDefault::Num(0.0), help: "decoupled weight decay (optax default 1e-3)" },
];

/// The keys of `roaree`.
pub const KEYS_ROAREE: &[Key] = &[
    KEYS[0],
    KEYS[1],
    KEYS[2],
    KEYS[3],
    Key {
        name: "surrogate",
        default: KeyDefault::Word("tanh", Surrogate::NAMES),
        help: "smooth sign: tanh, atan, softsign, sigmoid (not odd), erf, norm",
    },
    Key { name: "kappa", default: KeyDefault::Num(100.0), help: "scale of the surrogate's argument (curv)" },
];

fn check_lion(name: &str, lr: f64, b1: f64, b2: f64, wd: f64) -> Result<(), OptimError> {
    require(name, "lr", lr, range::non_negative(lr), ">= 0")?;
    require(name, "beta1", b1, range::closed_unit(b1), "in [0, 1]")?;
    require(name, "beta2", b2, range::closed_unit(b2), "in [0, 1]")?;
    require(name, "weight_decay", wd, range::non_negative(wd), ">= 0")
}

/// The shared update: `-lr * (s(kappa c) + wd * theta)`.
fn lion_update(
    stage: ScaleBySign,
    lr: f64,
    wd: f64,
    grads: Vec<Tensor>,
    m: &mut Vec<Tensor>,
    params: &[Tensor],
) -> Vec<Tensor> {
    let u = stage.update(grads, m, params);
    let u = AddDecayedWeights(wd).update(u, &mut (), params);
    Scale(-lr).update(u, &mut (), params)
}

impl Lion {
    fn read(o: &Options) -> Self {
        Lion { lr: o.num("lr"), beta1: o.num("beta1"), beta2: o.num("beta2"), weight_decay: o.num("weight_decay") }
    }

    /// Checks every hyperparameter.
    ///
    /// # Errors
    /// [`OptimError::Invalid`] naming the allowed range.
    pub fn validate(&self) -> Result<(), OptimError> {
        check_lion("lion", self.lr, self.beta1, self.beta2, self.weight_decay)
    }

    fn pairs(&self) -> Vec<(String, String)> {
        field_pairs!(self; lr, beta1, beta2, weight_decay)
    }

    fn stage(&self) -> ScaleBySign {
        ScaleBySign { b1: self.beta1, b2: self.beta2, surrogate: Surrogate::Sign, kappa: 1.0 }
    }
}

impl Roaree {
    fn read(o: &Options) -> Self {
        Roaree {
            lr: o.num("lr"),
            beta1: o.num("beta1"),
            beta2: o.num("beta2"),
            weight_decay: o.num("weight_decay"),
            surrogate: Surrogate::from_name(o.word("surrogate")).expect("checked against the allowed words"),
            kappa: o.num("kappa"),
        }
    }

    /// Checks every hyperparameter.
    ///
    /// # Errors
    /// [`OptimError::Invalid`] naming the allowed range.
    pub fn validate(&self) -> Result<(), OptimError> {
        check_lion("roaree", self.lr, self.beta1, self.beta2, self.weight_decay)?;
        require("roaree", "kappa", self.kappa, range::positive(self.kappa), "> 0 and finite")
    }

    fn pairs(&self) -> Vec<(String, String)> {
        field_pairs!(self; lr, beta1, beta2, weight_decay, surrogate, kappa)
    }

    fn stage(&self) -> ScaleBySign {
        ScaleBySign { b1: self.beta1, b2: self.beta2, surrogate: self.surrogate, kappa: self.kappa }
    }
}

named_optimizer!(Lion, "lion", KEYS);
named_optimizer!(Roaree, "roaree", KEYS_ROAREE);

impl Transform for Lion {
    type State = Vec<Tensor>;
    fn init(&self, params: &[Tensor]) -> Vec<Tensor> {
        zeros_like(params)
    }
    fn update(&self, grads: Vec<Tensor>, m: &mut Vec<Tensor>, params: &[Tensor]) -> Vec<Tensor> {
        lion_update(self.stage(), self.lr, self.weight_decay, grads, m, params)
    }
}

impl Transform for Roaree {
    type State = Vec<Tensor>;
    fn init(&self, params: &[Tensor]) -> Vec<Tensor> {
        zeros_like(params)
    }
    fn update(&self, grads: Vec<Tensor>, m: &mut Vec<Tensor>, params: &[Tensor]) -> Vec<Tensor> {
        lion_update(self.stage(), self.lr, self.weight_decay, grads, m, params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surrogates_at_formula_points() {
        let x = 0.5f64;
        let cases = [
            (Surrogate::Sign, 1.0),
            (Surrogate::Tanh, x.tanh()),
            (Surrogate::Atan, x.atan()),
            (Surrogate::Softsign, x / (1.0 + x)),
            (Surrogate::Sigmoid, 1.0 / (1.0 + (-x).exp())),
            (Surrogate::Erf, 0.520_499_877_813_046_5), // erf(1/2)
            (Surrogate::Norm, x / (1.0 + x * x).sqrt()),
        ];
        for (s, want) in cases {
            assert!((s.apply(x) - want).abs() < 1e-15, "{s}");
            if s != Surrogate::Sigmoid {
                assert_eq!(s.apply(-x), -s.apply(x), "{s} is odd");
            }
        }
        assert_eq!(Surrogate::Sign.apply(0.0), 0.0);
        assert_eq!(Surrogate::Sigmoid.apply(0.0), 0.5, "sigmoid is not odd: it drifts by lr/2 at c = 0");
    }
}
