//! The primitives of the fused pass: `exp`, `log`, `softplus`, `sigmoid`
//! and `tanh` composed with a degree-2 enclosure, by the sharp rules of the
//! general pass (`fast2`: rule 1 where `sigma''` is monotone, rule 2 for
//! softplus), `relu` and `abs` exactly where they are linear on the
//! argument's range, and log-sum-exp from them. Point values come from the
//! vectorized kernels (`eval::kernels`, at most 2 ulps off for `exp`, `ln`,
//! `log1p`, 4 for `sigmoid` and `tanh`) widened by [`WIDEN`] ulps, as the
//! general pass widens libm's. An element no vectorized rule fits (an
//! extremum of `sigma''` or a kink in the range) gets the general rules.

use super::super::line::compose_one;
use super::super::poly::Poly;
use super::Planes;
use super::lanes::wide::{add, div_pos, mul, scale, sqr, sub, times_unit};
use super::lanes::{I, dn, dn_k, hull, max, min, neg, select, up, up_k};
use super::ops::{El, finish, load, store};
use crate::eval::kernels;
use crate::expr::Func;
use crate::interval::Interval;
use crate::prim::Prim;
use crate::prim::shape::logistic_second_derivative_runs;
use crate::tensor::Shape;

/// Ulps by which a kernel value is widened: the kernels' documented bound
/// (2 ulps, 4 for two composed) with room to spare.
const WIDEN: f64 = 8.0;

const ONE: I = (1.0, 1.0);

#[inline(always)]
fn widen(v: f64) -> I {
    (dn_k(v, WIDEN), up_k(v, WIDEN))
}

/// `exp` over an interval (increasing).
#[inline(always)]
fn exp_i(x: I) -> I {
    (max(widen(kernels::exp(x.0)).0, 0.0), widen(kernels::exp(x.1)).1)
}

/// `ln` over a positive interval (increasing).
#[inline(always)]
fn ln_i(x: I) -> I {
    (widen(kernels::ln(x.0)).0, widen(kernels::ln(x.1)).1)
}

/// `softplus(x)` and `sigmoid(x)` at a point, from one `exp(-|x|)` and one `log1p`.
#[inline(always)]
fn logistic_at(x: f64) -> (I, I) {
    let e = kernels::exp(-x.abs());
    let sp = select(x > 0.0, x, 0.0) + kernels::log1p(e);
    let sig = select(x >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e));
    let (s, g) = (widen(sp), widen(sig));
    ((max(s.0, 0.0), s.1), (max(g.0, 0.0), min(g.1, 1.0)))
}

/// Both over an interval (both increase), from the lower end alone: the
/// slopes are at most 1 and 1/4, so the upper ends grow by at most the
/// width (and a quarter of it).
#[inline(always)]
fn logistic(x: I) -> (I, I) {
    let (s, g) = logistic_at(x.0);
    let w = up(x.1 - x.0);
    ((s.0, up(s.1 + w)), (g.0, min(up(g.1 + up(0.25 * w)), 1.0)))
}

#[inline(always)]
fn div6(x: I) -> I {
    (dn(x.0 / 6.0), up(x.1 / 6.0))
}

/// `s0 + s1 D + S2 D^2` for `D = u - u0 = u1 z + U z^2`, `z in [0, e]`,
/// with the sharp `D^2 = z^2 (u1 + U z)^2`.
#[inline(always)]
fn about_centre(u1: I, u2: I, s0: I, s1: I, s2: I, e: f64) -> [I; 3] {
    let q = sqr(add(u1, times_unit(u2, e)));
    [s0, mul(s1, u1), add(mul(s1, u2), mul(s2, q))]
}

/// The remainder ratio `R(t) = (sigma(t) - s0 - s1 d) / d^2`, `d = t - c`,
/// over the interval `t`: the direct quotient away from the centre, else
/// `s2 + sigma'''(hull(c, t)) d / 6`.
#[inline(always)]
fn ratio(t: I, c: I, s: [I; 3], value: I, third: I) -> I {
    let d = sub(t, c);
    let near_limit = 1e-4 * (1.0 + max(c.0.abs(), c.1.abs()));
    let far = ((d.0 > 0.0) | (d.1 < 0.0)) & (min(d.0.abs(), d.1.abs()) > near_limit);
    let quotient = div_pos(sub(sub(value, s[0]), mul(s[1], d)), sqr(d));
    let series = add(s[2], div6(mul(third, d)));
    (select(far, quotient.0, series.0), select(far, quotient.1, series.1))
}

/// softplus's remainder ratio over `t` about `c` (`s`: value, slope and
/// half the second derivative there), and softplus over `t`.
#[inline(always)]
fn softplus_ratio(t: I, c: I, s: [I; 3]) -> (I, I) {
    let (sp_t, s_t) = logistic(t);
    let sh = hull(s[1], s_t);
    let third = mul(mul(sh, sub(ONE, sh)), sub(ONE, scale(sh, 2.0)));
    (ratio(t, c, s, sp_t, third), sp_t)
}

/// `softplus(u)`, rule 2: `softplus''` is even and peaks at 0, so the
/// ratio peaks at the mirror point `-c` where it lies in the range.
#[inline(always)]
fn softplus_el(el: El, e: f64) -> El {
    let [c, u1, u2, range] = el;
    let y = hull(range, c);
    let (sp_c, s_c) = logistic(c);
    let s2 = scale(mul(s_c, sub(ONE, s_c)), 0.5);
    let s = [sp_c, s_c, s2];
    let (ra, va) = softplus_ratio((y.0, y.0), c, s);
    let (rb, vb) = softplus_ratio((y.1, y.1), c, s);
    let (m_lo, m_hi) = (min(max(-c.1, y.0), y.1), min(max(-c.0, y.0), y.1));
    let (rm, _) = softplus_ratio((m_lo, m_hi), c, s);
    let peak = select(m_hi == y.0, ra.1, select(m_lo == y.1, rb.1, rm.1));
    let s_k = (min(ra.0, rb.0), peak);
    let [c0, c1, c2] = about_centre(u1, u2, sp_c, s_c, s_k, e);
    finish(c0, c1, c2, (max(va.0, 0.0), vb.1), e)
}

/// `exp(u)` or `log(u)`, rule 1 (`sigma''` increasing on the range).
#[inline(always)]
fn increasing_el<const LOG: bool>(el: El, e: f64) -> El {
    let [c, u1, u2, range] = el;
    let y = hull(range, c);
    // sigma, sigma', sigma''/2 at c; sigma at t, and sigma''' over hull(c, t).
    let recip = |x: I| (dn(1.0 / x.1), up(1.0 / x.0));
    let value = |x: I| if LOG { ln_i(x) } else { exp_i(x) };
    let third = |x: I| {
        let r = recip(x);
        if LOG { scale(mul(sqr(r), r), 2.0) } else { exp_i(x) }
    };
    let s = if LOG {
        let r = recip(c);
        [ln_i(c), r, scale(neg(sqr(r)), 0.5)]
    } else {
        let v = exp_i(c);
        [v, v, scale(v, 0.5)]
    };
    let at = |t: f64| ratio((t, t), c, s, value((t, t)), third(hull(c, (t, t))));
    let (ra, rb) = (at(y.0), at(y.1));
    let [c0, c1, c2] = about_centre(u1, u2, s[0], s[1], (ra.0, rb.1), e);
    finish(c0, c1, c2, value(y), e)
}

/// `f(u)` for every element of `a`; `false` where the pass declines (`log`
/// of a range reaching 0).
pub(super) fn compose(out: &mut Planes, f: Func, a: &Planes, e: f64) -> bool {
    match f {
        Func::Softplus => super::ops::run::<Softplus>(out, a, e),
        Func::Exp => super::ops::run::<Exp>(out, a, e),
        Func::Log => {
            if !(0..a.len()).all(|k| a.v[super::L0][k].min(a.v[super::RL][k]) > 0.0) {
                return false;
            }
            super::ops::run::<Log>(out, a, e);
        }
        Func::Sigmoid | Func::Tanh | Func::Relu | Func::Abs => {
            match f {
                Func::Sigmoid => super::ops::run::<Logistic<1, false>>(out, a, e),
                Func::Tanh => super::ops::run::<Logistic<2, false>>(out, a, e),
                Func::Relu => super::ops::run::<Kink<false>>(out, a, e),
                _ => super::ops::run::<Kink<true>>(out, a, e),
            }
            // Many elements for the general rules (a wide region): the wide
            // ones take the mean-value rule instead.
            let marked = out.v[super::L2].iter().filter(|c| c.is_nan()).count();
            if marked > MANY.max(out.len() / 8) {
                match f {
                    Func::Sigmoid => super::ops::run::<Logistic<1, true>>(out, a, e),
                    Func::Tanh => super::ops::run::<Logistic<2, true>>(out, a, e),
                    _ => {}
                }
            }
            by_the_general_rules(out, f, a, e);
        }
        _ => return false,
    }
    true
}

/// `swish(u) = u sigmoid(u)` for every element of `a`: the product of `u`
/// and the enclosure of its sigmoid, built in `scratch` (shaped as `a`).
/// Sound as every product of enclosures, and vectorized; the general
/// rule for swish is sharper but per element, and costs a multiple of the
/// whole pass on a gated network.
pub(super) fn swish(out: &mut Planes, a: &Planes, e: f64, scratch: &mut Planes) -> bool {
    compose(scratch, Func::Sigmoid, a, e) && super::ops::binary(out, crate::plan::walk::Binary::Mul, a, scratch, e)
}

/// The elements a kernel left to the general rules (those whose `C2` is
/// NaN): the general pass's own composition (`line::compose_one`), one
/// element at a time, so that they get exactly its enclosure.
fn by_the_general_rules(out: &mut Planes, f: Func, a: &Planes, e: f64) {
    let z = Interval::new(0.0, e);
    let iv = |x: I| Interval::new(x.0, x.1);
    for k in 0..out.len() {
        if !out.v[super::L2][k].is_nan() {
            continue;
        }
        let [c0, c1, c2, range] = load(a, k);
        let u = Poly { c: [iv(c0), iv(c1), iv(c2)] };
        let (p, r) = compose_one(&u, iv(range), Prim::of(f), z);
        let end = |x: Interval| (x.lo(), x.hi());
        store(out, k, [end(p.c[0]), end(p.c[1]), end(p.c[2]), end(r)]);
    }
}

/// An element marked for [`by_the_general_rules`].
#[inline(always)]
fn to_the_general_rules(el: El) -> El {
    [el[0], el[1], (f64::NAN, f64::NAN), el[3]]
}

/// `sigmoid` (`A = 1`) or `tanh` (`A = 2`: `tanh x = 2 sigmoid(2x) - 1`)
/// at a point or over an interval: the value `v`, `w = sigmoid'(A x)` and
/// `h = 2 sigmoid(A x) - 1`, so that `f' = A^2 w`, `f'' = -A^3 w h` and
/// `f''' = A^4 w (1 - 6 w)`.
#[derive(Clone, Copy)]
struct LogisticAt {
    v: I,
    w: I,
    h: I,
}

/// [`LogisticAt`] at a point, from the kernels (4 ulps): `sigmoid'(y) =
/// sigmoid(y) sigmoid(-y)` keeps its relative accuracy where `sigmoid`
/// saturates, and `tanh` comes from its own kernel, accurate near 0.
#[inline(always)]
fn logistic_at_point<const A: u8>(x: f64) -> LogisticAt {
    // Exact: a product by 1 or 2 (an overflow to infinity saturates alike).
    let y = x * f64::from(A);
    let unit = |s: I| (max(s.0, 0.0), min(s.1, 1.0));
    let (p, q) = (unit(widen(kernels::sigmoid(y))), unit(widen(kernels::sigmoid(-y))));
    let w = mul(p, q);
    let w = (max(w.0, 0.0), min(w.1, 0.25));
    if A == 1 {
        LogisticAt { v: p, w, h: sub(p, q) }
    } else {
        let t = widen(kernels::tanh(x));
        let t = (max(t.0, -1.0), min(t.1, 1.0));
        LogisticAt { v: t, w, h: t }
    }
}

/// [`LogisticAt`] over a (thin) interval, from its lower end: `v`, `h`
/// and `w` have slopes at most `A^2 / 4`, `A / 2` and `A / 10`
/// (`|sigmoid''| <= sqrt(3) / 18`).
#[inline(always)]
fn logistic_over<const A: u8>(x: I) -> LogisticAt {
    let at = logistic_at_point::<A>(x.0);
    let (a, d) = (f64::from(A), up(x.1 - x.0));
    let grow = |i: I, slope: f64| (i.0, up(i.1 + up(slope * d)));
    let dw = up(up(0.1 * a) * d);
    LogisticAt { v: grow(at.v, 0.25 * a * a), w: (max(dn(at.w.0 - dw), 0.0), up(at.w.1 + dw)), h: grow(at.h, 0.5 * a) }
}

/// Half the largest `|sigma''|`, rounded up: `sqrt(3) / 36` for sigmoid,
/// `2 / (3 sqrt(3))` for tanh (`A^3` times sigmoid's, at `A x`).
const HALF_MAX_SECOND: [f64; 2] = [0.048_112_522_432_469, 0.384_900_179_459_751];

/// Where more than this many elements of a node (and an eighth of them)
/// would go to the general rules, those whose argument's range is at least
/// [`WIDE`]` / A` wide take the mean-value rule instead (each costs the
/// general rules' branch and bound, microseconds, and a wide region can
/// send every element there).
const MANY: usize = 256;

/// See [`MANY`].
const WIDE: f64 = 1.0;

/// `sigma(u)` for `sigma` sigmoid (`A = 1`) or tanh, rule 1 where
/// `sigma''` is monotone on the argument's range (`fast2`'s rule). Where
/// the range holds an extremum of `sigma''`, the general rules; or, with
/// `MEAN` (many such elements, see [`MANY`]) and a wide range (at least
/// [`WIDE`]` / A`), the mean-value rule: the remainder ratio
/// `(sigma(t) - s0 - s1 d) / d^2` is `sigma''(xi) / 2` for some `xi` in
/// the range (Taylor's theorem; `sigma` is smooth), so within
/// `+- max |sigma''| / 2` ([`HALF_MAX_SECOND`]). This costs a few
/// operations where the general rules (branch and bound on the ratio) would
/// cost microseconds per element; over a wide range they are tighter,
/// but not by much.
#[inline(always)]
fn logistic_el<const A: u8, const MEAN: bool>(el: El, e: f64) -> El {
    let [c, u1, u2, range] = el;
    let y = hull(range, c);
    let (increasing, decreasing) = logistic_second_derivative_runs(A == 2, y.0, y.1);
    let a = f64::from(A);
    let at_c = logistic_over::<A>(c);
    let s = [at_c.v, scale(at_c.w, a * a), scale(mul(at_c.w, at_c.h), -0.5 * a * a * a)];
    let (ra, va) = logistic_ratio::<A>(y.0, c, &at_c, s);
    let (rb, vb) = logistic_ratio::<A>(y.1, c, &at_c, s);
    let s_k = (select(increasing, ra.0, rb.0), select(increasing, rb.1, ra.1));
    let [c0, c1, c2] = about_centre(u1, u2, s[0], s[1], s_k, e);
    // Both functions increase.
    let out = finish(c0, c1, c2, (va.0, vb.1), e);
    let half = HALF_MAX_SECOND[usize::from(A == 2)];
    let [m0, m1, m2] = about_centre(u1, u2, s[0], s[1], (-half, half), e);
    let mean_value = finish(m0, m1, m2, (va.0, vb.1), e);
    let wide = MEAN & (up(y.1 - y.0) >= WIDE / a);
    pick(increasing | decreasing, out, pick(wide, mean_value, to_the_general_rules(el)))
}

/// The remainder ratio of sigmoid or tanh at `t` about `c` (where
/// [`LogisticAt`] is `at_c` and the Taylor coefficients `s`), with
/// `sigma'''` over `hull(c, t)` from `w` at both: `w` peaks at 0 and falls
/// off on both sides. Also `sigma(t)`.
#[inline(always)]
fn logistic_ratio<const A: u8>(t: f64, c: I, at_c: &LogisticAt, s: [I; 3]) -> (I, I) {
    let a = f64::from(A);
    let at_t = logistic_at_point::<A>(t);
    let across = (min(c.0, t) <= 0.0) & (max(c.1, t) >= 0.0);
    let w = (min(at_c.w.0, at_t.w.0), select(across, 0.25, max(at_c.w.1, at_t.w.1)));
    let third = scale(mul(w, sub(ONE, scale(w, 6.0))), a * a * a * a);
    (ratio((t, t), c, s, at_t.v, third), at_t.v)
}

/// `relu(u)` (`ABS = false`) or `abs(u)`: where the argument's range does
/// not hold 0 inside, the function is linear on it, and `u`'s enclosure
/// (or `0`, or `-u`'s) is exact; elsewhere the element goes to the
/// general rules (the one-sided kink rule, `abs_rule`).
#[inline(always)]
fn kink_el<const ABS: bool>(el: El) -> El {
    let r = el[3];
    let below = if ABS { el.map(neg) } else { [(0.0, 0.0); 4] };
    let linear = pick(r.0 >= 0.0, el, below);
    pick((r.0 >= 0.0) | (r.1 <= 0.0), linear, to_the_general_rules(el))
}

/// `a` where `c` holds, else `b`, without a branch.
#[inline(always)]
fn pick(c: bool, a: El, b: El) -> El {
    std::array::from_fn(|i| (select(c, a[i].0, b[i].0), select(c, a[i].1, b[i].1)))
}

struct Softplus;
struct Exp;
struct Log;
struct Logistic<const A: u8, const MEAN: bool>;
struct Kink<const ABS: bool>;

impl<const A: u8, const MEAN: bool> super::ops::Kernel for Logistic<A, MEAN> {
    #[inline(always)]
    fn k(el: El, e: f64) -> El {
        logistic_el::<A, MEAN>(el, e)
    }
}

impl<const ABS: bool> super::ops::Kernel for Kink<ABS> {
    #[inline(always)]
    fn k(el: El, _: f64) -> El {
        kink_el::<ABS>(el)
    }
}

impl super::ops::Kernel for Softplus {
    #[inline(always)]
    fn k(el: El, e: f64) -> El {
        softplus_el(el, e)
    }
}

impl super::ops::Kernel for Exp {
    #[inline(always)]
    fn k(el: El, e: f64) -> El {
        increasing_el::<false>(el, e)
    }
}

impl super::ops::Kernel for Log {
    #[inline(always)]
    fn k(el: El, e: f64) -> El {
        increasing_el::<true>(el, e)
    }
}

/// `log(sum(exp(u)))` over groups of `a` (shape `sa`): `m + log(sum exp(u - m))`
/// with `m` the largest centre of the group, an exact shift. The shifted
/// arguments and their exponentials go through `shifted` and `ex` (scratch
/// planes), so that both primitives run as whole-plane kernels.
pub(super) fn logsumexp(
    out: &mut Planes,
    a: &Planes,
    sa: Shape,
    axis: Option<usize>,
    e: f64,
    [shifted, ex]: [&mut Planes; 2],
) -> bool {
    let (rows, cols) = sa.dims2();
    let groups: Vec<Vec<usize>> = match (sa, axis) {
        (Shape::Matrix(..), Some(0)) => (0..cols).map(|j| (0..rows).map(|i| i * cols + j).collect()).collect(),
        (Shape::Matrix(..), Some(1)) => (0..rows).map(|i| (0..cols).map(|j| i * cols + j).collect()).collect(),
        _ => vec![(0..sa.len()).collect()],
    };
    let centre = |k: usize| a.v[super::L0][k] * 0.5 + a.v[super::H0][k] * 0.5;
    let shifts: Vec<f64> =
        groups.iter().map(|g| g.iter().map(|&k| centre(k)).fold(f64::NEG_INFINITY, f64::max)).collect();
    shifted.reset(sa, a.deg);
    for (group, &m) in groups.iter().zip(&shifts) {
        for &k in group {
            let [c0, c1, c2, r] = load(a, k);
            store(shifted, k, [sub(c0, (m, m)), c1, c2, sub(r, (m, m))]);
        }
    }
    ex.reset(sa, 2);
    if !compose(ex, Func::Exp, shifted, e) {
        return false;
    }
    let out_shape = out.shape.expect("shaped");
    shifted.reset(out_shape, 2);
    for (g, group) in groups.iter().enumerate() {
        let mut sum = [(0.0, 0.0); 4];
        for &k in group {
            for (s, x) in sum.iter_mut().zip(load(ex, k)) {
                *s = add(*s, x);
            }
        }
        store(shifted, g, finish(sum[0], sum[1], sum[2], sum[3], e));
    }
    if !compose(out, Func::Log, shifted, e) {
        return false;
    }
    for (g, &m) in shifts.iter().enumerate() {
        let [l0, l1, l2, lr] = load(out, g);
        store(out, g, finish(add(l0, (m, m)), l1, l2, add(lr, (m, m)), e));
    }
    true
}

#[cfg(test)]
mod tests {
    use super::super::lanes::fold;
    use super::*;

    /// Arguments `u = a + b z + q z^2` over `z in [0, e]`, as `(a, b, q, e)`:
    /// each side of the extrema of sigmoid'' (`+-1.317`) and tanh''
    /// (`+-0.658`) and across them, saturated, a tiny region (the series
    /// form of the ratio), and for relu and abs each side of 0, across it,
    /// and starting at it (the one-sided kink rule).
    const CASES: [(f64, f64, f64, f64); 14] = [
        (0.3, 0.5, 0.0, 0.25),
        (2.0, -0.4, 0.1, 1.0),
        (1.2, 0.3, 0.0, 0.5),
        (-0.7, 0.1, 0.0, 1.0),
        (-3.0, 0.75, -0.125, 2.0),
        (20.0, 1.0, 0.0, 1.0),
        (-35.0, -2.0, 0.5, 0.5),
        (0.5, 1e-3, 0.0, 1e-3),
        (-1.5, 0.25, 1e-4, 1e-5),
        (0.0, 1.0, 0.0, 0.5),
        (-0.2, 1.0, 0.0, 0.5),
        (-0.2, -1.0, 0.2, 0.5),
        (0.7, 0.3, -0.2, 2.0),
        (0.1, -0.4, 0.05, 2.0),
    ];

    const FUNCS: [Func; 4] = [Func::Sigmoid, Func::Tanh, Func::Relu, Func::Abs];

    /// The planes of one element `a + b z + q z^2` (exact coefficients).
    fn argument((a, b, q, e): (f64, f64, f64, f64)) -> Planes {
        let mut p = Planes::default();
        p.reset(Shape::Scalar, 2);
        store(&mut p, 0, [(a, a), (b, b), (q, q), fold((a, a), (b, b), (q, q), e)]);
        p
    }

    fn composed(f: Func, arg: &Planes, e: f64) -> [Interval; 4] {
        let mut out = Planes::default();
        out.reset(Shape::Scalar, 2);
        assert!(compose(&mut out, f, arg, e), "{f} declined");
        load(&out, 0).map(|(lo, hi)| Interval::new(lo, hi))
    }

    /// The fused pass's enclosure against the general pass's own
    /// (`compose_one`): the exact coefficients agree to a few ulps, and
    /// the remainder interval up to the general rules' extra series term
    /// (as `fast2`'s test allows). Then soundness at 101 points of the
    /// region: `f(u(z))`, enclosed by interval arithmetic, meets the bound.
    #[test]
    fn enclosures_agree_with_the_general_pass_and_hold() {
        for f in FUNCS {
            for case in CASES {
                let (a, b, q, e) = case;
                let arg = argument(case);
                let got = composed(f, &arg, e);
                let u = Poly { c: [Interval::point(a), Interval::point(b), Interval::point(q)] };
                let range = Interval::new(arg.v[super::super::RL][0], arg.v[super::super::RH][0]);
                let (want, _) = compose_one(&u, range, Prim::of(f), Interval::new(0.0, e));
                // The remainder ratio's quotient loses the values' few ulps
                // over d^2, d the distance to the far end of the range (at
                // least the series form's threshold).
                let far = range.width().max(1e-4 * (1.0 + a.abs()));
                let cancel = 64.0 * f64::EPSILON * want.c[0].mag() / (far * far);
                for (i, (g, w)) in got.iter().zip(&want.c).enumerate() {
                    let ulps = 64.0 * f64::EPSILON * w.mag() + 1e-300;
                    let tol = if i < 2 { ulps } else { ulps + cancel + 1e-9 * w.mag() + 1e-3 * w.width() };
                    assert!(
                        (g.lo() - w.lo()).abs() <= tol && (g.hi() - w.hi()).abs() <= tol,
                        "{f} on {case:?}: c{i} = {g}, the general pass's {w}"
                    );
                }
                holds_at_101_points(f, case, &got);
            }
        }
    }

    /// Swish, as the product of `u` and its sigmoid, holds on every case.
    #[test]
    fn swish_holds() {
        for case in CASES {
            let arg = argument(case);
            let (mut out, mut scratch) = (Planes::default(), Planes::default());
            out.reset(Shape::Scalar, 2);
            scratch.reset(Shape::Scalar, 2);
            assert!(swish(&mut out, &arg, case.3, &mut scratch), "swish declined on {case:?}");
            holds_at_101_points(Func::Swish, case, &load(&out, 0).map(|(lo, hi)| Interval::new(lo, hi)));
        }
    }

    /// `f(u(z))`, enclosed by interval arithmetic, meets the enclosure
    /// `got` (and its range) at 101 points of the region.
    fn holds_at_101_points(f: Func, (a, b, q, e): (f64, f64, f64, f64), got: &[Interval; 4]) {
        for j in 0..=100 {
            let z = Interval::point(e * f64::from(j) / 100.0);
            let x = Interval::point(a) + Interval::point(b) * z + Interval::point(q) * z.sqr();
            let fx = match f {
                Func::Sigmoid => x.sigmoid(),
                Func::Tanh => x.tanh(),
                Func::Relu => x.relu(),
                Func::Swish => x.swish(),
                _ => x.abs(),
            };
            let bound = got[0] + got[1] * z + got[2] * z.sqr();
            assert!(bound.intersect(fx).is_some(), "{f} on {:?} at z = {z}: {fx} outside {bound}", (a, b, q, e));
            assert!(got[3].intersect(fx).is_some(), "{f} on {:?} at z = {z}: {fx} outside {}", (a, b, q, e), got[3]);
        }
    }

    /// Wide ranges across an extremum of `sigma''` under the mean-value
    /// rule (the kernel with `MEAN`, which `compose` runs where many
    /// elements need it): the enclosure holds at 101 points of the region,
    /// and its remainder is finite and no wider than the general pass's
    /// plus the rule's `+- max |sigma''| / 2` spread times `(|b| + e |q|)^2`.
    #[test]
    fn wide_ranges_take_the_mean_value_rule_and_hold() {
        let wide = [(0.0, 3.0, 0.0, 1.0), (-2.0, 1.0, 0.5, 3.0), (-5.0, 4.0, -0.3, 2.5), (1.0, -2.0, 0.1, 1.5)];
        for f in [Func::Sigmoid, Func::Tanh] {
            for case in wide {
                let (a, b, q, e) = case;
                let arg = argument(case);
                let mut out = Planes::default();
                out.reset(Shape::Scalar, 2);
                if f == Func::Sigmoid {
                    super::super::ops::run::<Logistic<1, true>>(&mut out, &arg, e);
                } else {
                    super::super::ops::run::<Logistic<2, true>>(&mut out, &arg, e);
                }
                let got = load(&out, 0).map(|(lo, hi)| Interval::new(lo, hi));
                assert!(!got[2].lo().is_nan(), "{f} {case:?}: left to the general rules");
                let u = Poly { c: [Interval::point(a), Interval::point(b), Interval::point(q)] };
                let range = Interval::new(arg.v[super::super::RL][0], arg.v[super::super::RH][0]);
                let (want, _) = compose_one(&u, range, Prim::of(f), Interval::new(0.0, e));
                let spread = 2.0 * HALF_MAX_SECOND[usize::from(f == Func::Tanh)] * (b.abs() + e * q.abs()).powi(2);
                assert!(
                    got[2].is_finite() && got[2].width() <= want.c[2].width() + 1.01 * spread + 1e-12,
                    "{f} {case:?}: {} vs {}",
                    got[2],
                    want.c[2]
                );
                holds_at_101_points(f, case, &got);
            }
        }
    }

    /// The vectorized rules decide most cases; the rest (an extremum of
    /// `sigma''` or a kink in the range) are marked for the general rules.
    #[test]
    fn vectorized_rules_take_most_cases() {
        let mut marked = Vec::new();
        for case in CASES {
            let arg = argument(case);
            let mut out = Planes::default();
            out.reset(Shape::Scalar, 2);
            super::super::ops::run::<Logistic<1, false>>(&mut out, &arg, case.3);
            let sigmoid = out.v[super::super::L2][0].is_nan();
            super::super::ops::run::<Logistic<2, false>>(&mut out, &arg, case.3);
            let tanh = out.v[super::super::L2][0].is_nan();
            super::super::ops::run::<Kink<false>>(&mut out, &arg, case.3);
            let relu = out.v[super::super::L2][0].is_nan();
            marked.push((sigmoid, tanh, relu));
        }
        let count = |pick: fn(&(bool, bool, bool)) -> bool| marked.iter().filter(|m| pick(m)).count();
        // Across sigmoid'' 's extremum: (1.2 .. 1.35); across tanh'' 's: (-0.7 .. -0.6), (0.5 .. 0.8).
        assert_eq!(count(|m| m.0), 1, "{marked:?}");
        assert_eq!(count(|m| m.1), 2, "{marked:?}");
        // Across 0: (-0.2 .. 0.3), (0.1 .. -0.5); from 0 up, (0 .. 0.5), relu is the identity.
        assert_eq!(count(|m| m.2), 2, "{marked:?}");
    }
}
