//! The checks of a loss that `majorize check` runs: each [`Property`] is a
//! proptest property over [`Case`]s (seeds, a spread, a radius), run from
//! a fixed seed; a failure is shrunk to the simplest failing case, which
//! prints as a replay string.
//!
//! Work is bounded two ways: the number of cases (`samples` for bounds and
//! gradients, an eighth of it per MM method for monotonicity, a sixteenth
//! for convergence), and a time budget shared among the properties, past
//! which no further case starts (the report says how many ran). Shrinking
//! a failure is not cut short by the budget, only by its own 20 s cap.

mod bounds;
mod case;
mod gradients;
mod report;
mod runs;

pub use case::{Case, Property, cases};
pub use report::{Convergence, Failure, Outcome, Report, Run};
pub use runs::{Method, mm_methods};

use std::cell::{Cell, RefCell};
use std::time::Instant;

use proptest::test_runner::{Config, RngSeed, TestCaseError, TestError, TestRunner};

use crate::bound::{Bounder, precise_value};
use crate::{Evaluator, Interval, Model, Tensor};

/// The region of a fused pass run only for its point coefficients (which
/// do not depend on it).
const TINY: f64 = 1.0 / (1u64 << 40) as f64;

/// [`CheckOptions::samples`]' default.
pub const SAMPLES: u32 = 64;
/// [`CheckOptions::steps`]' default.
pub const STEPS: usize = 10;
/// [`CheckOptions::max_steps`]' default.
pub const MAX_STEPS: usize = 500;
/// [`CheckOptions::max_seconds`]' default.
pub const MAX_SECONDS: f64 = 40.0;
/// The convergence property's share of the time budget.
const CONVERGENCE_SHARE: f64 = 0.2;

/// What to check, how much, and how long.
pub struct CheckOptions {
    /// Cases of the bounds and gradients properties (an eighth of it, at
    /// least 2, per MM method for monotonicity; a sixteenth, at least 3,
    /// starts for convergence).
    pub samples: u32,
    /// The seed cases are drawn from.
    pub seed: u64,
    /// Steps per monotonicity case.
    pub steps: usize,
    /// The most steps of a convergence run.
    pub max_steps: usize,
    /// The time budget in seconds, shared among the properties.
    pub max_seconds: f64,
    /// The properties to run (all when empty).
    pub only: Vec<Property>,
    /// The methods whose monotonicity is checked and (the first) whose
    /// convergence is reported; `None` (or an empty list): every MM method
    /// that applies ([`mm_methods`]) and fits `memory`, and the default
    /// method for convergence.
    pub methods: Option<Vec<Method>>,
    /// The memory, in bytes, a pass may use: an MM method or an enclosure
    /// whose pass would need more ([`Model::footprint`]) is left out.
    pub memory: u64,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            samples: SAMPLES,
            seed: super::SEED,
            steps: STEPS,
            max_steps: MAX_STEPS,
            max_seconds: MAX_SECONDS,
            only: Vec::new(),
            methods: None,
            memory: crate::memory::default_budget(),
        }
    }
}

impl CheckOptions {
    /// Monotonicity cases per method: an eighth of the samples, at least 2.
    fn per_method(&self) -> u32 {
        (self.samples / 8).max(2)
    }

    /// Convergence starts: a sixteenth of the samples, at least 3.
    fn starts(&self) -> u32 {
        (self.samples / 16).max(3)
    }

    /// The methods to check: those given, or every MM method that applies
    /// and whose pass fits the memory.
    fn methods(&self, model: &Model) -> Vec<Method> {
        match &self.methods {
            Some(m) if !m.is_empty() => m.clone(),
            _ => mm_methods(model)
                .into_iter()
                .filter(|m| model.footprint(crate::optim::pass_for(&m.name, model)).bytes <= self.memory)
                .collect(),
        }
    }

    /// The method whose convergence is reported.
    fn convergence_method(&self, model: &Model) -> Method {
        match &self.methods {
            Some(m) if !m.is_empty() => m[0].clone(),
            _ => runs::default_method(model, self.memory),
        }
    }
}

/// Progress, for a bar: cases started of those planned, and the property.
#[derive(Clone, Debug)]
pub struct Progress {
    /// The property and method being checked.
    pub label: String,
    /// Cases started (run or skipped) so far, over every property.
    pub done: u64,
    /// Cases planned, over every property.
    pub planned: u64,
}

/// What one case found: points compared, and points where nothing could
/// be decided (not exact in f64, the loss not finite there, an infinite
/// enclosure of the derivative).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Tally {
    pub checks: u64,
    pub undecided: u64,
    pub steps: u64,
}

/// What every case of a check shares.
pub(crate) struct Context<'m> {
    pub model: &'m Model,
    pub bounder: Bounder<'m>,
    pub ev: RefCell<Evaluator<'m>>,
    /// Whether the costlier enclosures (degrees 3 and 4, the quadratic
    /// ones) are checked too.
    pub small: bool,
    /// Whether the 256-bit point pass takes this graph (it confirms a
    /// failure, and decides where the loss is undefined).
    pub precise: bool,
    /// Whether full MM's box enclosure fits the memory.
    pub box_fits: bool,
}

impl<'m> Context<'m> {
    fn new(model: &'m Model, opts: &CheckOptions) -> Self {
        let g = &model.graph;
        let elements: usize = g.reachable(model.loss).iter().map(|&id| g.shape(id).len()).sum();
        let n = model.num_scalars();
        Context {
            model,
            bounder: Bounder::new(&model.graph, model.loss),
            ev: RefCell::new(Evaluator::new(&model.graph, model.loss)),
            small: model.footprint(crate::Pass::Value).bytes <= 1 << 20,
            precise: elements <= crate::bound::point::MAX_ELEMENTS,
            box_fits: n <= crate::optim::FullMm::MAX_SCALARS
                && model.footprint(crate::optim::pass_for("fullmm", model)).bytes <= opts.memory,
        }
    }

    /// The case's point, the loss and the gradient there; `None` where
    /// either is not finite (nothing to check from).
    fn start(&self, c: &Case) -> Option<(Vec<Tensor>, f64, Vec<Tensor>)> {
        let x = c.point(self.model);
        let (f, g) = self.ev.borrow_mut().value_and_grad(&x);
        (f.is_finite() && g.iter().all(Tensor::is_finite)).then_some((x, f, g))
    }

    /// The loss at `y` in f64 interval arithmetic (outward rounding): the
    /// fused pass's `c0` where it covers the loss, else the general pass's.
    fn value_at(&self, y: &[Tensor]) -> Interval {
        let zero = bounds::zeros(y);
        self.bounder
            .fused2(y, &zero, TINY)
            .map_or_else(|| self.bounder.line::<1>(y, &zero, Interval::ZERO).polys[0].c[0], |c| c[0])
    }

    /// Whether the loss is certainly undefined at `y`: NaN in f64 and no
    /// value at 256 bits (decided only on small graphs).
    fn undefined_at(&self, y: &[Tensor]) -> bool {
        self.precise
            && self.ev.borrow_mut().forward(y).item().is_nan()
            && precise_value(&self.model.graph, self.model.loss, y).is_none()
    }
}

/// Runs the checks of `model` (its parameters' initial values are the
/// centre of every sampled point), calling `observe` as cases finish.
pub fn check_loss(model: &Model, opts: &CheckOptions, mut observe: impl FnMut(&Progress)) -> Report {
    let began = Instant::now();
    let cx = Context::new(model, opts);
    let methods = opts.methods(model);
    let wanted = |p: Property| opts.only.is_empty() || opts.only.contains(&p);
    // What runs, in order, with its share of the time budget: the costly
    // MM methods (SafeCombination's) last, so that a step longer than the
    // budget left can only run over at the end.
    let (per_method, starts) = (opts.per_method(), opts.starts());
    let mut plan: Vec<(Property, Option<&Method>, u32, f64)> = Vec::new();
    if wanted(Property::Bounds) {
        plan.push((Property::Bounds, None, opts.samples, 0.3));
    }
    if wanted(Property::Gradients) {
        plan.push((Property::Gradients, None, opts.samples, 0.15));
    }
    if wanted(Property::Convergence) {
        plan.push((Property::Convergence, None, starts, CONVERGENCE_SHARE));
    }
    if wanted(Property::Monotone) {
        for m in &methods {
            plan.push((Property::Monotone, Some(m), per_method, 0.35 / methods.len().max(1) as f64));
        }
    }
    let planned: u64 = plan.iter().map(|p| u64::from(p.2)).sum();
    let done = Cell::new(0u64);
    let observe = RefCell::new(&mut observe);
    let mut shares: f64 = plan.iter().map(|p| p.3).sum();
    let mut outcomes = Vec::new();
    let mut convergence = None;
    for (property, method, cases, share) in plan {
        let left = (opts.max_seconds - began.elapsed().as_secs_f64()).max(0.0);
        let budget = left * share / shares;
        shares -= share;
        let label = label(property, method.map(|m| m.name.as_str()));
        let tick = || {
            done.set(done.get() + 1);
            (observe.borrow_mut())(&Progress { label: label.clone(), done: done.get(), planned });
        };
        if property == Property::Convergence {
            let method = opts.convergence_method(model);
            let (outcome, c) = runs::convergence(&cx, &method, cases, opts, budget, &tick);
            outcomes.push(outcome);
            convergence = Some(c);
            continue;
        }
        let deadline = Instant::now() + std::time::Duration::from_secs_f64(budget);
        let run = |c: &Case, shrinking: bool| -> Result<Tally, TestCaseError> {
            match property {
                Property::Bounds => bounds::case(&cx, c),
                Property::Gradients => gradients::case(&cx, c),
                Property::Monotone | Property::Convergence => {
                    let until = (!shrinking).then_some(deadline);
                    runs::monotone_case(&cx, method.expect("a method"), c, opts.steps, until)
                }
            }
        };
        let strategy = case::cases(property, method.map(|m| m.name.clone()));
        outcomes.push(run_property(&label, property, cases, opts.seed, budget, &strategy, run, &tick));
    }
    Report { outcomes, convergence, seconds: began.elapsed().as_secs_f64() }
}

/// `monotone: saferate`, or the property's name alone.
fn label(property: Property, method: Option<&str>) -> String {
    method.map_or_else(|| property.name().to_string(), |m| format!("{}: {m}", property.name()))
}

/// Reruns one case (a replay string's), as the check that found it did.
pub fn replay(model: &Model, case: &Case, opts: &CheckOptions) -> Result<Outcome, String> {
    let began = Instant::now();
    let cx = Context::new(model, opts);
    let label = label(case.property, case.method.as_deref());
    let result = match case.property {
        Property::Bounds => bounds::case(&cx, case),
        Property::Gradients => gradients::case(&cx, case),
        Property::Monotone | Property::Convergence => {
            let name = case.method.as_deref().unwrap_or("");
            let methods = opts.methods(model);
            let method = if case.property == Property::Convergence && case.method.is_none() {
                opts.convergence_method(model)
            } else {
                let names: Vec<&str> = methods.iter().map(|m| m.name.as_str()).collect();
                methods.iter().find(|m| m.name == name).cloned().ok_or_else(|| {
                    format!("no MM method `{name}` applies to this loss (those that do: {})", names.join(", "))
                })?
            };
            if case.property == Property::Monotone {
                runs::monotone_case(&cx, &method, case, opts.steps, None)
            } else {
                // A run's nominal time: its share of the budget, as a check of
                // this many samples gives it.
                let seconds = opts.max_seconds * CONVERGENCE_SHARE / f64::from(opts.starts());
                runs::convergence_case(&cx, &method, case, opts, seconds).map(|(t, _)| t)
            }
        }
    };
    let (tally, failure) = match result {
        Ok(t) => (t, None),
        Err(e) => (Tally::default(), Some(Failure { case: case.clone(), reason: reason(&e) })),
    };
    Ok(Outcome::new(label, case.property, 1, 1, tally, began.elapsed().as_secs_f64(), failure))
}

fn reason(e: &TestCaseError) -> String {
    match e {
        TestCaseError::Fail(r) | TestCaseError::Reject(r) => r.to_string(),
    }
}

/// One property over `cases` cases within `budget` seconds.
#[allow(clippy::too_many_arguments)]
pub(super) fn run_property(
    label: &str,
    property: Property,
    cases: u32,
    seed: u64,
    budget: f64,
    strategy: &impl proptest::strategy::Strategy<Value = Case>,
    run: impl Fn(&Case, bool) -> Result<Tally, TestCaseError>,
    tick: &dyn Fn(),
) -> Outcome {
    let began = Instant::now();
    let total = Cell::new(Tally::default());
    let (ran, drawn, failed) = (Cell::new(0u32), Cell::new(0u32), Cell::new(false));
    let mut runner = TestRunner::new(Config {
        cases,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        max_shrink_time: 20_000,
        max_shrink_iters: 4096,
        max_global_rejects: cases.saturating_mul(16).max(64),
        ..Config::default()
    });
    let result = runner.run(strategy, |c| {
        let shrinking = failed.get();
        if !shrinking {
            drawn.set(drawn.get() + 1);
            tick();
            if began.elapsed().as_secs_f64() > budget {
                return Ok(());
            }
        }
        match run(&c, shrinking) {
            Ok(t) => {
                if !shrinking {
                    ran.set(ran.get() + 1);
                    let mut s = total.get();
                    (s.checks, s.undecided, s.steps) =
                        (s.checks + t.checks, s.undecided + t.undecided, s.steps + t.steps);
                    total.set(s);
                }
                Ok(())
            }
            Err(e) => {
                if matches!(e, TestCaseError::Fail(_)) && !shrinking {
                    ran.set(ran.get() + 1);
                    failed.set(true);
                }
                Err(e)
            }
        }
    });
    let failure = match result {
        Ok(()) => None,
        Err(TestError::Fail(r, case)) => Some(Failure { case, reason: r.to_string() }),
        Err(TestError::Abort(r)) => {
            let mut c = Case::new(property);
            c.method = label.split_once(": ").map(|(_, m)| m.to_string());
            Some(Failure { case: c, reason: format!("gave up: {r}") })
        }
    };
    // Ticks for cases the budget or a failure left undrawn.
    for _ in drawn.get()..cases {
        tick();
    }
    Outcome::new(label.to_string(), property, ran.get(), cases, total.get(), began.elapsed().as_secs_f64(), failure)
}
