//! Antithetic evolution strategies over the rule's network (the estimator
//! of google/learned_optimization's truncated ES, notes/ 3.2-3.3): each
//! outer step draws `pairs` tasks and perturbations `sigma z`, unrolls the
//! rule at `theta + sigma z` and `theta - sigma z` on the same task, and
//! moves `theta` by Adam along `mean (L+ - L-) / (2 sigma) z`, clipped
//! elementwise. The meta-loss of an unroll is the mean over its steps of
//! `clip(ln(f_t / f_0), -25, 5)`, with 5 for a step that is not finite.
//! Deterministic for a seed: every pair's task and perturbation come from
//! `(seed, step, pair)`, and the pairs' results are summed in order.

use std::sync::Arc;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

use super::super::LearnedRule;
use super::super::mlp::Mlp;
use super::tasks::{self, Task};
use crate::optim::Optimizer;
use crate::{Problem, Tensor};

/// The meta-loss of a step that is not finite.
pub const PENALTY: f64 = 5.0;

/// How to meta-train.
#[derive(Clone, Debug)]
pub struct EsConfig {
    /// Antithetic pairs per outer step.
    pub pairs: usize,
    /// The perturbation's scale.
    pub sigma: f64,
    /// Outer Adam's learning rate.
    pub lr: f64,
    /// The elementwise clip of the gradient estimate.
    pub clip: f64,
    /// Unroll lengths: log-uniform from `min_unroll` to a maximum that
    /// grows log-linearly from `min_unroll` to `max_unroll` over the first
    /// `ramp` outer steps (a schedule in steps, not seconds, so that a
    /// seed and a step count give the same run anywhere).
    pub min_unroll: usize,
    /// The longest unroll.
    pub max_unroll: usize,
    /// The outer steps over which the longest unroll grows.
    pub ramp: usize,
    /// The rule's `exp_mult` and `step_mult`.
    pub exp_mult: f64,
    /// See `exp_mult`.
    pub step_mult: f64,
    /// The seed.
    pub seed: u64,
}

impl Default for EsConfig {
    fn default() -> Self {
        EsConfig {
            pairs: 8,
            sigma: 0.01,
            lr: 1e-3,
            clip: 3.0,
            min_unroll: 10,
            max_unroll: 100,
            ramp: 20_000,
            exp_mult: 1.0,
            step_mult: 1e-3,
            seed: 0,
        }
    }
}

/// The mean over `steps` steps of `opt` from the task's start of
/// `clip(ln(f_t / f_0), -25, 5)` (the loss before each step and after the
/// last; [`PENALTY`] from the first step that fails).
pub fn meta_loss(mut opt: Box<dyn Optimizer>, task: &Task, steps: usize) -> f64 {
    let mut problem = Problem::new(&task.model);
    let mut x: Vec<Tensor> = task.model.init.clone();
    let f0 = problem.value(&x);
    if !(f0.is_finite() && f0 > 0.0) {
        return 0.0; // nothing to learn from
    }
    let mut total = 0.0;
    for k in 0..steps {
        if opt.step(&mut problem, &mut x).is_err() {
            total += PENALTY * (steps - k) as f64;
            break;
        }
        let f = problem.value(&x);
        total += if f.is_finite() { (f.max(1e-300) / f0).ln().clamp(-25.0, PENALTY) } else { PENALTY };
    }
    total / steps as f64
}

/// A family of optimizers indexed by a parameter vector `theta`: what the
/// evolution strategies meta-train.
pub trait Family: Sync {
    /// The optimizer of parameters `theta`.
    fn optimizer(&self, theta: &[f64]) -> Box<dyn Optimizer>;
}

/// The learned rule's family: the network's flat parameters.
#[derive(Clone, Debug)]
pub struct RuleFamily {
    /// The network's sizes (and its initial parameters).
    pub shape: Mlp,
    /// The rule's `exp_mult`.
    pub exp_mult: f64,
    /// The rule's `step_mult`.
    pub step_mult: f64,
}

impl RuleFamily {
    /// The rule of parameters `theta`.
    pub fn rule(&self, theta: &[f64]) -> LearnedRule {
        LearnedRule::new(Arc::new(self.shape.with_flat(theta)), self.exp_mult, self.step_mult)
    }
}

impl Family for RuleFamily {
    fn optimizer(&self, theta: &[f64]) -> Box<dyn Optimizer> {
        Box::new(self.rule(theta).optimizer())
    }
}

/// The control: Adam with `theta = (log10 lr, logit beta1, logit beta2)`
/// (eps 1e-8, no weight decay).
#[derive(Clone, Copy, Debug, Default)]
pub struct AdamFamily;

impl AdamFamily {
    /// The control's perturbation scale, in `(log10 lr, logit beta1, logit
    /// beta2)`: three coordinates of order 1, where the network's `0.01`
    /// would measure only noise.
    pub const SIGMA: f64 = 0.1;

    /// PyTorch's defaults, `(lr, beta1, beta2) = (1e-3, 0.9, 0.999)`, as `theta`.
    pub fn initial() -> Vec<f64> {
        vec![-3.0, logit(0.9), logit(0.999)]
    }

    /// The Adam of parameters `theta`.
    ///
    /// # Panics
    /// If `theta` does not have 3 elements.
    pub fn adam(theta: &[f64]) -> crate::optim::Adam {
        let [lr, b1, b2] = theta else { panic!("(log10 lr, logit beta1, logit beta2), not {theta:?}") };
        crate::optim::Adam {
            lr: 10f64.powf(lr.clamp(-12.0, 12.0)),
            beta1: sigmoid(*b1),
            beta2: sigmoid(*b2),
            eps: 1e-8,
            weight_decay: 0.0,
            amsgrad: false,
        }
    }
}

impl Family for AdamFamily {
    fn optimizer(&self, theta: &[f64]) -> Box<dyn Optimizer> {
        Box::new(crate::optim::Stateful::new(Self::adam(theta)))
    }
}

/// `ln(p / (1 - p))`.
pub fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

/// `1 / (1 + exp(-x))`, kept below 1 (a decay of exactly 1 is not Adam).
fn sigmoid(x: f64) -> f64 {
    (1.0 / (1.0 + (-x).exp())).min(1.0 - 1e-12)
}

/// Outer Adam's state.
#[derive(Clone, Debug)]
pub struct Trainer<F: Family> {
    /// The family's parameters.
    pub theta: Vec<f64>,
    /// The family.
    pub family: F,
    m: Vec<f64>,
    v: Vec<f64>,
    /// Outer steps taken.
    pub steps: usize,
    /// The configuration.
    pub config: EsConfig,
}

impl Trainer<RuleFamily> {
    /// From `net`'s parameters, with the configuration's `exp_mult` and `step_mult`.
    pub fn new(net: Mlp, config: EsConfig) -> Self {
        let theta = net.flat();
        let family = RuleFamily { shape: net, exp_mult: config.exp_mult, step_mult: config.step_mult };
        Self::of(family, theta, config)
    }

    /// The network now.
    pub fn net(&self) -> Mlp {
        self.family.shape.with_flat(&self.theta)
    }

    /// The rule of parameters `theta`.
    pub fn rule(&self, theta: &[f64]) -> LearnedRule {
        self.family.rule(theta)
    }
}

impl<F: Family> Trainer<F> {
    /// `family` from `theta`.
    pub fn of(family: F, theta: Vec<f64>, config: EsConfig) -> Self {
        let n = theta.len();
        Trainer { theta, family, m: vec![0.0; n], v: vec![0.0; n], steps: 0, config }
    }

    /// One outer step; returns the mean meta-loss of the pairs (of
    /// `theta +- sigma z`).
    pub fn step(&mut self) -> f64 {
        let c = &self.config;
        let progress = self.steps as f64 / c.ramp.max(1) as f64;
        let longest =
            c.min_unroll as f64 * ((c.max_unroll as f64 / c.min_unroll as f64).powf(progress.clamp(0.0, 1.0)));
        let n = self.theta.len();
        let results: Vec<(f64, f64, Vec<f64>)> = (0..c.pairs)
            .into_par_iter()
            .map(|i| {
                let seed = c.seed.wrapping_mul(0x9e37_79b9).wrapping_add((self.steps * c.pairs + i) as u64);
                let mut rng = StdRng::seed_from_u64(seed);
                let z: Vec<f64> = (0..n).map(|_| StandardNormal.sample(&mut rng)).collect();
                let u: f64 = rand::RngExt::random_range(&mut rng, 0.0..1.0);
                let steps = (c.min_unroll as f64 * (longest / c.min_unroll as f64).powf(u)).round().max(1.0) as usize;
                let task = tasks::sample(seed);
                let plus: Vec<f64> = self.theta.iter().zip(&z).map(|(t, z)| t + c.sigma * z).collect();
                let minus: Vec<f64> = self.theta.iter().zip(&z).map(|(t, z)| t - c.sigma * z).collect();
                let lp = meta_loss(self.family.optimizer(&plus), &task, steps);
                let lm = meta_loss(self.family.optimizer(&minus), &task, steps);
                (lp, lm, z)
            })
            .collect();
        let mut grad = vec![0.0; n];
        let mut mean = 0.0;
        for (lp, lm, z) in &results {
            let w = (lp - lm) / (2.0 * c.sigma) / c.pairs as f64;
            for (g, z) in grad.iter_mut().zip(z) {
                *g += w * z;
            }
            mean += (lp + lm) / (2.0 * c.pairs as f64);
        }
        self.steps += 1;
        let t = self.steps as i32;
        let (b1, b2) = (0.9f64, 0.999f64);
        for (((theta, m), v), g) in self.theta.iter_mut().zip(&mut self.m).zip(&mut self.v).zip(&grad) {
            let g = g.clamp(-c.clip, c.clip);
            *m = b1 * *m + (1.0 - b1) * g;
            *v = b2 * *v + (1.0 - b2) * g * g;
            let (mh, vh) = (*m / (1.0 - b1.powi(t)), *v / (1.0 - b2.powi(t)));
            *theta -= c.lr * mh / (vh.sqrt() + 1e-8);
        }
        mean
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::learned::features::WIDTH;

    #[test]
    fn the_meta_loss_falls_on_a_tiny_budget_and_runs_are_reproducible() {
        let config = EsConfig { pairs: 8, max_unroll: 20, ramp: 40, lr: 1e-2, seed: 3, ..EsConfig::default() };
        let net = Mlp::new(&[WIDTH, 8, 2], 1);
        // A fixed evaluation set: the same 10 tasks, 20 steps each.
        let eval = |t: &Trainer<RuleFamily>| {
            (0..10u64).map(|s| meta_loss(t.family.optimizer(&t.theta), &tasks::sample(1000 + s), 20)).sum::<f64>()
                / 10.0
        };
        let mut a = Trainer::new(net.clone(), config.clone());
        let before = eval(&a);
        for _ in 0..40 {
            a.step();
        }
        let after = eval(&a);
        assert!(after < before, "meta-loss {before} -> {after}");
        let mut b = Trainer::new(net, config);
        for _ in 0..40 {
            b.step();
        }
        assert_eq!(a.theta, b.theta, "the same seed, the same run");
    }

    #[test]
    fn the_control_is_adam_and_its_meta_loss_falls() {
        let a = AdamFamily::adam(&AdamFamily::initial());
        assert!((a.lr - 1e-3).abs() < 1e-15 && (a.beta1 - 0.9).abs() < 1e-12 && (a.beta2 - 0.999).abs() < 1e-12);
        let config = EsConfig {
            pairs: 8,
            max_unroll: 20,
            ramp: 40,
            lr: 5e-2,
            sigma: AdamFamily::SIGMA,
            seed: 5,
            ..EsConfig::default()
        };
        let eval = |t: &Trainer<AdamFamily>| {
            (0..10u64).map(|s| meta_loss(t.family.optimizer(&t.theta), &tasks::sample(2000 + s), 20)).sum::<f64>()
                / 10.0
        };
        let mut t = Trainer::of(AdamFamily, AdamFamily::initial(), config);
        let before = eval(&t);
        for _ in 0..40 {
            t.step();
        }
        let after = eval(&t);
        assert!(after < before, "meta-loss {before} -> {after}");
        // Adam's default rate is too small for most tasks: the rate rose.
        assert!(t.theta[0] > -3.0, "log10 lr {}", t.theta[0]);
    }
}
