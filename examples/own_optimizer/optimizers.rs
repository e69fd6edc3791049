//! Two user-defined optimizers, a few lines each: gradient descent with a
//! fixed step, as one writes it first (wrong where the loss curves more
//! than `2 / lr`: its steps overshoot, the loss rises, and on a steep
//! enough loss the parameters overflow), and with a backtracking search
//! that halves the step until the loss falls by at least half the linear
//! prediction (Armijo's rule: monotone, and convergent on convex losses).

use majorize::optim::{OptimError, Optimizer, StepRecord, apply_updates, check_finite, global_norm};
use majorize::{Problem, Tensor};

/// `x <- x - lr grad f(x)`.
pub struct FixedStep {
    pub lr: f64,
}

/// `x <- x - t grad f(x)`, `t` the first of `lr, lr/2, lr/4, ...` (at
/// most 60 halvings) with `f(x - t g) <= f(x) - t |g|^2 / 2`; no step if
/// none has.
pub struct Backtracking {
    pub lr: f64,
}

fn scaled(g: &[Tensor], t: f64) -> Vec<Tensor> {
    g.iter().map(|g| g.map(|v| -t * v)).collect()
}

impl Optimizer for FixedStep {
    fn name(&self) -> &'static str {
        "fixed_step"
    }
    fn hyperparameters(&self) -> Vec<(String, String)> {
        vec![("lr".into(), self.lr.to_string())]
    }
    fn reset(&mut self) {}
    fn step(&mut self, problem: &mut Problem<'_>, x: &mut [Tensor]) -> Result<StepRecord, OptimError> {
        let (loss, g) = problem.value_and_grad(x);
        let update_norm = apply_updates(x, &scaled(&g, self.lr));
        Ok(StepRecord { loss, grad_norm: global_norm(&g), update_norm, ..StepRecord::default() })
    }
}

impl Optimizer for Backtracking {
    fn name(&self) -> &'static str {
        "backtracking"
    }
    fn hyperparameters(&self) -> Vec<(String, String)> {
        vec![("lr".into(), self.lr.to_string())]
    }
    fn reset(&mut self) {}
    fn step(&mut self, problem: &mut Problem<'_>, x: &mut [Tensor]) -> Result<StepRecord, OptimError> {
        let (loss, g) = problem.value_and_grad(x);
        check_finite(&g, 0, "gradient")?;
        let g2 = global_norm(&g).powi(2);
        let mut t = self.lr;
        for _ in 0..60 {
            let update = scaled(&g, t);
            let trial: Vec<Tensor> = x.iter().zip(&update).map(|(a, u)| a.zip_with(u, |a, u| a + u)).collect();
            if trial.iter().all(Tensor::is_finite) && problem.value(&trial) <= loss - 0.5 * t * g2 {
                let update_norm = apply_updates(x, &update);
                return Ok(StepRecord { loss, grad_norm: global_norm(&g), update_norm, ..StepRecord::default() });
            }
            t /= 2.0;
        }
        Ok(StepRecord { loss, grad_norm: global_norm(&g), ..StepRecord::default() })
    }
}
