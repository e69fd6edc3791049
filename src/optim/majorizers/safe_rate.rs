//! The SafeRate optimizer.

use super::{Direction, MAX_RETRIES, accepts, combine, diagnose, distance};
use crate::mm::{prox, ray, safe_rate, trust};
use crate::optim::optimizer::{check_finite, checked_value_and_grad};
use crate::optim::transform::{DynTransform, global_norm};
use crate::optim::{OptimError, Optimizer, Problem, StepRecord};
use crate::tensor::{Tensor, flatten};

/// # SafeRate
///
/// Each step bounds `h(eta) = f(x + eta v)` at degree 2 over
/// `[0, eta_max]` and steps to the clipped minimizer of the upper quadratic;
/// `eta_max` doubles when the step reaches past half of it and halves
/// otherwise. `v` is the negative gradient, or any baseline's update
/// ("SafeRate(Adam)"). No learning rate; the loss never increases.
///
/// # Hyperparameters
/// `eta_max` (1.0): the first trust radius (adapted from then on).
///
/// # References
/// Streeter & Dillon, arXiv:2212.11429 (SafeRate); autobound.md section 5.
#[derive(Debug)]
pub struct SafeRate {
    direction: Direction,
    initial: f64,
    eta_max: f64,
    steps: usize,
    optimistic: bool,
}

impl Default for SafeRate {
    fn default() -> Self {
        Self::new(1.0)
    }
}

impl SafeRate {
    /// SafeRate along the negative gradient, with first trust radius `eta_max`.
    pub fn new(eta_max: f64) -> Self {
        SafeRate { direction: Direction::NegativeGradient, initial: eta_max, eta_max, steps: 0, optimistic: false }
    }

    /// With the certified optimistic step: each step also tries the
    /// minimizer of the point Taylor quadratic along the direction (one
    /// point Taylor pass and one evaluation), and keeps it when its loss is
    /// below the certified bound's value.
    pub fn optimistic(mut self, on: bool) -> Self {
        self.optimistic = on;
        self
    }

    /// SafeRate along a baseline's update.
    pub fn with_direction(mut self, transform: Box<dyn DynTransform>) -> Self {
        self.direction = Direction::update(transform);
        self
    }

    /// The current trust radius.
    pub fn eta_max(&self) -> f64 {
        self.eta_max
    }
}

impl SafeRate {
    /// SafeRate on a loss with kink terms: along `-grad` the ray to the
    /// proximal gradient point with step `t = eta_max` (`mm::prox::ray_plan`),
    /// along another direction the ray over `[0, eta_max]`
    /// (`mm::ray::plan`); either way the smooth part is bounded and the kink
    /// terms are exact. The radius halves while no decrease is promised, and
    /// halves or doubles with the step as `eta_max` does.
    fn kinked_step(
        &mut self,
        problem: &mut Problem<'_>,
        params: &mut [Tensor],
        f0: f64,
        g: &[Tensor],
    ) -> Result<StepRecord, OptimError> {
        let x0 = flatten(params);
        let proximal = self.proximal();
        let v = if proximal {
            None
        } else {
            let v = self.direction.propose(g, params);
            check_finite(&v, self.steps, "update")?;
            Some(flatten(&v))
        };
        let separable = problem.kinks().expect("the loss has kink terms").gradient(&x0);
        let gs: Vec<f64> = flatten(g).iter().zip(&separable).map(|(a, b)| a - b).collect();
        let mut t = self.eta_max;
        let mut taken = None;
        let mut fixed = false;
        for _ in 0..safe_rate::MAX_HALVINGS {
            let smooth = problem.smooth_part().expect("the loss has kink terms");
            let plan = match &v {
                None => prox::ray_plan(smooth, params, &gs, t),
                Some(v) => ray::plan(smooth, params, v, t, None),
            };
            if plan.size > 0.0 {
                let x_new = plan.params(params);
                if accepts(problem.value(&x_new), f0) {
                    taken = Some((plan.size, x_new));
                    break;
                }
            } else if plan.fixed || t <= trust::MIN_RADIUS {
                fixed = plan.fixed;
                break;
            }
            t = (t / 2.0).max(trust::MIN_RADIUS);
        }
        let s = taken.as_ref().map_or(0.0, |t| t.0);
        // The step in units of the radius: the proximal ray is [0, 1] long.
        let used = if proximal { s * t } else { s };
        // At a fixed point of the proximal map the radius grows: with a tiny
        // t, p = x can be rounding alone, and a true fixed point stays one.
        self.eta_max = if fixed { (t * 2.0).min(trust::MAX_RADIUS) } else { trust::adapt(t, used) };
        let mut update_norm = 0.0;
        if let Some((_, x_new)) = taken {
            update_norm = distance(&x_new, params);
            params.clone_from_slice(&x_new);
        }
        Ok(StepRecord {
            loss: f0,
            grad_norm: global_norm(g),
            update_norm,
            step_size: Some(used),
            trust_radius: Some(t),
            ..StepRecord::default()
        })
    }
}

impl Optimizer for SafeRate {
    fn name(&self) -> &'static str {
        // Along the L-BFGS direction it is the certified quasi-Newton method;
        // along the learned update, the learned optimizer that cannot raise the loss.
        match (self.direction.name().as_str(), self.optimistic) {
            ("lbfgs", false) => "saferate_lbfgs",
            ("lbfgs", true) => "optimistic_lbfgs",
            ("learned", false) => "saferate_learned",
            (_, false) => "saferate",
            (_, true) => "optimistic",
        }
    }

    fn hyperparameters(&self) -> Vec<(String, String)> {
        let mut h = vec![
            ("direction".into(), self.direction.name()),
            ("eta_max".into(), self.initial.to_string()),
            ("optimistic".into(), self.optimistic.to_string()),
        ];
        h.extend(self.direction.hyperparameters().into_iter().map(|(k, v)| (format!("direction.{k}"), v)));
        h
    }

    fn proximal(&self) -> bool {
        matches!(self.direction, Direction::NegativeGradient)
    }

    fn reset(&mut self) {
        self.eta_max = self.initial;
        self.steps = 0;
        self.direction.reset();
    }

    fn step(&mut self, problem: &mut Problem<'_>, params: &mut [Tensor]) -> Result<StepRecord, OptimError> {
        self.steps += 1;
        let (f0, g) = checked_value_and_grad(problem, params, self.steps)?;
        if problem.has_kinks() {
            return self.kinked_step(problem, params, f0, &g);
        }
        let v = self.direction.propose(&g, params);
        check_finite(&v, self.steps, "update")?;
        let mut e = self.eta_max;
        let mut taken = None;
        let mut last = None;
        let mut jet = None;
        let mut optimistic = None;
        // The optimistic trial first: where it beats the point Taylor
        // model's own minimum it beats the certified bound's value at any
        // radius (see `Trial::beats_any_bound`), and no bound is needed.
        let mut pending = None;
        if self.optimistic {
            let c = problem.taylor2(params, &v);
            jet = Some(c);
            optimistic = Some(false);
            match Trial::new(problem, params, &v, c, f0) {
                Some(t) if t.beats_any_bound(c, f0) => {
                    optimistic = Some(true);
                    taken = Some((t.size, t.x));
                }
                other => pending = other,
            }
        }
        let mut certified = None;
        for _ in 0..MAX_RETRIES {
            if taken.is_some() {
                break;
            }
            let plan = safe_rate::plan(problem.bounder(), params, &v, e);
            e = plan.eta_max;
            if let Some(t) = pending.take().filter(|t| t.f <= plan.upper) {
                optimistic = Some(true);
                certified = Some(plan.eta);
                taken = Some((t.size, t.x));
                last = Some(plan);
                break;
            }
            if plan.eta == 0.0 {
                last = Some(plan);
                break;
            }
            let x_new = combine(params, &[(plan.eta, &v)]);
            if accepts(problem.value(&x_new), f0) {
                taken = Some((plan.eta, x_new));
                last = Some(plan);
                break;
            }
            // Only rounding can make the evaluated loss rise: refuse and shrink.
            e = plan.eta / 2.0;
            last = Some(plan);
        }
        let eta = taken.as_ref().map_or(0.0, |t| t.0);
        let diagnosis = problem.diagnosing().then(|| {
            // The bound's curvature, from a bound made for the diagnosis
            // where the step needed none (the step is unchanged).
            let c2_bound = match &last {
                Some(p) => p.coefficients[2].hi(),
                None => safe_rate::plan(problem.bounder(), params, &v, e).coefficients[2].hi(),
            };
            diagnose(problem, params, &v, (eta, c2_bound, jet.map(|c| c[2])), e)
        });
        // The radius follows the certified step (after an optimistic step,
        // as if it had been taken); a step that made no bound leaves it.
        self.eta_max = match (optimistic, certified) {
            (Some(true), Some(c)) => trust::adapt(e, c),
            (Some(true), None) => e,
            _ => trust::adapt(e, eta),
        };
        let mut update_norm = 0.0;
        if let Some((_, x_new)) = taken {
            update_norm = distance(&x_new, params);
            params.clone_from_slice(&x_new);
        }
        let bound = last.map(|p| (p.coefficients[2].lo(), p.coefficients[2].hi()));
        Ok(StepRecord {
            loss: f0,
            grad_norm: global_norm(&g),
            update_norm,
            step_size: Some(eta),
            trust_radius: Some(e),
            bound,
            optimistic,
            diagnosis,
        })
    }
}

/// The optimistic trial: the minimizer `t = -c1 / (2 c2)` of the point
/// Taylor quadratic along `v`, evaluated. It is kept when its loss is below
/// the start's and the certified bound's value, so that it can only do
/// better than the certified step, and the loss never increases.
struct Trial {
    size: f64,
    x: Vec<Tensor>,
    f: f64,
}

impl Trial {
    /// The trial, where the point quadratic has a minimizer ahead and the
    /// loss there is finite and below `f0`.
    fn new(problem: &mut Problem<'_>, params: &[Tensor], v: &[Tensor], [_, c1, c2]: [f64; 3], f0: f64) -> Option<Self> {
        let size = -c1 / (2.0 * c2);
        if !(c1 < 0.0 && c2 > 0.0 && size.is_finite() && size > 0.0) {
            return None;
        }
        let x = combine(params, &[(size, v)]);
        let f = problem.value(&x);
        (f.is_finite() && f < f0 && x.iter().all(Tensor::is_finite)).then_some(Trial { size, x, f })
    }

    /// Whether the trial's loss is at most the point Taylor model's minimum
    /// `f0 - c1^2 / (4 c2)`, taken with a margin of `1e-6` relative on `c1`
    /// and `c2` for the rounding of the point pass. Then it is below the
    /// certified bound's value over any radius `e`: that value is
    /// `min_{[0, e]} c0 + c1 t + hi(C2) t^2`, and `hi(C2) >= c2` (`C2`
    /// encloses `(h(t) - c0 - c1 t) / t^2` on `(0, e]`, whose limit at 0 is
    /// `c2`), so it is at least `min_{t >= 0} c0 + c1 t + c2 t^2`.
    fn beats_any_bound(&self, [_, c1, c2]: [f64; 3], f0: f64) -> bool {
        const MARGIN: f64 = 1e-6;
        let (c1, c2) = (c1.abs() * (1.0 + MARGIN), c2 * (1.0 - MARGIN));
        self.f <= f0 - c1 * c1 / (4.0 * c2)
    }
}
