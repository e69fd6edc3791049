//! Interval tensors in midpoint-radius form, and rigorous matrix products.
//!
//! A product of interval matrices goes through faer: with `A = mA +- rA` and
//! `B = mB +- rB`, every product of members lies in
//! `mA mB +- (|mA| rB + rA (|mB| + rB))` (Rump). faer computes in
//! round-to-nearest, with `|fl(a . b) - a . b| <= gamma_n |a| . |b|` for a
//! dot product of length n in any order (`gamma_n = n u / (1 - n u)`), so
//! the radius also takes that error of every product it uses.

use super::Shape;
#[cfg(test)]
use super::Tensor;
use super::matmul::{View, gemm, left_dims, right_dims};
use crate::interval::{Interval, add_up, mul_up};

/// A tensor of intervals `mid +- rad`; `rad` is `None` when every element
/// is a point.
#[derive(Clone, Debug, PartialEq)]
pub struct ITensor {
    shape: Shape,
    mid: Vec<f64>,
    rad: Option<Vec<f64>>,
}

/// `mid +- rad` containing `x`.
#[inline]
fn split(x: Interval) -> (f64, f64) {
    let m = x.mid();
    (m, add_up(x.hi(), -m).max(add_up(m, -x.lo())))
}

impl ITensor {
    /// The point tensor `t`.
    #[cfg(test)]
    pub fn point(t: &Tensor) -> Self {
        ITensor { shape: t.shape(), mid: t.data().to_vec(), rad: None }
    }

    /// From intervals.
    #[track_caller]
    pub fn from_intervals(shape: Shape, v: &[Interval]) -> Self {
        Self::from_fn(shape, |i| v[i])
    }

    /// From a function of the row-major index.
    pub fn from_fn(shape: Shape, f: impl Fn(usize) -> Interval) -> Self {
        let n = shape.len();
        let mut mid = Vec::with_capacity(n);
        let mut rad = Vec::with_capacity(n);
        let mut exact = true;
        for i in 0..n {
            let x = f(i);
            if x.is_point() {
                mid.push(x.lo());
                rad.push(0.0);
            } else {
                let (m, r) = split(x);
                mid.push(m);
                rad.push(r);
                exact = false;
            }
        }
        ITensor { shape, mid, rad: (!exact).then_some(rad) }
    }

    /// Element `i` (row-major), rounded outward.
    #[inline]
    pub fn get(&self, i: usize) -> Interval {
        let m = self.mid[i];
        match &self.rad {
            None => Interval::point(m),
            Some(r) if r[i] == 0.0 => Interval::point(m),
            Some(r) => Interval::new((m - r[i]).next_down(), (m + r[i]).next_up()),
        }
    }

    /// Every element.
    pub fn intervals(&self) -> Vec<Interval> {
        (0..self.mid.len()).map(|i| self.get(i)).collect()
    }

    /// The rigorous matrix product `self @ other` (ranks as numpy's matmul).
    #[track_caller]
    pub fn matmul(&self, other: &ITensor) -> ITensor {
        let shape = self.shape.matmul(other.shape).expect("shapes checked at graph construction");
        let (r, k) = left_dims(self.shape);
        let (_, c) = right_dims(other.shape);
        let n = r * c;
        let (ma, mb) = (&self.mid, &other.mid);
        let abs = |v: &[f64]| v.iter().map(|x| x.abs()).collect::<Vec<f64>>();
        let mut mid = vec![0.0; n];
        gemm(&mut mid, View::new(ma, r, k), View::new(mb, k, c), false);
        // Non-negative radius terms, computed in round-to-nearest.
        let mut rad = vec![0.0; n];
        let mut any_rad = false;
        if let Some(rb) = &other.rad {
            gemm(&mut rad, View::new(&abs(ma), r, k), View::new(rb, k, c), true);
            any_rad = true;
        }
        if let Some(ra) = &self.rad {
            let mb_plus: Vec<f64> = match &other.rad {
                Some(rb) => mb.iter().zip(rb).map(|(m, r)| add_up(m.abs(), *r)).collect(),
                None => abs(mb),
            };
            gemm(&mut rad, View::new(ra, r, k), View::new(&mb_plus, k, c), true);
            any_rad = true;
        }
        // Bounds on |mA| @ |mB| (for the rounding of the midpoint product), by
        // Cauchy-Schwarz: row norms of mA times column norms of mB, rounded up.
        let row_norm: Vec<f64> = ma.chunks(k.max(1)).map(|row| norm_up(row.iter().copied(), k)).collect();
        let mut col_sq = vec![0.0; c];
        for row in mb.chunks(c.max(1)) {
            for (s, &x) in col_sq.iter_mut().zip(row) {
                *s += x * x;
            }
        }
        let col_norm: Vec<f64> = col_sq.iter().map(|&s| inflate_sqrt(s, k)).collect();
        let u = f64::EPSILON / 2.0;
        let kf = k as f64 + 2.0;
        let gamma = kf * u / (1.0 - kf * u) * (1.0 + 4.0 * f64::EPSILON);
        let mut out_rad = Vec::with_capacity(n);
        for (i, rn) in row_norm.iter().enumerate() {
            for (j, cn) in col_norm.iter().enumerate() {
                let e = i * c + j;
                // rad is computed with error at most gamma times itself (all terms >= 0).
                let term = if any_rad { mul_up(rad[e], 1.0 + 2.0 * gamma) } else { 0.0 };
                out_rad.push(add_up(term, mul_up(gamma, mul_up(*rn, *cn))));
            }
        }
        let finite = mid.iter().chain(&out_rad).all(|v| v.is_finite());
        if !finite {
            // Infinite inputs: give up soundly.
            return ITensor { shape, mid: vec![0.0; n], rad: Some(vec![f64::INFINITY; n]) };
        }
        ITensor { shape, mid, rad: Some(out_rad) }
    }

    /// Adds `other` (same shape) into `self`, rigorously.
    #[track_caller]
    pub fn add_assign(&mut self, other: &ITensor) {
        assert_eq!(self.shape, other.shape);
        let n = self.mid.len();
        let rad = self.rad.get_or_insert_with(|| vec![0.0; n]);
        for i in 0..n {
            let s = self.mid[i] + other.mid[i];
            // The rounding of s is at most half an ulp of s, below |s| eps / 2.
            let err = s.abs() * (f64::EPSILON / 2.0);
            let r_other = other.rad.as_ref().map_or(0.0, |r| r[i]);
            rad[i] = add_up(add_up(rad[i], r_other), err);
            self.mid[i] = s;
        }
    }
}

/// An upper bound on `sqrt(s)` for a sum `s` of `k` squares computed in
/// round-to-nearest.
fn inflate_sqrt(s: f64, k: usize) -> f64 {
    let kf = k as f64 + 2.0;
    (s * (1.0 + kf * f64::EPSILON)).sqrt() * (1.0 + 2.0 * f64::EPSILON)
}

/// An upper bound on the Euclidean norm of `k` numbers.
fn norm_up(v: impl Iterator<Item = f64>, k: usize) -> f64 {
    inflate_sqrt(v.map(|x| x * x).sum(), k)
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

    #[test]
    fn sums_contain_every_member_sum() {
        let mut a = ITensor::from_intervals(Shape::Vector(2), &[Interval::new(0.1, 0.2), Interval::point(1.0)]);
        let b = ITensor::from_intervals(Shape::Vector(2), &[Interval::point(0.2), Interval::new(-1.0, 1.0)]);
        a.add_assign(&b);
        assert!(a.get(0).encloses(Interval::new(0.1 + 0.2, 0.2 + 0.2)) && a.get(1).encloses(Interval::new(0.0, 2.0)));
    }
}
