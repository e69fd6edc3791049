//! The softmax cross-entropy head's remainder ratio along a ray, for one
//! row: `H(z) = logsumexp(z) - sum_j y_j z_j` where the logits move as
//! `z_j(t) in a_j + b_j t + W_j t^2` for `t` in `[0, e]`. The bound is
//! Bennett's inequality capped by Böhning's; docs/mm.md ("Loss heads")
//! has the proof.

use crate::interval::{Interval, add_up, mul_up};

/// The unit roundoff of round-to-nearest doubles.
const U: f64 = f64::EPSILON / 2.0;

/// Each rounding's absolute error below the normal range, summed generously.
const TINY: f64 = 1e-300;

/// The softmax head's bound for one row, with buffers reused from one
/// row to the next.
#[derive(Clone, Debug, Default)]
pub(crate) struct Row {
    p_lo: Vec<f64>,
    p_hi: Vec<f64>,
    beta: Vec<Interval>,
    omega: Vec<Interval>,
    x_lo: Vec<f64>,
    x_hi: Vec<f64>,
    support: Vec<usize>,
}

impl Row {
    /// An interval `[lo, hi]` with `(H(z(t)) - c0 - c1 t) / t^2` in it for
    /// every `t` in `(0, e]`, `c0, c1` the exact Taylor coefficients of
    /// `H(z(t))`; `a, b, w` enclose the logits' coefficients (`a`, `b` those
    /// at `t = 0`, exactly; `w` the remainder over `[0, e]`) and `y` the
    /// targets. `ENTIRE` where an input is not finite.
    ///
    /// # Panics
    /// If the slices differ in length.
    #[track_caller]
    pub(crate) fn ratio(&mut self, a: &[Interval], b: &[Interval], w: &[Interval], y: &[Interval], e: f64) -> Interval {
        let k = a.len();
        assert!(b.len() == k && w.len() == k && y.len() == k, "one coefficient of each kind per class");
        if ![a, b, w, y].iter().all(|s| s.iter().all(|x| x.is_finite())) || !e.is_finite() {
            return Interval::ENTIRE;
        }
        // H(z) = logsumexp(delta) with delta = z - (y . z) 1: every coordinate
        // of delta is increasing in H, and p = softmax(a) = softmax(delta(0)).
        self.softmax(a);
        self.support.clear();
        self.support.extend((0..k).filter(|&j| y[j] != Interval::ZERO));
        shifted(b, y, &self.support, &mut self.beta);
        shifted(w, y, &self.support, &mut self.omega);
        let (p_lo, p_hi) = (&self.p_lo, &self.p_hi);
        // u = hi(omega): E_p u from above, E_p omega from below (convexity).
        let mean_u = signed_sum(self.omega.iter().enumerate().map(|(j, o)| {
            let u = o.hi();
            (if u >= 0.0 { p_hi[j] } else { p_lo[j] }) * u
        }));
        let mean_omega = signed_sum(self.omega.iter().enumerate().map(|(j, o)| {
            let l = o.lo();
            (if l >= 0.0 { p_lo[j] } else { p_hi[j] }) * l
        }));
        // The moments at t = 0 (beta), and at t = e (beta + e u) unless u = 0.
        self.x_lo.clear();
        self.x_hi.clear();
        self.x_lo.extend(self.beta.iter().map(|x| x.lo()));
        self.x_hi.extend(self.beta.iter().map(|x| x.hi()));
        let mut m = moments(p_lo, p_hi, &self.x_lo, &self.x_hi);
        if self.omega.iter().any(|o| o.hi() != 0.0) {
            for (j, o) in self.omega.iter().enumerate() {
                let u = o.hi();
                self.x_lo[j] = -add_up(-self.x_lo[j], mul_up(e, -u));
                self.x_hi[j] = add_up(self.x_hi[j], mul_up(e, u));
            }
            let at_e = moments(p_lo, p_hi, &self.x_lo, &self.x_hi);
            m = Moments {
                var: m.var.max(at_e.var),
                spread: m.spread.max(at_e.spread),
                centred: m.centred.max(at_e.centred),
            };
        }
        let bennett = if m.var == 0.0 {
            0.0
        } else {
            let h = mul_up(m.var, phi_hi(mul_up(e, m.spread)));
            if h.is_nan() { f64::INFINITY } else { h }
        };
        let bohning = mul_up(m.centred, 0.25);
        let hi = add_up(mean_u.1, bennett.min(bohning));
        let lo = mean_omega.0;
        if lo.is_nan() || hi.is_nan() { Interval::ENTIRE } else { Interval::new(lo, hi.max(lo)) }
    }

    /// `softmax(a)` enclosed in `[p_lo, p_hi]`, shifted by the largest
    /// centre so that no exponential overflows.
    fn softmax(&mut self, a: &[Interval]) {
        let m = a.iter().map(|x| x.mid()).fold(f64::NEG_INFINITY, f64::max);
        self.p_lo.clear();
        self.p_hi.clear();
        let mut total = Interval::ZERO;
        for &x in a {
            let ex = exp_thin(x - m);
            total += ex;
            self.p_lo.push(ex.lo());
            self.p_hi.push(ex.hi());
        }
        // p = e / total, through one reciprocal: [e_lo / total_hi, e_hi / total_lo].
        let inv = total.recip();
        for (lo, hi) in self.p_lo.iter_mut().zip(&mut self.p_hi) {
            (*lo, *hi) = (-mul_up(-*lo, inv.lo()), mul_up(*hi, inv.hi()));
        }
    }
}

/// `exp` of a thin interval with one call of `exp`: `e^hi = e^lo e^(hi -
/// lo) <= e^lo (1 + 2 (hi - lo))` for `hi - lo <= 1` (`e^d <= 1 + 2 d` on
/// `[0, 1]`, the chord of a convex function lying above it).
fn exp_thin(x: Interval) -> Interval {
    let d = add_up(x.hi(), -x.lo());
    if d.is_nan() || d > 1.0 {
        return x.exp();
    }
    let e = Interval::point(x.lo()).exp();
    Interval::new(e.lo(), mul_up(e.hi(), add_up(1.0, 2.0 * d)))
}

/// `x_j - sum_k y_k x_k` for every `j` into `out`, written `(1 - y_j) x_j -
/// sum_{k != j} y_k x_k` so that `x_j` enters once: exactly 0 at a one-hot
/// target. `support` lists the `k` with `y_k != 0`.
fn shifted(x: &[Interval], y: &[Interval], support: &[usize], out: &mut Vec<Interval>) {
    let total: Interval = support.iter().map(|&k| y[k] * x[k]).sum();
    out.clear();
    out.extend((0..x.len()).map(|j| {
        if y[j] == Interval::ZERO {
            return x[j] - total;
        }
        let others: Interval = support.iter().filter(|&&k| k != j).map(|&k| y[k] * x[k]).sum();
        (Interval::ONE - y[j]) * x[j] - others
    }));
}

/// Upper bounds on `Var_p(x)`, on `max_j x_j - E_p x` and on `sum_j (x_j -
/// mean(x))^2`, for every `p` and `x` in the boxes.
struct Moments {
    var: f64,
    spread: f64,
    centred: f64,
}

/// [`Moments`] of the box `x` under the box `p`, in round-to-nearest with
/// a priori error bounds (docs/mm.md, "Loss heads", rounding):
/// `Var_p(x) <= E_p (x - m)^2` and `sum_j (x_j - mean x)^2 <= sum_j (x_j -
/// m')^2` for any centres `m, m'`, here those of the boxes' midpoints.
fn moments(p_lo: &[f64], p_hi: &[f64], x_lo: &[f64], x_hi: &[f64]) -> Moments {
    let k = p_lo.len();
    let (mut m, mut mbar) = (0.0, 0.0);
    for j in 0..k {
        let x = 0.5 * x_lo[j] + 0.5 * x_hi[j];
        m += (0.5 * p_lo[j] + 0.5 * p_hi[j]) * x;
        mbar += x;
    }
    let mbar = mbar / k as f64;
    let (mut var, mut centred, mut top) = (0.0, 0.0, f64::NEG_INFINITY);
    for j in 0..k {
        let d = (x_hi[j] - m).max(m - x_lo[j]);
        var += p_hi[j] * (d * d);
        let c = (x_hi[j] - mbar).max(mbar - x_lo[j]);
        centred += c * c;
        top = top.max(x_hi[j]);
    }
    let mean = signed_sum((0..k).map(|j| (if x_lo[j] >= 0.0 { p_lo[j] } else { p_hi[j] }) * x_lo[j]));
    Moments {
        var: positive_sum_hi(var, k + 3),
        spread: add_up(top, -mean.0).max(0.0),
        centred: positive_sum_hi(centred, k + 2),
    }
}

/// An upper bound on the exact value of a round-to-nearest sum of
/// non-negative terms computed from exact inputs with `n` roundings on
/// each path in all: the result is at least `(1 - u)^n` times the exact
/// sum, and `1 / (1 - u)^n <= 1 + 2 n u`.
fn positive_sum_hi(s: f64, n: usize) -> f64 {
    let n = n as f64;
    add_up(mul_up(s, 1.0 + 2.0 * n * U), n * TINY)
}

/// Bounds `(lo, hi)` on `sum_j c_j` from the round-to-nearest products
/// `fl(c_j)` (one rounding each from exact factors), summed in
/// round-to-nearest: the error is at most `1.01 n u sum_j |fl(c_j)|`.
fn signed_sum(terms: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut s, mut abs, mut n) = (0.0, 0.0, 0usize);
    for c in terms {
        s += c;
        abs += c.abs();
        n += 1;
    }
    let err = add_up(mul_up(abs, 2.0 * (n as f64 + 2.0) * U), (n as f64 + 1.0) * TINY);
    (-add_up(-s, err), add_up(s, err))
}

/// An upper bound on `phi(s) = (e^s - 1 - s) / s^2` (`phi(0) = 1/2`) at
/// `s >= 0`. Up to 1 by its series `sum_k s^k / (k + 2)!`, whose terms from
/// `k = 2` sum to at most `s^2 (e - 8/3)` there (no cancellation); above,
/// the quotient in interval arithmetic.
pub(crate) fn phi_hi(s: f64) -> f64 {
    if s.is_nan() {
        return f64::NAN;
    }
    if s >= 700.0 {
        return f64::INFINITY;
    }
    let x = Interval::point(s.max(0.0));
    let phi = if s <= 1.0 {
        Interval::point(0.5) + x / 6.0 + x.sqr() * (std::f64::consts::E - 8.0 / 3.0 + 1e-12)
    } else {
        (x.exp_m1() - x) / x.sqr()
    };
    phi.hi()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row_ratio(a: &[Interval], b: &[Interval], w: &[Interval], y: &[Interval], e: f64) -> Interval {
        Row::default().ratio(a, b, w, y, e)
    }
    use rand::{RngExt, SeedableRng, rngs::StdRng};

    fn pt(v: &[f64]) -> Vec<Interval> {
        v.iter().map(|&x| Interval::point(x)).collect()
    }

    /// phi at points where its value is known in closed form, and monotone.
    #[test]
    fn phi_is_bounded_above() {
        #[rustfmt::skip]
        let cases = [
            (0.0, 0.5),                                   // phi(0) = 1/2
            (1e-8, 0.5 + 1e-8 / 6.0),                     // 1/2 + s/6 + O(s^2)
            (1.0, std::f64::consts::E - 2.0),             // (e - 1 - 1) / 1
            (2.0, (2f64.exp() - 3.0) / 4.0),
            (10.0, (10f64.exp() - 11.0) / 100.0),
        ];
        for (s, phi) in cases {
            let h = phi_hi(s);
            assert!(h >= phi && h <= phi * (1.0 + 1e-10) + 1e-13, "phi({s}) = {phi}, bound {h}");
        }
        let mut last = 0.0;
        for i in 0..2000 {
            let s = f64::from(i) * 0.005;
            let h = phi_hi(s);
            assert!(h >= last - 1e-15, "phi_hi is increasing: {s}");
            if s > 1e-3 {
                assert!(h >= ((s.exp_m1() - s) / (s * s)) * (1.0 - 1e-12), "phi({s})");
            }
            last = h;
        }
        assert_eq!(phi_hi(800.0), f64::INFINITY);
    }

    /// Table: the ratio at closed-form cases (`e = 1`, two classes, target 0).
    #[test]
    fn rows_in_closed_form() {
        let e = 1.0;
        // Equal logits, b = (-1, 1): H(t) = log(e^-t + e^t) + t = log(1 + e^2t),
        // whose ratio lies in [0, 1/2] (H'' = 4 s (1 - s) <= 1). Shifted, beta =
        // (0, 2) and u = 0: Bennett Var_p(beta) phi(e s) = 1 * phi(1) = e - 2,
        // Böhning 1/4 * |beta - mean|^2 = 1/4 * 2 = 1/2, and the lower end E_p 0 = 0.
        let r = row_ratio(&pt(&[0.0, 0.0]), &pt(&[-1.0, 1.0]), &pt(&[0.0, 0.0]), &pt(&[1.0, 0.0]), e);
        assert!(r.hi() >= 0.5 && r.hi() <= 0.5 + 1e-12, "{r}");
        assert!(r.lo() <= 0.0 && r.lo() >= -1e-15, "{r}");
        // Concentrated on the target (margin 30), b = (0, 1): Var_p = q (1 - q)
        // with q = p_1 < e^-30, spread 1 - q < 1, so at most e^-30 phi(1).
        let r = row_ratio(&pt(&[30.0, 0.0]), &pt(&[0.0, 1.0]), &pt(&[0.0, 0.0]), &pt(&[1.0, 0.0]), e);
        let q = (-30f64).exp();
        assert!(r.hi() >= q * (1.0 - q) * (std::f64::consts::E - 2.0) * (1.0 - 1e-9), "{r}");
        assert!(r.hi() <= q * phi_hi(1.0) * (1.0 + 1e-9), "{r}");
        // Only the target logit curves, W_0 = [-1, 1], a = b = 0: shifted,
        // omega = (0, -W_0), u = (0, 1), p = (1/2, 1/2). E_p u = 1/2; at t = e,
        // beta + e u = (0, 1): Bennett Var 1/4 * phi(1/2) = 0.1487..., Böhning
        // 1/4 * 1/2 = 1/8 is smaller: 1/2 + 1/8. Lower end E_p omega = -1/2.
        let w = [Interval::new(-1.0, 1.0), Interval::ZERO];
        let r = row_ratio(&pt(&[0.0, 0.0]), &pt(&[0.0, 0.0]), &w, &pt(&[1.0, 0.0]), e);
        assert!(r.hi() >= 0.625 && r.hi() <= 0.625 + 1e-12, "{r}");
        assert!(r.lo() <= -0.5 && r.lo() >= -0.5 - 1e-12, "{r}");
    }

    /// The head against the true loss on random logits moving quadratically
    /// (so the enclosure holds with W a point), K = 2 .. 20, large and
    /// concentrated logits, and random remainders inside a wider W.
    #[test]
    fn ratio_holds_on_random_rays() {
        let mut rng = StdRng::seed_from_u64(0);
        for case in 0..3000 {
            let k = rng.random_range(2..=20);
            let scale = [0.1, 1.0, 10.0, 50.0, 300.0][case % 5];
            let a: Vec<f64> = (0..k).map(|_| rng.random_range(-scale..scale)).collect();
            let b: Vec<f64> = (0..k).map(|_| rng.random_range(-3.0..3.0)).collect();
            let w: Vec<f64> = (0..k).map(|_| rng.random_range(-2.0..2.0)).collect();
            let rad: Vec<f64> = (0..k).map(|_| if case % 3 == 0 { 0.0 } else { rng.random_range(0.0..0.5) }).collect();
            let target = rng.random_range(0..k);
            let y: Vec<f64> = if case % 5 == 4 {
                let raw: Vec<f64> = (0..k).map(|_| rng.random_range(0.0..1.0)).collect();
                let s: f64 = raw.iter().sum();
                raw.iter().map(|r| r / s).collect()
            } else {
                (0..k).map(|j| if j == target { 1.0 } else { 0.0 }).collect()
            };
            let e = [0.01, 0.3, 1.0, 4.0][case % 4];
            // The true remainder is w + (a random point of [-rad, rad]) times a
            // function of t that stays in [-1, 1]: cos(3 t + j).
            let ww: Vec<Interval> = w.iter().zip(&rad).map(|(&w, &r)| Interval::new(w - r, w + r)).collect();
            let r = row_ratio(&pt(&a), &pt(&b), &ww, &pt(&y), e);
            assert!(r.is_finite(), "case {case}");
            let h = |t: f64| {
                let z: Vec<f64> =
                    (0..k).map(|j| a[j] + b[j] * t + (w[j] + rad[j] * (3.0 * t + j as f64).cos()) * t * t).collect();
                let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let lse = m + z.iter().map(|x| (x - m).exp()).sum::<f64>().ln();
                lse - y.iter().zip(&z).map(|(y, z)| y * z).sum::<f64>()
            };
            // Exact Taylor coefficients: H(a), (p - y) . b.
            let m = a.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let ex: Vec<f64> = a.iter().map(|x| (x - m).exp()).collect();
            let total: f64 = ex.iter().sum();
            let c1: f64 = (0..k).map(|j| (ex[j] / total - y[j]) * b[j]).sum();
            let c0 = h(0.0);
            for i in 1..=50 {
                let t = e * i as f64 / 50.0;
                let bound = c0 + c1 * t + r.hi() * t * t;
                let lower = c0 + c1 * t + r.lo() * t * t;
                // Rounding in this f64 check: a few ulps of the terms involved.
                let tol = 1e-12 * (c0.abs() + (c1 * t).abs() + (r.hi() * t * t).abs() + scale + 1.0);
                let v = h(t);
                assert!(v <= bound + tol, "case {case}, t = {t}: {v} > {bound} (k = {k}, ratio {r})");
                assert!(v >= lower - tol, "case {case}, t = {t}: {v} < {lower} (k = {k}, ratio {r})");
            }
        }
    }
}
