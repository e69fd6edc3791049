//! The table of function facts: where each derivative of a primitive is
//! monotone, and the complete sorted list of its local extrema.
//!
//! The extrema were computed for `majorize` as the sign changes of the next
//! derivative on [-40, 40] (beyond which these derivatives are monotone),
//! refined by bisection at 50 digits, with the derivatives of sigmoid
//! written as polynomials in `s = sigmoid(x)`
//! (`P_0 = s`, `P_{n+1} = P_n'(s) s (1 - s)`). The tests check each entry
//! for a sign change of the next derivative and for completeness. Those
//! of erf are the roots of Hermite polynomials (mpmath); those of atan,
//! sinh, cosh and tan come from closed forms (see [`shape`]). The
//! reference implementation's swish table omits the extrema of swish''''
//! at +-5.4008 and of swish^(5) at +-6.3620; rule 3 with that table is
//! unsound near them.

use super::Prim;
use crate::expr::Func;
use crate::interval::Interval;

/// Where `sigmoid''` has its extrema (`-ln(2 + sqrt 3)`: maximum, `+`: minimum).
#[allow(clippy::excessive_precision)]
pub const SIGMOID2_EXTREMUM: f64 = 1.316_957_896_924_816_7;
/// Where `tanh''` has its extrema (half of sigmoid's, exactly).
pub const TANH2_EXTREMUM: f64 = 0.5 * SIGMOID2_EXTREMUM;

/// Local extrema (location, is_maximum) of softplus^(k), k = 0..=8, sorted.
/// sigmoid^(k) = softplus^(k+1); tanh^(k)(x) = 2^(k+1) sigmoid^(k)(2x).
#[allow(clippy::excessive_precision)]
const SOFTPLUS_EXTREMA: [&[(f64, bool)]; 9] = [
    &[],
    &[],
    &[(0.0, true)],
    &[(-SIGMOID2_EXTREMUM, true), (SIGMOID2_EXTREMUM, false)],
    &[(-2.2924316695611777, true), (0.0, false), (2.2924316695611777, true)],
    &[
        (-3.1443184061549303, true),
        (-0.8426329481293766, false),
        (0.8426329481293766, true),
        (3.1443184061549303, false),
    ],
    &[
        (-3.9360983706738155, true),
        (-1.513351847292335, false),
        (0.0, true),
        (1.513351847292335, false),
        (3.9360983706738155, true),
    ],
    &[
        (-4.694144053627954, true),
        (-2.0991985100490145, false),
        (-0.624964499702119, true),
        (0.624964499702119, false),
        (2.0991985100490145, true),
        (4.694144053627954, false),
    ],
    &[
        (-5.431584189387724, true),
        (-2.635955806948912, false),
        (-1.14347556697839, true),
        (0.0, false),
        (1.14347556697839, true),
        (2.635955806948912, false),
        (5.431584189387724, true),
    ],
];

/// Local extrema (location, is_maximum) of swish^(k), k = 0..=6, sorted.
#[allow(clippy::excessive_precision)]
const SWISH_EXTREMA: [&[(f64, bool)]; 7] = [
    &[(-1.2784645427610737, false)],
    &[(-2.3993572805154675, false), (2.3993572805154675, true)],
    &[(-3.435840993535111, false), (0.0, true), (3.435840993535111, false)],
    &[(-4.429235100557228, false), (-1.0319582417807491, true), (1.0319582417807491, false), (4.429235100557228, true)],
    &[
        (-5.400818739495216, false),
        (-1.8197756117250128, true),
        (0.0, false),
        (1.8197756117250128, true),
        (5.400818739495216, false),
    ],
    &[
        (-6.3619922836816905, false),
        (-2.5062894864027525, true),
        (-0.7177419231465666, false),
        (0.7177419231465666, true),
        (2.5062894864027525, false),
        (6.3619922836816905, true),
    ],
    &[
        (-7.319199928108984, false),
        (-3.1394135416203106, true),
        (-1.3016247373574992, false),
        (0.0, true),
        (1.3016247373574992, false),
        (3.1394135416203106, true),
        (7.319199928108984, false),
    ],
];

/// Local extrema (location, is_maximum) of erf^(k), k = 0..=8, sorted: the
/// roots of the Hermite polynomial H_k (erf^(k+1) = (-1)^k H_k erf'), from
/// mpmath's `polyroots` at 50 digits; the kinds alternate from a maximum.
#[allow(clippy::excessive_precision)]
const ERF_EXTREMA: [&[(f64, bool)]; 9] = [
    &[],
    &[(0.0, true)],
    &[(-std::f64::consts::FRAC_1_SQRT_2, true), (std::f64::consts::FRAC_1_SQRT_2, false)],
    &[(-1.224744871391589, true), (0.0, false), (1.224744871391589, true)],
    &[
        (-1.6506801238857844, true),
        (-0.5246476232752904, false),
        (0.5246476232752904, true),
        (1.6506801238857844, false),
    ],
    &[
        (-2.0201828704560856, true),
        (-0.9585724646138185, false),
        (0.0, true),
        (0.9585724646138185, false),
        (2.0201828704560856, true),
    ],
    &[
        (-2.3506049736744923, true),
        (-1.335849074013697, false),
        (-0.4360774119276165, true),
        (0.4360774119276165, false),
        (1.335849074013697, true),
        (2.3506049736744923, false),
    ],
    &[
        (-2.6519613568352334, true),
        (-1.6735516287674714, false),
        (-0.8162878828589647, true),
        (0.0, false),
        (0.8162878828589647, true),
        (1.6735516287674714, false),
        (2.6519613568352334, true),
    ],
    &[
        (-2.930637420257244, true),
        (-1.981656756695843, false),
        (-1.1571937124467802, true),
        (-0.3811869902073221, false),
        (0.3811869902073221, true),
        (1.1571937124467802, false),
        (1.981656756695843, true),
        (2.930637420257244, false),
    ],
];

/// Local extrema (location, is_maximum) of atan^(k), sorted. With
/// `theta = arccot(x)` in (0, pi), `atan^(k)(x) = (-1)^(k-1) (k-1)! sin^k(theta)
/// sin(k theta)`, so atan^(k+1) vanishes at `theta = j pi / (k+1)`: the
/// extrema lie at `x = cot(j pi / (k+1))`, `j = 1..=k` (descending in `j`);
/// left of the j-th one atan^(k+1) has the sign `(-1)^(k+j)`, so it is a
/// maximum iff `k + j` is even.
fn atan_extrema(k: usize) -> Vec<(f64, bool)> {
    let n = (k + 1) as f64;
    (1..=k).rev().map(|j| (1.0 / (j as f64 * std::f64::consts::PI / n).tan(), (k + j).is_multiple_of(2))).collect()
}

/// How far a tabulated extremum may be from the true one.
pub const EXTREMUM_TOLERANCE: f64 = 1e-12;

/// Which way `sigma''` runs over `y`, for the primitives with a closed-form
/// answer: `Some(true)` increasing, `Some(false)` decreasing, `None` where
/// it is not known to be monotone there (an extremum of sigmoid'' or
/// tanh'' within [`EXTREMUM_TOLERANCE`] of `y`, log off its domain, or any
/// other function).
pub fn second_derivative_monotone(f: Func, y: Interval) -> Option<bool> {
    match f {
        Func::Exp => Some(true),
        Func::Log if y.lo() > 0.0 => Some(true),
        Func::Sigmoid | Func::Tanh => match logistic_second_derivative_runs(f == Func::Tanh, y.lo(), y.hi()) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// [`second_derivative_monotone`] for sigmoid (`tanh` false) or tanh over
/// `[lo, hi]`, branch-free for vectorized loops: whether `sigma''` is
/// increasing there, and whether it is decreasing (neither where an
/// extremum is within [`EXTREMUM_TOLERANCE`]).
#[inline(always)]
pub fn logistic_second_derivative_runs(tanh: bool, lo: f64, hi: f64) -> (bool, bool) {
    let e = if tanh { TANH2_EXTREMUM } else { SIGMOID2_EXTREMUM };
    let m = EXTREMUM_TOLERANCE;
    ((hi < -e - m) | (lo > e + m), (lo > -e + m) & (hi < e - m))
}

/// What is known about `sigma^(k)` on a region.
#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    /// Increasing on the region.
    Increasing,
    /// Decreasing on the region.
    Decreasing,
    /// Not monotone: these tabulated extrema lie in (or within the tolerance
    /// of) the region.
    Extrema(Vec<f64>),
    /// Nothing is tabulated.
    Unknown,
}

/// The extrema of `sigma^(k)`, scaled: `(list, factor)` where the true
/// locations are `location * factor`, or `None` if not tabulated.
fn table(prim: Prim, k: usize) -> Option<(&'static [(f64, bool)], f64)> {
    match prim {
        Prim::Func(Func::Softplus) => SOFTPLUS_EXTREMA.get(k).map(|t| (*t, 1.0)),
        Prim::Func(Func::Sigmoid) => SOFTPLUS_EXTREMA.get(k + 1).map(|t| (*t, 1.0)),
        Prim::Func(Func::Tanh) => SOFTPLUS_EXTREMA.get(k + 1).map(|t| (*t, 0.5)),
        Prim::Func(Func::Swish) => SWISH_EXTREMA.get(k).map(|t| (*t, 1.0)),
        Prim::Func(Func::Erf) => ERF_EXTREMA.get(k).map(|t| (*t, 1.0)),
        _ => None,
    }
}

/// The sign of `q (q - 1) ... (q - k)`: the sign of the (k+1)-th
/// derivative of `x^q` on x > 0.
fn falling_sign(q: f64, k: usize) -> f64 {
    (0..=k).map(|j| q - j as f64).fold(1.0, |acc, f| acc * f.signum())
}

fn direction(increasing: bool) -> Shape {
    if increasing { Shape::Increasing } else { Shape::Decreasing }
}

/// The extrema of `sin^(k)` (or `cos^(k)`, one order up) that may lie in
/// `y`: `sin^(k)(x) = sin(x + k pi/2)` peaks at `pi/2 - k pi/2 + j pi`.
fn periodic_extrema(order: usize, y: Interval) -> Option<Vec<f64>> {
    use std::f64::consts::{FRAC_PI_2, PI};
    if !y.is_finite() || y.width() > 64.0 * PI {
        return None;
    }
    let offset = FRAC_PI_2 - order as f64 * FRAC_PI_2;
    let j0 = ((y.lo() - offset) / PI).floor() as i64 - 1;
    let j1 = ((y.hi() - offset) / PI).ceil() as i64 + 1;
    let slack = 1e-12 * (1.0 + y.mag());
    Some((j0..=j1).map(|j| offset + j as f64 * PI).filter(|&e| e > y.lo() - slack && e < y.hi() + slack).collect())
}

/// The shape of `sigma^(k)` on the region `y` (for `k >= 1`, and `y` inside
/// sigma's domain as the caller checked).
pub fn shape(prim: Prim, k: usize, y: Interval) -> Shape {
    match prim {
        Prim::Func(Func::Exp | Func::Expm1) => Shape::Increasing,
        Prim::Func(Func::Log | Func::Log1p) => direction(k.is_multiple_of(2)),
        Prim::Pow(q) => {
            let s = falling_sign(q, k);
            if y.lo() > 0.0 || (y.lo() >= 0.0 && q.fract() != 0.0) {
                direction(s >= 0.0)
            } else if y.hi() < 0.0 && q.fract() == 0.0 {
                // x^q = (-1)^q |x|^q for integer q: mirror the positive side.
                let parity = if (q - k as f64 - 1.0).rem_euclid(2.0) == 0.0 { 1.0 } else { -1.0 };
                direction(s * parity >= 0.0)
            } else {
                Shape::Unknown
            }
        }
        Prim::Func(Func::Cbrt) => {
            let s = falling_sign(1.0 / 3.0, k);
            if y.lo() > 0.0 {
                direction(s >= 0.0)
            } else if y.hi() < 0.0 {
                // cbrt is odd: on x < 0 its k-th derivative increases iff (-1)^k s >= 0.
                direction(if k.is_multiple_of(2) { s >= 0.0 } else { s <= 0.0 })
            } else {
                Shape::Unknown
            }
        }
        Prim::Func(f @ (Func::Sin | Func::Cos)) => {
            let order = if f == Func::Cos { k + 1 } else { k };
            match periodic_extrema(order, y) {
                None => Shape::Unknown,
                Some(e) if !e.is_empty() => Shape::Extrema(e),
                Some(_) => {
                    // No extremum inside: the sign of the next derivative at the middle.
                    let next = (y.mid() + (order + 1) as f64 * std::f64::consts::FRAC_PI_2).sin();
                    if next.abs() < 1e-9 { Shape::Unknown } else { direction(next > 0.0) }
                }
            }
        }
        Prim::Func(f @ (Func::Sinh | Func::Cosh)) => {
            // sinh' = cosh, cosh' = sinh: sinh increases everywhere, cosh
            // falls then rises about its minimum at 0.
            let is_sinh = (f == Func::Sinh) == k.is_multiple_of(2);
            if is_sinh || y.lo() >= 0.0 {
                Shape::Increasing
            } else if y.hi() <= 0.0 {
                Shape::Decreasing
            } else {
                Shape::Extrema(vec![0.0])
            }
        }
        Prim::Func(Func::Tan) => tan_shape(k, y),
        Prim::Func(Func::Atan) => tabulated(&atan_extrema(k), 1.0, y),
        _ => match table(prim, k) {
            None => Shape::Unknown,
            Some((list, scale)) => tabulated(list, scale, y),
        },
    }
}

/// The shape on `y` of a function whose local extrema are `list` (sorted,
/// at `location * scale`).
fn tabulated(list: &[(f64, bool)], scale: f64, y: Interval) -> Shape {
    let tol = EXTREMUM_TOLERANCE;
    let inside: Vec<f64> =
        list.iter().map(|&(e, _)| e * scale).filter(|&e| e > y.lo() - tol && e < y.hi() + tol).collect();
    if !inside.is_empty() {
        return Shape::Extrema(inside);
    }
    // Monotone between tabulated extrema: increasing iff the next
    // extremum to the right is a maximum (or, right of them all, the
    // last is a minimum; with none at all, the function increases).
    let next = list.iter().find(|&&(e, _)| e * scale >= y.hi());
    let inc = match (next, list.last()) {
        (Some(&(_, is_max)), _) => is_max,
        (None, Some(&(_, is_max))) => !is_max,
        (None, None) => true,
    };
    direction(inc)
}

/// The shape of `tan^(k)` on `y` (between two poles). `tan^(k) = P_k(tan x)`
/// with `P_0 = t`, `P_{k+1} = P_k'(t) (1 + t^2)`: polynomials with
/// non-negative coefficients, odd for even `k` and even for odd `k`. So for
/// even `k` it increases on each branch; for odd `k` it has its minimum
/// where `tan x = 0` (at the multiples of pi) and follows the sign of
/// `tan x` elsewhere.
fn tan_shape(k: usize, y: Interval) -> Shape {
    if !Prim::Func(Func::Tan).smooth_on(y) {
        return Shape::Unknown;
    }
    if k.is_multiple_of(2) {
        return Shape::Increasing;
    }
    // The multiples of pi: where sin^(1) = cos has its extrema.
    match periodic_extrema(1, y) {
        None => Shape::Unknown,
        Some(e) if !e.is_empty() => Shape::Extrema(e),
        Some(_) => {
            let t = y.mid().tan();
            if t.abs() < 1e-9 { Shape::Unknown } else { direction(t > 0.0) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tanh2_extremum_is_half_of_sigmoid2_and_the_tabulated_double() {
        // -ln(2 + sqrt 3) / 2, as the fast rules had it written.
        assert_eq!(TANH2_EXTREMUM.to_bits(), 0.658_478_948_462_408_4f64.to_bits());
        assert_eq!(SOFTPLUS_EXTREMA[3][1].0, SIGMOID2_EXTREMUM);
    }

    /// Each tabulated extremum is a sign change of the next derivative, of
    /// the kind the table says, and there are no others on a fine grid.
    #[test]
    fn tables_are_correct_and_complete() {
        for (prim, kmax) in [
            (Prim::Func(Func::Softplus), 8),
            (Prim::Func(Func::Sigmoid), 7),
            (Prim::Func(Func::Tanh), 7),
            (Prim::Func(Func::Swish), 6),
            (Prim::Func(Func::Erf), 8),
            (Prim::Func(Func::Atan), 8),
        ] {
            for k in 0..=kmax {
                let (list, scale) = match prim {
                    Prim::Func(Func::Atan) => (atan_extrema(k), 1.0),
                    _ => table(prim, k).map(|(l, s)| (l.to_vec(), s)).unwrap(),
                };
                // The sign of the next derivative where it is certain (0 where not).
                let next = |x: f64| {
                    let d = prim.derivatives(Interval::point(x), k + 1)[k + 1];
                    if d.lo() > 0.0 {
                        1.0
                    } else if d.hi() < 0.0 {
                        -1.0
                    } else {
                        0.0
                    }
                };
                for &(e, is_max) in &list {
                    let e = e * scale;
                    let (l, r) = (next(e - 1e-6), next(e + 1e-6));
                    assert!(l * r < 0.0, "{prim:?}^({k}) at {e}: no sign change ({l}, {r})");
                    assert_eq!(l > 0.0, is_max, "{prim:?}^({k}) at {e}: wrong kind");
                }
                let mut changes = 0;
                let signs: Vec<f64> =
                    (0..=6000).map(|i| next(-30.0 + 60.0 * f64::from(i) / 6000.0)).filter(|&s| s != 0.0).collect();
                for w in signs.windows(2) {
                    if w[0] != w[1] {
                        changes += 1;
                    }
                }
                assert_eq!(changes, list.len(), "{prim:?}^({k}): {changes} sign changes on the grid");
            }
        }
    }

    #[test]
    fn shapes_by_rule() {
        let i = Interval::new;
        assert_eq!(shape(Prim::Func(Func::Log), 2, i(1.0, 3.0)), Shape::Increasing);
        assert_eq!(shape(Prim::Func(Func::Log), 1, i(1.0, 3.0)), Shape::Decreasing);
        // x^0.5 at k = 2: (1/2)(-1/2)(-3/2) > 0
        assert_eq!(shape(Prim::Pow(0.5), 2, i(1.0, 3.0)), Shape::Increasing);
        // 1/x at k = 2 on x < 0: x^-1 has third derivative -6 x^-4 < 0
        assert_eq!(shape(Prim::Pow(-1.0), 2, i(-3.0, -1.0)), Shape::Decreasing);
        assert_eq!(shape(Prim::Pow(-1.0), 2, i(1.0, 3.0)), Shape::Decreasing);
        // (1/x)' = -1/x^2 falls toward -inf as x rises to 0 from below
        assert_eq!(shape(Prim::Pow(-1.0), 1, i(-3.0, -1.0)), Shape::Decreasing);
        assert_eq!(shape(Prim::Func(Func::Sigmoid), 2, i(-1.0, 1.0)), Shape::Decreasing);
        assert_eq!(shape(Prim::Func(Func::Sigmoid), 1, i(-1.0, 1.0)), Shape::Extrema(vec![0.0]));
        assert_eq!(shape(Prim::Func(Func::Swish), 1, i(-1.0, 1.0)), Shape::Increasing);
        assert_eq!(shape(Prim::Func(Func::Sin), 0, i(0.0, 1.0)), Shape::Increasing);
        assert_eq!(shape(Prim::Func(Func::Sin), 2, i(0.0, 1.0)), Shape::Decreasing);
        assert_eq!(shape(Prim::Func(Func::Cos), 1, i(1.0, 2.0)), Shape::Extrema(vec![std::f64::consts::FRAC_PI_2]));
    }

    /// The new primitives' shapes by their closed forms: sinh'' = sinh
    /// increases, cosh'' = cosh has its minimum at 0; tan'' = 2 tan sec^2
    /// increases on a branch, tan' = sec^2 has its minimum at 0 (and at pi);
    /// atan' = 1/(1+x^2) peaks at 0, atan'' = -2x/(1+x^2)^2 at -+1/sqrt 3;
    /// erf' peaks at 0, erf'' = -2x erf' at -+1/sqrt 2.
    #[test]
    fn shapes_of_the_closed_forms() {
        use std::f64::consts::{FRAC_1_SQRT_2, PI};
        let i = Interval::new;
        let f = |f: Func| Prim::Func(f);
        assert_eq!(shape(f(Func::Sinh), 2, i(-3.0, 1.0)), Shape::Increasing);
        assert_eq!(shape(f(Func::Sinh), 1, i(-3.0, -1.0)), Shape::Decreasing);
        assert_eq!(shape(f(Func::Sinh), 1, i(-3.0, 1.0)), Shape::Extrema(vec![0.0]));
        assert_eq!(shape(f(Func::Cosh), 1, i(-3.0, 1.0)), Shape::Increasing);
        assert_eq!(shape(f(Func::Cosh), 2, i(0.0, 1.0)), Shape::Increasing);
        assert_eq!(shape(f(Func::Cosh), 2, i(-1.0, 1.0)), Shape::Extrema(vec![0.0]));
        assert_eq!(shape(f(Func::Tan), 2, i(-1.5, 1.5)), Shape::Increasing);
        assert_eq!(shape(f(Func::Tan), 2, i(1.6, 4.6)), Shape::Increasing);
        assert_eq!(shape(f(Func::Tan), 1, i(-1.5, -0.1)), Shape::Decreasing);
        assert_eq!(shape(f(Func::Tan), 1, i(2.0, 3.0)), Shape::Decreasing);
        assert_eq!(shape(f(Func::Tan), 1, i(3.0, 4.0)), Shape::Extrema(vec![PI]));
        assert_eq!(shape(f(Func::Tan), 1, i(0.2, 1.5)), Shape::Increasing);
        assert_eq!(shape(f(Func::Tan), 1, i(1.0, 2.0)), Shape::Unknown, "a pole inside");
        assert_eq!(shape(f(Func::Atan), 1, i(0.1, 3.0)), Shape::Decreasing);
        assert_eq!(shape(f(Func::Atan), 1, i(-3.0, -0.1)), Shape::Increasing);
        let Shape::Extrema(e) = shape(f(Func::Atan), 2, i(-1.0, 0.0)) else { panic!("extrema expected") };
        assert!(e.len() == 1 && (e[0] + 1.0 / 3f64.sqrt()).abs() < 1e-15, "{e:?}");
        assert_eq!(shape(f(Func::Erf), 1, i(0.1, 3.0)), Shape::Decreasing);
        assert_eq!(shape(f(Func::Erf), 2, i(-0.5, 0.5)), Shape::Decreasing);
        assert_eq!(shape(f(Func::Erf), 2, i(1.0, 5.0)), Shape::Increasing);
        assert_eq!(shape(f(Func::Erf), 1, i(-1.0, 1.0)), Shape::Extrema(vec![0.0]));
        assert_eq!(shape(f(Func::Erf), 2, i(0.0, 1.0)), Shape::Extrema(vec![FRAC_1_SQRT_2]));
        assert_eq!(shape(f(Func::Erf), 9, i(0.0, 1.0)), Shape::Unknown);
    }
}
