//! Schedule-Free SGD and AdamW: interpolation and averaging instead of
//! momentum and a schedule, as the authors' `schedulefree` reference classes.

use crate::optim::macros::{described, field_pairs, require};
use crate::optim::optimizer::check_finite;
use crate::optim::options::{Key, KeyDefault, Options, range};
use crate::optim::transform::{Describe, global_norm, zeros_like};
use crate::optim::{OptimError, Optimizer, Problem, StepRecord};
use crate::tensor::Tensor;

/// The base method of a schedule-free optimizer: the direction that `z`
/// moves along (before the learning rate).
pub trait ScheduleFreeBase: Describe {
    /// Checks every hyperparameter.
    ///
    /// # Errors
    /// [`OptimError::Invalid`] naming the allowed range.
    fn check(&self) -> Result<(), OptimError>;
    /// The per-tensor state of the base (AdamW's second moment).
    type State: Clone + std::fmt::Debug;
    /// The state before the first step.
    fn init(&self, params: &[Tensor]) -> Self::State;
    /// The interpolation weight `beta` of `y = beta x + (1 - beta) z`.
    fn beta(&self) -> f64;
    /// The learning rate, warm-up length, averaging power `r` and weight power.
    fn schedule(&self) -> (f64, f64, f64, f64);
    /// The direction for gradient `g` taken at `y`, at step count `k`.
    fn direction(&self, g: &[Tensor], y: &[Tensor], k: i32, state: &mut Self::State) -> Vec<Tensor>;
}

/// # Schedule-Free
///
/// ```text
/// y = beta x + (1 - beta) z;     g = grad f(y)
/// lr_k = lr * min(1, (k + 1) / warmup_steps)
/// lr_max <- max(lr_max, lr_k);   w = (k + 1)^r * lr_max^weight_lr_power
/// c = w / sum of all w so far
/// z <- z - lr_k * direction(g, y);   x <- (1 - c) x + c z
/// ```
///
/// The parameters this optimizer reports (and the trace's loss) are `x`,
/// the averaged point; gradients are taken at `y`, so each step costs a
/// gradient at `y` and a loss evaluation at `x`.
#[derive(Clone, Debug)]
pub struct ScheduleFree<B: ScheduleFreeBase> {
    base: B,
    state: Option<SfState<B::State>>,
    steps: usize,
}

/// The state of a [`ScheduleFree`] optimizer.
#[derive(Clone, Debug)]
pub struct SfState<S> {
    /// Steps taken.
    pub k: i32,
    /// Sum of the averaging weights.
    pub weight_sum: f64,
    /// Largest learning rate so far.
    pub lr_max: f64,
    /// The SGD sequence.
    pub z: Vec<Tensor>,
    /// The base method's state.
    pub base: S,
}

impl<B: ScheduleFreeBase> ScheduleFree<B> {
    /// The optimizer over `base`, before its first step.
    ///
    /// # Errors
    /// [`OptimError::Invalid`] if a hyperparameter of `base` is out of range.
    pub fn new(base: B) -> Result<Self, OptimError> {
        base.check()?;
        Ok(ScheduleFree { base, state: None, steps: 0 })
    }
}

impl<B: ScheduleFreeBase> Optimizer for ScheduleFree<B> {
    fn name(&self) -> &'static str {
        self.base.name()
    }

    fn hyperparameters(&self) -> Vec<(String, String)> {
        self.base.hyperparameters()
    }

    fn reset(&mut self) {
        self.state = None;
        self.steps = 0;
    }

    fn step(&mut self, problem: &mut Problem<'_>, params: &mut [Tensor]) -> Result<StepRecord, OptimError> {
        self.steps += 1;
        let step = self.steps;
        let base = &self.base;
        let st = self.state.get_or_insert_with(|| SfState {
            k: 0,
            weight_sum: 0.0,
            lr_max: -1.0,
            z: params.to_vec(),
            base: base.init(params),
        });
        let beta = base.beta();
        let y: Vec<Tensor> =
            params.iter().zip(&st.z).map(|(x, z)| x.zip_with(z, |x, z| beta * x + (1.0 - beta) * z)).collect();
        let loss = problem.value(params);
        if !loss.is_finite() {
            return Err(OptimError::NonFinite { step, what: "loss" });
        }
        let (_, grads) = problem.value_and_grad(&y);
        check_finite(&grads, step, "gradient")?;
        let (lr, warmup, r, power) = base.schedule();
        let k = f64::from(st.k);
        let sched = if k < warmup { (k + 1.0) / warmup } else { 1.0 };
        let lr_k = lr * sched;
        st.lr_max = st.lr_max.max(lr_k);
        let weight = (k + 1.0).powf(r) * st.lr_max.powf(power);
        let new_sum = st.weight_sum + weight;
        let c = if new_sum == 0.0 { 0.0 } else { weight / new_sum };
        let dir = base.direction(&grads, &y, st.k, &mut st.base);
        let z: Vec<Tensor> = st.z.iter().zip(&dir).map(|(z, d)| z.zip_with(d, |z, d| z - lr_k * d)).collect();
        let x: Vec<Tensor> = params.iter().zip(&z).map(|(x, z)| x.zip_with(z, |x, z| (1.0 - c) * x + c * z)).collect();
        check_finite(&x, step, "update")?;
        st.z = z;
        st.weight_sum = new_sum;
        st.k += 1;
        let change: Vec<Tensor> = x.iter().zip(params.iter()).map(|(a, b)| a.zip_with(b, |a, b| a - b)).collect();
        params.clone_from_slice(&x);
        Ok(StepRecord {
            loss,
            grad_norm: global_norm(&grads),
            update_norm: global_norm(&change),
            step_size: Some(lr_k),
            ..StepRecord::default()
        })
    }
}

/// # Schedule-Free SGD
///
/// Direction `g + weight_decay * y` (coupled decay at `y`).
///
/// # Hyperparameters
/// `lr` (1.0), `momentum` (0.9, the interpolation weight, in (0, 1)),
/// `weight_decay` (0), `warmup_steps` (0), `r` (0), `weight_lr_power` (2):
/// the defaults of `schedulefree.SGDScheduleFree`.
///
/// # References
/// Defazio et al., *The Road Less Scheduled* (NeurIPS 2024); schedulefree
/// 1.4.1 reference classes, whose trajectories the tests reproduce.
#[derive(Clone, Debug, PartialEq)]
pub struct SfSgd {
    /// Learning rate.
    pub lr: f64,
    /// Interpolation weight between the average and the SGD sequence.
    pub momentum: f64,
    /// Coupled weight decay, at y.
    pub weight_decay: f64,
    /// Steps of linear warm-up.
    pub warmup_steps: f64,
    /// Power of the step count in the averaging weight.
    pub r: f64,
    /// Power of the largest learning rate in the averaging weight.
    pub weight_lr_power: f64,
}

/// # Schedule-Free AdamW
///
/// Direction `g / (sqrt(v / (1 - beta2^t)) + eps) + weight_decay * y`, with
/// `v` Adam's second moment; there is no first moment (`beta1` is the
/// interpolation weight).
///
/// # Hyperparameters
/// `lr` (0.0025), `beta1` (0.9), `beta2` (0.999), `eps` (1e-8),
/// `weight_decay` (0, decoupled), `warmup_steps` (0), `r` (0),
/// `weight_lr_power` (2): the defaults of `schedulefree.AdamWScheduleFree`.
#[derive(Clone, Debug, PartialEq)]
pub struct SfAdamW {
    /// Learning rate.
    pub lr: f64,
    /// Interpolation weight.
    pub beta1: f64,
    /// Second-moment decay.
    pub beta2: f64,
    /// Denominator offset.
    pub eps: f64,
    /// Decoupled weight decay, at y.
    pub weight_decay: f64,
    /// Steps of linear warm-up.
    pub warmup_steps: f64,
    /// Power of the step count in the averaging weight.
    pub r: f64,
    /// Power of the largest learning rate in the averaging weight.
    pub weight_lr_power: f64,
}

const SCHEDULE_KEYS: [Key; 3] = [
    Key { name: "warmup_steps", default: KeyDefault::Num(0.0), help: "steps of linear warm-up" },
    Key { name: "r", default: KeyDefault::Num(0.0), help: "averaging weight grows as (k+1)^r" },
    Key { name: "weight_lr_power", default: KeyDefault::Num(2.0), help: "averaging weight grows as lr_max^power" },
];

/// The keys of `sf_sgd`.
pub const KEYS_SGD: &[Key] = &[
    Key { name: "lr", default: KeyDefault::Num(1.0), help: "learning rate" },
    Key { name: "momentum", default: KeyDefault::Num(0.9), help: "interpolation weight, in (0, 1)" },
    Key { name: "weight_decay", default: KeyDefault::Num(0.0), help: "coupled weight decay at y" },
    SCHEDULE_KEYS[0],
    SCHEDULE_KEYS[1],
    SCHEDULE_KEYS[2],
];

/// The keys of `sf_adamw`.
pub const KEYS_ADAMW: &[Key] = &[
    Key { name: "lr", default: KeyDefault::Num(0.0025), help: "learning rate" },
    Key { name: "beta1", default: KeyDefault::Num(0.9), help: "interpolation weight" },
    Key { name: "beta2", default: KeyDefault::Num(0.999), help: "second-moment decay" },
    Key { name: "eps", default: KeyDefault::Num(1e-8), help: "denominator offset" },
    Key { name: "weight_decay", default: KeyDefault::Num(0.0), help: "decoupled weight decay at y" },
    SCHEDULE_KEYS[0],
    SCHEDULE_KEYS[1],
    SCHEDULE_KEYS[2],
];

fn check_schedule(name: &str, lr: f64, wd: f64, warmup: f64, r: f64, power: f64) -> Result<(), OptimError> {
    require(name, "lr", lr, range::non_negative(lr), ">= 0")?;
    require(name, "weight_decay", wd, range::non_negative(wd), ">= 0")?;
    require(name, "warmup_steps", warmup, range::non_negative(warmup) && warmup.fract() == 0.0, "a whole number >= 0")?;
    require(name, "r", r, range::non_negative(r), ">= 0")?;
    require(name, "weight_lr_power", power, range::non_negative(power), ">= 0")
}

impl SfSgd {
    fn read(o: &Options) -> Self {
        SfSgd {
            lr: o.num("lr"),
            momentum: o.num("momentum"),
            weight_decay: o.num("weight_decay"),
            warmup_steps: o.num("warmup_steps"),
            r: o.num("r"),
            weight_lr_power: o.num("weight_lr_power"),
        }
    }

    /// Checks every hyperparameter.
    ///
    /// # Errors
    /// [`OptimError::Invalid`] naming the allowed range.
    pub fn validate(&self) -> Result<(), OptimError> {
        check_schedule("sf_sgd", self.lr, self.weight_decay, self.warmup_steps, self.r, self.weight_lr_power)?;
        require("sf_sgd", "momentum", self.momentum, self.momentum > 0.0 && self.momentum < 1.0, "in (0, 1)")
    }

    fn pairs(&self) -> Vec<(String, String)> {
        field_pairs!(self; lr, momentum, weight_decay, warmup_steps, r, weight_lr_power)
    }
}

impl SfAdamW {
    fn read(o: &Options) -> Self {
        SfAdamW {
            lr: o.num("lr"),
            beta1: o.num("beta1"),
            beta2: o.num("beta2"),
            eps: o.num("eps"),
            weight_decay: o.num("weight_decay"),
            warmup_steps: o.num("warmup_steps"),
            r: o.num("r"),
            weight_lr_power: o.num("weight_lr_power"),
        }
    }

    /// Checks every hyperparameter.
    ///
    /// # Errors
    /// [`OptimError::Invalid`] naming the allowed range.
    pub fn validate(&self) -> Result<(), OptimError> {
        check_schedule("sf_adamw", self.lr, self.weight_decay, self.warmup_steps, self.r, self.weight_lr_power)?;
        require("sf_adamw", "beta1", self.beta1, range::unit(self.beta1), "in [0, 1)")?;
        require("sf_adamw", "beta2", self.beta2, range::unit(self.beta2), "in [0, 1)")?;
        require("sf_adamw", "eps", self.eps, range::non_negative(self.eps), ">= 0")
    }

    fn pairs(&self) -> Vec<(String, String)> {
        field_pairs!(self; lr, beta1, beta2, eps, weight_decay, warmup_steps, r, weight_lr_power)
    }
}

described!(SfSgd, "sf_sgd", KEYS_SGD);
described!(SfAdamW, "sf_adamw", KEYS_ADAMW);

impl ScheduleFreeBase for SfSgd {
    type State = ();
    fn check(&self) -> Result<(), OptimError> {
        self.validate()
    }
    fn init(&self, _: &[Tensor]) {}
    fn beta(&self) -> f64 {
        self.momentum
    }
    fn schedule(&self) -> (f64, f64, f64, f64) {
        (self.lr, self.warmup_steps, self.r, self.weight_lr_power)
    }
    fn direction(&self, g: &[Tensor], y: &[Tensor], _: i32, _: &mut ()) -> Vec<Tensor> {
        g.iter().zip(y).map(|(g, y)| g.zip_with(y, |g, y| g + self.weight_decay * y)).collect()
    }
}

impl ScheduleFreeBase for SfAdamW {
    type State = Vec<Tensor>;
    fn check(&self) -> Result<(), OptimError> {
        self.validate()
    }
    fn init(&self, params: &[Tensor]) -> Vec<Tensor> {
        zeros_like(params)
    }
    fn beta(&self) -> f64 {
        self.beta1
    }
    fn schedule(&self) -> (f64, f64, f64, f64) {
        (self.lr, self.warmup_steps, self.r, self.weight_lr_power)
    }
    fn direction(&self, g: &[Tensor], y: &[Tensor], k: i32, v: &mut Vec<Tensor>) -> Vec<Tensor> {
        let (b2, eps, wd) = (self.beta2, self.eps, self.weight_decay);
        let bc2 = 1.0 - b2.powi(k + 1);
        let mut out = Vec::with_capacity(g.len());
        for (i, g) in g.iter().enumerate() {
            v[i] = v[i].zip_with(g, |v, g| b2 * v + (1.0 - b2) * g * g);
            let scaled = g.zip_with(&v[i], |g, v| g / ((v / bc2).sqrt() + eps));
            out.push(scaled.zip_with(&y[i], |s, y| s + wd * y));
        }
        out
    }
}
