//! Matrix products of interval matrices in midpoint-radius form through
//! faer: `[A] [B]` is enclosed by `Am Bm +- (|Am| (Br + g |Bm|) + Ar (|Bm| + Br))`
//! with `g` covering the rounding of `Am Bm` (`|fl(Am Bm) - Am Bm| <= g_k |Am| |Bm|`
//! for any summation order, `g_k = k u / (1 - k u)`), and the radius itself
//! rounded up. Two or three products per interval product instead of one
//! interval operation per term.

use super::lanes::{I, add, dn, fold, meet, up};
use super::{Planes, RH, RL};
use crate::tensor::{Shape, View, gemm, left_dims, right_dims};

/// An interval matrix in midpoint-radius form.
struct MidRad {
    mid: Vec<f64>,
    abs_mid: Vec<f64>,
    rad: Vec<f64>,
    point: bool,
}

impl MidRad {
    fn new(lo: &[f64], hi: &[f64]) -> Self {
        let mid: Vec<f64> = lo.iter().zip(hi).map(|(&l, &h)| l * 0.5 + h * 0.5).collect();
        let rad: Vec<f64> = lo.iter().zip(hi).zip(&mid).map(|((&l, &h), &m)| up((h - m).max(m - l)).max(0.0)).collect();
        let point = lo == hi;
        let abs_mid = mid.iter().map(|m| m.abs()).collect();
        MidRad { mid, abs_mid, rad, point }
    }
}

/// `[a] [b]` (`a` is `r x k`, `b` is `k x c`, row-major) as `(lo, hi)` planes.
fn product(a: &MidRad, b: &MidRad, r: usize, k: usize, c: usize) -> (Vec<f64>, Vec<f64>) {
    let mut m = vec![0.0; r * c];
    gemm(&mut m, View::new(&a.mid, r, k), View::new(&b.mid, k, c), false);
    let gamma = (k as f64 + 2.0) * f64::EPSILON * 1.01;
    // Br + g |Bm|, rounded up.
    let w: Vec<f64> = b.rad.iter().zip(&b.abs_mid).map(|(&br, &bm)| up(br + up(gamma * bm))).collect();
    let mut t = vec![0.0; r * c];
    gemm(&mut t, View::new(&a.abs_mid, r, k), View::new(&w, k, c), false);
    if !a.point {
        let w2: Vec<f64> = b.rad.iter().zip(&b.abs_mid).map(|(&br, &bm)| up(br + bm)).collect();
        gemm(&mut t, View::new(&a.rad, r, k), View::new(&w2, k, c), true);
    }
    // The products of non-negative terms are rounded too: scale up by their
    // own g, and cover underflow.
    let grow = 1.0 + 2.0 * (k as f64 + 3.0) * f64::EPSILON;
    let tiny = (k as f64 + 2.0) * f64::MIN_POSITIVE;
    let lo = m.iter().zip(&t).map(|(&m, &t)| dn(m - (up(t * grow) + tiny))).collect();
    let hi = m.iter().zip(&t).map(|(&m, &t)| up(m + (up(t * grow) + tiny))).collect();
    (lo, hi)
}

/// `a @ b` on the line: every pair of coefficient planes, summed by degree,
/// degrees 2 to 4 folded over `[0, e]` into `C2`. The range is the
/// polynomial's own, intersected (when both sides vary) with the interval
/// product of the ranges.
pub(super) fn matmul(out: &mut Planes, a: &Planes, sa: Shape, b: &Planes, sb: Shape, e: f64) {
    let (r, k) = left_dims(sa);
    let c = right_dims(sb).1;
    let n = r * c;
    let coef = |p: &Planes, d: usize| MidRad::new(&p.v[2 * d], &p.v[2 * d + 1]);
    let pa: Vec<MidRad> = (0..=a.deg as usize).map(|d| coef(a, d)).collect();
    let pb: Vec<MidRad> = (0..=b.deg as usize).map(|d| coef(b, d)).collect();
    let mut acc: Vec<Option<(Vec<f64>, Vec<f64>)>> = vec![None; 5];
    for (i, x) in pa.iter().enumerate() {
        for (j, y) in pb.iter().enumerate() {
            let (lo, hi) = product(x, y, r, k, c);
            match &mut acc[i + j] {
                Some((al, ah)) => {
                    for q in 0..n {
                        (al[q], ah[q]) = add((al[q], ah[q]), (lo[q], hi[q]));
                    }
                }
                slot => *slot = Some((lo, hi)),
            }
        }
    }
    let ranges = (a.deg > 0 && b.deg > 0).then(|| {
        let (ra, rb) = (MidRad::new(&a.v[RL], &a.v[RH]), MidRad::new(&b.v[RL], &b.v[RH]));
        product(&ra, &rb, r, k, c)
    });
    let at = |d: usize, q: usize| -> I { acc[d].as_ref().map_or((0.0, 0.0), |(l, h)| (l[q], h[q])) };
    for q in 0..n {
        let (c0, c1) = (at(0, q), at(1, q));
        let c2 = fold(at(2, q), at(3, q), at(4, q), e);
        let own = fold(c0, c1, c2, e);
        let range = ranges.as_ref().map_or(own, |(l, h)| meet((l[q], h[q]), own));
        super::ops::store(out, q, [c0, c1, c2, range]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interval::Interval;
    use crate::tensor::ITensor;

    #[test]
    fn encloses_the_interval_product() {
        // A 3x4 interval matrix (one point row) times a 4x2 one.
        let al: Vec<f64> = (0..12).map(|i| (i as f64 - 5.0) * 0.37).collect();
        let ah: Vec<f64> = al.iter().enumerate().map(|(i, &l)| if i < 4 { l } else { l + 0.1 * i as f64 }).collect();
        let bl: Vec<f64> = (0..8).map(|i| (3.0 - i as f64) * 1.3e-3).collect();
        let bh: Vec<f64> = bl.iter().map(|&l| l + 2e-4).collect();
        let (lo, hi) = product(&MidRad::new(&al, &ah), &MidRad::new(&bl, &bh), 3, 4, 2);
        let ia = ITensor::from_fn(Shape::Matrix(3, 4), |e| Interval::new(al[e], ah[e]));
        let ib = ITensor::from_fn(Shape::Matrix(4, 2), |e| Interval::new(bl[e], bh[e]));
        let want = ia.matmul(&ib);
        for q in 0..6 {
            let w = want.get(q);
            assert!(lo[q] <= w.lo() && w.hi() <= hi[q], "{q}: [{}, {}] vs {w}", lo[q], hi[q]);
            // Mid-radius overestimates by at most 1.5x the radius (Rump).
            assert!(hi[q] - lo[q] <= 1.5 * w.width() + 1e-12, "{q}: too wide");
        }
    }
}
