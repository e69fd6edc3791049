//! Exact last-layer steps alternating with any other optimizer.

use super::{SafeRate, accepts, distance};
use crate::optim::optimizer::checked_value_and_grad;
use crate::optim::{OptimError, Optimizer, Problem, QuasiNewton, StepRecord};
use crate::tensor::Tensor;

/// # Alternating (`lastlayer`)
///
/// Each step first moves the last linear layer `(W, b)` of a network's loss
/// to the exact minimizer of its loss (squared error) or of Böhning's
/// quadratic majorizer (softmax cross-entropy) with everything else fixed
/// (`mm::last_layer`), kept only if the evaluated loss is finite and no
/// higher; then takes one step of the inner optimizer from there. On a loss
/// without a recognised last layer it is the inner optimizer alone.
///
/// With an MM inner optimizer (the default), no step increases the loss.
///
/// # Hyperparameters
/// `inner` (`optimistic_lbfgs`: SafeRate along the L-BFGS direction with the
/// certified optimistic step).
///
/// Convention: the inner L-BFGS memory sees the exact step inside its next
/// pair `s = x_{k+1} - x_k`, `y = g_{k+1} - g_k`. That is still a secant
/// pair of the loss, kept only with positive curvature, so the direction
/// stays a descent direction (and SafeRate falls back to `-g` where it is
/// not); the memory is not reset.
///
/// # Example
/// ```
/// use majorize::optim::{Alternating, Optimizer};
/// use majorize::{Problem, lang};
/// let text = "data A = [[1, 0], [0, 1], [1, 1]]\ndata y = [2, 3, 4]\nparam w[2] = 0\nparam b = 0\n\
///             minimize mean((A @ w + b - y)^2)";
/// let model = lang::parse_program("ls.loss", text, std::path::Path::new(".")).unwrap();
/// let mut problem = Problem::new(&model);
/// let mut p = model.init.clone();
/// Alternating::default().step(&mut problem, &mut p).unwrap();
/// // One exact step solves the least-squares problem: w = (1, 2), b = 1.
/// assert!(problem.value(&p) < 1e-18);
/// ```
pub struct Alternating {
    inner: Box<dyn Optimizer>,
    steps: usize,
}

impl std::fmt::Debug for Alternating {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Alternating").field("inner", &self.inner.name()).field("steps", &self.steps).finish()
    }
}

impl Default for Alternating {
    fn default() -> Self {
        Self::new(Box::new(SafeRate::new(1.0).with_direction(Box::new(QuasiNewton { memory: 10 })).optimistic(true)))
    }
}

impl Alternating {
    /// Exact last-layer steps alternating with `inner`'s steps.
    pub fn new(inner: Box<dyn Optimizer>) -> Self {
        Alternating { inner, steps: 0 }
    }

    /// The exact step from `params` when the loss has a last layer: the
    /// loss there, if it moved.
    fn exact_step(&mut self, problem: &mut Problem<'_>, params: &mut [Tensor]) -> Result<Option<f64>, OptimError> {
        let Some(layer) = problem.last_layer().cloned() else { return Ok(None) };
        let (f0, g) = checked_value_and_grad(problem, params, self.steps)?;
        let a = layer.input_values(problem.graph(), params);
        if let Some(x) = layer.step(&a, params, &g)
            && x.as_slice() != &*params
            && accepts(problem.value(&x), f0)
        {
            params.clone_from_slice(&x);
        }
        Ok(Some(f0))
    }
}

impl Optimizer for Alternating {
    fn name(&self) -> &'static str {
        "lastlayer"
    }

    fn hyperparameters(&self) -> Vec<(String, String)> {
        let mut h = vec![("inner".into(), self.inner.name().to_string())];
        h.extend(self.inner.hyperparameters().into_iter().map(|(k, v)| (format!("inner.{k}"), v)));
        h
    }

    fn proximal(&self) -> bool {
        self.inner.proximal()
    }

    fn reset(&mut self) {
        self.steps = 0;
        self.inner.reset();
    }

    fn step(&mut self, problem: &mut Problem<'_>, params: &mut [Tensor]) -> Result<StepRecord, OptimError> {
        self.steps += 1;
        let start = params.to_vec();
        let f0 = self.exact_step(problem, params)?;
        let mut record = self.inner.step(problem, params).inspect_err(|_| params.clone_from_slice(&start))?;
        if let Some(f0) = f0 {
            record.loss = f0;
            record.update_norm = distance(params, &start);
        }
        Ok(record)
    }
}
