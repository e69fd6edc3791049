//! The full-MM optimizer.

use super::{MAX_RETRIES, accepts, distance};
use crate::mm::{full_mm, prox, trust};
use crate::optim::optimizer::checked_value_and_grad;
use crate::optim::transform::global_norm;
use crate::optim::{OptimError, Optimizer, Problem, StepRecord};
use crate::tensor::{Tensor, flatten};

/// # Full MM
///
/// For losses with few scalar parameters: a degree-2 enclosure in every
/// coordinate over the box `x + [-r, r]` gives a quadratic majorizer (the
/// interval Hessian coefficient dominated by one matrix), minimized over the
/// box; each radius halves or doubles with its coordinate's step. No
/// learning rate; the loss never increases. Where the loss has separable
/// kink terms (`lambda * sum(abs(w))`, relu penalties on parameters), only
/// the smooth part is majorized and the kink terms are kept exact
/// (proximal MM, `mm::prox`), so coordinates land exactly on their kinks. Its cost grows like the square
/// of the number of scalars, so it takes at most [`FullMm::MAX_SCALARS`] and
/// is the default only for small problems.
///
/// # Hyperparameters
/// `radius` (1.0): the first half-width of the box in every coordinate.
#[derive(Debug)]
pub struct FullMm {
    initial: f64,
    radii: Vec<f64>,
    steps: usize,
}

impl Default for FullMm {
    fn default() -> Self {
        Self::new(1.0)
    }
}

impl FullMm {
    /// The most scalar parameters full MM takes: its enclosure carries a
    /// coefficient for every pair of coordinates.
    pub const MAX_SCALARS: usize = 50;

    /// Up to this many scalar parameters full MM is the default MM method
    /// (`majorize minimize`, `majorize bench`); beyond, its box bound costs
    /// more than it saves.
    pub const DEFAULT_SCALARS: usize = 10;

    /// Full MM with first box half-width `radius`.
    pub fn new(radius: f64) -> Self {
        FullMm { initial: radius, radii: Vec::new(), steps: 0 }
    }
}

impl Optimizer for FullMm {
    fn name(&self) -> &'static str {
        "fullmm"
    }

    fn hyperparameters(&self) -> Vec<(String, String)> {
        vec![("radius".into(), self.initial.to_string())]
    }

    fn proximal(&self) -> bool {
        true
    }

    fn reset(&mut self) {
        self.radii.clear();
        self.steps = 0;
    }

    fn step(&mut self, problem: &mut Problem<'_>, params: &mut [Tensor]) -> Result<StepRecord, OptimError> {
        self.steps += 1;
        let (f0, g) = checked_value_and_grad(problem, params, self.steps)?;
        let n: usize = params.iter().map(|t| t.shape().len()).sum();
        if n == 0 {
            return Err(OptimError::NotApplicable("fullmm needs at least one scalar parameter".into()));
        }
        if n > Self::MAX_SCALARS {
            return Err(OptimError::NotApplicable(format!(
                "fullmm handles at most {} scalar parameters, and this loss has {n}: use saferate or safecombination",
                Self::MAX_SCALARS
            )));
        }
        if self.radii.len() != n {
            self.radii = vec![self.initial; n];
        }
        let mut radii = self.radii.clone();
        let mut taken: Option<(Vec<f64>, Vec<Tensor>)> = None;
        let mut bound = None;
        let proximal = problem.has_kinks();
        for _ in 0..MAX_RETRIES {
            // (step, new parameters, upper bound at the new point)
            let (z, x_new, upper) = if proximal {
                let smooth = problem.smooth_part().expect("the loss has kink terms");
                let plan = prox::box_plan(smooth, params, &radii);
                let z: Vec<f64> = plan.y.iter().zip(flatten(params)).map(|(y, x)| y - x).collect();
                (z, plan.params(params), plan.upper)
            } else {
                let plan = full_mm::plan(problem.bounder(), params, &radii);
                bound = Some((plan.enclosure.q(0, 0).lo(), plan.enclosure.q(0, 0).hi()));
                let x_new = apply(params, &plan.z);
                (plan.z, x_new, plan.upper)
            };
            if z.iter().all(|&z| z == 0.0) {
                if upper.is_finite() {
                    break;
                }
                radii.iter_mut().for_each(|r| *r = (*r / 2.0).max(trust::MIN_RADIUS));
                continue;
            }
            if accepts(problem.value(&x_new), f0) {
                taken = Some((z, x_new));
                break;
            }
            radii.iter_mut().zip(&z).for_each(|(r, z)| *r = (z.abs() / 2.0).min(*r / 2.0).max(trust::MIN_RADIUS));
        }
        let z = taken.as_ref().map_or_else(|| vec![0.0; n], |t| t.0.clone());
        for ((r, used), zi) in self.radii.iter_mut().zip(&radii).zip(&z) {
            *r = trust::adapt(*used, *zi);
        }
        let mut update_norm = 0.0;
        if let Some((_, x_new)) = taken {
            update_norm = distance(&x_new, params);
            params.clone_from_slice(&x_new);
        }
        let mean_radius = radii.iter().sum::<f64>() / n.max(1) as f64;
        Ok(StepRecord {
            loss: f0,
            grad_norm: global_norm(&g),
            update_norm,
            step_size: Some(z.iter().map(|v| v * v).sum::<f64>().sqrt()),
            trust_radius: Some(mean_radius),
            bound,
            ..StepRecord::default()
        })
    }
}

/// `x + z` with `z` flattened over the parameters in order.
fn apply(x: &[Tensor], z: &[f64]) -> Vec<Tensor> {
    let mut k = 0;
    x.iter()
        .map(|t| {
            t.map(|v| {
                k += 1;
                v + z[k - 1]
            })
        })
        .collect()
}
