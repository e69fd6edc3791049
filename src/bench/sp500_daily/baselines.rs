//! The sanity baselines of the daily study, on the test windows, in the
//! model's units (the next day's log return in percent): predict 0, the
//! training mean, yesterday's return, and a least-squares linear
//! autoregression on the window's daily returns.

use faer::prelude::Solve;
use faer::{Mat, Side};

use super::Window;
use crate::bench::metrics::{direction, mae, mse};

/// One baseline's test scores.
#[derive(Clone, Debug, PartialEq)]
pub struct Sanity {
    /// What it predicts.
    pub name: &'static str,
    /// Mean squared error.
    pub mse: f64,
    /// Mean absolute error.
    pub mae: f64,
    /// Share of test days whose sign it gets right (`None`: it predicts 0,
    /// which has no sign).
    pub direction: Option<f64>,
}

/// The target in percent.
fn target(w: &Window) -> f64 {
    100.0 * w.target
}

/// The window's daily returns in percent, oldest first, after a 1 (the
/// intercept).
fn regressors(w: &Window) -> Vec<f64> {
    std::iter::once(1.0).chain(w.days.iter().map(|d| 100.0 * d[0])).collect()
}

/// The least-squares coefficients of the target on [`regressors`] over
/// `train`, from the normal equations by a Cholesky factorization; `None`
/// without windows or where the regressors are collinear.
pub fn autoregression(train: &[Window]) -> Option<Vec<f64>> {
    let k = regressors(train.first()?).len();
    let x: Vec<Vec<f64>> = train.iter().map(regressors).collect();
    let gram = Mat::<f64>::from_fn(k, k, |i, j| x.iter().map(|r| r[i] * r[j]).sum());
    let rhs = Mat::<f64>::from_fn(k, 1, |i, _| x.iter().zip(train).map(|(r, w)| r[i] * target(w)).sum());
    let beta = gram.llt(Side::Lower).ok()?.solve(&rhs);
    let out: Vec<f64> = (0..k).map(|i| beta[(i, 0)]).collect();
    out.iter().all(|b| b.is_finite()).then_some(out)
}

fn scored(name: &'static str, pred: &[f64], actual: &[f64], signed: bool) -> Sanity {
    Sanity { name, mse: mse(pred, actual), mae: mae(pred, actual), direction: signed.then(|| direction(pred, actual)) }
}

/// The four baselines, fitted on `train` and scored on `test`.
pub fn all(train: &[Window], test: &[Window]) -> Vec<Sanity> {
    let actual: Vec<f64> = test.iter().map(target).collect();
    let mean = train.iter().map(target).sum::<f64>() / train.len().max(1) as f64;
    let yesterday: Vec<f64> = test.iter().map(|w| w.days.last().map_or(0.0, |d| 100.0 * d[0])).collect();
    let mut out = vec![
        scored("predict 0", &vec![0.0; test.len()], &actual, false),
        scored("the training mean", &vec![mean; test.len()], &actual, true),
        scored("yesterday's return", &yesterday, &actual, true),
    ];
    if let Some(beta) = autoregression(train) {
        let pred: Vec<f64> = test.iter().map(|w| regressors(w).iter().zip(&beta).map(|(x, b)| x * b).sum()).collect();
        out.push(scored("linear autoregression on the window", &pred, &actual, true));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(returns: &[f64], next: f64) -> Window {
        Window { date: 0, days: returns.iter().map(|&r| [r, 0.0, 0.0, 0.0, 0.0]).collect(), target: next }
    }

    #[test]
    fn the_autoregression_recovers_an_exact_linear_rule() {
        // target = 0.002 + 0.5 r_last - 0.25 r_first (in log returns): in
        // percent, intercept 0.2 and the same slopes.
        let mut train = Vec::new();
        for i in 0..40 {
            let (a, b) = (0.01 * f64::from(i % 7) - 0.03, 0.004 * f64::from(i % 5) - 0.01);
            train.push(window(&[a, b], 0.002 + 0.5 * b - 0.25 * a));
        }
        let beta = autoregression(&train).unwrap();
        for (got, want) in beta.iter().zip([0.2, -0.25, 0.5]) {
            assert!((got - want).abs() < 1e-9, "{beta:?}");
        }
        let scores = all(&train, &train);
        let ar = scores.iter().find(|s| s.name.starts_with("linear")).unwrap();
        assert!(ar.mse < 1e-18, "{ar:?}");
        let zero = &scores[0];
        let want: f64 = train.iter().map(|w| (100.0 * w.target).powi(2)).sum::<f64>() / 40.0;
        assert!((zero.mse - want).abs() <= 1e-12 * want && zero.direction.is_none());
    }
}
