//! Branch-free interval arithmetic on pairs of f64, for loops the compiler
//! vectorizes. Each operation rounds to nearest, computes its rounding error
//! exactly (TwoSum; an FMA for products and quotients) and moves the result
//! outward by at least one ulp (`dn`, `up`) only where it was inexact in
//! that direction: directed rounding, exact results kept exact. Minimum and maximum propagate
//! NaN (the pass checks every plane for finiteness and declines otherwise),
//! so that no NaN is ever silently dropped.

/// The relative spacing of doubles, 2^-52.
const U: f64 = f64::EPSILON;
/// The smallest positive subnormal.
const ETA: f64 = f64::from_bits(1);

/// `x` moved down by at least one ulp (NaN for `+inf`: never a valid lower end).
#[inline(always)]
pub fn dn(x: f64) -> f64 {
    x - (x.abs() * U + ETA)
}

/// `x` moved up by at least one ulp.
#[inline(always)]
pub fn up(x: f64) -> f64 {
    x + (x.abs() * U + ETA)
}

/// `x` moved down by at least `k` ulps: the lower end for a value computed
/// with an error of at most `k - 1` ulps.
#[inline(always)]
pub fn dn_k(x: f64, k: f64) -> f64 {
    x - k * (x.abs() * U + ETA)
}

/// `x` moved up by at least `k` ulps.
#[inline(always)]
pub fn up_k(x: f64, k: f64) -> f64 {
    x + k * (x.abs() * U + ETA)
}

pub(crate) use crate::eval::kernels::select;

/// The smaller of `a` and `b`, NaN if either is.
#[inline(always)]
pub fn min(a: f64, b: f64) -> f64 {
    select((a < b) | a.is_nan(), a, b)
}

/// The larger of `a` and `b`, NaN if either is.
#[inline(always)]
pub fn max(a: f64, b: f64) -> f64 {
    select((a > b) | a.is_nan(), a, b)
}

/// An interval `[lo, hi]` as two doubles.
pub type I = (f64, f64);

/// The next double above `x` (finite `x`; `-0` is taken as `+0`), by the
/// integer order of the bits: one integer add, no branch.
#[inline(always)]
fn next_up(x: f64) -> f64 {
    let y = x + 0.0;
    let step = if y >= 0.0 { 1u64 } else { u64::MAX };
    f64::from_bits(y.to_bits().wrapping_add(step))
}

/// The next double below `x`.
#[inline(always)]
fn next_dn(x: f64) -> f64 {
    -next_up(-x)
}

/// Below this magnitude a product's FMA residual may itself be rounded (a
/// zero factor still gives an exact 0).
const TINY: f64 = 1e-290;

/// `s` (the rounded `x + y`) rounded down: TwoSum's exact error says which
/// way it was rounded.
#[inline(always)]
fn sum_dn(x: f64, y: f64) -> f64 {
    let s = x + y;
    let t = s - x;
    let err = (x - (s - t)) + (y - t);
    select(err < 0.0, next_dn(s), s)
}

#[inline(always)]
fn sum_up(x: f64, y: f64) -> f64 {
    let s = x + y;
    let t = s - x;
    let err = (x - (s - t)) + (y - t);
    select(err > 0.0, next_up(s), s)
}

/// `x y` rounded down (the FMA residual `x y - p` is exact unless tiny).
#[inline(always)]
pub fn mul_dn(x: f64, y: f64) -> f64 {
    let p = x * y;
    let err = x.mul_add(y, -p);
    select((err < 0.0) | ((p.abs() < TINY) & (x != 0.0) & (y != 0.0)), next_dn(p), p)
}

#[inline(always)]
pub fn mul_up(x: f64, y: f64) -> f64 {
    let p = x * y;
    let err = x.mul_add(y, -p);
    select((err > 0.0) | ((p.abs() < TINY) & (x != 0.0) & (y != 0.0)), next_up(p), p)
}

/// `x / y` rounded up, for `y > 0` (the residual `x - q y` is exact unless
/// the quotient is tiny).
#[inline(always)]
fn div_up(x: f64, y: f64) -> f64 {
    let q = x / y;
    let rem = (-q).mul_add(y, x);
    select((rem > 0.0) | ((q.abs() < TINY) & (x != 0.0)), next_up(q), q)
}

#[inline(always)]
pub fn add(a: I, b: I) -> I {
    (sum_dn(a.0, b.0), sum_up(a.1, b.1))
}

#[inline(always)]
pub fn sub(a: I, b: I) -> I {
    (sum_dn(a.0, -b.1), sum_up(a.1, -b.0))
}

#[inline(always)]
pub fn neg(a: I) -> I {
    (-a.1, -a.0)
}

#[inline(always)]
pub fn mul(a: I, b: I) -> I {
    let lo = min(min(mul_dn(a.0, b.0), mul_dn(a.0, b.1)), min(mul_dn(a.1, b.0), mul_dn(a.1, b.1)));
    let hi = max(max(mul_up(a.0, b.0), mul_up(a.0, b.1)), max(mul_up(a.1, b.0), mul_up(a.1, b.1)));
    (lo, hi)
}

/// `a * k` for a point `k`.
#[inline(always)]
pub fn scale(a: I, k: f64) -> I {
    (min(mul_dn(a.0, k), mul_dn(a.1, k)), max(mul_up(a.0, k), mul_up(a.1, k)))
}

/// `{x^2 : x in a}`, sharp.
#[inline(always)]
pub fn sqr(a: I) -> I {
    let (l, h) = (a.0.abs(), a.1.abs());
    // The smaller and larger magnitudes, 0 for the smaller when 0 is inside.
    let near = select(a.0 >= 0.0, l, select(a.1 <= 0.0, h, 0.0));
    let far = max(l, h);
    (select(near == 0.0, 0.0, mul_dn(near, near)), mul_up(far, far))
}

#[inline(always)]
pub fn hull(a: I, b: I) -> I {
    (min(a.0, b.0), max(a.1, b.1))
}

/// `a ∩ b`, or `a` where they do not meet (as the pass's ranges do).
#[inline(always)]
pub fn meet(a: I, b: I) -> I {
    let (lo, hi) = (max(a.0, b.0), min(a.1, b.1));
    let ok = lo <= hi;
    (select(ok, lo, a.0), select(ok, hi, a.1))
}

/// `a * [0, e]` for `e >= 0`.
#[inline(always)]
pub fn times_unit(a: I, e: f64) -> I {
    (min(mul_dn(a.0, e), 0.0), max(mul_up(a.1, e), 0.0))
}

/// The lower end of `min over z in [0, e] of a + b z + c z^2` (point
/// coefficients), rounded down: the ends and, for `c > 0`, the vertex
/// `a - b^2 / (4c)` when `-b / (2c)` may lie inside.
#[inline(always)]
pub fn quad_min(a: f64, b: f64, c: f64, e: f64) -> f64 {
    let e2 = select(c >= 0.0, mul_dn(e, e), mul_up(e, e));
    let at_e = sum_dn(sum_dn(a, mul_dn(b, e)), mul_dn(c, e2));
    let m = min(a, at_e);
    let inside = (c > 0.0) & (b < 0.0) & (-b <= 2.0 * c * e * (1.0 + 1e-12));
    let q = div_up(mul_up(b, b), 4.0 * c);
    select(inside, min(m, sum_dn(a, -q)), m)
}

/// The sharp range over `z in [0, e]` of `c0 + c1 z + c2 z^2` with interval
/// coefficients: the lower end from the lower ends, the upper from the upper.
#[inline(always)]
pub fn fold(c0: I, c1: I, c2: I, e: f64) -> I {
    (quad_min(c0.0, c1.0, c2.0, e), -quad_min(-c0.1, -c1.1, -c2.1, e))
}

/// The same operations rounded outward by one ulp or more whether or not
/// they were exact: cheaper, for the intermediate quantities of the sharp
/// rules (whose inputs are already widened kernel values).
pub mod wide {
    use super::{I, dn, max, min, select, up};

    #[inline(always)]
    pub fn add(a: I, b: I) -> I {
        (dn(a.0 + b.0), up(a.1 + b.1))
    }

    #[inline(always)]
    pub fn sub(a: I, b: I) -> I {
        (dn(a.0 - b.1), up(a.1 - b.0))
    }

    #[inline(always)]
    pub fn mul(a: I, b: I) -> I {
        let (p, q, r, s) = (a.0 * b.0, a.0 * b.1, a.1 * b.0, a.1 * b.1);
        (dn(min(min(p, q), min(r, s))), up(max(max(p, q), max(r, s))))
    }

    #[inline(always)]
    pub fn scale(a: I, k: f64) -> I {
        let (p, q) = (a.0 * k, a.1 * k);
        (dn(min(p, q)), up(max(p, q)))
    }

    #[inline(always)]
    pub fn sqr(a: I) -> I {
        let (l2, h2) = (a.0 * a.0, a.1 * a.1);
        let lo = select(a.0 >= 0.0, l2, select(a.1 <= 0.0, h2, 0.0));
        let hi = select(a.0 >= 0.0, h2, select(a.1 <= 0.0, l2, max(l2, h2)));
        (select(lo == 0.0, 0.0, dn(lo)), up(hi))
    }

    /// `a / b` for `b > 0`.
    #[inline(always)]
    pub fn div_pos(a: I, b: I) -> I {
        let lo = select(a.0 >= 0.0, a.0 / b.1, a.0 / b.0);
        let hi = select(a.1 >= 0.0, a.1 / b.0, a.1 / b.1);
        (dn(lo), up(hi))
    }

    /// `a * [0, e]` for `e >= 0`.
    #[inline(always)]
    pub fn times_unit(a: I, e: f64) -> I {
        (min(dn(a.0 * e), 0.0), max(up(a.1 * e), 0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interval::{BigInterval, Interval, Prec};

    fn contains(i: I, x: f64) -> bool {
        i.0 <= x && x <= i.1
    }

    #[test]
    fn operations_enclose_the_interval_library() {
        let vals = [-3.5, -1.0, -1e-300, 0.0, 1e-310, 0.1, 1.0, 2.5, 1e300];
        for &al in &vals {
            for &ah in vals.iter().filter(|&&h| h >= al) {
                for &bl in &vals {
                    for &bh in vals.iter().filter(|&&h| h >= bl) {
                        let (a, b) = ((al, ah), (bl, bh));
                        let (ia, ib) = (Interval::new(al, ah), Interval::new(bl, bh));
                        // Encloses the exact result (256-bit), and no wider than the library's.
                        let big = |x: I| {
                            BigInterval::new(
                                BigInterval::from_f64(x.0).unwrap().lo().clone(),
                                BigInterval::from_f64(x.1).unwrap().hi().clone(),
                            )
                        };
                        let (ba, bb) = (big(a), big(b));
                        let w = Prec(256);
                        // The 256-bit ends to nearest: exact results exactly.
                        let near = |x: BigInterval| (x.lo().approx(), x.hi().approx());
                        let within = |mine: I, lib: Interval, exact: (f64, f64), what: &str| {
                            assert!(
                                mine.0 <= exact.0 && exact.1 <= mine.1,
                                "{what} {a:?} {b:?}: {mine:?} vs {exact:?}"
                            );
                            // At most an ulp wider (a product below 1e-290 moves out by one).
                            let (lo, hi) = (lib.lo().next_down(), lib.hi().next_up());
                            assert!(lo <= mine.0 && mine.1 <= hi, "{what} {a:?} {b:?}: {mine:?} vs {lib}");
                        };
                        within(add(a, b), ia + ib, near(w.add(&ba, &bb)), "+");
                        within(sub(a, b), ia - ib, near(w.sub(&ba, &bb)), "-");
                        within(mul(a, b), ia * ib, near(w.mul(&ba, &bb)), "*");
                        within(sqr(a), ia.sqr(), near(w.sqr(&ba)), "sqr");
                        // The always-widening forms enclose the exact results too.
                        let holds = |mine: I, exact: (f64, f64)| {
                            mine.0 <= exact.0 && exact.1 <= mine.1 || mine.0.is_nan() || mine.1.is_nan()
                        };
                        assert!(holds(wide::add(a, b), near(w.add(&ba, &bb))));
                        assert!(holds(wide::sub(a, b), near(w.sub(&ba, &bb))));
                        assert!(holds(wide::mul(a, b), near(w.mul(&ba, &bb))));
                        assert!(holds(wide::sqr(a), near(w.sqr(&ba))));
                        // A quotient that overflows is NaN: the pass then declines.
                        let q = wide::div_pos(a, b);
                        if bl > 0.0 && !(q.0.is_nan() || q.1.is_nan()) {
                            // q.0 <= x / y <= q.1 for every corner, decided exactly by an FMA (y > 0).
                            for x in [al, ah] {
                                for y in [bl, bh] {
                                    assert!(
                                        q.0.mul_add(y, -x) <= 0.0 && q.1.mul_add(y, -x) >= 0.0,
                                        "{a:?} / {b:?}: {q:?}"
                                    );
                                }
                            }
                            let lib = ia / ib;
                            assert!(
                                // Always widened: a few ulps.
                                dn_k(lib.lo(), 3.0) <= q.0 && q.1 <= up_k(lib.hi(), 3.0),
                                "{a:?} / {b:?}: {q:?} vs {lib}"
                            );
                        }
                    }
                }
            }
        }
        assert_eq!(sqr((-2.0, 3.0)).0, 0.0);
        assert!(min(f64::NAN, 1.0).is_nan() && min(1.0, f64::NAN).is_nan());
        assert!(max(f64::NAN, 1.0).is_nan() && max(1.0, f64::NAN).is_nan());
        assert!(dn(f64::INFINITY).is_nan());
        // Exact results stay exact; inexact ones move outward.
        assert_eq!(add((1.0, 2.0), (0.5, 0.25)), (1.5, 2.25));
        assert_eq!(mul((-3.0, 2.0), (4.0, 4.0)), (-12.0, 8.0));
        // 1/3 rounds to nearest below the exact third.
        assert_eq!(div_up(1.0, 3.0), (1.0f64 / 3.0).next_up());
        assert_eq!(div_up(1.0, 4.0), 0.25);
    }

    #[test]
    fn fold_contains_sampled_values() {
        let cases = [(1.0, -4.0, 2.0, 1.5), (0.5, 3.0, -1.0, 2.0), (0.0, -1e-3, 1e-6, 100.0), (2.0, 0.0, 0.0, 1.0)];
        for (a, b, c, e) in cases {
            let r = fold((a, a), (b, b), (c, c), e);
            for j in 0..=1000 {
                let z = e * f64::from(j) / 1000.0;
                assert!(contains(r, a + b * z + c * z * z), "{a} {b} {c} at {z}: {r:?}");
            }
            // Sharp: within a few ulps of the sampled extremes.
            let samples: Vec<f64> =
                (0..=100_000).map(|j| e * f64::from(j) / 100_000.0).map(|z| a + b * z + c * z * z).collect();
            let lo = samples.iter().copied().fold(f64::INFINITY, f64::min);
            assert!(lo - r.0 <= 1e-9 * (1.0 + lo.abs()), "{lo} vs {r:?}");
        }
    }
}
