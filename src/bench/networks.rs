//! What the bench measures on neural networks beyond the tables: the
//! targets of MM against Adam's learning-rate search, and the diagnosis of
//! the MM steps.
//!
//! - **L100** is the lowest training loss Adam reaches in its first 100
//!   steps, over the learning-rate grid; each MM method's row says at which
//!   step and second it first reached L100, whether every step was
//!   monotone, and how that time compares with Adam's whole search (the
//!   7 runs of 100 steps that define L100, and the bench's 7 runs of the
//!   problem's full step count).
//! - **Diagnosis**: a separate run of each MM method with
//!   [`Problem::set_diagnose`] (the same steps, with many extra
//!   evaluations, so it is not timed): per step, the step over the exact
//!   line minimizer and the bound's curvature over the true one
//!   ([`Diagnosis`](crate::mm::diagnose::Diagnosis)), summarized by their
//!   quartiles, and how often the optimistic step was taken.

use super::harness::{Contender, Point};
use super::problems::Loaded;
use crate::optim::{self, Problem, RunOptions, STALL_STEPS};

/// Steps of Adam that define L100.
pub const L100_STEPS: usize = 100;

/// Steps of a diagnosis run.
pub const DIAGNOSIS_STEPS: usize = 100;

/// Adam's side of the targets.
#[derive(Clone, Debug, PartialEq)]
pub struct AdamSearch {
    /// L100.
    pub l100: f64,
    /// The learning rate that reached it.
    pub lr: Option<f64>,
    /// Seconds of the grid's runs up to their step 100.
    pub seconds_100: f64,
    /// Seconds of the grid's whole runs (the bench's search).
    pub seconds_full: f64,
}

impl AdamSearch {
    /// From Adam's runs: `(learning rate, trace)` of each.
    pub fn of(runs: &[(Option<f64>, &[Point])]) -> Option<Self> {
        let mut best: Option<(f64, Option<f64>)> = None;
        let (mut seconds_100, mut seconds_full) = (0.0, 0.0);
        for &(lr, trace) in runs {
            let head = trace.iter().take_while(|t| t.0 <= L100_STEPS);
            let low = head.clone().map(|t| t.2).filter(|l| l.is_finite()).fold(f64::INFINITY, f64::min);
            seconds_100 += head.last().map_or(0.0, |t| t.1);
            seconds_full += trace.last().map_or(0.0, |t| t.1);
            if best.is_none_or(|b| low < b.0) {
                best = Some((low, lr));
            }
        }
        let (l100, lr) = best?;
        l100.is_finite().then_some(AdamSearch { l100, lr, seconds_100, seconds_full })
    }
}

/// One MM method against L100.
#[derive(Clone, Debug, PartialEq)]
pub struct Reach {
    /// The contender.
    pub contender: String,
    /// The first step at or below L100, and its seconds.
    pub reached: Option<(usize, f64)>,
    /// Whether no step raised the loss.
    pub monotone: bool,
}

impl Reach {
    /// From a run's trace.
    pub fn of(contender: &str, trace: &[Point], l100: f64) -> Self {
        let reached = trace.iter().find(|t| t.2 <= l100).map(|t| (t.0, t.1));
        let monotone = trace.windows(2).all(|w| w[1].2 <= w[0].2);
        Reach { contender: contender.to_string(), reached, monotone }
    }
}

/// The quartiles of one ratio over the steps where it is defined.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quartiles {
    /// 25th, 50th and 75th percentiles.
    pub q: [f64; 3],
    /// How many steps had it.
    pub n: usize,
}

impl Quartiles {
    /// Of the finite values in `v` (`None` if there are none).
    pub fn of(v: impl Iterator<Item = f64>) -> Option<Self> {
        let mut v: Vec<f64> = v.filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let at = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
        Some(Quartiles { q: [at(0.25), at(0.5), at(0.75)], n: v.len() })
    }
}

/// One MM method's diagnosis run.
#[derive(Clone, Debug, PartialEq)]
pub struct DiagnosisSummary {
    /// The contender.
    pub contender: String,
    /// Steps diagnosed.
    pub steps: usize,
    /// Step over the exact line minimizer.
    pub step_ratio: Option<Quartiles>,
    /// Bound curvature over the true one.
    pub curvature_ratio: Option<Quartiles>,
    /// Steps that took the optimistic step (`None`: the method has none).
    pub optimistic: Option<usize>,
}

/// Runs `c` on `problem` for up to [`DIAGNOSIS_STEPS`] steps with every
/// step diagnosed (`None` if it cannot be built).
pub fn diagnose(problem: &Loaded, c: &Contender, steps: usize) -> Option<DiagnosisSummary> {
    let mut opt = c.build(None).ok()?;
    let mut p = Problem::new(&problem.train);
    p.set_diagnose(true);
    let run_opts =
        RunOptions { max_steps: steps.min(DIAGNOSIS_STEPS), stall_steps: STALL_STEPS, ..RunOptions::default() };
    let result = optim::run(opt.as_mut(), &mut p, problem.train.init.clone(), &run_opts, |_| {});
    let records: Vec<_> = result.trace.iter().filter_map(|t| t.record.as_ref()).collect();
    let ds: Vec<_> = records.iter().filter_map(|r| r.diagnosis).collect();
    let optimistic = records
        .iter()
        .any(|r| r.optimistic.is_some())
        .then(|| records.iter().filter(|r| r.optimistic == Some(true)).count());
    Some(DiagnosisSummary {
        contender: c.label.clone(),
        steps: records.len(),
        step_ratio: Quartiles::of(ds.iter().map(|d| d.step_ratio)),
        curvature_ratio: Quartiles::of(ds.iter().map(|d| d.curvature_ratio)),
        optimistic,
    })
}

/// Everything a network problem adds to its results.
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkReport {
    /// Adam's search (`None` if no Adam run was finite).
    pub adam: Option<AdamSearch>,
    /// Each MM method against L100.
    pub reach: Vec<Reach>,
    /// Each MM method's diagnosis.
    pub diagnosis: Vec<DiagnosisSummary>,
}

/// The targets and diagnosis tables of a network problem, in markdown.
pub fn section(name: &str, steps: usize, n: &NetworkReport, out: &mut String) {
    use super::report::num;
    use std::fmt::Write as _;
    let _ = writeln!(out, "### {name}\n");
    if let Some(a) = &n.adam {
        let lr = a.lr.map_or_else(|| "-".into(), |v| format!("{v:e}"));
        let _ = writeln!(
            out,
            "L100 = {} (Adam at lr {lr}). Adam's search over the grid: {} s for 7 runs of {L100_STEPS} steps, {} s for the bench's runs of {steps} steps.\n",
            num(a.l100),
            num(a.seconds_100),
            num(a.seconds_full)
        );
        out.push_str("| MM method | reaches L100 at step | seconds | / Adam's 100-step search | / Adam's full search | monotone |\n");
        out.push_str("|---|---|---|---|---|---|\n");
        for r in &n.reach {
            let (step, secs, r100, rfull) = match r.reached {
                Some((s, t)) => {
                    (s.to_string(), num(t), format!("{:.2}x", t / a.seconds_100), format!("{:.2}x", t / a.seconds_full))
                }
                None => ("not within the run".into(), "-".into(), "-".into(), "-".into()),
            };
            let _ = writeln!(
                out,
                "| {} | {step} | {secs} | {r100} | {rfull} | {} |",
                r.contender,
                if r.monotone { "yes" } else { "**no**" }
            );
        }
        out.push('\n');
    }
    if !n.diagnosis.is_empty() {
        let q = |q: Option<Quartiles>| {
            q.map_or_else(|| "-".into(), |q| format!("{} ({} .. {})", num(q.q[1]), num(q.q[0]), num(q.q[2])))
        };
        out.push_str("| MM method | steps diagnosed | step / exact line minimizer: median (quartiles) | bound / true curvature at 0: median (quartiles) | optimistic steps taken |\n");
        out.push_str("|---|---|---|---|---|\n");
        for d in &n.diagnosis {
            let o = d.optimistic.map_or_else(|| "-".into(), |k| format!("{k} of {}", d.steps));
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {o} |",
                d.contender,
                d.steps,
                q(d.step_ratio),
                q(d.curvature_ratio)
            );
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn l100_is_adams_lowest_loss_in_100_steps_over_the_grid() {
        // Two runs: one dips to 0.5 at step 50 and ends at 0.1 at step 200;
        // the other reaches 0.3 at step 100.
        let a = [(0, 0.0, 2.0), (50, 1.0, 0.5), (100, 2.0, 0.6), (200, 4.0, 0.1)];
        let b = [(0, 0.0, 2.0), (100, 3.0, 0.3), (200, 6.0, 0.2)];
        let s = AdamSearch::of(&[(Some(0.1), &a[..]), (Some(1.0), &b[..])]).unwrap();
        assert_eq!(s, AdamSearch { l100: 0.3, lr: Some(1.0), seconds_100: 2.0 + 3.0, seconds_full: 4.0 + 6.0 });
        let r = Reach::of("m", &[(0, 0.0, 2.0), (1, 0.5, 0.4), (2, 0.7, 0.3), (3, 0.9, 0.3)], 0.3);
        assert_eq!(r, Reach { contender: "m".into(), reached: Some((2, 0.7)), monotone: true });
        assert!(!Reach::of("m", &[(0, 0.0, 1.0), (1, 0.1, 1.5)], 0.3).monotone);
    }

    #[test]
    fn quartiles_skip_undefined_steps() {
        let q = Quartiles::of([3.0, f64::NAN, 1.0, 2.0, 5.0, 4.0].into_iter()).unwrap();
        assert_eq!(q, Quartiles { q: [2.0, 3.0, 4.0], n: 5 });
        assert!(Quartiles::of([f64::NAN].into_iter()).is_none());
    }
}
