//! Interval tensors (lower and upper ends) and rigorous matrix products.
//!
//! A product of interval matrices goes through faer in midpoint-radius
//! form: with `A = mA +- rA` and `B = mB +- rB`, every product of members
//! lies in `mA mB +- (|mA| rB + rA (|mB| + rB))` (Rump). faer computes in
//! round-to-nearest, with `|fl(a . b) - a . b| <= gamma_n |a| . |b|` for a
//! dot product of length n in any order (`gamma_n = n u / (1 - n u)`), so
//! the radius also takes that error of every product it uses.

use super::Shape;
#[cfg(test)]
use super::Tensor;
use super::matmul::{View, gemm, left_dims, right_dims};
use crate::interval::{Interval, add_up, mul_up};

/// A tensor of intervals, stored as two row-major arrays of ends.
#[derive(Clone, Debug, PartialEq)]
pub struct ITensor {
    shape: Shape,
    lo: Vec<f64>,
    hi: Vec<f64>,
}

impl ITensor {
    /// The point tensor `t`.
    #[cfg(test)]
    pub fn point(t: &Tensor) -> Self {
        ITensor { shape: t.shape(), lo: t.data().to_vec(), hi: t.data().to_vec() }
    }

    /// From intervals.
    #[track_caller]
    pub fn from_intervals(shape: Shape, v: &[Interval]) -> Self {
        assert_eq!(v.len(), shape.len());
        ITensor { shape, lo: v.iter().map(|x| x.lo()).collect(), hi: v.iter().map(|x| x.hi()).collect() }
    }

    /// Element `i` (row-major).
    pub fn get(&self, i: usize) -> Interval {
        Interval::new(self.lo[i], self.hi[i])
    }

    /// Every element.
    pub fn intervals(&self) -> Vec<Interval> {
        (0..self.lo.len()).map(|i| self.get(i)).collect()
    }

    /// Midpoints and radii, rounded so that `mid +- rad` contains each
    /// element (all radii 0 when every element is a point).
    fn mid_rad(&self) -> (Vec<f64>, Vec<f64>) {
        if self.lo == self.hi {
            return (self.lo.clone(), vec![0.0; self.lo.len()]);
        }
        let mut mid = Vec::with_capacity(self.lo.len());
        let mut rad = Vec::with_capacity(self.lo.len());
        for (&l, &h) in self.lo.iter().zip(&self.hi) {
            let m = Interval::new(l, h).mid();
            mid.push(m);
            rad.push(add_up(h, -m).max(add_up(m, -l)));
        }
        (mid, rad)
    }

    /// The rigorous matrix product `self @ other` (ranks as numpy's matmul).
    #[track_caller]
    pub fn matmul(&self, other: &ITensor) -> ITensor {
        let shape = self.shape.matmul(other.shape).expect("shapes checked at graph construction");
        let (r, k) = left_dims(self.shape);
        let (_, c) = right_dims(other.shape);
        let n = r * c;
        let (ma, ra) = self.mid_rad();
        let (mb, rb) = other.mid_rad();
        let a_exact = ra.iter().all(|&v| v == 0.0);
        let b_exact = rb.iter().all(|&v| v == 0.0);
        let abs = |v: &[f64]| v.iter().map(|x| x.abs()).collect::<Vec<f64>>();
        let mut mid = vec![0.0; n];
        gemm(&mut mid, View::new(&ma, r, k), View::new(&mb, k, c), false);
        // Non-negative radius terms, computed in round-to-nearest.
        let mut rad = vec![0.0; n];
        if !b_exact {
            gemm(&mut rad, View::new(&abs(&ma), r, k), View::new(&rb, k, c), true);
        }
        if !a_exact {
            let mb_plus: Vec<f64> = mb.iter().zip(&rb).map(|(m, r)| add_up(m.abs(), *r)).collect();
            gemm(&mut rad, View::new(&ra, r, k), View::new(&mb_plus, k, c), true);
        }
        // Bounds on |mA| @ |mB| (for the rounding of the midpoint product), by
        // Cauchy-Schwarz: row norms of |mA| times column norms of |mB|, rounded up.
        let row_norm: Vec<f64> = (0..r).map(|i| norm_up(ma[i * k..(i + 1) * k].iter().copied(), k)).collect();
        let col_norm: Vec<f64> = (0..c).map(|j| norm_up((0..k).map(|l| mb[l * c + j]), k)).collect();
        let u = f64::EPSILON / 2.0;
        let kf = k as f64 + 2.0;
        let gamma = kf * u / (1.0 - kf * u) * (1.0 + 4.0 * f64::EPSILON);
        let mut lo = Vec::with_capacity(n);
        let mut hi = Vec::with_capacity(n);
        for (i, rn) in row_norm.iter().enumerate() {
            for (j, cn) in col_norm.iter().enumerate() {
                let e = i * c + j;
                // rad is computed with error at most gamma times itself (all terms >= 0).
                let radius = add_up(mul_up(rad[e], 1.0 + 2.0 * gamma), mul_up(gamma, mul_up(*rn, *cn)));
                lo.push(mid[e] - radius);
                hi.push(mid[e] + radius);
            }
        }
        // The subtraction and addition above round to nearest; widen by one ulp.
        let lo = lo.into_iter().map(f64::next_down).collect();
        let hi = hi.into_iter().map(f64::next_up).collect();
        let out = ITensor { shape, lo, hi };
        if out.lo.iter().zip(&out.hi).all(|(l, h)| l <= h) {
            out
        } else {
            // NaN from infinite inputs: give up soundly.
            ITensor { shape, lo: vec![f64::NEG_INFINITY; n], hi: vec![f64::INFINITY; n] }
        }
    }
}

/// An upper bound on the Euclidean norm of `k` numbers.
fn norm_up(v: impl Iterator<Item = f64>, k: usize) -> f64 {
    let s: f64 = v.map(|x| x * x).sum();
    let kf = k as f64 + 2.0;
    (s * (1.0 + kf * f64::EPSILON)).sqrt() * (1.0 + 2.0 * f64::EPSILON)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tensor::Tensor;

    #[test]
    fn products_contain_every_member_product() {
        // [-2, 3] x [-5, 7] (1 x 1): exact hull [-15, 21]; Rump's form may be wider.
        let a = ITensor::from_intervals(Shape::Matrix(1, 1), &[Interval::new(-2.0, 3.0)]);
        let b = ITensor::from_intervals(Shape::Matrix(1, 1), &[Interval::new(-5.0, 7.0)]);
        let p = a.matmul(&b).get(0);
        assert!(p.encloses(Interval::new(-15.0, 21.0)), "{p}");
        // Points: the product is the float product up to a few ulps.
        let x = Tensor::new(Shape::Matrix(2, 3), vec![0.1, 0.2, 0.3, -1.0, 2.0, 1e-3]);
        let w = Tensor::vector(vec![0.7, -0.3, 0.11]);
        let exact = x.matmul(&w);
        let p = ITensor::point(&x).matmul(&ITensor::point(&w));
        for i in 0..2 {
            let e = p.get(i);
            assert!(e.contains(exact.data()[i]) && e.width() < 1e-14, "{e}");
        }
    }
}
