//! What a check found: per property the cases run, points compared and
//! the failure; for convergence, every run's end.

use super::{Case, Property, Tally};

/// A property's result.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The property, and the method for a monotonicity check
    /// (`monotone: saferate`).
    pub label: String,
    /// The property.
    pub property: Property,
    /// Cases run (the failing one included).
    pub cases: u32,
    /// Cases planned (more than `cases` where the time budget ended the
    /// property first, or a failure did).
    pub planned: u32,
    /// Comparisons made (sampled points, derivatives, steps).
    pub checks: u64,
    /// Points where nothing could be decided.
    pub undecided: u64,
    /// Optimizer steps taken (monotonicity and convergence).
    pub steps: u64,
    /// Seconds, shrinking included.
    pub seconds: f64,
    /// The shrunk failing case, if the property failed.
    pub failure: Option<Failure>,
}

impl Outcome {
    pub(crate) fn new(
        label: String,
        property: Property,
        cases: u32,
        planned: u32,
        t: Tally,
        seconds: f64,
        failure: Option<Failure>,
    ) -> Outcome {
        Outcome {
            label,
            property,
            cases,
            planned,
            checks: t.checks,
            undecided: t.undecided,
            steps: t.steps,
            seconds,
            failure,
        }
    }

    /// Whether the property held on every case run.
    pub fn held(&self) -> bool {
        self.failure.is_none()
    }
}

/// A failing case, shrunk, and why it fails.
#[derive(Clone, Debug)]
pub struct Failure {
    /// The case (its `Display` is the replay string).
    pub case: Case,
    /// What was wrong.
    pub reason: String,
}

/// How one convergence run ended.
#[derive(Clone, Debug)]
pub struct Run {
    /// Its start.
    pub case: Case,
    /// The final loss.
    pub loss: f64,
    /// The gradient norm there.
    pub grad_norm: f64,
    /// Steps taken.
    pub steps: usize,
    /// Why it stopped (`gradient_norm`, `stalled`, `max_steps`, ...).
    pub stop: String,
    /// Seconds.
    pub seconds: f64,
    /// The final parameters, flattened.
    pub params: Vec<f64>,
}

/// Where the method ends from several random starts.
#[derive(Clone, Debug)]
pub struct Convergence {
    /// The method.
    pub method: String,
    /// One entry per start.
    pub runs: Vec<Run>,
    /// Distinct end points: runs whose parameters end within `1e-4`
    /// (relative to their norm, at least 1) of each other count once.
    pub distinct: usize,
}

impl Convergence {
    /// The final losses' minimum, median and maximum.
    pub fn spread(&self) -> Option<(f64, f64, f64)> {
        let mut l: Vec<f64> = self.runs.iter().map(|r| r.loss).filter(|l| !l.is_nan()).collect();
        l.sort_by(f64::total_cmp);
        Some((*l.first()?, l[l.len() / 2], *l.last()?))
    }
}

/// Every property's outcome.
#[derive(Clone, Debug)]
pub struct Report {
    /// In the order they ran.
    pub outcomes: Vec<Outcome>,
    /// The convergence runs, if that property ran.
    pub convergence: Option<Convergence>,
    /// Seconds in all.
    pub seconds: f64,
}

impl Report {
    /// Whether every property held.
    pub fn passed(&self) -> bool {
        self.outcomes.iter().all(Outcome::held)
    }
}
