//! Reductions: sums and means over all elements or one axis, and a stable
//! log-sum-exp.

use super::{Shape, Tensor};

/// The shape a reduced tensor takes when it is broadcast back over the
/// reduced axis: reducing axis 1 of a matrix gives one value per row, which
/// broadcasts as a column.
pub fn keepdims(shape: Shape, axis: Option<usize>) -> Shape {
    match (shape, axis) {
        (Shape::Matrix(r, _), Some(1)) => Shape::Matrix(r, 1),
        (Shape::Matrix(_, c), Some(0)) => Shape::Matrix(1, c),
        _ => Shape::Scalar,
    }
}

impl Tensor {
    /// The same data under another shape with as many elements.
    #[track_caller]
    pub fn reshape(self, shape: Shape) -> Tensor {
        assert_eq!(self.shape().len(), shape.len(), "cannot reshape {} to {shape}", self.shape());
        Tensor::new(shape, self.into_data())
    }

    /// Folds each group of elements that `axis` reduces with `f`, starting
    /// from `init`.
    fn fold_axis(&self, axis: Option<usize>, init: f64, f: impl Fn(f64, f64) -> f64) -> Tensor {
        let shape = self.shape().reduce(axis).expect("axis checked at graph construction");
        let (rows, cols) = self.shape().dims2();
        let d = self.data();
        match (self.shape(), axis) {
            (Shape::Matrix(..), Some(0)) => {
                let mut out = vec![init; cols];
                for i in 0..rows {
                    for (o, &v) in out.iter_mut().zip(&d[i * cols..(i + 1) * cols]) {
                        *o = f(*o, v);
                    }
                }
                Tensor::new(shape, out)
            }
            (Shape::Matrix(..), Some(1)) => {
                let out = d.chunks(cols.max(1)).map(|row| row.iter().fold(init, |a, &v| f(a, v)));
                let mut out: Vec<f64> = out.collect();
                out.resize(rows, init);
                Tensor::new(shape, out)
            }
            _ => Tensor::scalar(d.iter().fold(init, |a, &v| f(a, v))),
        }
    }

    /// Sum over all elements (`None`) or over one axis.
    pub fn sum_axis(&self, axis: Option<usize>) -> Tensor {
        self.fold_axis(axis, 0.0, |a, v| a + v)
    }

    /// Number of elements that one output of a reduction over `axis` combines.
    pub fn reduced_count(shape: Shape, axis: Option<usize>) -> usize {
        let (r, c) = shape.dims2();
        match (shape, axis) {
            (Shape::Matrix(..), Some(0)) => r,
            (Shape::Matrix(..), Some(1)) => c,
            _ => shape.len(),
        }
    }

    /// Mean over all elements (`None`) or over one axis.
    pub fn mean_axis(&self, axis: Option<usize>) -> Tensor {
        let n = Self::reduced_count(self.shape(), axis) as f64;
        self.sum_axis(axis).map(|v| v / n)
    }

    /// Maximum over all elements or one axis.
    pub fn max_axis(&self, axis: Option<usize>) -> Tensor {
        self.fold_axis(axis, f64::NEG_INFINITY, f64::max)
    }

    /// `log(sum(exp(a)))` over all elements or one axis, computed with the
    /// maximum shifted out so that it never overflows.
    pub fn logsumexp_axis(&self, axis: Option<usize>) -> Tensor {
        let max = self.max_axis(axis);
        let m = max.reshape_keep(self.shape(), axis);
        let shifted = self.zip_with(&m, |a, m| if m.is_finite() { (a - m).exp() } else { (a - m).exp().min(1.0) });
        let s = shifted.sum_axis(axis);
        s.zip_with(&max, |s, m| if m.is_finite() { m + s.ln() } else { m })
    }

    /// This reduction result viewed with the reduced axis kept as size 1, so
    /// that it broadcasts back against the unreduced `shape`.
    pub fn reshape_keep(&self, shape: Shape, axis: Option<usize>) -> Tensor {
        Tensor::new(keepdims(shape, axis), self.data().to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m23() -> Tensor {
        Tensor::new(Shape::Matrix(2, 3), vec![1., 2., 3., 4., 5., 6.])
    }

    #[test]
    fn sums_and_means_per_axis() {
        let m = m23();
        assert_eq!(m.sum_axis(None).item(), 21.0);
        assert_eq!(m.sum_axis(Some(0)).data(), &[5., 7., 9.]);
        assert_eq!(m.sum_axis(Some(1)).data(), &[6., 15.]);
        assert_eq!(m.mean_axis(Some(1)).data(), &[2., 5.]);
        assert_eq!(m.mean_axis(None).item(), 3.5);
        assert_eq!(Tensor::vector(vec![1., 2.]).sum_axis(Some(0)).item(), 3.0);
    }

    #[test]
    fn logsumexp_is_stable_for_large_arguments() {
        let m = Tensor::new(Shape::Matrix(2, 2), vec![1000., 1000., -1000., -1000.]);
        let l = m.logsumexp_axis(Some(1));
        // log(2 e^1000) = 1000 + ln 2
        assert!((l.data()[0] - (1000.0 + 2f64.ln())).abs() < 1e-12);
        assert!((l.data()[1] - (-1000.0 + 2f64.ln())).abs() < 1e-12);
        let all = Tensor::vector(vec![0.0, 0.0, 0.0]).logsumexp_axis(None);
        assert!((all.item() - 3f64.ln()).abs() < 1e-15);
    }
}
