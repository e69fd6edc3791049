//! Enclosure arithmetic in one variable: degree-k Taylor enclosures
//! `c_0 + c_1 z + ... + c_{k-1} z^{k-1} + C_k z^k` (every coefficient an
//! interval, the low ones thin) over a trust region `Z` containing 0, with
//! products truncated by the sharp fold of their tail.

use super::range::fold;
use crate::interval::Interval;

/// The largest degree supported.
pub const MAX_DEGREE: usize = 6;

/// A degree-`N - 1` Taylor enclosure in one variable.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Poly<const N: usize> {
    /// `c_0 .. c_{N-2}` (thin intervals) and the interval `C_{N-1}`.
    pub c: [Interval; N],
}

impl<const N: usize> Default for Poly<N> {
    fn default() -> Self {
        Poly { c: [Interval::ZERO; N] }
    }
}

/// Keeps `full[0 .. N-1]` and folds the tail `sum_j full[N-1+j] z^j` over
/// `z` into the last coefficient.
pub fn truncate<const N: usize>(full: &[Interval], z: Interval) -> Poly<N> {
    let mut p = Poly::default();
    let k = N - 1;
    p.c[..k.min(full.len())].copy_from_slice(&full[..k.min(full.len())]);
    if full.len() > k {
        p.c[k] = if full.len() == N { full[k] } else { fold(&full[k..], z) };
    }
    p
}

impl<const N: usize> Poly<N> {
    /// The degree `k = N - 1`.
    pub const DEGREE: usize = N - 1;

    /// Nothing known: every coefficient ENTIRE (not a constant ENTIRE,
    /// which would claim the exact derivatives are 0).
    pub fn unknown() -> Self {
        Poly { c: [Interval::ENTIRE; N] }
    }

    /// The constant `v`.
    pub fn constant(v: Interval) -> Self {
        let mut p = Self::default();
        p.c[0] = v;
        p
    }

    /// `x0 + v z` exactly; at degree 0, its range over `z`.
    pub fn linear(x0: f64, v: f64, z: Interval) -> Self {
        if N == 1 {
            return Self::constant(Interval::point(x0) + Interval::point(v) * z);
        }
        let mut p = Self::constant(Interval::point(x0));
        p.c[1] = Interval::point(v);
        p
    }

    /// Coefficient-wise sum.
    pub fn add(&self, o: &Self) -> Self {
        Poly { c: std::array::from_fn(|i| self.c[i] + o.c[i]) }
    }

    /// Coefficient-wise difference.
    pub fn sub(&self, o: &Self) -> Self {
        Poly { c: std::array::from_fn(|i| self.c[i] - o.c[i]) }
    }

    /// Negation.
    pub fn neg(&self) -> Self {
        Poly { c: self.c.map(|v| -v) }
    }

    /// Multiplication by an interval constant.
    pub fn scale(&self, s: Interval) -> Self {
        Poly { c: self.c.map(|v| v * s) }
    }

    /// The product, truncated to degree `N - 1` over `z`.
    pub fn mul(&self, o: &Self, z: Interval) -> Self {
        let mut full = [Interval::ZERO; 2 * MAX_DEGREE + 1];
        let n = 2 * N - 1;
        for i in 0..N {
            if self.c[i] == Interval::ZERO {
                continue;
            }
            for j in 0..N {
                full[i + j] += self.c[i] * o.c[j];
            }
        }
        truncate(&full[..n], z)
    }

    /// The range over `z`: the sharp fold of every coefficient.
    pub fn range(&self, z: Interval) -> Interval {
        fold(&self.c, z)
    }

    /// The enclosure at the point `z`: `[lower(z), upper(z)]`.
    pub fn eval(&self, z: f64) -> Interval {
        let z = Interval::point(z);
        self.c.iter().rev().fold(Interval::ZERO, |acc, &c| acc * z + c)
    }

    /// `sigma(u)` from sigma's 1-D enclosure about `u`'s exact value `u0` at
    /// `z = 0` (`s[p]` for `p < N - 1` and the interval `s_k`), where `u` is
    /// this enclosure: `sum_p s_p D^p + s_k D^k` with `D = u - u0`, whose
    /// constant term is exactly 0. So the coefficients below `N - 1` come
    /// from the `s[p]` alone, whatever the region.
    pub fn compose(&self, s: &[Interval], s_k: Interval, z: Interval) -> Self {
        let k = N - 1;
        let mut d = *self;
        d.c[0] = Interval::ZERO;
        let mut out = Self::constant(if k == 0 { s_k } else { s[0] });
        let mut power = d;
        let coefs = s.iter().skip(1).take(k.saturating_sub(1)).chain(std::iter::once(&s_k));
        for (p, &coef) in (1..=k).zip(coefs) {
            if p > 1 {
                power = power.mul(&d, z);
            }
            out = out.add(&power.scale(coef));
        }
        out
    }

    /// The integer power `n >= 0` by the multinomial expansion, with sharp
    /// powers of each coefficient, truncated once.
    pub fn powi(&self, n: u32, z: Interval) -> Self {
        if n == 0 {
            return Self::constant(Interval::ONE);
        }
        if n > 16 {
            let half = self.powi(n / 2, z);
            let sq = half.mul(&half, z);
            return if n % 2 == 1 { sq.mul(self, z) } else { sq };
        }
        let k = N - 1;
        let mut full = vec![Interval::ZERO; n as usize * k + 1];
        let mut counts = [0u32; MAX_DEGREE + 1];
        multinomial(&self.c, n, 0, &mut counts, &mut full);
        truncate(&full, z)
    }
}

/// Adds every term of the multinomial expansion of `(sum_i c_i z^i)^n`
/// with the counts of coefficients `0..i` fixed in `counts`.
fn multinomial(c: &[Interval], remaining: u32, i: usize, counts: &mut [u32], full: &mut [Interval]) {
    if i == c.len() - 1 {
        counts[i] = remaining;
        let total: u32 = counts[..c.len()].iter().sum();
        let mut coef = factorial(total);
        let mut degree = 0;
        let mut term = Interval::ONE;
        for (j, &m) in counts[..c.len()].iter().enumerate() {
            coef /= factorial(m);
            degree += j * m as usize;
            if m > 0 {
                term *= c[j].powi(m as i32);
            }
        }
        full[degree] += term * Interval::point(coef);
        return;
    }
    for m in 0..=remaining {
        counts[i] = m;
        multinomial(c, remaining - m, i + 1, counts, full);
    }
}

/// `n!` as an f64 (exact for the n <= 16 used here).
fn factorial(n: u32) -> f64 {
    (1..=n).map(f64::from).product()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(x: f64) -> Interval {
        Interval::point(x)
    }

    #[test]
    fn the_quartic_of_the_reference() {
        // (108 x - 3)^4 at x0 = 0 over [0, 0.02], k = 2: the exact polynomial is
        // 81 - 11664 z + 629856 z^2 - 15116544 z^3 + 136048896 z^4, and the sharp
        // fold of its tail is [381944.6784, 629856] (autobound.md 2.3).
        let z = Interval::new(0.0, 0.02);
        let u: Poly<3> = Poly { c: [p(-3.0), p(108.0), p(0.0)] };
        let q = u.powi(4, z);
        assert_eq!(q.c[0], p(81.0));
        assert_eq!(q.c[1], p(-11664.0));
        assert!((q.c[2].lo() - 381944.6784).abs() < 1e-6 && q.c[2].hi() == 629856.0, "{}", q.c[2]);
        // The same power by repeated products is valid too, and no tighter.
        let r = u.mul(&u, z).mul(&u.mul(&u, z), z);
        assert!(r.c[2].encloses(q.c[2]));
    }

    #[test]
    fn products_and_composition() {
        // (1 + z)(1 - z) = 1 - z^2 exactly at degree 2.
        let z = Interval::new(-0.5, 0.5);
        let a: Poly<3> = Poly { c: [p(1.0), p(1.0), p(0.0)] };
        let b: Poly<3> = Poly { c: [p(1.0), p(-1.0), p(0.0)] };
        assert_eq!(a.mul(&b, z).c, [p(1.0), p(0.0), p(-1.0)]);
        // exp composed with u = 3 z at center 0, s = (1, 1), S_2 = [R(-1.5), R(1.5)].
        let u: Poly<3> = Poly { c: [p(0.0), p(3.0), p(0.0)] };
        let s2 = Interval::new(0.3, 0.8);
        let e = u.compose(&[p(1.0), p(1.0)], s2, z);
        // exp(3z) in 1 + 3z + 9 S_2 z^2
        assert_eq!(e.c[0], p(1.0));
        assert_eq!(e.c[1], p(3.0));
        assert!(crate::interval::close_to(e.c[2], Interval::new(0.3 * 9.0, 0.8 * 9.0)), "{}", e.c[2]);
    }
}
