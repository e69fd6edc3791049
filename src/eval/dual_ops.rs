//! The tensor operations of the num-dual domain ([`super::dual`]), written
//! once for any number type `T`: what `tensor/` and the value domain do in
//! f64, with the same index maps (the plan's broadcast pairs and reduction
//! groups, the matrix views' dimensions) and the same special cases.

use crate::plan::walk::Reduce;
use crate::prim::special::Erf;
use crate::tensor::{Shape, left_dims, right_dims};

/// A dense row-major tensor of `T`: a node's value in the num-dual domain.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct TensorOf<T> {
    pub shape: Shape,
    pub data: Vec<T>,
}

impl<T: Erf> TensorOf<T> {
    /// A tensor from its shape and row-major elements.
    ///
    /// # Panics
    /// If `data` does not have one element per entry of `shape`.
    #[track_caller]
    pub fn new(shape: Shape, data: Vec<T>) -> Self {
        assert_eq!(data.len(), shape.len(), "tensor data does not fit shape {shape}");
        TensorOf { shape, data }
    }

    /// `f` applied to every element.
    pub fn map(&self, f: impl Fn(&T) -> T) -> Self {
        TensorOf { shape: self.shape, data: self.data.iter().map(f).collect() }
    }

    /// `self @ other` for every pair of shapes [`Shape::matmul`] accepts
    /// (as [`Tensor::matmul`](crate::Tensor::matmul): a left vector is a
    /// row, a right vector a column).
    ///
    /// # Panics
    /// If the shapes do not fit (graphs check this at construction).
    #[track_caller]
    pub fn matmul(&self, other: &Self) -> Self {
        let shape = self.shape.matmul(other.shape).expect("shapes checked at graph construction");
        let ((r, k), (_, c)) = (left_dims(self.shape), right_dims(other.shape));
        let (a, b) = (&self.data, &other.data);
        let at = |i: usize, j: usize| (0..k).fold(T::zero(), |s, l| s + a[i * k + l].clone() * &b[l * c + j]);
        TensorOf::new(shape, (0..r).flat_map(|i| (0..c).map(move |j| at(i, j))).collect())
    }
}

/// One output of a reduction: `op` over the elements `group` of `a`, as
/// the value domain's `reduce_into` computes it (in order; a mean divides
/// the sum by the count).
pub(crate) fn reduce<T: Erf>(op: Reduce, a: &[T], group: &[usize]) -> T {
    let sum = |f: &dyn Fn(&T) -> T| group.iter().fold(T::zero(), |s, &e| s + f(&a[e]));
    match op {
        Reduce::Sum => sum(&T::clone),
        Reduce::Mean => sum(&T::clone) / group.len() as f64,
        Reduce::LogSumExp => {
            // The largest real part shifted out, as `Tensor::logsumexp_axis`
            // shifts the maximum: nothing overflows, and the shift (a
            // constant) changes no derivative. Without a finite maximum the
            // value is that maximum (NaN elements are skipped by `max`).
            let m = group.iter().map(|&e| a[e].re()).fold(f64::NEG_INFINITY, f64::max);
            if m.is_finite() { sum(&|x| (x.clone() - m).exp()).ln() + m } else { T::from(m) }
        }
    }
}

/// `x^p` for a non-integer `p`, NaN where the real part is negative (as the
/// value domain's `powf_checked`: a real power is defined on `x >= 0` only).
pub(crate) fn powf_checked<T: Erf>(x: &T, p: f64) -> T {
    if x.re() < 0.0 { T::from(f64::NAN) } else { x.powf(p) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Tensor;
    use num_dual::Dual64;

    fn t(shape: Shape, data: &[f64]) -> TensorOf<f64> {
        TensorOf::new(shape, data.to_vec())
    }

    #[test]
    fn products_agree_with_the_f64_tensors() {
        let shapes = [
            (Shape::Matrix(2, 3), Shape::Matrix(3, 2)),
            (Shape::Matrix(2, 3), Shape::Vector(3)),
            (Shape::Vector(2), Shape::Matrix(2, 3)),
            (Shape::Vector(3), Shape::Vector(3)),
            (Shape::Matrix(2, 0), Shape::Matrix(0, 3)),
        ];
        let fill = |s: Shape, k: f64| (0..s.len()).map(|i| i as f64 * 0.5 - k).collect::<Vec<f64>>();
        for (sa, sb) in shapes {
            let (a, b) = (fill(sa, 1.0), fill(sb, -0.25));
            let want = Tensor::new(sa, a.clone()).matmul(&Tensor::new(sb, b.clone()));
            let got = t(sa, &a).matmul(&t(sb, &b));
            assert_eq!((got.shape, &got.data[..]), (want.shape(), want.data()), "{sa} @ {sb}");
        }
    }

    #[test]
    fn logsumexp_shifts_the_real_part() {
        // log(e^1000 + e^1000) = 1000 + ln 2; d/dx0 = e^x0 / (e^x0 + e^x1) = 1/2.
        let a = [Dual64::new(1000.0, 1.0), Dual64::from_re(1000.0)];
        let l = reduce(Reduce::LogSumExp, &a, &[0, 1]);
        assert_eq!((l.re, l.eps), (1000.0 + 2f64.ln(), 0.5));
        let inf = reduce(Reduce::LogSumExp, &[Dual64::new(f64::INFINITY, 1.0), Dual64::from_re(0.0)], &[0, 1]);
        assert_eq!((inf.re, inf.eps), (f64::INFINITY, 0.0));
        assert_eq!(reduce(Reduce::LogSumExp, &[0.0f64; 0], &[]), f64::NEG_INFINITY);
        // mean(x0, x1) = (x0 + x1) / 2.
        assert_eq!(reduce(Reduce::Mean, &[3.0, 4.0, 5.0], &[0, 2]), (3.0 + 5.0) / 2.0);
        assert!(powf_checked(&-1.0f64, 2.0).is_nan());
    }
}
