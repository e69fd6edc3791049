//! Matrix products of interval matrices in midpoint-radius form through
//! faer: `[A] [B]` is enclosed by `Am Bm +- (|Am| (Br + g |Bm|) + Ar (|Bm| + Br))`
//! with `g` covering the rounding of `Am Bm` (`|fl(Am Bm) - Am Bm| <= g_k |Am| |Bm|`
//! for any summation order, `g_k = k u / (1 - k u)`), and the radius itself
//! rounded up. Two or three products per interval product instead of one
//! interval operation per term.

use super::lanes::{add, dn, fold, meet, up};
use super::pool::Buf;
use super::{Planes, RH, RL};
use crate::tensor::{Shape, View, gemm, left_dims, right_dims};

/// An interval matrix in midpoint-radius form.
#[derive(Debug)]
pub(crate) struct MidRad {
    mid: Buf,
    abs_mid: Buf,
    rad: Buf,
    point: bool,
}

impl MidRad {
    pub(crate) fn new(lo: &[f64], hi: &[f64]) -> Self {
        let n = lo.len();
        let mid = Buf::from_fn(n, |i| lo[i] * 0.5 + hi[i] * 0.5);
        let rad = Buf::from_fn(n, |i| up((hi[i] - mid[i]).max(mid[i] - lo[i])).max(0.0));
        let point = lo == hi;
        let abs_mid = Buf::from_fn(n, |i| mid[i].abs());
        MidRad { mid, abs_mid, rad, point }
    }
}

/// `[a] [b]` (`a` is `r x k`, `b` is `k x c`, row-major) as `(lo, hi)` planes.
fn product(a: &MidRad, b: &MidRad, r: usize, k: usize, c: usize) -> (Buf, Buf) {
    let mut m = Buf::filled(r * c, 0.0);
    gemm(&mut m, View::new(&a.mid, r, k), View::new(&b.mid, k, c), false);
    let gamma = (k as f64 + 2.0) * f64::EPSILON * 1.01;
    // Br + g |Bm|, rounded up.
    let w = Buf::from_fn(b.rad.len(), |i| up(b.rad[i] + up(gamma * b.abs_mid[i])));
    let mut t = Buf::filled(r * c, 0.0);
    gemm(&mut t, View::new(&a.abs_mid, r, k), View::new(&w, k, c), false);
    if !a.point {
        let w2 = Buf::from_fn(b.rad.len(), |i| up(b.rad[i] + b.abs_mid[i]));
        gemm(&mut t, View::new(&a.rad, r, k), View::new(&w2, k, c), true);
    }
    // The products of non-negative terms are rounded too: scale up by their
    // own g, and cover underflow.
    let grow = 1.0 + 2.0 * (k as f64 + 3.0) * f64::EPSILON;
    let tiny = (k as f64 + 2.0) * f64::MIN_POSITIVE;
    let lo = Buf::from_fn(m.len(), |i| dn(m[i] - (up(t[i] * grow) + tiny)));
    let hi = Buf::from_fn(m.len(), |i| up(m[i] + (up(t[i] * grow) + tiny)));
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
    let coef = |p: &Planes, d: usize| match (&p.midrad, d) {
        (Some(m), 0) => m.clone(),
        _ => std::sync::Arc::new(MidRad::new(&p.v[2 * d], &p.v[2 * d + 1])),
    };
    let pa: Vec<std::sync::Arc<MidRad>> = (0..=a.deg as usize).map(|d| coef(a, d)).collect();
    let pb: Vec<std::sync::Arc<MidRad>> = (0..=b.deg as usize).map(|d| coef(b, d)).collect();
    let mut acc: [Option<(Buf, Buf)>; 5] = Default::default();
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
    // The planes by degree (0 where no product reached it).
    let zeros = Buf::filled(n, 0.0);
    let plane = |d: usize, hi: bool| -> &[f64] {
        acc[d].as_ref().map_or(&zeros[..], |(l, h)| if hi { &h[..] } else { &l[..] })
    };
    let d: [&[f64]; 10] = std::array::from_fn(|i| plane(i / 2, i % 2 == 1));
    let (rl, rh) = match &ranges {
        Some((l, h)) => (&l[..], &h[..]),
        None => (d[0], d[1]),
    };
    let both = if ranges.is_some() { 1.0 } else { 0.0 };
    let x = [d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]];
    let y = [d[8], d[9], rl, rh, rl, rh, rl, rh];
    let o = out.planes_mut();
    super::ops::split::<Finish>(x, y, o, [e, both, 0.0]);
}

/// `c0`, `c1`, the fold of degrees 2 to 4 into `C2`, and the range: the
/// polynomial's own, met with the interval product's when `p[1]` is 1.
/// `x` holds degrees 0 to 3, `y` degree 4 and the product's range.
struct Finish;

impl super::ops::Kernel2 for Finish {
    #[inline(always)]
    fn k(x: super::ops::El, y: super::ops::El, p: [f64; 3]) -> super::ops::El {
        let e = p[0];
        let (c0, c1) = (x[0], x[1]);
        let c2 = fold(x[2], x[3], y[0], e);
        let own = fold(c0, c1, c2, e);
        let met = meet(y[1], own);
        let both = p[1] == 1.0;
        let r = (if both { met.0 } else { own.0 }, if both { met.1 } else { own.1 });
        [c0, c1, c2, r]
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
