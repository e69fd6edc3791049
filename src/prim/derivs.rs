//! Derivatives of the primitives: at a point or as ranges over an
//! interval, from closed forms where a function has them and from
//! num-dual's dual numbers carrying intervals otherwise.

use num_dual::Dual3;

use super::special::Erf;
use super::{Prim, point};
use crate::expr::Func;
use crate::interval::Interval;

impl Prim {
    /// `sigma` on any dual number (abs and relu branch on the real part, so
    /// they are only used here away from their kink).
    fn apply<T: Erf>(self, x: &T) -> T {
        match self {
            Prim::Func(f) => point::apply(f, x),
            Prim::Pow(q) => x.powf(q),
        }
    }

    /// `sigma^(p)(x)` for `p = 0 ..= n` (`n <= 9`): ranges over the interval
    /// `x`, or enclosures at a point when `x` is thin. Closed forms where
    /// the function has them (fast), num-dual over intervals otherwise.
    pub fn derivatives(self, x: Interval, n: usize) -> Vec<Interval> {
        closed_form(self, x, n).unwrap_or_else(|| self.dual_derivatives(x, n))
    }

    /// `sigma^(p)(x)` alone (cheaper than all orders up to `p` where a
    /// closed form exists).
    pub fn derivative(self, x: Interval, p: usize) -> Interval {
        match self {
            Prim::Func(Func::Sigmoid) if p > 0 => Logistic::new(x).deriv(p),
            Prim::Func(Func::Softplus) if p > 1 => Logistic::new(x).deriv(p - 1),
            Prim::Func(Func::Tanh) if p > 0 => Logistic::new(x * 2.0).deriv(p) * 2f64.powi(p as i32 + 1),
            Prim::Func(Func::Exp) => x.exp(),
            Prim::Func(Func::Expm1) if p > 0 => x.exp(),
            // sinh and cosh alternate: sinh^(p) is sinh for even p, cosh for odd.
            Prim::Func(f @ (Func::Sinh | Func::Cosh)) => {
                if (f == Func::Sinh) == p.is_multiple_of(2) {
                    x.sinh()
                } else {
                    x.cosh()
                }
            }
            _ => self.derivatives(x, p)[p],
        }
    }

    /// `sigma^(p)(x)` for `p = 0 ..= n` by num-dual's dual numbers carrying
    /// intervals (the derivative-range fallback of rule 3).
    pub fn dual_derivatives(self, x: Interval, n: usize) -> Vec<Interval> {
        let one = Interval::ONE;
        let zero = Interval::ZERO;
        if n <= 3 {
            let r = self.apply(&Dual3::new(x, one, zero, zero));
            return [r.re, r.v1, r.v2, r.v3][..=n].to_vec();
        }
        if n <= 6 {
            let inner = Dual3::new(x, one, zero, zero);
            let r = self.apply(&Dual3::new(inner, Dual3::from_re(one), Dual3::from_re(zero), Dual3::from_re(zero)));
            let parts = [r.re, r.v1, r.v2, r.v3];
            return (0..=n)
                .map(|p| {
                    let (j, i) = (p.saturating_sub(3), p.min(3));
                    let d = parts[j];
                    [d.re, d.v1, d.v2, d.v3][i]
                })
                .collect();
        }
        assert!(n <= 9, "derivatives up to order 9");
        let d1 = Dual3::new(x, one, zero, zero);
        let lift = |v: Interval| Dual3::from_re(Dual3::from_re(v));
        let d2 = Dual3::new(d1, Dual3::from_re(one), Dual3::from_re(zero), Dual3::from_re(zero));
        let d3 = Dual3::new(d2, lift(one), lift(zero), lift(zero));
        let r = self.apply(&d3);
        let outer = [r.re, r.v1, r.v2, r.v3];
        (0..=n)
            .map(|p| {
                let a = p.min(3);
                let b = (p - a).min(3);
                let c = p - a - b;
                let m = outer[c];
                let mid = [m.re, m.v1, m.v2, m.v3][b];
                [mid.re, mid.v1, mid.v2, mid.v3][a]
            })
            .collect()
    }
}

/// The polynomials `P_n` with `sigmoid^(n)(x) = P_n(sigmoid(x))`:
/// `P_0 = s`, `P_{n+1} = P_n'(s) s (1 - s)`; integer coefficients, exact in f64.
pub(crate) fn sigmoid_polys() -> &'static [Vec<f64>] {
    static POLYS: std::sync::OnceLock<Vec<Vec<f64>>> = std::sync::OnceLock::new();
    POLYS.get_or_init(|| {
        let mut p = vec![vec![0.0, 1.0]];
        for _ in 0..11 {
            let last = p.last().expect("non-empty");
            let d: Vec<f64> = (1..last.len()).map(|i| i as f64 * last[i]).collect();
            // d(s) * (s - s^2)
            let mut next = vec![0.0; d.len() + 2];
            for (i, &c) in d.iter().enumerate() {
                next[i + 1] += c;
                next[i + 2] -= c;
            }
            p.push(next);
        }
        p
    })
}

/// `P_n(s)` over the interval `s`.
fn sigmoid_deriv(n: usize, s: Interval) -> Interval {
    sigmoid_polys()[n].iter().rev().fold(Interval::ZERO, |acc, &c| acc * s + Interval::point(c))
}

/// The Eulerian numbers `A(n, k)`, `k < n`, for `n <= 12`:
/// `A(n, k) = (k + 1) A(n-1, k) + (n - k) A(n-1, k-1)`; exact in f64.
pub(crate) fn eulerian() -> &'static [Vec<f64>] {
    static ROWS: std::sync::OnceLock<Vec<Vec<f64>>> = std::sync::OnceLock::new();
    ROWS.get_or_init(|| {
        let mut rows = vec![vec![], vec![1.0]];
        for n in 2..=12usize {
            let prev = &rows[n - 1];
            let row = (0..n)
                .map(|k| {
                    let a = prev.get(k).copied().unwrap_or(0.0) * (k + 1) as f64;
                    let b = if k > 0 { prev[k - 1] * (n - k) as f64 } else { 0.0 };
                    a + b
                })
                .collect();
            rows.push(row);
        }
        rows
    })
}

/// `sigmoid` and its derivatives over an interval. On one side of 0 the
/// derivatives come from `u = exp(-|x|)` as well,
/// `sigmoid^(n)(x) = sum_k (-1)^k A(n, k) u^(n-k) / (1 + u)^(n+1)` for
/// `x >= 0` (and `sigmoid^(n)(-x) = (-1)^(n+1) sigmoid^(n)(x)`), which keeps
/// its relative accuracy where `sigmoid` saturates and the polynomial in
/// `s = sigmoid(x)` cancels (`s (1 - s)` with `s` within an ulp of 1).
pub(crate) struct Logistic {
    s: Interval,
    /// `u = exp(-|x|)`, and whether `x <= 0`.
    side: Option<(Interval, bool)>,
}

impl Logistic {
    /// The values at `x`.
    pub(crate) fn new(x: Interval) -> Self {
        // sigmoid(x) = 1 / (1 + u) for x >= 0, u / (1 + u) for x <= 0: one exp.
        let unit = |s: Interval| s.intersect(Interval::new(0.0, 1.0)).unwrap_or(s);
        if x.lo() >= 0.0 {
            let u = (-x).exp();
            Logistic { s: unit(Interval::ONE / (Interval::ONE + u)), side: Some((u, false)) }
        } else if x.hi() <= 0.0 {
            let u = x.exp();
            Logistic { s: unit(u / (Interval::ONE + u)), side: Some((u, true)) }
        } else {
            Logistic { s: x.sigmoid(), side: None }
        }
    }

    /// `sigmoid^(n)` (`n <= 11`).
    pub(crate) fn deriv(&self, n: usize) -> Interval {
        if n == 0 {
            return self.s;
        }
        let poly = sigmoid_deriv(n, self.s);
        let Some((u, negative)) = self.side else { return poly };
        // sum_{j=1..n} (-1)^(n-j) A(n, n-j) u^j by Horner's rule.
        let a = &eulerian()[n];
        let mut acc = Interval::ZERO;
        for j in (1..=n).rev() {
            let sign = if (n - j).is_multiple_of(2) { 1.0 } else { -1.0 };
            acc = (acc + Interval::point(sign * a[n - j])) * u;
        }
        let e = acc / (Interval::ONE + u).powi(n as i32 + 1);
        let e = if negative && n.is_multiple_of(2) { -e } else { e };
        poly.intersect(e).unwrap_or(poly.hull(e))
    }
}

/// Closed forms of the derivatives, where the function has one.
fn closed_form(prim: Prim, x: Interval, n: usize) -> Option<Vec<Interval>> {
    let mut out = Vec::with_capacity(n + 1);
    match prim {
        Prim::Func(Func::Exp) => {
            let e = x.exp();
            out.resize(n + 1, e);
        }
        Prim::Func(Func::Expm1) => {
            out.push(x.exp_m1());
            out.resize(n + 1, x.exp());
        }
        Prim::Func(f @ (Func::Log | Func::Log1p)) => {
            // log^(p)(u) = (-1)^(p-1) (p-1)! u^-p
            let u = if f == Func::Log { x } else { x + 1.0 };
            if u.lo() <= 0.0 {
                return None;
            }
            out.push(if f == Func::Log { x.ln() } else { x.ln_1p() });
            let inv = u.recip();
            let mut fact = 1.0;
            for p in 1..=n {
                let sign = if p % 2 == 1 { 1.0 } else { -1.0 };
                out.push(inv.powi(p as i32) * (sign * fact));
                fact *= p as f64;
            }
        }
        Prim::Pow(q) => {
            // (x^q)^(p) = q (q-1) ... (q-p+1) x^(q-p)
            let mut coef = Interval::ONE;
            for p in 0..=n {
                out.push(coef * x.powf(q - p as f64));
                coef *= Interval::point(q) - Interval::point(p as f64);
            }
        }
        Prim::Func(Func::Sigmoid) => {
            let l = Logistic::new(x);
            out.extend((0..=n).map(|p| l.deriv(p)));
        }
        Prim::Func(Func::Softplus) => {
            let l = Logistic::new(x);
            out.push(x.softplus());
            out.extend((1..=n).map(|p| l.deriv(p - 1)));
        }
        Prim::Func(Func::Tanh) => {
            // tanh(x) = 2 sigmoid(2x) - 1, so tanh^(p)(x) = 2^(p+1) sigmoid^(p)(2x).
            let l = Logistic::new(x * 2.0);
            out.push(x.tanh());
            out.extend((1..=n).map(|p| l.deriv(p) * 2f64.powi(p as i32 + 1)));
        }
        Prim::Func(Func::Swish) => {
            // swish^(p) = p sigmoid^(p-1) + x sigmoid^(p)
            let l = Logistic::new(x);
            let sd = |p: usize| l.deriv(p);
            out.push(x.swish());
            out.extend((1..=n).map(|p| sd(p - 1) * (p as f64) + x * sd(p)));
        }
        Prim::Func(f @ (Func::Sin | Func::Cos)) => {
            // sin^(p)(x) = sin(x + p pi/2): the cycle sin, cos, -sin, -cos.
            let (s, c) = (x.sin(), x.cos());
            let cycle = [s, c, -s, -c];
            let shift = if f == Func::Cos { 1 } else { 0 };
            out.extend((0..=n).map(|p| cycle[(p + shift) % 4]));
        }
        Prim::Func(f @ (Func::Sinh | Func::Cosh)) => {
            let pair = [x.sinh(), x.cosh()];
            let shift = usize::from(f == Func::Cosh);
            out.extend((0..=n).map(|p| pair[(p + shift) % 2]));
        }
        _ => return None,
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivatives_of_exp_and_sin_at_a_point() {
        // exp^(p)(1) = e for every p; sin^(p)(x) = sin(x + p pi/2).
        let x = Interval::point(1.0);
        for n in [3, 6, 9] {
            let e = Prim::Func(Func::Exp).derivatives(x, n);
            assert_eq!(e.len(), n + 1);
            for d in &e {
                assert!(d.contains(std::f64::consts::E) && d.width() < 1e-13, "{d}");
            }
            let s = Prim::Func(Func::Sin).derivatives(x, n);
            for (p, d) in s.iter().enumerate() {
                let want = (1.0 + p as f64 * std::f64::consts::FRAC_PI_2).sin();
                assert!((d.mid() - want).abs() < 1e-12 && d.contains(d.mid()), "sin^({p}) = {d}, want {want}");
            }
        }
    }

    /// The closed forms and num-dual agree: at points of an interval, the
    /// closed form over the interval overlaps num-dual's enclosure at the
    /// point (both contain the true derivative).
    #[test]
    fn closed_forms_agree_with_num_dual() {
        let prims = [
            Prim::Func(Func::Exp),
            Prim::Func(Func::Expm1),
            Prim::Func(Func::Log),
            Prim::Func(Func::Log1p),
            Prim::Func(Func::Sigmoid),
            Prim::Func(Func::Softplus),
            Prim::Func(Func::Tanh),
            Prim::Func(Func::Swish),
            Prim::Func(Func::Sin),
            Prim::Func(Func::Cos),
            Prim::Func(Func::Sinh),
            Prim::Func(Func::Cosh),
            Prim::Pow(0.5),
            Prim::Pow(-1.0),
            Prim::Pow(-2.5),
        ];
        for prim in prims {
            for (lo, hi) in [(0.3, 0.9), (1.2, 2.5), (0.05, 0.06)] {
                let x = Interval::new(lo, hi);
                let closed = closed_form(prim, x, 6).unwrap();
                for t in [lo, (lo + hi) / 2.0, hi] {
                    let at = prim.dual_derivatives(Interval::point(t), 6);
                    for p in 0..=6 {
                        assert!(
                            closed[p].intersect(at[p]).is_some(),
                            "{prim:?}^({p}) over {x}: {} misses {}",
                            closed[p],
                            at[p]
                        );
                        assert!(at[p].width() <= 1e-9 * (1.0 + at[p].mag()), "{prim:?}^({p}) at {t}: {}", at[p]);
                    }
                }
            }
        }
    }

    /// atan, erf and tan take num-dual's path: its ranges over an interval
    /// contain the closed-form derivatives at the interval's points, and at
    /// a point it is within 1e-12 of them. `atan^(p)(x) = (-1)^(p-1) (p-1)!
    /// sin^p(t) sin(p t)` with `t = arccot x`; `erf^(p) = (-1)^(p-1) H_{p-1}(x)
    /// erf'(x)` with the Hermite polynomials `H_0 = 1`, `H_1 = 2x`,
    /// `H_{m+1} = 2x H_m - 2m H_{m-1}`; `tan^(p) = P_p(tan x)` with `P_0 = t`,
    /// `P_{p+1} = P_p'(t) (1 + t^2)`.
    #[test]
    fn num_dual_derivatives_of_atan_erf_tan_match_closed_forms() {
        let atan = |x: f64, p: usize| -> f64 {
            if p == 0 {
                return x.atan();
            }
            let t = 1f64.atan2(x);
            let fact: f64 = (1..p).map(|i| i as f64).product();
            let sign = if p % 2 == 1 { 1.0 } else { -1.0 };
            sign * fact * t.sin().powi(p as i32) * (p as f64 * t).sin()
        };
        let erf = |x: f64, p: usize| -> f64 {
            if p == 0 {
                return libm::erf(x);
            }
            let (mut h0, mut h1) = (0.0, 1.0);
            for m in 0..p - 1 {
                (h0, h1) = (h1, 2.0 * x * h1 - 2.0 * m as f64 * h0);
            }
            let sign = if p % 2 == 1 { 1.0 } else { -1.0 };
            sign * h1 * std::f64::consts::FRAC_2_SQRT_PI * (-x * x).exp()
        };
        let tan = |x: f64, p: usize| -> f64 {
            // P_p as coefficients, differentiated and multiplied by 1 + t^2.
            let mut poly = vec![0.0, 1.0];
            for _ in 0..p {
                let d: Vec<f64> = (1..poly.len()).map(|i| i as f64 * poly[i]).collect();
                let mut next = vec![0.0; d.len() + 2];
                for (i, c) in d.iter().enumerate() {
                    next[i] += c;
                    next[i + 2] += c;
                }
                poly = next;
            }
            let t = x.tan();
            poly.iter().rev().fold(0.0, |acc, c| acc * t + c)
        };
        type Closed<'a> = &'a dyn Fn(f64, usize) -> f64;
        let cases: [(Func, Closed, f64, f64); 3] =
            [(Func::Atan, &atan, -2.0, 1.5), (Func::Erf, &erf, -1.5, 2.0), (Func::Tan, &tan, -1.2, 1.3)];
        for (f, closed, lo, hi) in cases {
            let prim = Prim::Func(f);
            let range = prim.derivatives(Interval::new(lo, hi), 6);
            for j in 0..=40 {
                let x = lo + (hi - lo) * f64::from(j) / 40.0;
                let at = prim.derivatives(Interval::point(x), 6);
                for p in 0..=6 {
                    let want = closed(x, p);
                    let slack = 1e-12 * (1.0 + want.abs());
                    assert!(
                        range[p].lo() - slack <= want && want <= range[p].hi() + slack,
                        "{f}^({p}) over [{lo}, {hi}]: {} misses {want} at {x}",
                        range[p]
                    );
                    assert!((at[p].mid() - want).abs() <= slack, "{f}^({p})({x}) = {}, want {want}", at[p]);
                }
            }
        }
    }

    #[test]
    fn derivative_ranges_contain_point_derivatives() {
        // x^-1/2 on [1, 4]: the p-th derivative is (-1/2)(-3/2)...(1/2 - p) x^(-1/2 - p).
        let r = Prim::Pow(-0.5).derivatives(Interval::new(1.0, 4.0), 5);
        for x in [1.0, 2.0, 3.5, 4.0] {
            let mut coef = 1.0;
            for (p, d) in r.iter().enumerate() {
                let want = coef * f64::powf(x, -0.5 - p as f64);
                assert!(d.contains(want), "p = {p}: {d} misses {want}");
                coef *= -0.5 - p as f64;
            }
        }
    }
}
