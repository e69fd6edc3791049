//! L-BFGS and nonlinear conjugate gradients: the quasi-Newton baselines a
//! practitioner picks for a smooth deterministic loss, each with the
//! Moré–Thuente line search ([`MoreThuente`]); and the L-BFGS direction as
//! a transformation ([`QuasiNewton`]), so that SafeRate and SafeCombination
//! can step along it with certified step sizes instead of a line search.

use std::collections::VecDeque;

use super::linesearch::MoreThuente;
use super::optimizer::checked_value_and_grad;
use super::options::{Key, KeyDefault, Options};
use super::transform::Transform;
use super::{OptimError, Optimizer, Problem, StepRecord};
use crate::tensor::{Tensor, flatten, unflatten};

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

/// `x + a d`, shaped like `x`.
fn moved(x: &[Tensor], a: f64, d: &[f64]) -> Vec<Tensor> {
    let flat: Vec<f64> = flatten(x).iter().zip(d).map(|(p, q)| p + a * q).collect();
    unflatten(&flat, x)
}

/// The last `m` pairs `s = x_{k+1} - x_k`, `y = g_{k+1} - g_k`.
#[derive(Clone, Debug, Default)]
pub struct Memory {
    m: usize,
    pairs: VecDeque<(Vec<f64>, Vec<f64>, f64)>,
}

impl Memory {
    /// An empty memory of `m` pairs.
    pub fn new(m: usize) -> Self {
        Memory { m, pairs: VecDeque::new() }
    }

    /// Whether it holds no pair.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Forgets every pair.
    pub fn clear(&mut self) {
        self.pairs.clear();
    }

    /// Keeps the pair if its curvature `s'y` exceeds `threshold` (dropping
    /// the oldest when full); whether it was kept.
    pub fn push(&mut self, s: Vec<f64>, y: Vec<f64>, threshold: f64) -> bool {
        let sy = dot(&s, &y);
        if !(sy > threshold && sy.is_finite()) || self.m == 0 {
            return false;
        }
        if self.pairs.len() == self.m {
            self.pairs.pop_front();
        }
        self.pairs.push_back((s, y, 1.0 / sy));
        true
    }

    /// `-H g` by the two-loop recursion, with `H0 = (s'y / y'y) I` from the
    /// newest pair (`-g` with no pair).
    pub fn direction(&self, g: &[f64]) -> Vec<f64> {
        let mut q = g.to_vec();
        let mut alpha = vec![0.0; self.pairs.len()];
        for (i, (s, y, rho)) in self.pairs.iter().enumerate().rev() {
            alpha[i] = rho * dot(s, &q);
            q.iter_mut().zip(y).for_each(|(q, y)| *q -= alpha[i] * y);
        }
        if let Some((s, y, _)) = self.pairs.back() {
            let gamma = dot(s, y) / dot(y, y);
            q.iter_mut().for_each(|v| *v *= gamma);
        }
        for (i, (s, y, rho)) in self.pairs.iter().enumerate() {
            let beta = rho * dot(y, &q);
            q.iter_mut().zip(s).for_each(|(q, s)| *q += (alpha[i] - beta) * s);
        }
        q.iter_mut().for_each(|v| *v = -*v);
        q
    }
}

/// The point a step ends at, kept so that the next step does not evaluate
/// it again.
#[derive(Clone, Debug)]
struct At {
    x: Vec<Tensor>,
    f: f64,
    g: Vec<f64>,
}

/// What a line-search method keeps from one step to the next: the point it
/// reached (so that the next step does not evaluate it again), whether a
/// search from `-g` found no decrease, and the step count.
#[derive(Clone, Debug, Default)]
struct Progress {
    at: Option<At>,
    stuck: bool,
    steps: usize,
}

impl Progress {
    /// The loss and flat gradient at `params` (from the point kept when it
    /// is this one), and the step's record so far.
    fn begin(
        &mut self,
        problem: &mut Problem<'_>,
        params: &[Tensor],
    ) -> Result<(f64, Vec<f64>, StepRecord), OptimError> {
        self.steps += 1;
        let (f, g) = match self.at.take() {
            Some(a) if a.x == params => (a.f, a.g),
            _ => {
                let (f, g) = checked_value_and_grad(problem, params, self.steps)?;
                (f, flatten(&g))
            }
        };
        let record = StepRecord { loss: f, grad_norm: norm(&g), step_size: Some(0.0), ..StepRecord::default() };
        Ok((f, g, record))
    }

    /// Ends a step that leaves the parameters where they are.
    fn stay(&mut self, params: &[Tensor], f: f64, g: Vec<f64>, record: StepRecord) -> Result<StepRecord, OptimError> {
        self.at = Some(At { x: params.to_vec(), f, g });
        Ok(record)
    }

    /// Ends a step of `stp` along `d`, to `end`.
    fn go(&mut self, params: &mut [Tensor], mut record: StepRecord, (stp, d): (f64, &[f64]), end: At) -> StepRecord {
        record.update_norm = stp * norm(d);
        record.step_size = Some(stp);
        params.clone_from_slice(&end.x);
        self.at = Some(end);
        record
    }
}

/// A line search along `d` from `params` (loss `f`, slope `gd`): the point
/// reached, or `None` where no step decreased the loss.
fn search(
    ls: &MoreThuente,
    problem: &mut Problem<'_>,
    params: &[Tensor],
    (f, gd): (f64, f64),
    d: &[f64],
    stp0: f64,
) -> Option<(f64, At)> {
    let mut tried: Vec<(f64, At)> = Vec::new();
    let found = ls.search(
        |a| {
            let x = moved(params, a, d);
            let (fa, ga) = problem.value_and_grad(&x);
            let g = flatten(&ga);
            let slope = dot(&g, d);
            tried.push((a, At { x, f: fa, g }));
            (fa, slope)
        },
        f,
        gd,
        stp0.clamp(ls.stpmin, ls.stpmax),
    )?;
    if !(found.stp > 0.0 && found.f < f || found.converged && found.f <= f) {
        return None;
    }
    tried.into_iter().rev().find(|(a, _)| *a == found.stp)
}

/// The keys of `lbfgs`.
pub const KEYS: &[Key] =
    &[Key { name: "memory", default: KeyDefault::Num(10.0), help: "pairs (s, y) kept (an integer >= 1)" }];

/// # L-BFGS
///
/// ```text
/// d = -H g        (two-loop recursion over the last m pairs, H0 = s'y / y'y)
/// x <- x + a d    (a: Moré–Thuente, strong Wolfe: ftol 1e-3, gtol 0.9)
/// ```
///
/// The first step tries `a = 1 / |g|`, later ones `a = 1`; a pair is kept
/// when `s'y > eps (-g'd) a`, as L-BFGS-B does. Where the line search finds
/// no decrease, the memory is cleared and the next step is along `-g`; a
/// failure from `-g` itself ends the progress (the step then changes
/// nothing).
///
/// # Hyperparameters
/// `memory` (10).
///
/// # References
/// Nocedal & Wright, *Numerical Optimization*, algorithms 7.4 and 7.5;
/// Byrd, Lu, Nocedal & Zhu 1995 (L-BFGS-B, whose unconstrained iterates
/// these are); Moré & Thuente 1994.
///
/// ```
/// use majorize::optim::{Lbfgs, Optimizer};
/// use majorize::{Problem, lang};
/// let model = lang::parse_inline("(1 - x)^2 + 100 * (y - x^2)^2").unwrap();
/// let mut problem = Problem::new(&model);
/// let mut opt = Lbfgs::default();
/// let mut p = vec![majorize::Tensor::scalar(-1.2), majorize::Tensor::scalar(1.0)];
/// for _ in 0..60 {
///     opt.step(&mut problem, &mut p).unwrap();
/// }
/// assert!(problem.value(&p) < 1e-20);
/// ```
#[derive(Clone, Debug)]
pub struct Lbfgs {
    /// Pairs kept.
    pub memory: usize,
    search: MoreThuente,
    state: Memory,
    progress: Progress,
}

/// `memory` from the options: an integer from 1 to 1000.
fn memory(o: &Options) -> Result<usize, OptimError> {
    let m = o.check("memory", |v| v.fract() == 0.0 && (1.0..=1000.0).contains(&v), "an integer from 1 to 1000")?;
    Ok(m as usize)
}

impl Default for Lbfgs {
    fn default() -> Self {
        Self::from_options(&Options::defaults(Self::NAME, KEYS)).expect("the defaults are valid")
    }
}

impl Lbfgs {
    /// The optimizer's name.
    pub const NAME: &'static str = "lbfgs";

    /// From named options.
    ///
    /// # Errors
    /// [`OptimError::Invalid`] for a memory that is not an integer from 1 to 1000.
    pub fn from_options(o: &Options) -> Result<Self, OptimError> {
        let memory = memory(o)?;
        Ok(Lbfgs { memory, search: MoreThuente::LBFGSB, state: Memory::new(memory), progress: Progress::default() })
    }

    fn pairs(&self) -> Vec<(String, String)> {
        vec![("memory".into(), self.memory.to_string())]
    }
}

impl super::transform::Describe for Lbfgs {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn hyperparameters(&self) -> Vec<(String, String)> {
        self.pairs()
    }
}

impl Optimizer for Lbfgs {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn hyperparameters(&self) -> Vec<(String, String)> {
        self.pairs()
    }

    fn reset(&mut self) {
        (self.state, self.progress) = (Memory::new(self.memory), Progress::default());
    }

    fn step(&mut self, problem: &mut Problem<'_>, params: &mut [Tensor]) -> Result<StepRecord, OptimError> {
        let (f, g, record) = self.progress.begin(problem, params)?;
        let grad_norm = record.grad_norm;
        if self.progress.stuck || grad_norm == 0.0 {
            return self.progress.stay(params, f, g, record);
        }
        let mut d = self.state.direction(&g);
        let mut gd = dot(&g, &d);
        if !(gd < 0.0 && gd.is_finite()) {
            self.state.clear();
            d = g.iter().map(|v| -v).collect();
            gd = -grad_norm * grad_norm;
        }
        let fresh = self.state.is_empty();
        let stp0 = if self.progress.steps == 1 { 1.0 / norm(&d) } else { 1.0 };
        let Some((stp, end)) = search(&self.search, problem, params, (f, gd), &d, stp0) else {
            // No decrease: start again from -g, or give up if that was it.
            self.progress.stuck = fresh;
            self.state.clear();
            return self.progress.stay(params, f, g, record);
        };
        let s: Vec<f64> = d.iter().map(|v| stp * v).collect();
        let y: Vec<f64> = end.g.iter().zip(&g).map(|(a, b)| a - b).collect();
        self.state.push(s, y, f64::EPSILON * (-gd * stp));
        Ok(self.progress.go(params, record, (stp, &d), end))
    }
}

/// # CG (Polak–Ribière+)
///
/// ```text
/// beta = max(0, g'(g - g_prev) / g_prev'g_prev)
/// d = -g + beta d_prev          (-g where that is not a descent direction)
/// x <- x + a d                  (a: Moré–Thuente, strong Wolfe: ftol 1e-4, gtol 0.1)
/// ```
///
/// The first step tries `a = 1 / |g|`, later ones
/// `a = a_prev (g_prev'd_prev) / (g'd)`.
///
/// # References
/// Nocedal & Wright, *Numerical Optimization*, section 5.2 (PR+, eq. 5.45).
#[derive(Clone, Debug)]
pub struct Cg {
    search: MoreThuente,
    /// The previous gradient, direction, slope and step.
    prev: Option<(Vec<f64>, Vec<f64>, f64, f64)>,
    progress: Progress,
}

impl Default for Cg {
    fn default() -> Self {
        let search = MoreThuente { ftol: 1e-4, gtol: 0.1, ..MoreThuente::LBFGSB };
        Cg { search, prev: None, progress: Progress::default() }
    }
}

impl Cg {
    /// The optimizer's name.
    pub const NAME: &'static str = "cg";

    fn pairs(&self) -> Vec<(String, String)> {
        Vec::new()
    }
}

impl Optimizer for Cg {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn hyperparameters(&self) -> Vec<(String, String)> {
        self.pairs()
    }

    fn reset(&mut self) {
        (self.prev, self.progress) = (None, Progress::default());
    }

    fn step(&mut self, problem: &mut Problem<'_>, params: &mut [Tensor]) -> Result<StepRecord, OptimError> {
        let (f, g, record) = self.progress.begin(problem, params)?;
        let grad_norm = record.grad_norm;
        if self.progress.stuck || grad_norm == 0.0 {
            return self.progress.stay(params, f, g, record);
        }
        let neg: Vec<f64> = g.iter().map(|v| -v).collect();
        let (mut d, mut stp0) = (neg.clone(), 1.0 / grad_norm);
        if let Some((gp, dp, gdp, ap)) = &self.prev {
            let beta = (dot(&g, &g) - dot(&g, gp)) / dot(gp, gp);
            d = neg.iter().zip(dp).map(|(n, p)| n + beta.max(0.0) * p).collect();
            let gd = dot(&g, &d);
            if !(gd < 0.0 && gd.is_finite()) {
                d = neg.clone();
            }
            stp0 = ap * gdp / dot(&g, &d);
        }
        let gd = dot(&g, &d);
        let Some((stp, end)) = search(&self.search, problem, params, (f, gd), &d, stp0) else {
            self.progress.stuck = self.prev.is_none();
            self.prev = None;
            return self.progress.stay(params, f, g, record);
        };
        let record = self.progress.go(params, record, (stp, &d), end);
        self.prev = Some((g, d, gd, stp));
        Ok(record)
    }
}

/// # The L-BFGS direction
///
/// `-H g` from the pairs of the steps taken so far (whatever chose their
/// lengths), for a step-size stage: `saferate --direction lbfgs`. A pair is
/// kept when its curvature is positive (`s'y > 1e-12 |s| |y|`), so on a
/// non-convex loss `H` stays positive definite and `-H g` a descent
/// direction.
#[derive(Clone, Debug, PartialEq)]
pub struct QuasiNewton {
    /// Pairs kept.
    pub memory: usize,
}

/// The direction's state: the pairs and the last point.
#[derive(Clone, Debug, Default)]
pub struct QuasiNewtonState {
    memory: Memory,
    last: Option<(Vec<f64>, Vec<f64>)>,
}

impl Transform for QuasiNewton {
    type State = QuasiNewtonState;

    fn init(&self, _: &[Tensor]) -> QuasiNewtonState {
        QuasiNewtonState { memory: Memory::new(self.memory), last: None }
    }

    fn update(&self, grads: Vec<Tensor>, state: &mut QuasiNewtonState, params: &[Tensor]) -> Vec<Tensor> {
        let (x, g) = (flatten(params), flatten(&grads));
        if let Some((xp, gp)) = state.last.take() {
            let s: Vec<f64> = x.iter().zip(&xp).map(|(a, b)| a - b).collect();
            let y: Vec<f64> = g.iter().zip(&gp).map(|(a, b)| a - b).collect();
            let threshold = 1e-12 * norm(&s) * norm(&y);
            state.memory.push(s, y, threshold);
        }
        let d = state.memory.direction(&g);
        state.last = Some((x, g));
        unflatten(&d, params)
    }
}

impl QuasiNewton {
    /// From `lbfgs`'s options.
    ///
    /// # Errors
    /// [`OptimError::Invalid`] for a memory that is not an integer from 1 to 1000.
    pub fn from_options(o: &Options) -> Result<Self, OptimError> {
        Ok(QuasiNewton { memory: memory(o)? })
    }
}

impl super::transform::Describe for QuasiNewton {
    fn name(&self) -> &'static str {
        "lbfgs"
    }

    fn hyperparameters(&self) -> Vec<(String, String)> {
        vec![("memory".into(), self.memory.to_string())]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_loop_recursion_inverts_a_quadratic_after_n_pairs() {
        // f = 1/2 x'Ax with A = diag(1, 10): after the pairs (e1, A e1) and
        // (e2, A e2) the recursion gives exactly -A^-1 g.
        let mut m = Memory::new(10);
        assert!(m.push(vec![1.0, 0.0], vec![1.0, 0.0], 0.0));
        assert!(m.push(vec![0.0, 1.0], vec![0.0, 10.0], 0.0));
        let d = m.direction(&[2.0, 5.0]);
        assert!((d[0] + 2.0).abs() < 1e-15 && (d[1] + 0.5).abs() < 1e-15, "{d:?}");
        // A pair of non-positive curvature is refused.
        assert!(!m.push(vec![1.0, 0.0], vec![-1.0, 0.0], 0.0));
        // The memory keeps the newest m.
        let mut small = Memory::new(1);
        small.push(vec![1.0], vec![2.0], 0.0);
        small.push(vec![1.0], vec![4.0], 0.0);
        assert_eq!(small.direction(&[1.0]), vec![-0.25]);
    }
}
