//! D-Adaptation for Adam, as the authors' `dadaptation.DAdaptAdam`.

use crate::optim::OptimError;
use crate::optim::macros::{field_pairs, named_optimizer, require};
use crate::optim::options::{Key, KeyDefault, Options, range};
use crate::optim::transform::{Transform, zeros_like};
use crate::tensor::Tensor;

/// # D-Adaptation (Adam)
///
/// With `d_k` the estimate before the step, `sb2 = sqrt(beta2)` and sums
/// global over all tensors:
///
/// ```text
/// dlr = d_k * lr * bc          (bc = sqrt(1 - beta2^t) / (1 - beta1^t) with bias correction, else 1)
/// g <- g + weight_decay * x    (coupled, when decouple = false)
/// a = dlr <g, s / (sqrt(v) + eps)>        (the previous s and v)
/// m <- beta1 m + dlr (1 - beta1) g;   v <- beta2 v + (1 - beta2) g^2
/// s <- sb2 s + dlr (1 - sb2) g
/// r <- sb2 r + (1 - sb2) a;   d_hat = r / ((1 - sb2) ||s||_1)
/// d <- max(d_k, min(d_hat, d_k * growth_rate))
/// x <- x - weight_decay * dlr * x    (decoupled)
/// x <- x - m / (sqrt(v) + eps)
/// ```
///
/// The learning rate lives inside `m`; the new `d` first acts on the next
/// step.
///
/// # Hyperparameters
/// `lr` (1.0), `beta1` (0.9), `beta2` (0.999), `eps` (1e-8),
/// `weight_decay` (0), `d0` (1e-6), `growth_rate` (inf), `decouple`
/// (false), `use_bias_correction` (false). optax's `contrib.dadapt_adamw`
/// is `decouple=true,use_bias_correction=true`.
///
/// # References
/// Defazio & Mishchenko, *Learning-Rate-Free Learning by D-Adaptation*
/// (ICML 2023); dadaptation 3.2, whose trajectories the tests reproduce.
#[derive(Clone, Debug, PartialEq)]
pub struct DAdaptAdam {
    /// Multiplier of the step.
    pub lr: f64,
    /// First-moment decay.
    pub beta1: f64,
    /// Second-moment decay.
    pub beta2: f64,
    /// Denominator offset.
    pub eps: f64,
    /// Weight decay.
    pub weight_decay: f64,
    /// Initial estimate.
    pub d0: f64,
    /// Largest growth of `d` per step.
    pub growth_rate: f64,
    /// Decoupled (AdamW-style) weight decay.
    pub decouple: bool,
    /// Adam's bias correction in the step size.
    pub use_bias_correction: bool,
}

/// The keys of `dadapt_adam`.
pub const KEYS: &[Key] = &[
    Key { name: "lr", default: KeyDefault::Num(1.0), help: "multiplier of the step" },
    Key { name: "beta1", default: KeyDefault::Num(0.9), help: "first-moment decay" },
    Key { name: "beta2", default: KeyDefault::Num(0.999), help: "second-moment decay" },
    Key { name: "eps", default: KeyDefault::Num(1e-8), help: "denominator offset" },
    Key { name: "weight_decay", default: KeyDefault::Num(0.0), help: "weight decay" },
    Key { name: "d0", default: KeyDefault::Num(1e-6), help: "initial distance estimate" },
    Key { name: "growth_rate", default: KeyDefault::Num(f64::INFINITY), help: "largest growth of d per step" },
    Key { name: "decouple", default: KeyDefault::Bool(false), help: "decoupled (AdamW-style) weight decay" },
    Key { name: "use_bias_correction", default: KeyDefault::Bool(false), help: "Adam bias correction (optax: always)" },
];

impl DAdaptAdam {
    fn read(o: &Options) -> Self {
        DAdaptAdam {
            lr: o.num("lr"),
            beta1: o.num("beta1"),
            beta2: o.num("beta2"),
            eps: o.num("eps"),
            weight_decay: o.num("weight_decay"),
            d0: o.num("d0"),
            growth_rate: o.num("growth_rate"),
            decouple: o.flag("decouple"),
            use_bias_correction: o.flag("use_bias_correction"),
        }
    }

    /// Checks every hyperparameter.
    ///
    /// # Errors
    /// [`OptimError::Invalid`] naming the allowed range.
    pub fn validate(&self) -> Result<(), OptimError> {
        let n = "dadapt_adam";
        require(n, "lr", self.lr, range::non_negative(self.lr), ">= 0")?;
        require(n, "beta1", self.beta1, range::unit(self.beta1), "in [0, 1)")?;
        require(n, "beta2", self.beta2, range::unit(self.beta2), "in [0, 1)")?;
        require(n, "eps", self.eps, range::non_negative(self.eps), ">= 0")?;
        require(n, "weight_decay", self.weight_decay, range::non_negative(self.weight_decay), ">= 0")?;
        require(n, "d0", self.d0, range::positive(self.d0), "> 0")?;
        require(n, "growth_rate", self.growth_rate, self.growth_rate >= 1.0, ">= 1 (inf for no limit)")
    }

    fn pairs(&self) -> Vec<(String, String)> {
        field_pairs!(self; lr, beta1, beta2, eps, weight_decay, d0, growth_rate, decouple, use_bias_correction)
    }
}

named_optimizer!(DAdaptAdam, "dadapt_adam", KEYS);

/// The state of [`DAdaptAdam`].
#[derive(Clone, Debug, PartialEq)]
pub struct DAdaptState {
    /// Steps taken.
    pub k: i32,
    /// The distance estimate.
    pub d: f64,
    /// The weighted numerator `r`.
    pub numerator: f64,
    /// The running sum `s`.
    pub s: Vec<Tensor>,
    /// First moment (with the step size inside).
    pub m: Vec<Tensor>,
    /// Second moment.
    pub v: Vec<Tensor>,
}

impl Transform for DAdaptAdam {
    type State = DAdaptState;

    fn init(&self, params: &[Tensor]) -> DAdaptState {
        DAdaptState {
            k: 0,
            d: self.d0,
            numerator: 0.0,
            s: zeros_like(params),
            m: zeros_like(params),
            v: zeros_like(params),
        }
    }

    fn update(&self, grads: Vec<Tensor>, st: &mut DAdaptState, params: &[Tensor]) -> Vec<Tensor> {
        let (b1, b2, eps) = (self.beta1, self.beta2, self.eps);
        let sb2 = b2.sqrt();
        let dk = st.d;
        let bc =
            if self.use_bias_correction { (1.0 - b2.powi(st.k + 1)).sqrt() / (1.0 - b1.powi(st.k + 1)) } else { 1.0 };
        let dlr = dk * self.lr * bc;
        let coupled = self.weight_decay != 0.0 && !self.decouple;
        let (mut acc, mut s_l1) = (0.0, 0.0);
        for (i, g) in grads.into_iter().enumerate() {
            let g = if coupled { g.zip_with(&params[i], |g, p| g + self.weight_decay * p) } else { g };
            let ratio = st.s[i].zip_with(&st.v[i], |s, v| s / (v.sqrt() + eps));
            acc += dlr * g.dot(&ratio);
            st.m[i] = st.m[i].zip_with(&g, |m, g| b1 * m + dlr * (1.0 - b1) * g);
            st.v[i] = st.v[i].zip_with(&g, |v, g| b2 * v + (1.0 - b2) * g * g);
            st.s[i] = st.s[i].zip_with(&g, |s, g| sb2 * s + dlr * (1.0 - sb2) * g);
            s_l1 += st.s[i].data().iter().map(|v| v.abs()).sum::<f64>();
        }
        let numerator = sb2 * st.numerator + (1.0 - sb2) * acc;
        if s_l1 == 0.0 {
            return zeros_like(params);
        }
        let d_hat = numerator / ((1.0 - sb2) * s_l1);
        st.d = dk.max(d_hat.min(dk * self.growth_rate));
        st.numerator = numerator;
        let decay = if self.weight_decay != 0.0 && self.decouple { self.weight_decay * dlr } else { 0.0 };
        let out = (0..params.len())
            .map(|i| {
                let step = st.m[i].zip_with(&st.v[i], |m, v| m / (v.sqrt() + eps));
                step.zip_with(&params[i], |s, p| -decay * p - s)
            })
            .collect();
        st.k += 1;
        out
    }
}
