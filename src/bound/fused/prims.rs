//! The primitives of the fused pass: `exp`, `log` and `softplus` composed
//! with a degree-2 enclosure, by the sharp rules of the general pass
//! (`fast2`: rule 1 where `sigma''` is monotone, rule 2 for softplus), and
//! log-sum-exp from them. Point values come from the vectorized kernels
//! (`eval::kernels`, at most 2 ulps off for `exp`, `ln`, `log1p`) widened by
//! [`WIDEN`] ulps, as the general pass widens libm's.

use super::Planes;
use super::lanes::wide::{add, div_pos, mul, scale, sqr, sub, times_unit};
use super::lanes::{I, dn_k, hull, max, min, neg, select, up_k};
use super::ops::{El, finish, load, store};
use crate::eval::kernels;
use crate::expr::Func;
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
    let w = super::lanes::up(x.1 - x.0);
    ((s.0, super::lanes::up(s.1 + w)), (g.0, min(super::lanes::up(g.1 + super::lanes::up(0.25 * w)), 1.0)))
}

#[inline(always)]
fn div6(x: I) -> I {
    (super::lanes::dn(x.0 / 6.0), super::lanes::up(x.1 / 6.0))
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
    let recip = |x: I| (super::lanes::dn(1.0 / x.1), super::lanes::up(1.0 / x.0));
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
        _ => return false,
    }
    true
}

struct Softplus;
struct Exp;
struct Log;

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
