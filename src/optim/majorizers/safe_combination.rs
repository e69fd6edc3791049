//! The SafeCombination optimizer.

use super::{Direction, MAX_RETRIES, accepts, combine, diagnose, distance};
use crate::mm::{safe_combination, trust};
use crate::optim::optimizer::checked_value_and_grad;
use crate::optim::transform::{DynTransform, global_norm};
use crate::optim::{OptimError, Optimizer, Problem, StepRecord};
use crate::tensor::Tensor;

/// # SafeCombination
///
/// Each step combines a few directions with step sizes chosen together:
/// the negative gradient restricted to each parameter tensor (per-tensor
/// rates; the whole negative gradient when there are more than
/// [`SafeCombination::MAX_BLOCKS`] tensors) and the previous step as a momentum direction.
/// A degree-2 enclosure of `f(x + sum_i eta_i v_i)` over the box
/// `prod_i [0, e_i]` gives a quadratic upper bound; the box-constrained QP
/// is solved exactly (every active set) and each `e_i` adapts as in
/// SafeRate. No learning rate; the loss never increases. With a direction
/// (`with_direction`: L-BFGS's for `safecombination_lbfgs`), the directions
/// are that one and the previous step.
///
/// # Hyperparameters
/// `radius` (1.0): the first trust radius of every direction.
#[derive(Debug)]
pub struct SafeCombination {
    initial: f64,
    /// The one direction in place of the per-tensor gradient blocks.
    direction: Option<Direction>,
    /// Adam-shaped blocks: this update (Adam's, at rate 1) split by tensor,
    /// beside the whole negative gradient.
    blocks: Option<Direction>,
    /// Trust radii: one per gradient block, then the momentum direction.
    radii: Vec<f64>,
    previous: Option<Vec<Tensor>>,
    steps: usize,
}

impl Default for SafeCombination {
    fn default() -> Self {
        Self::new(1.0)
    }
}

impl SafeCombination {
    /// Up to this many parameter tensors get a gradient direction each.
    pub const MAX_BLOCKS: usize = 7;

    /// Up to this many scalar parameters (and [`SafeCombination::MAX_BLOCKS`]
    /// tensors) SafeCombination is the default MM method (`majorize
    /// minimize`, `majorize bench`). Beyond, its bound over several
    /// directions costs too much per step: 1 s on the digits MLP (2410
    /// scalars) and 16 s on the deeper one, against 0.1 s and 0.4 s for
    /// SafeRate.
    pub const DEFAULT_SCALARS: usize = 1000;

    /// SafeCombination with first trust radius `radius` for every direction.
    pub fn new(radius: f64) -> Self {
        SafeCombination { initial: radius, direction: None, blocks: None, radii: Vec::new(), previous: None, steps: 0 }
    }

    /// Up to this many parameter tensors get an Adam-shaped block each
    /// ([`with_blocks`](Self::with_blocks)); beyond, the whole update is one.
    pub const MAX_UPDATE_BLOCKS: usize = 6;

    /// Structured directions: the whole negative gradient, `update`'s
    /// proposal split into one block per parameter tensor (for
    /// `safecombination_adam`, Adam's `m / (sqrt(v) + eps)` with its fixed
    /// betas, at rate 1), and the previous step; each with its own radius.
    pub fn with_blocks(mut self, update: Box<dyn DynTransform>) -> Self {
        self.blocks = Some(Direction::update(update));
        self
    }

    /// SafeCombination over a baseline's update (or the L-BFGS direction)
    /// and the previous step.
    pub fn with_direction(mut self, transform: Box<dyn DynTransform>) -> Self {
        self.direction = Some(Direction::update(transform));
        self
    }
}

impl Optimizer for SafeCombination {
    fn name(&self) -> &'static str {
        match &self.direction {
            Some(d) if d.name() == "lbfgs" => "safecombination_lbfgs",
            Some(d) if d.name() == "learned" => "safecombination_learned",
            _ if self.blocks.is_some() => "safecombination_adam",
            _ => "safecombination",
        }
    }

    fn hyperparameters(&self) -> Vec<(String, String)> {
        let mut h = vec![("radius".into(), self.initial.to_string())];
        if let Some(d) = &self.direction {
            h.push(("direction".into(), d.name()));
            h.extend(d.hyperparameters().into_iter().map(|(k, v)| (format!("direction.{k}"), v)));
        }
        if let Some(b) = &self.blocks {
            h.push(("blocks".into(), b.name()));
            h.extend(b.hyperparameters().into_iter().map(|(k, v)| (format!("blocks.{k}"), v)));
        }
        h
    }

    fn reset(&mut self) {
        for d in [&mut self.direction, &mut self.blocks].into_iter().flatten() {
            d.reset();
        }
        self.radii.clear();
        self.previous = None;
        self.steps = 0;
    }

    fn step(&mut self, problem: &mut Problem<'_>, params: &mut [Tensor]) -> Result<StepRecord, OptimError> {
        self.steps += 1;
        let (f0, g) = checked_value_and_grad(problem, params, self.steps)?;
        // The candidate directions, each with its slot in `radii`.
        let neg: Vec<Tensor> = g.iter().map(|t| t.map(|x| -x)).collect();
        let mut slots: Vec<(usize, Vec<Tensor>)> = Vec::new();
        let update_slot = Self::MAX_BLOCKS + 2;
        if let Some(b) = &mut self.blocks {
            if global_norm(&neg) > 0.0 {
                slots.push((0, neg.clone()));
            }
            let u = b.propose(&g, params);
            if params.len() <= Self::MAX_UPDATE_BLOCKS {
                for (p, block) in blocks(&u).into_iter().enumerate() {
                    if global_norm(&block) > 0.0 {
                        slots.push((update_slot + p, block));
                    }
                }
            } else if global_norm(&u) > 0.0 {
                slots.push((update_slot, u));
            }
        } else if let Some(d) = &mut self.direction {
            let v = d.propose(&g, params);
            if global_norm(&v) > 0.0 {
                slots.push((0, v));
            }
        } else if params.len() <= Self::MAX_BLOCKS {
            for (p, d) in blocks(&neg).into_iter().enumerate() {
                if neg[p].norm() > 0.0 {
                    slots.push((p, d));
                }
            }
        } else if global_norm(&neg) > 0.0 {
            slots.push((0, neg.clone()));
        }
        let momentum_slot = Self::MAX_BLOCKS + 1;
        if let Some(prev) = &self.previous {
            slots.push((momentum_slot, prev.clone()));
        }
        let slot_count = update_slot + Self::MAX_UPDATE_BLOCKS;
        if self.radii.len() < slot_count {
            self.radii = vec![self.initial; slot_count];
        }
        let mut radii: Vec<f64> = slots.iter().map(|(s, _)| self.radii[*s]).collect();
        let dirs: Vec<Vec<Tensor>> = slots.iter().map(|(_, d)| d.clone()).collect();
        let mut taken: Option<(Vec<f64>, Vec<Tensor>)> = None;
        let mut bound = None;
        let mut curvature = f64::INFINITY;
        if !dirs.is_empty() {
            for _ in 0..MAX_RETRIES {
                let plan = safe_combination::plan(problem.bounder(), params, &dirs, &radii);
                bound = Some((plan.enclosure.q(0, 0).lo(), plan.enclosure.q(0, 0).hi()));
                if plan.eta.iter().all(|&e| e == 0.0) {
                    if plan.upper.is_finite() {
                        break;
                    }
                    radii.iter_mut().for_each(|r| *r /= 2.0);
                    continue;
                }
                let steps: Vec<(f64, &[Tensor])> =
                    plan.eta.iter().zip(&dirs).map(|(&e, d)| (e, d.as_slice())).collect();
                let x_new = combine(params, &steps);
                if accepts(problem.value(&x_new), f0) {
                    curvature = plan.curvature();
                    taken = Some((plan.eta, x_new));
                    break;
                }
                radii.iter_mut().zip(&plan.eta).for_each(|(r, e)| *r = (e / 2.0).min(*r / 2.0).max(trust::MIN_RADIUS));
            }
        }
        let etas = taken.as_ref().map_or_else(|| vec![0.0; slots.len()], |t| t.0.clone());
        for ((slot, _), (r, eta)) in slots.iter().zip(radii.iter().zip(&etas)) {
            self.radii[*slot] = trust::adapt(*r, *eta);
        }
        // Along the combined step d = sum_i eta_i v_i, taken with size 1.
        let diagnosis = match &taken {
            Some((_, x_new)) if problem.diagnosing() => {
                let d: Vec<Tensor> =
                    x_new.iter().zip(params.iter()).map(|(a, b)| a.zip_with(b, |p, q| p - q)).collect();
                Some(diagnose(problem, params, &d, (1.0, curvature, None), 1.0))
            }
            _ => None,
        };
        let mut update_norm = 0.0;
        self.previous = None;
        if let Some((_, x_new)) = taken {
            let delta: Vec<Tensor> =
                x_new.iter().zip(params.iter()).map(|(a, b)| a.zip_with(b, |p, q| p - q)).collect();
            update_norm = distance(&x_new, params);
            if update_norm > 0.0 {
                self.previous = Some(delta);
            }
            params.clone_from_slice(&x_new);
        }
        Ok(StepRecord {
            loss: f0,
            grad_norm: global_norm(&g),
            update_norm,
            step_size: etas.first().copied(),
            trust_radius: radii.first().copied(),
            bound,
            diagnosis,
            ..StepRecord::default()
        })
    }
}

/// `d` split by tensor: block `p` is `d`'s tensor `p`, zeros elsewhere.
fn blocks(d: &[Tensor]) -> Vec<Vec<Tensor>> {
    (0..d.len())
        .map(|p| d.iter().enumerate().map(|(q, t)| if q == p { t.clone() } else { Tensor::zeros(t.shape()) }).collect())
        .collect()
}
