//! The learned optimizer's inputs, per parameter element: the gradient,
//! the parameter, momenta at six decays, a second moment and two features
//! built on it, each scaled by its own root mean square over the tensor
//! (as google/learned_optimization's MLP LOpt: `x rsqrt(1e-5 + mean x^2)`);
//! three log-scale features left unnormalized, so that the network sees
//! the scale normalization takes away (`log |p|`, and the tensor's
//! gradient and parameter RMS); and eleven time features `tanh(t / tau - 1)`.

use crate::tensor::{Shape, Tensor};

/// The momenta's decays (learned_optimization's `mlp_lopt.py`).
pub const DECAYS: [f64; 6] = [0.1, 0.5, 0.9, 0.99, 0.999, 0.9999];
/// The second moment's decay.
pub const RMS_DECAY: f64 = 0.999;
/// The time features' scales.
pub const TAUS: [f64; 11] = [1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1e3, 3e3, 1e4, 3e4, 1e5];
/// Features per element.
pub const WIDTH: usize = 2 + DECAYS.len() + 2 + 3 + TAUS.len();
/// The names of the features, in order (for the weights file).
pub fn names() -> Vec<String> {
    let mut v = vec!["g".to_string(), "p".to_string()];
    v.extend(DECAYS.iter().map(|d| format!("m{d}")));
    v.extend(["m0.9*rsqrt(v)".into(), "rsqrt(v)".into(), "log|p|/10".into(), "log rms(g)/10".into()]);
    v.push("log rms(p)/10".into());
    v.extend(TAUS.iter().map(|t| format!("tanh(t/{t}-1)")));
    v
}

/// One tensor's accumulators.
#[derive(Clone, Debug, PartialEq)]
pub struct Accumulators {
    /// `m_k <- d_k m_k + (1 - d_k) g`, one per decay.
    pub m: Vec<Tensor>,
    /// `v <- d v + (1 - d) g^2`.
    pub v: Tensor,
}

impl Accumulators {
    /// Zeros of `shape`.
    pub fn zeros(shape: Shape) -> Self {
        Accumulators { m: vec![Tensor::zeros(shape); DECAYS.len()], v: Tensor::zeros(shape) }
    }

    /// Folds the gradient `g` in.
    pub fn update(&mut self, g: &Tensor) {
        for (m, d) in self.m.iter_mut().zip(DECAYS) {
            *m = m.zip_with(g, |m, g| d * m + (1.0 - d) * g);
        }
        self.v = self.v.zip_with(g, |v, g| RMS_DECAY * v + (1.0 - RMS_DECAY) * g * g);
    }
}

/// `mean(x^2)` (0 for no elements).
fn mean_square(x: &[f64]) -> f64 {
    x.iter().map(|v| v * v).sum::<f64>() / x.len().max(1) as f64
}

/// `x rsqrt(1e-5 + mean(x^2))` over the whole tensor.
fn normalized(x: &[f64]) -> Vec<f64> {
    let s = 1.0 / (1e-5 + mean_square(x)).sqrt();
    x.iter().map(|v| v * s).collect()
}

/// `log(max(x, 1e-30)) / 10`: a log scale about as wide as the other inputs.
fn log10th(x: f64) -> f64 {
    x.max(1e-30).ln() / 10.0
}

/// The feature rows `[elements, WIDTH]` of one tensor at step `t` (the
/// number of steps before this one), after its accumulators took `g`.
pub fn rows(p: &Tensor, g: &Tensor, acc: &Accumulators, t: u64) -> Tensor {
    let n = p.shape().len();
    let rms = |x: &[f64]| mean_square(x).sqrt();
    let rsqrt_v: Vec<f64> = acc.v.data().iter().map(|v| 1.0 / (v + 1e-12).sqrt()).collect();
    let m_rv: Vec<f64> = acc.m[2].data().iter().zip(&rsqrt_v).map(|(m, r)| m * r).collect();
    let mut cols: Vec<Vec<f64>> = vec![normalized(g.data()), normalized(p.data())];
    cols.extend(acc.m.iter().map(|m| normalized(m.data())));
    cols.push(normalized(&m_rv));
    cols.push(normalized(&rsqrt_v));
    cols.push(p.data().iter().map(|x| log10th(x.abs())).collect());
    cols.push(vec![log10th(rms(g.data())); n]);
    cols.push(vec![log10th(rms(p.data())); n]);
    for tau in TAUS {
        cols.push(vec![(t as f64 / tau - 1.0).tanh(); n]);
    }
    debug_assert_eq!(cols.len(), WIDTH);
    let mut data = Vec::with_capacity(n * WIDTH);
    for i in 0..n {
        data.extend(cols.iter().map(|c| c[i]));
    }
    Tensor::new(Shape::Matrix(n, WIDTH), data)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(f: &Tensor, j: usize) -> Vec<f64> {
        let (r, c) = f.shape().dims2();
        (0..r).map(|i| f.data()[i * c + j]).collect()
    }

    #[test]
    fn normalized_features_do_not_see_the_scale_and_the_log_ones_do() {
        let p = Tensor::vector(vec![0.5, -1.0, 2.0, 0.25]);
        let g = Tensor::vector(vec![3.0, -1.0, 0.5, 2.0]);
        let features = |c: f64| {
            let (p, g) = (p.map(|x| c * x), g.map(|x| c * x));
            let mut acc = Accumulators::zeros(p.shape());
            acc.update(&g);
            acc.update(&g.map(|x| 0.5 * x));
            rows(&p, &g, &acc, 2)
        };
        let (a, b) = (features(1e6), features(1e9));
        assert_eq!(a.shape(), Shape::Matrix(4, WIDTH));
        assert_eq!(names().len(), WIDTH);
        // g, p and the momenta: x rsqrt(1e-5 + mean x^2) is scale-free up
        // to the 1e-5 floor, which scales of 1e6 and 1e9 make negligible
        // (a relative 1e-5 / mean x^2 at most).
        for j in 0..2 + DECAYS.len() {
            for (x, y) in column(&a, j).iter().zip(column(&b, j)) {
                assert!((x - y).abs() <= 1e-8 * (1.0 + x.abs()), "feature {j}: {x} vs {y}");
            }
        }
        // Each normalized column has a mean square of about 1.
        let ms: f64 = column(&a, 0).iter().map(|x| x * x).sum::<f64>() / 4.0;
        assert!((ms - 1.0).abs() < 1e-9, "{ms}");
        // log |p| / 10 moves by ln(1000) / 10, as do the two RMS features.
        let j = 2 + DECAYS.len() + 2;
        for k in j..j + 3 {
            for (x, y) in column(&a, k).iter().zip(column(&b, k)) {
                assert!((y - x - 1000f64.ln() / 10.0).abs() < 1e-12, "feature {k}");
            }
        }
        // Time features at t = 2: tanh(2 / tau - 1).
        assert!((column(&a, j + 3)[0] - (2.0f64 - 1.0).tanh()).abs() < 1e-15);
        assert!((column(&a, WIDTH - 1)[3] - (2e-5f64 - 1.0).tanh()).abs() < 1e-15);
    }

    #[test]
    fn momenta_follow_their_decays() {
        let mut acc = Accumulators::zeros(Shape::Scalar);
        acc.update(&Tensor::scalar(2.0));
        acc.update(&Tensor::scalar(4.0));
        for (m, d) in acc.m.iter().zip(DECAYS) {
            // m = d (1-d) 2 + (1-d) 4.
            let want = d * (1.0 - d) * 2.0 + (1.0 - d) * 4.0;
            assert!((m.item() - want).abs() < 1e-15);
        }
        let want = RMS_DECAY * (1.0 - RMS_DECAY) * 4.0 + (1.0 - RMS_DECAY) * 16.0;
        assert!((acc.v.item() - want).abs() < 1e-15);
    }
}
