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
    /// grows from `min_unroll` to `max_unroll` over the outer steps.
    pub min_unroll: usize,
    /// The longest unroll.
    pub max_unroll: usize,
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
            exp_mult: 1.0,
            step_mult: 1e-3,
            seed: 0,
        }
    }
}

/// The mean over `steps` steps of the rule from the task's start of
/// `clip(ln(f_t / f_0), -25, 5)` (the loss before each step and after the
/// last; [`PENALTY`] from the first step that fails).
pub fn meta_loss(rule: &LearnedRule, task: &Task, steps: usize) -> f64 {
    let mut problem = Problem::new(&task.model);
    let mut x: Vec<Tensor> = task.model.init.clone();
    let f0 = problem.value(&x);
    if !(f0.is_finite() && f0 > 0.0) {
        return 0.0; // nothing to learn from
    }
    let mut opt = rule.clone().optimizer();
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

/// Outer Adam's state.
#[derive(Clone, Debug)]
pub struct Trainer {
    /// The network's parameters.
    pub theta: Vec<f64>,
    shape: Mlp,
    m: Vec<f64>,
    v: Vec<f64>,
    /// Outer steps taken.
    pub steps: usize,
    /// The configuration.
    pub config: EsConfig,
}

impl Trainer {
    /// From `net`'s parameters.
    pub fn new(net: Mlp, config: EsConfig) -> Self {
        let theta = net.flat();
        let n = theta.len();
        Trainer { theta, shape: net, m: vec![0.0; n], v: vec![0.0; n], steps: 0, config }
    }

    /// The network now.
    pub fn net(&self) -> Mlp {
        self.shape.with_flat(&self.theta)
    }

    /// The rule of parameters `theta`.
    pub fn rule(&self, theta: &[f64]) -> LearnedRule {
        LearnedRule::new(Arc::new(self.shape.with_flat(theta)), self.config.exp_mult, self.config.step_mult)
    }

    /// One outer step, `progress` in `[0, 1]` setting the longest unroll;
    /// returns the mean meta-loss of the pairs (of `theta +- sigma z`).
    pub fn step(&mut self, progress: f64) -> f64 {
        let c = &self.config;
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
                let lp = meta_loss(&self.rule(&plus), &task, steps);
                let lm = meta_loss(&self.rule(&minus), &task, steps);
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
        let config = EsConfig { pairs: 8, max_unroll: 20, lr: 1e-2, seed: 3, ..EsConfig::default() };
        let net = Mlp::new(&[WIDTH, 8, 2], 1);
        // A fixed evaluation set: the same 10 tasks, 20 steps each.
        let eval = |t: &Trainer| {
            let rule = t.rule(&t.theta);
            (0..10u64).map(|s| meta_loss(&rule, &tasks::sample(1000 + s), 20)).sum::<f64>() / 10.0
        };
        let mut a = Trainer::new(net.clone(), config.clone());
        let before = eval(&a);
        for k in 0..40 {
            a.step(k as f64 / 40.0);
        }
        let after = eval(&a);
        assert!(after < before, "meta-loss {before} -> {after}");
        let mut b = Trainer::new(net, config);
        for k in 0..40 {
            b.step(k as f64 / 40.0);
        }
        assert_eq!(a.theta, b.theta, "the same seed, the same run");
    }
}
