//! Truncated Taylor series with coefficients in [`BigInterval`]s: exact
//! Taylor coefficients at a point, to a precision far beyond `f64`, for the
//! point coefficients of an enclosure. Each primitive contributes the
//! coefficients `sigma^(j)(u0) / j!` of its expansion about the exact
//! value `u0`, in forms that keep their relative accuracy (the sigmoid
//! family from `exp(-|u0|)`).

use crate::expr::Func;
use crate::interval::{Big, BigInterval, Prec};
use crate::prim::Prim;
use crate::prim::derivs::{eulerian, sigmoid_polys};

/// The coefficients `c_0 .. c_n` of a series in `z`.
pub type Series = Vec<BigInterval>;

/// The constant `c` as a series of `n + 1` coefficients.
pub fn constant(c: BigInterval, n: usize) -> Series {
    let mut s = vec![BigInterval::int(0); n + 1];
    s[0] = c;
    s
}

/// `a + b`.
pub fn add(p: Prec, a: &Series, b: &Series) -> Series {
    a.iter().zip(b).map(|(x, y)| p.add(x, y)).collect()
}

/// `a - b`.
pub fn sub(p: Prec, a: &Series, b: &Series) -> Series {
    a.iter().zip(b).map(|(x, y)| p.sub(x, y)).collect()
}

/// `c a` for a constant `c`.
pub fn scale(p: Prec, a: &Series, c: &BigInterval) -> Series {
    a.iter().map(|x| p.mul(x, c)).collect()
}

/// `a b`, truncated to the length of `a`.
pub fn mul(p: Prec, a: &Series, b: &Series) -> Series {
    let n = a.len();
    (0..n)
        .map(|i| {
            let mut acc = BigInterval::int(0);
            for j in 0..=i {
                if !(a[j].lo().is_zero() && a[j].hi().is_zero()) {
                    acc = p.add(&acc, &p.mul(&a[j], &b[i - j]));
                }
            }
            acc
        })
        .collect()
}

/// `a / b` (`None` where `b`'s constant term may be 0).
pub fn div(p: Prec, a: &Series, b: &Series) -> Option<Series> {
    let mut q: Series = Vec::with_capacity(a.len());
    for i in 0..a.len() {
        let mut num = a[i].clone();
        for j in 1..=i {
            num = p.sub(&num, &p.mul(&b[j], &q[i - j]));
        }
        q.push(p.div(&num, &b[0])?);
    }
    Some(q)
}

/// `a^n` for `n >= 0`.
pub fn powi(p: Prec, a: &Series, n: u32) -> Series {
    let mut result = constant(BigInterval::int(1), a.len() - 1);
    let mut base = a.clone();
    let mut k = n;
    while k > 0 {
        if k & 1 == 1 {
            result = mul(p, &result, &base);
        }
        k >>= 1;
        if k > 0 {
            base = mul(p, &base, &base);
        }
    }
    result
}

/// `sum_j s_j (u - u0)^j` with `u0 = u[0]`: the series of `sigma(u)` from
/// sigma's coefficients `s_j` about `u0`.
pub fn compose(p: Prec, u: &Series, s: &[BigInterval]) -> Series {
    let n = u.len() - 1;
    let mut d = u.clone();
    d[0] = BigInterval::int(0);
    let mut out = constant(s[0].clone(), n);
    let mut power = d.clone();
    for (j, sj) in s.iter().enumerate().skip(1) {
        if j > 1 {
            power = mul(p, &power, &d);
        }
        out = add(p, &out, &scale(p, &power, sj));
    }
    out
}

/// `sigma^(j)(u0) / j!` for `j = 0 ..= n`, or `None` where sigma or a
/// derivative is not defined (or not finite) at every point of `u0`.
pub fn coefficients(b: &Big, prim: Prim, u0: &BigInterval, n: usize) -> Option<Vec<BigInterval>> {
    let p = b.p;
    let by_factorial = |d: Vec<BigInterval>| -> Vec<BigInterval> {
        let mut fact = 1i64;
        d.iter()
            .enumerate()
            .map(|(j, v)| {
                if j > 1 {
                    fact *= j as i64;
                }
                p.div_int(v, fact)
            })
            .collect()
    };
    let one = BigInterval::int(1);
    let out = match prim {
        Prim::Func(Func::Exp) => {
            let e = b.exp(u0)?;
            by_factorial(vec![e; n + 1])
        }
        Prim::Func(Func::Expm1) => {
            let e = b.exp(u0)?;
            let mut d = vec![e; n + 1];
            d[0] = b.expm1(u0)?;
            by_factorial(d)
        }
        Prim::Func(f @ (Func::Log | Func::Log1p)) => {
            // log^(j)(t) / j! = (-1)^(j-1) / (j t^j)
            let t = if f == Func::Log { u0.clone() } else { p.add(u0, &one) };
            let inv = p.recip(&t)?;
            let mut out = vec![if f == Func::Log { b.ln(u0)? } else { b.log1p(u0)? }];
            let mut power = one.clone();
            for j in 1..=n {
                power = p.mul(&power, &inv);
                let term = p.div_int(&power, j as i64);
                out.push(if j % 2 == 1 { term } else { term.neg() });
            }
            out
        }
        Prim::Pow(q) => power_coefficients(b, u0, q, n)?,
        Prim::Func(Func::Cbrt) => {
            if u0.contains_zero() {
                return None;
            }
            // binom(1/3, j) cbrt(u0) / u0^j, with binom(1/3, j) = prod_{i<j} (1 - 3i) / (3^j j!).
            let root = p.cbrt(u0);
            let inv = p.recip(u0)?;
            let mut out = vec![root.clone()];
            let mut c = one.clone();
            let mut power = one.clone();
            for j in 1..=n {
                c = p.div_int(&p.mul(&c, &BigInterval::int(1 - 3 * (j as i64 - 1))), 3 * j as i64);
                power = p.mul(&power, &inv);
                out.push(p.mul(&p.mul(&c, &root), &power));
            }
            out
        }
        Prim::Func(Func::Sigmoid) => by_factorial(sigmoid_derivatives(b, u0, n)?),
        Prim::Func(Func::Softplus) => {
            let mut d = vec![b.softplus(u0)?];
            d.extend(sigmoid_derivatives(b, u0, n.saturating_sub(1))?.into_iter().take(n));
            by_factorial(d)
        }
        Prim::Func(Func::Tanh) => {
            // tanh^(j)(x) = 2^(j+1) sigmoid^(j)(2x) for j >= 1.
            let s = sigmoid_derivatives(b, &u0.shl(1), n)?;
            let mut d = vec![b.tanh(u0)?];
            d.extend(s.iter().enumerate().skip(1).map(|(j, v)| v.shl(j as i64 + 1)));
            by_factorial(d)
        }
        Prim::Func(Func::Swish) => {
            // swish^(j) = j sigmoid^(j-1) + x sigmoid^(j)
            let s = sigmoid_derivatives(b, u0, n)?;
            let d = (0..=n)
                .map(|j| {
                    let last = p.mul(u0, &s[j]);
                    if j == 0 { last } else { p.add(&p.mul(&BigInterval::int(j as i64), &s[j - 1]), &last) }
                })
                .collect();
            by_factorial(d)
        }
        Prim::Func(f @ (Func::Sin | Func::Cos)) => {
            let (s, c) = (b.sin(u0)?, b.cos(u0)?);
            let cycle = [s.clone(), c.clone(), s.neg(), c.neg()];
            let shift = usize::from(f == Func::Cos);
            by_factorial((0..=n).map(|j| cycle[(j + shift) % 4].clone()).collect())
        }
        Prim::Func(Func::Atan) => {
            // atan' = 1 / w with w = 1 + (u0 + z)^2 = (1 + u0^2) + 2 u0 z + z^2.
            let mut w = constant(p.add(&one, &p.sqr(u0)), n);
            for (j, c) in [(1, u0.shl(1)), (2, one.clone())] {
                if j <= n {
                    w[j] = c;
                }
            }
            let slope = div(p, &constant(one.clone(), n), &w)?;
            let mut out = vec![b.atan(u0)?];
            out.extend((1..=n).map(|j| p.div_int(&slope[j - 1], j as i64)));
            out
        }
        Prim::Func(Func::Tan) => {
            // sin / cos as series; None where cos(u0) may be 0 (a pole).
            let (s, c) = (b.sin(u0)?, b.cos(u0)?);
            let cycle = [s.clone(), c.clone(), s.neg(), c.neg()];
            let sin = by_factorial((0..=n).map(|j| cycle[j % 4].clone()).collect());
            let cos = by_factorial((0..=n).map(|j| cycle[(j + 1) % 4].clone()).collect());
            div(p, &sin, &cos)?
        }
        Prim::Func(f @ (Func::Sinh | Func::Cosh)) => {
            // sinh' = cosh, cosh' = sinh.
            let pair = [b.sinh(u0)?, b.cosh(u0)?];
            let shift = usize::from(f == Func::Cosh);
            by_factorial((0..=n).map(|j| pair[(j + shift) % 2].clone()).collect())
        }
        Prim::Func(Func::Erf) => by_factorial(erf_derivatives(b, u0, n)?),
        Prim::Func(f @ (Func::Abs | Func::Relu)) if n == 0 && u0.contains_zero() => {
            // The value alone is fine at the kink.
            let top = if f == Func::Abs { u0.mag() } else { u0.hi().clone() };
            vec![BigInterval::new(crate::interval::Dyadic::zero(), top)]
        }
        Prim::Func(f @ (Func::Abs | Func::Relu)) => {
            // Smooth away from the kink only.
            let sign = if u0.is_positive() {
                1
            } else if u0.is_negative() {
                -1
            } else {
                return None;
            };
            let (value, slope) = match (f, sign) {
                (Func::Relu, -1) => (BigInterval::int(0), 0),
                (Func::Relu, _) => (u0.clone(), 1),
                (_, s) => (if s > 0 { u0.clone() } else { u0.neg() }, s),
            };
            let mut out = vec![BigInterval::int(0); n + 1];
            out[0] = value;
            if n >= 1 {
                out[1] = BigInterval::int(slope);
            }
            out
        }
        Prim::Func(Func::Sqrt | Func::Rsqrt) => unreachable!("Prim::of maps sqrt and rsqrt to powers"),
    };
    Some(out)
}

/// `erf^(j)(u0)` for `j = 0 ..= n`: `erf^(j) = (-1)^(j-1) H_{j-1} erf'` with
/// `erf' = 2/sqrt(pi) e^(-x^2)` and the Hermite polynomials `H_0 = 1`,
/// `H_1 = 2x`, `H_{m+1} = 2x H_m - 2m H_{m-1}` (Rodrigues' formula
/// `(d/dx)^m e^(-x^2) = (-1)^m H_m e^(-x^2)`).
fn erf_derivatives(b: &Big, u0: &BigInterval, n: usize) -> Option<Vec<BigInterval>> {
    let p = b.p;
    let mut out = vec![b.erf(u0)?];
    if n == 0 {
        return Some(out);
    }
    let slope = b.erf_slope(u0)?;
    let two_x = u0.shl(1);
    let (mut prev, mut h) = (BigInterval::int(0), BigInterval::int(1));
    for j in 1..=n {
        let v = p.mul(&h, &slope);
        out.push(if j % 2 == 0 { v.neg() } else { v });
        let next = p.sub(&p.mul(&two_x, &h), &p.mul(&BigInterval::int(2 * (j as i64 - 1)), &prev));
        (prev, h) = (h, next);
    }
    Some(out)
}

/// `binom(q, j) u0^(q-j)` for `x^q`: `u0^q` once, then divided by `u0` (an
/// integer power of a negative or zero `u0` is fine; a fractional one needs
/// `u0 > 0`).
fn power_coefficients(b: &Big, u0: &BigInterval, q: f64, n: usize) -> Option<Vec<BigInterval>> {
    let p = b.p;
    let integer = q.fract() == 0.0;
    if integer && q >= 0.0 && q <= n as f64 {
        // A polynomial: every coefficient from binomials, exactly, even at 0.
        let k = q as i64;
        return Some(
            (0..=n as i64)
                .map(|j| {
                    if j > k {
                        return BigInterval::int(0);
                    }
                    let c = (0..j)
                        .fold(BigInterval::int(1), |acc, i| p.div_int(&p.mul(&acc, &BigInterval::int(k - i)), i + 1));
                    p.mul(&c, &p.powi(u0, k - j).expect("non-negative power"))
                })
                .collect(),
        );
    }
    if n == 0 && q > 0.0 && !integer && u0.lo().signum() >= 0 {
        // The value alone, x^q increasing from 0.
        let lo = if u0.lo().is_zero() {
            crate::interval::Dyadic::zero()
        } else {
            b.powf(&BigInterval::point(u0.lo().clone()), q)?.lo().clone()
        };
        let hi = if u0.hi().is_zero() {
            crate::interval::Dyadic::zero()
        } else {
            b.powf(&BigInterval::point(u0.hi().clone()), q)?.hi().clone()
        };
        return Some(vec![BigInterval::new(lo, hi)]);
    }
    if !(u0.is_positive() || integer && !u0.contains_zero()) {
        return None;
    }
    let qi = BigInterval::from_f64(q)?;
    let base = b.powf(u0, q)?;
    let inv = p.recip(u0)?;
    let mut out = vec![base.clone()];
    let mut c = BigInterval::int(1);
    let mut power = BigInterval::int(1);
    for j in 1..=n {
        let factor = p.sub(&qi, &BigInterval::int(j as i64 - 1));
        c = p.div_int(&p.mul(&c, &factor), j as i64);
        power = p.mul(&power, &inv);
        out.push(p.mul(&p.mul(&c, &base), &power));
    }
    Some(out)
}

/// `sigmoid^(j)(u0)` for `j = 0 ..= n` (`n <= 11`). On one side of 0 from
/// `u = exp(-|u0|)`: `sigmoid^(j)(x) = sum_k (-1)^k A(j, k) u^(j-k) / (1 + u)^(j+1)`
/// for `x >= 0`, mirrored by `sigmoid^(j)(-x) = (-1)^(j+1) sigmoid^(j)(x)`;
/// across 0 from the polynomials in `s = sigmoid(u0)`, which do not cancel there.
pub fn sigmoid_derivatives(b: &Big, u0: &BigInterval, n: usize) -> Option<Vec<BigInterval>> {
    let p = b.p;
    let s = b.sigmoid(u0)?;
    let mut out = vec![s.clone()];
    if u0.contains_zero() {
        for j in 1..=n {
            let poly = &sigmoid_polys()[j];
            let v = poly.iter().rev().fold(BigInterval::int(0), |acc, &c| {
                p.add(&p.mul(&acc, &s), &BigInterval::from_f64(c).expect("an integer"))
            });
            out.push(v);
        }
        return Some(out);
    }
    let negative = u0.is_negative();
    let (ua, ub) = (b.exp_of_minus_abs(u0.lo())?, b.exp_of_minus_abs(u0.hi())?);
    let u = ua.hull(&ub);
    let one = BigInterval::int(1);
    let denom = p.add(&one, &u);
    for j in 1..=n {
        let a = &eulerian()[j];
        let mut acc = BigInterval::int(0);
        for i in (1..=j).rev() {
            let c = a[j - i] * if (j - i) % 2 == 0 { 1.0 } else { -1.0 };
            acc = p.mul(&p.add(&acc, &BigInterval::from_f64(c).expect("an integer")), &u);
        }
        let v = p.div(&acc, &p.powi(&denom, j as i64 + 1)?)?;
        out.push(if negative && j % 2 == 0 { v.neg() } else { v });
    }
    Some(out)
}
