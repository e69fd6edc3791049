//! Prodigy: Adam whose step size is an estimate `d` of the distance to the
//! solution, as the authors' `prodigyopt.Prodigy`.

use crate::optim::OptimError;
use crate::optim::macros::{field_pairs, named_optimizer, require};
use crate::optim::options::{Key, KeyDefault, Options, range};
use crate::optim::transform::{Transform, zeros_like};
use crate::tensor::Tensor;

/// # Prodigy
///
/// With `d_k` the estimate before the step and sums global over all tensors:
///
/// ```text
/// dlr = d_k * lr * bc        (bc = sqrt(1 - beta2^t) / (1 - beta1^t) with bias correction, else 1)
/// g <- g + weight_decay * x  (coupled, when decouple = false)
/// r <- beta3 r + (d_k / d0) dlr <g, x0 - x>
/// m <- beta1 m + d_k (1 - beta1) g;   v <- beta2 v + d_k^2 (1 - beta2) g^2
/// s <- beta3 s + (d_k / d0) dlr g     (d_k instead of dlr with safeguard_warmup)
/// d_hat = d_coef * r / ||s||_1;  d_max <- max(d_max, d_hat)
/// d <- max(d, d_hat) if d = d0;  d <- min(d_max, d * growth_rate)
/// x <- x - weight_decay * dlr * x    (decoupled)
/// x <- x - dlr * m / (sqrt(v) + d * eps)
/// ```
///
/// The step uses `d_k` (the estimate before this step); only the `eps`
/// term uses the new `d`. On the first step `x = x0`, so `d` stays `d0`.
/// While `d = d0` the estimate may jump past `growth_rate` (as published).
///
/// # Hyperparameters
/// `lr` (1.0), `beta1` (0.9), `beta2` (0.999), `beta3` (-1, meaning
/// `sqrt(beta2)`), `eps` (1e-8), `weight_decay` (0), `decouple` (true),
/// `use_bias_correction` (false), `safeguard_warmup` (false), `d0` (1e-6),
/// `d_coef` (1.0), `growth_rate` (inf). optax's `contrib.prodigy` is
/// `use_bias_correction=true`.
///
/// # References
/// Mishchenko & Defazio, *Prodigy: An Expeditiously Adaptive
/// Parameter-Free Learner* (ICML 2024); prodigyopt 1.1.2, whose trajectories
/// the tests reproduce.
#[derive(Clone, Debug, PartialEq)]
pub struct Prodigy {
    /// Multiplier of the step.
    pub lr: f64,
    /// First-moment decay.
    pub beta1: f64,
    /// Second-moment decay.
    pub beta2: f64,
    /// Decay of the estimate's running sums (negative: `sqrt(beta2)`).
    pub beta3: f64,
    /// Denominator offset (times d).
    pub eps: f64,
    /// Weight decay.
    pub weight_decay: f64,
    /// Decoupled (AdamW-style) weight decay.
    pub decouple: bool,
    /// Adam's bias correction in the step size.
    pub use_bias_correction: bool,
    /// Leave the learning rate out of `s` (for warm-up schedules).
    pub safeguard_warmup: bool,
    /// Initial estimate.
    pub d0: f64,
    /// Multiplier of the estimate.
    pub d_coef: f64,
    /// Largest growth of `d` per step.
    pub growth_rate: f64,
}

/// The keys of `prodigy`.
pub const KEYS: &[Key] = &[
    Key { name: "lr", default: KeyDefault::Num(1.0), help: "multiplier of the step" },
    Key { name: "beta1", default: KeyDefault::Num(0.9), help: "first-moment decay" },
    Key { name: "beta2", default: KeyDefault::Num(0.999), help: "second-moment decay" },
    Key { name: "beta3", default: KeyDefault::Num(-1.0), help: "decay of the estimate's sums (-1: sqrt(beta2))" },
    Key { name: "eps", default: KeyDefault::Num(1e-8), help: "denominator offset, times d" },
    Key { name: "weight_decay", default: KeyDefault::Num(0.0), help: "weight decay" },
    Key { name: "decouple", default: KeyDefault::Bool(true), help: "decoupled (AdamW-style) weight decay" },
    Key { name: "use_bias_correction", default: KeyDefault::Bool(false), help: "Adam bias correction (optax: always)" },
    Key { name: "safeguard_warmup", default: KeyDefault::Bool(false), help: "leave lr out of the s sum" },
    Key { name: "d0", default: KeyDefault::Num(1e-6), help: "initial distance estimate" },
    Key { name: "d_coef", default: KeyDefault::Num(1.0), help: "multiplier of the estimate" },
    Key { name: "growth_rate", default: KeyDefault::Num(f64::INFINITY), help: "largest growth of d per step" },
];

impl Prodigy {
    fn read(o: &Options) -> Self {
        Prodigy {
            lr: o.num("lr"),
            beta1: o.num("beta1"),
            beta2: o.num("beta2"),
            beta3: o.num("beta3"),
            eps: o.num("eps"),
            weight_decay: o.num("weight_decay"),
            decouple: o.flag("decouple"),
            use_bias_correction: o.flag("use_bias_correction"),
            safeguard_warmup: o.flag("safeguard_warmup"),
            d0: o.num("d0"),
            d_coef: o.num("d_coef"),
            growth_rate: o.num("growth_rate"),
        }
    }

    /// Checks every hyperparameter.
    ///
    /// # Errors
    /// [`OptimError::Invalid`] naming the allowed range.
    pub fn validate(&self) -> Result<(), OptimError> {
        require("prodigy", "lr", self.lr, range::non_negative(self.lr), ">= 0")?;
        require("prodigy", "beta1", self.beta1, range::unit(self.beta1), "in [0, 1)")?;
        require("prodigy", "beta2", self.beta2, range::unit(self.beta2), "in [0, 1)")?;
        require(
            "prodigy",
            "beta3",
            self.beta3,
            self.beta3 < 0.0 || range::unit(self.beta3),
            "in [0, 1), or negative for sqrt(beta2)",
        )?;
        require("prodigy", "eps", self.eps, range::non_negative(self.eps), ">= 0")?;
        require("prodigy", "weight_decay", self.weight_decay, range::non_negative(self.weight_decay), ">= 0")?;
        require("prodigy", "d0", self.d0, range::positive(self.d0), "> 0")?;
        require("prodigy", "d_coef", self.d_coef, range::positive(self.d_coef), "> 0")?;
        require("prodigy", "growth_rate", self.growth_rate, self.growth_rate >= 1.0, ">= 1 (inf for no limit)")
    }

    fn pairs(&self) -> Vec<(String, String)> {
        field_pairs!(self; lr, beta1, beta2, beta3, eps, weight_decay, decouple, use_bias_correction, safeguard_warmup, d0, d_coef, growth_rate)
    }
}

named_optimizer!(Prodigy, "prodigy", KEYS);

/// The state of [`Prodigy`].
#[derive(Clone, Debug, PartialEq)]
pub struct ProdigyState {
    /// Steps taken.
    pub k: i32,
    /// The distance estimate.
    pub d: f64,
    /// The largest estimate so far.
    pub d_max: f64,
    /// The running numerator `r`.
    pub numerator: f64,
    /// The starting point.
    pub x0: Vec<Tensor>,
    /// The running sum `s`.
    pub s: Vec<Tensor>,
    /// First moment.
    pub m: Vec<Tensor>,
    /// Second moment.
    pub v: Vec<Tensor>,
}

impl Transform for Prodigy {
    type State = ProdigyState;

    fn init(&self, params: &[Tensor]) -> ProdigyState {
        ProdigyState {
            k: 0,
            d: self.d0,
            d_max: self.d0,
            numerator: 0.0,
            x0: params.to_vec(),
            s: zeros_like(params),
            m: zeros_like(params),
            v: zeros_like(params),
        }
    }

    fn update(&self, grads: Vec<Tensor>, st: &mut ProdigyState, params: &[Tensor]) -> Vec<Tensor> {
        let (b1, b2) = (self.beta1, self.beta2);
        let b3 = if self.beta3 < 0.0 { b2.sqrt() } else { self.beta3 };
        let dk = st.d;
        let bc =
            if self.use_bias_correction { (1.0 - b2.powi(st.k + 1)).sqrt() / (1.0 - b1.powi(st.k + 1)) } else { 1.0 };
        let dlr = dk * self.lr * bc;
        let s_rate = (dk / self.d0) * if self.safeguard_warmup { dk } else { dlr };
        let mut numerator = b3 * st.numerator;
        let (mut delta, mut den) = (0.0, 0.0);
        let coupled = self.weight_decay != 0.0 && !self.decouple;
        let mut gs = Vec::with_capacity(grads.len());
        for (i, g) in grads.into_iter().enumerate() {
            let p = &params[i];
            let g = if coupled { g.zip_with(p, |g, p| g + self.weight_decay * p) } else { g };
            delta += (dk / self.d0) * dlr * g.dot(&st.x0[i].zip_with(p, |a, b| a - b));
            if b1 > 0.0 {
                st.m[i] = st.m[i].zip_with(&g, |m, g| b1 * m + dk * (1.0 - b1) * g);
            }
            st.v[i] = st.v[i].zip_with(&g, |v, g| b2 * v + dk * dk * (1.0 - b2) * g * g);
            st.s[i] = st.s[i].zip_with(&g, |s, g| b3 * s + s_rate * g);
            den += st.s[i].data().iter().map(|v| v.abs()).sum::<f64>();
            gs.push(g);
        }
        if den == 0.0 {
            return zeros_like(params);
        }
        numerator += delta;
        let d_hat = self.d_coef * numerator / den;
        if st.d == self.d0 {
            st.d = st.d.max(d_hat);
        }
        st.d_max = st.d_max.max(d_hat);
        st.d = st.d_max.min(st.d * self.growth_rate);
        st.numerator = numerator;
        let d_eps = st.d * self.eps;
        let decay = if self.weight_decay != 0.0 && self.decouple { self.weight_decay * dlr } else { 0.0 };
        let out = (0..params.len())
            .map(|i| {
                let step = if b1 > 0.0 {
                    st.m[i].zip_with(&st.v[i], |m, v| dlr * m / (v.sqrt() + d_eps))
                } else {
                    gs[i].zip_with(&st.v[i], |g, v| dlr * dk * g / (v.sqrt() + d_eps))
                };
                step.zip_with(&params[i], |s, p| -decay * p - s)
            })
            .collect();
        st.k += 1;
        out
    }
}
