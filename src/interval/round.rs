//! Directed rounding of the basic operations, from round-to-nearest results
//! and their exact errors (TwoSum and FMA), and a widening for library
//! functions whose error is bounded in ulps.

/// Ulps by which a libm result is widened: glibc documents at most 1-2 ulps
/// for the functions used here; 4 leaves a margin.
pub const LIBM_ULPS: u32 = 4;

/// Ulps for functions composed of a few libm calls and basic operations
/// (sigmoid, softplus, swish).
pub const COMPOSITE_ULPS: u32 = 8;

/// Below this magnitude products and quotients may lose their exact error
/// to underflow, so they are widened unconditionally.
const TINY: f64 = 1e-290;

/// `x` moved at least `n` ulps toward negative infinity: an ulp of `x` is
/// at most `|x| eps` (or the smallest subnormal), so subtracting
/// `n (|x| eps + tiny)` and rounding down once more covers `n` of them.
#[inline]
pub fn down_n(x: f64, n: u32) -> f64 {
    if !x.is_finite() {
        return if x == f64::INFINITY { f64::MAX } else { x };
    }
    let k = f64::from(n);
    (x - k * (x.abs() * f64::EPSILON + f64::from_bits(1))).next_down()
}

/// `x` moved at least `n` ulps toward positive infinity.
#[inline]
pub fn up_n(x: f64, n: u32) -> f64 {
    -down_n(-x, n)
}

/// Rounds `r`, the round-to-nearest value of an exact result `r + err`,
/// down (`err` has the sign of the exact value minus `r`).
#[inline]
fn lower(r: f64, err: f64) -> f64 {
    if err < 0.0 { r.next_down() } else { r }
}

#[inline]
fn upper(r: f64, err: f64) -> f64 {
    if err > 0.0 { r.next_up() } else { r }
}

/// The result of a finite-input operation that overflowed, rounded toward
/// `dir` (-1 down, +1 up).
#[inline]
fn overflowed(r: f64, dir: f64) -> f64 {
    if r > 0.0 {
        if dir < 0.0 { f64::MAX } else { r }
    } else if dir > 0.0 {
        f64::MIN
    } else {
        r
    }
}

#[inline]
fn two_sum_err(a: f64, b: f64, s: f64) -> f64 {
    let bb = s - a;
    (a - (s - bb)) + (b - bb)
}

/// `a + b` rounded toward `dir`; NaN for `inf - inf`.
#[inline]
fn add_dir(a: f64, b: f64, dir: f64) -> f64 {
    let s = a + b;
    if s.is_finite() {
        let e = two_sum_err(a, b, s);
        if dir < 0.0 { lower(s, e) } else { upper(s, e) }
    } else if a.is_finite() && b.is_finite() {
        overflowed(s, dir)
    } else {
        s
    }
}

/// `a + b` rounded down.
#[inline]
pub fn add_down(a: f64, b: f64) -> f64 {
    add_dir(a, b, -1.0)
}

/// `a + b` rounded up.
#[inline]
pub fn add_up(a: f64, b: f64) -> f64 {
    add_dir(a, b, 1.0)
}

/// `a * b` rounded toward `dir`, with `0 * inf = 0` (interval convention).
#[inline]
fn mul_dir(a: f64, b: f64, dir: f64) -> f64 {
    if a == 0.0 || b == 0.0 {
        return 0.0;
    }
    let p = a * b;
    if !p.is_finite() {
        return if a.is_finite() && b.is_finite() { overflowed(p, dir) } else { p };
    }
    if p.abs() < TINY {
        return if dir < 0.0 { p.next_down() } else { p.next_up() };
    }
    let e = a.mul_add(b, -p);
    if dir < 0.0 { lower(p, e) } else { upper(p, e) }
}

/// `a * b` rounded down (`0 * inf = 0`).
#[inline]
pub fn mul_down(a: f64, b: f64) -> f64 {
    mul_dir(a, b, -1.0)
}

/// `a * b` rounded up (`0 * inf = 0`).
#[inline]
pub fn mul_up(a: f64, b: f64) -> f64 {
    mul_dir(a, b, 1.0)
}

/// `a / b` rounded toward `dir`, for `b != 0`.
#[inline]
fn div_dir(a: f64, b: f64, dir: f64) -> f64 {
    if a == 0.0 && !b.is_nan() {
        return 0.0;
    }
    let q = a / b;
    if !q.is_finite() {
        return if a.is_finite() && b.is_finite() { overflowed(q, dir) } else { q };
    }
    if q == 0.0 && a != 0.0 || q.abs() < TINY || !b.is_finite() {
        return if dir < 0.0 { q.next_down() } else { q.next_up() };
    }
    // a - q b = b (a/b - q): the sign of the exact error is sign(residual) * sign(b).
    let residual = (-q).mul_add(b, a);
    let e = if b > 0.0 { residual } else { -residual };
    if dir < 0.0 { lower(q, e) } else { upper(q, e) }
}

/// `a / b` rounded down.
#[inline]
pub fn div_down(a: f64, b: f64) -> f64 {
    div_dir(a, b, -1.0)
}

/// `a / b` rounded up.
#[inline]
pub fn div_up(a: f64, b: f64) -> f64 {
    div_dir(a, b, 1.0)
}

/// `sqrt(a)` rounded toward `dir`, for `a >= 0`.
#[inline]
fn sqrt_dir(a: f64, dir: f64) -> f64 {
    let r = a.sqrt();
    if !r.is_finite() || r == 0.0 || a < TINY {
        return if r == 0.0 || r.is_infinite() {
            r
        } else if dir < 0.0 {
            r.next_down()
        } else {
            r.next_up()
        };
    }
    let e = (-r).mul_add(r, a);
    if dir < 0.0 { lower(r, e) } else { upper(r, e) }
}

/// `sqrt(a)` rounded down.
#[inline]
pub fn sqrt_down(a: f64) -> f64 {
    sqrt_dir(a, -1.0).max(0.0)
}

/// `sqrt(a)` rounded up.
#[inline]
pub fn sqrt_up(a: f64) -> f64 {
    sqrt_dir(a, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widening_covers_the_ulps() {
        for x in [1.0, -3.5, 1e-300, 5e-324, 0.0, 1e300, -7.25e-5] {
            let mut lo = x;
            let mut hi = x;
            for _ in 0..8 {
                lo = f64::next_down(lo);
                hi = f64::next_up(hi);
            }
            assert!(down_n(x, 8) <= lo && up_n(x, 8) >= hi, "{x}");
            assert!(down_n(x, 8) >= x - 1e-13 * x.abs().max(1e-300) - 1e-320, "{x}: not much wider");
        }
        assert_eq!(down_n(f64::INFINITY, 4), f64::MAX);
        assert_eq!(up_n(f64::NEG_INFINITY, 4), f64::MIN);
        assert_eq!(down_n(f64::NEG_INFINITY, 4), f64::NEG_INFINITY);
    }

    #[test]
    fn exact_results_stay_exact() {
        assert_eq!((add_down(1.0, 2.0), add_up(1.0, 2.0)), (3.0, 3.0));
        assert_eq!((mul_down(3.0, 0.5), mul_up(3.0, 0.5)), (1.5, 1.5));
        assert_eq!((div_down(1.0, 4.0), div_up(1.0, 4.0)), (0.25, 0.25));
        assert_eq!((sqrt_down(9.0), sqrt_up(9.0)), (3.0, 3.0));
        assert_eq!(mul_down(0.0, f64::INFINITY), 0.0);
    }

    #[test]
    fn inexact_results_bracket_the_exact_value() {
        // 0.1 + 0.2: the exact sum of the two doubles lies strictly between the ends.
        let (lo, hi) = (add_down(0.1, 0.2), add_up(0.1, 0.2));
        assert_eq!(hi, lo.next_up());
        assert!(lo <= 0.1 + 0.2 && 0.1 + 0.2 <= hi);
        let (lo, hi) = (div_down(1.0, 3.0), div_up(1.0, 3.0));
        assert_eq!(hi, lo.next_up());
        // 3 * lo < 1 < 3 * hi in exact arithmetic: check with the FMA residual.
        assert!(3f64.mul_add(lo, -1.0) < 0.0 && 3f64.mul_add(hi, -1.0) > 0.0);
        let (lo, hi) = (sqrt_down(2.0), sqrt_up(2.0));
        assert!(lo.mul_add(lo, -2.0) < 0.0 && hi.mul_add(hi, -2.0) > 0.0);
        assert_eq!(add_down(f64::MAX, f64::MAX), f64::MAX);
        assert_eq!(add_up(f64::MAX, f64::MAX), f64::INFINITY);
        assert_eq!(div_down(1.0, -3.0), -div_up(1.0, 3.0));
    }
}
