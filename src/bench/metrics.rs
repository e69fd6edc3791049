//! Held-out metrics: from a part's `let pred` and its target data.

use super::problems::{Loaded, Metric};
use crate::eval::Evaluator;
use crate::lang::Program;
use crate::tensor::{Shape, Tensor};

/// What a trained model scores on the test rows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TestMetrics {
    /// The objective on the test rows.
    pub loss: f64,
    /// Classification accuracy.
    pub accuracy: Option<f64>,
    /// Mean squared error of the predictions.
    pub mse: Option<f64>,
    /// Mean absolute error of the predictions (forecasts).
    pub mae: Option<f64>,
    /// Share of periods whose predicted and actual returns have the same sign.
    pub direction: Option<f64>,
}

/// The sanity baselines of a forecast, on the test rows.
#[derive(Clone, Debug, PartialEq)]
pub struct Baselines {
    /// Mean squared error of always predicting 0.
    pub zero_mse: f64,
    /// Mean squared error of always predicting the training rows' mean.
    pub mean_mse: f64,
    /// The training rows' mean target.
    pub train_mean: f64,
    /// Share of test periods with a positive target (the directional
    /// accuracy of always predicting "up").
    pub up_share: f64,
    /// Test periods.
    pub periods: usize,
}

/// The value of the node called `name` in `part` at `params`.
fn value(part: &Program, name: &str, params: &[Tensor]) -> Option<Tensor> {
    let node = *part.names.get(name)?;
    Some(Evaluator::new(&part.model.graph, node).forward(params).clone())
}

/// Mean squared error.
pub fn mse(pred: &[f64], target: &[f64]) -> f64 {
    pred.iter().zip(target).map(|(p, t)| (p - t).powi(2)).sum::<f64>() / target.len().max(1) as f64
}

/// Mean absolute error.
pub fn mae(pred: &[f64], target: &[f64]) -> f64 {
    pred.iter().zip(target).map(|(p, t)| (p - t).abs()).sum::<f64>() / target.len().max(1) as f64
}

/// Share of periods whose predicted and actual returns have the same
/// (non-zero) sign.
pub fn direction(pred: &[f64], target: &[f64]) -> f64 {
    pred.iter().zip(target).filter(|&(p, t)| p * t > 0.0).count() as f64 / target.len().max(1) as f64
}

/// Share of `pred` rows whose class (the sign of a logit, or the largest
/// of a row of logits) is the label.
fn accuracy(pred: &Tensor, labels: &[f64]) -> f64 {
    let hits = match pred.shape() {
        Shape::Matrix(r, c) => (0..r)
            .filter(|&i| {
                let row = &pred.data()[i * c..(i + 1) * c];
                let best = (0..c).fold(0, |b, j| if row[j] > row[b] { j } else { b });
                best as f64 == labels[i]
            })
            .count(),
        _ => pred.data().iter().zip(labels).filter(|&(&z, &y)| f64::from(u8::from(z > 0.0)) == y).count(),
    };
    hits as f64 / labels.len().max(1) as f64
}

/// The test metrics of `params`, if the problem holds rows out.
pub fn test_metrics(problem: &Loaded, params: &[Tensor]) -> Option<TestMetrics> {
    let test = problem.test.as_ref()?;
    let loss = Evaluator::new(&test.model.graph, test.model.loss).forward(params).item();
    let pred = value(test, "pred", params)?;
    let mut m = TestMetrics { loss, ..TestMetrics::default() };
    match problem.spec.metric {
        Metric::None => {}
        Metric::Classification => m.accuracy = Some(accuracy(&pred, value(test, "y", params)?.data())),
        Metric::Regression => m.mse = Some(mse(pred.data(), value(test, "t", params)?.data())),
        Metric::Forecast => {
            let y = value(test, "y", params)?;
            m.mse = Some(mse(pred.data(), y.data()));
            m.mae = Some(mae(pred.data(), y.data()));
            m.direction = Some(direction(pred.data(), y.data()));
        }
    }
    Some(m)
}

/// The objective on the validation rows, if the split has them.
pub fn valid_loss(problem: &Loaded, params: &[Tensor]) -> Option<f64> {
    let valid = problem.valid.as_ref()?;
    Some(Evaluator::new(&valid.model.graph, valid.model.loss).forward(params).item())
}

/// The sanity baselines of a forecast problem.
pub fn baselines(problem: &Loaded) -> Option<Baselines> {
    if problem.spec.metric != Metric::Forecast {
        return None;
    }
    let test = problem.test.as_ref()?;
    let y = value(test, "y", &test.model.init)?;
    let y_train = value(&problem.train_named, "y", &problem.train_named.model.init)?;
    let train_mean = y_train.data().iter().sum::<f64>() / y_train.data().len().max(1) as f64;
    let n = y.data().len();
    Some(Baselines {
        zero_mse: mse(&vec![0.0; n], y.data()),
        mean_mse: mse(&vec![train_mean; n], y.data()),
        train_mean,
        up_share: y.data().iter().filter(|&&v| v > 0.0).count() as f64 / n.max(1) as f64,
        periods: n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accuracy_of_logits() {
        let labels = [1.0, 0.0, 1.0, 1.0];
        let z = Tensor::vector(vec![2.0, -1.0, -0.5, 0.3]);
        assert_eq!(accuracy(&z, &labels), 3.0 / 4.0);
        let logits = Tensor::new(Shape::Matrix(3, 3), vec![0., 1., 0., 5., 1., 2., 0., 0., 9.]);
        assert_eq!(accuracy(&logits, &[1.0, 0.0, 1.0]), 2.0 / 3.0);
        assert_eq!(mse(&[1.0, 2.0], &[0.0, 0.0]), (1.0 + 4.0) / 2.0);
        assert_eq!(mae(&[1.0, -2.0], &[0.0, 0.0]), (1.0 + 2.0) / 2.0);
        assert_eq!(direction(&[1.0, -2.0, 0.0, 3.0], &[0.5, 1.0, 1.0, 2.0]), 2.0 / 4.0);
    }
}
