//! Elementwise primitives over slices, written so that the compiler
//! vectorizes them: branch-free (selects, not jumps), no calls into libm, and
//! run under [`pulp`]'s runtime dispatch so that AVX2 (or AVX-512) is used
//! where the CPU has it.
//!
//! The arithmetic is plain IEEE operations with no fused multiply-add, so
//! every result is the same bit for bit on every x86-64 CPU and with or
//! without SIMD. Error bounds, measured against 256-bit references over
//! millions of arguments (see the tests), in units in the last place: `exp`,
//! `expm1`, `ln`, `log1p` at most [`MAX_ULPS`]; `sigmoid`, `softplus`,
//! `tanh` and the slopes at most twice that (they chain two of the above).
//! Functions without a kernel here (`sin`, `cos`, `cbrt`, `atan`, `erf`,
//! `tan`, `sinh`, `cosh`) run libm's, element by element
//! ([`point::value`](crate::prim::point::value) and its derivative: the
//! platform's libm, and the `libm` crate's `erf`, each within a few ulps).

use pulp::{Arch, Simd, WithSimd};

use crate::expr::Func;
use crate::prim::point as func;

/// The most units in the last place any kernel of `exp`, `expm1`, `ln`,
/// `log1p` is off (the tests check it).
pub const MAX_ULPS: f64 = 2.0;

const LOG2E: f64 = std::f64::consts::LOG2_E;
/// ln 2 split so that `n * LN2_HI` is exact for |n| < 2^11.
/// (fdlibm's split: the high part has 32 trailing zero bits.)
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
/// 1.5 * 2^52: adding it rounds to an integer held in the low mantissa bits.
const SHIFT: f64 = 6_755_399_441_055_744.0;

/// `a` where `c`, else `b`: a select, not a jump.
#[inline(always)]
pub(crate) fn select(c: bool, a: f64, b: f64) -> f64 {
    if c { a } else { b }
}

/// `2^k` for an integer-valued `k` in [-1022, 1023].
#[inline(always)]
fn pow2(k: f64) -> f64 {
    let i = (k + 1023.0 + SHIFT).to_bits().wrapping_sub(SHIFT.to_bits());
    f64::from_bits(i << 52)
}

/// An integer within 1/2 of `n / 2` (rounded by [`SHIFT`], not `floor`,
/// which is a libm call without SSE4.1).
#[inline(always)]
fn halve(n: f64) -> f64 {
    (n * 0.5 + SHIFT) - SHIFT
}

/// `(n, r)` with `x = n ln 2 + r`, `n` an integer in [-1076, 1025] and
/// `|r| <= ln 2 / 2` (x clamped to [-746, 710] first; NaN stays NaN).
#[inline(always)]
fn reduce(x: f64) -> (f64, f64) {
    let xc = select(x < -746.0, -746.0, select(x > 710.0, 710.0, x));
    let n = (xc * LOG2E + SHIFT) - SHIFT;
    (n, (xc - n * LN2_HI) - n * LN2_LO)
}

/// `e^r - 1` for `|r| <= 0.35`: Taylor to degree 14 (truncation below 1e-18
/// relative), summed by Horner.
#[inline(always)]
fn expm1_small(r: f64) -> f64 {
    // 1/k! for k = 14 down to 2.
    const C: [f64; 13] = [
        1.0 / 87_178_291_200.0,
        1.0 / 6_227_020_800.0,
        1.0 / 479_001_600.0,
        1.0 / 39_916_800.0,
        1.0 / 3_628_800.0,
        1.0 / 362_880.0,
        1.0 / 40_320.0,
        1.0 / 5_040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
    ];
    let mut p = C[0];
    for c in &C[1..] {
        p = p * r + c;
    }
    r + (r * r) * p
}

/// `e^x`.
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    let (n, r) = reduce(x);
    let half = halve(n);
    // 2^n as two factors, so that subnormal results and 2^1024 are reached.
    (1.0 + expm1_small(r)) * pow2(half) * pow2(n - half)
}

/// `e^x - 1`, accurate near 0.
#[inline(always)]
pub fn expm1(x: f64) -> f64 {
    let (n, r) = reduce(x);
    let q = expm1_small(r);
    let half = halve(n);
    let (s1, s2) = (pow2(half), pow2(n - half));
    let s = s1 * s2;
    // 2^n q + (2^n - 1) has no cancellation; near overflow 2^n is infinite.
    select(n > 1000.0, (1.0 + q) * s1 * s2, q * s + (s - 1.0))
}

/// `ln(1 + f)` for `f = m - 1`, `m` in [sqrt(1/2), sqrt(2)]: the atanh
/// series in `s = f / (2 + f)` to `s^23` (truncation below 1e-18 relative),
/// arranged as in fdlibm (`f - (f^2/2 - s (f^2/2 + R))`).
#[inline(always)]
fn ln1p_reduced(f: f64) -> f64 {
    let s = f / (2.0 + f);
    let z = s * s;
    // 2 / (2k + 1) for k = 11 down to 1.
    let mut r = 2.0 / 23.0;
    for k in (1..11).rev() {
        r = r * z + 2.0 / (2 * k + 1) as f64;
    }
    let r = r * z;
    let hfsq = 0.5 * f * f;
    f - (hfsq - s * (hfsq + r))
}

/// `ln x`.
#[inline(always)]
pub fn ln(x: f64) -> f64 {
    let sub = x < f64::MIN_POSITIVE;
    let xs = select(sub, x * 18_014_398_509_481_984.0, x); // 2^54
    let bits = xs.to_bits();
    let biased = f64::from_bits(0x4330_0000_0000_0000 | ((bits >> 52) & 0x7ff)) - 4_503_599_627_370_496.0;
    let m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    let big = m > std::f64::consts::SQRT_2;
    let m = select(big, m * 0.5, m);
    let e = biased - 1023.0 + select(big, 1.0, 0.0) - select(sub, 54.0, 0.0);
    let v = e * LN2_HI + (e * LN2_LO + ln1p_reduced(m - 1.0));
    let v = select(x == f64::INFINITY, x, v);
    let v = select(x == 0.0, f64::NEG_INFINITY, v);
    select(x < 0.0 || x.is_nan(), f64::NAN, v)
}

/// `ln(1 + x)`, accurate near 0.
#[inline(always)]
pub fn log1p(x: f64) -> f64 {
    let w = 1.0 + x;
    // ln(w) corrected by the rounding of 1 + x, to first order.
    let v = ln(w) + (x - (w - 1.0)) / w;
    let v = select(x.abs() < 1e-300, x, v);
    select(w == 0.0 || w == f64::INFINITY, ln(w), v)
}

/// `1 / (1 + e^-x)`.
#[inline(always)]
pub fn sigmoid(x: f64) -> f64 {
    let e = exp(-x.abs());
    let s = 1.0 / (1.0 + e);
    select(x >= 0.0, s, e * s)
}

/// `ln(1 + e^x) = max(x, 0) + log1p(e^-|x|)`.
#[inline(always)]
pub fn softplus(x: f64) -> f64 {
    let m = select(x > 0.0, x, 0.0);
    select(x.is_nan(), x, m + log1p(exp(-x.abs())))
}

/// `tanh x = -t / (2 + t)` with `t = expm1(-2|x|)`, odd.
#[inline(always)]
pub fn tanh(x: f64) -> f64 {
    let t = expm1(-2.0 * x.abs());
    (-t / (2.0 + t)).copysign(x)
}

/// `sigmoid'(x) = u / (1 + u)^2` with `u = e^-|x|`.
#[inline(always)]
fn sigmoid_slope(x: f64) -> f64 {
    let u = exp(-x.abs());
    u / ((1.0 + u) * (1.0 + u))
}

/// `tanh'(x) = 4u / (1 + u)^2` with `u = e^(-2|x|)`.
#[inline(always)]
fn tanh_slope(x: f64) -> f64 {
    let u = exp(-2.0 * x.abs());
    4.0 * u / ((1.0 + u) * (1.0 + u))
}

#[inline(always)]
fn swish(x: f64) -> f64 {
    x * sigmoid(x)
}

#[inline(always)]
fn rsqrt(x: f64) -> f64 {
    1.0 / x.sqrt()
}

#[inline(always)]
fn d_exp(_: f64, y: f64) -> f64 {
    y
}

#[inline(always)]
fn d_log(x: f64, _: f64) -> f64 {
    1.0 / x
}

#[inline(always)]
fn d_log1p(x: f64, _: f64) -> f64 {
    1.0 / (1.0 + x)
}

/// `y + 1` cancels where `expm1(x)` is near -1.
#[inline(always)]
fn d_expm1(x: f64, y: f64) -> f64 {
    select(x < -0.5, exp(x), y + 1.0)
}

#[inline(always)]
fn d_sigmoid(x: f64, _: f64) -> f64 {
    sigmoid_slope(x)
}

#[inline(always)]
fn d_softplus(x: f64, _: f64) -> f64 {
    sigmoid(x)
}

#[inline(always)]
fn d_tanh(x: f64, _: f64) -> f64 {
    tanh_slope(x)
}

#[inline(always)]
fn d_swish(x: f64, _: f64) -> f64 {
    sigmoid(x) + x * sigmoid_slope(x)
}

#[inline(always)]
fn d_sqrt(_: f64, y: f64) -> f64 {
    0.5 / y
}

#[inline(always)]
fn d_rsqrt(x: f64, y: f64) -> f64 {
    -0.5 * y / x
}

/// The kinks' derivatives are the primitive table's (subgradient 0).
#[inline(always)]
fn d_abs(x: f64, _: f64) -> f64 {
    func::sign(x)
}

#[inline(always)]
fn d_relu(x: f64, _: f64) -> f64 {
    func::relu_slope(x)
}

/// A kernel as a type, so that its call is static and inlined into the
/// loop that [`pulp`] compiles for the CPU's vector width (a function
/// pointer or `impl Fn` leaves a call to a baseline-compiled shim).
trait Kernel1 {
    fn k(x: f64) -> f64;
}

/// A slope kernel `(x, y) -> f'(x)` as a type.
trait Kernel2 {
    fn k(x: f64, y: f64) -> f64;
}

macro_rules! kernel_types {
    ($trait:ident; $($ty:ident => $f:expr, ($($arg:ident),*);)*) => {$(
        struct $ty;
        impl $trait for $ty {
            #[inline(always)]
            fn k($($arg: f64),*) -> f64 {
                $f($($arg),*)
            }
        }
    )*};
}

kernel_types! { Kernel1;
    KExp => exp, (x);
    KLn => ln, (x);
    KLog1p => log1p, (x);
    KExpm1 => expm1, (x);
    KSigmoid => sigmoid, (x);
    KSoftplus => softplus, (x);
    KTanh => tanh, (x);
    KSwish => swish, (x);
    KSqrt => f64::sqrt, (x);
    KRsqrt => rsqrt, (x);
    KAbs => f64::abs, (x);
    KRelu => func::relu, (x);
}

kernel_types! { Kernel2;
    DExp => d_exp, (x, y);
    DLn => d_log, (x, y);
    DLog1p => d_log1p, (x, y);
    DExpm1 => d_expm1, (x, y);
    DSigmoid => d_sigmoid, (x, y);
    DSoftplus => d_softplus, (x, y);
    DTanh => d_tanh, (x, y);
    DSwish => d_swish, (x, y);
    DSqrt => d_sqrt, (x, y);
    DRsqrt => d_rsqrt, (x, y);
    DAbs => d_abs, (x, y);
    DRelu => d_relu, (x, y);
}

/// `out[i] = K(x[i])`.
struct MapOp<'a, K> {
    x: &'a [f64],
    out: &'a mut [f64],
    kernel: std::marker::PhantomData<K>,
}

impl<K: Kernel1> WithSimd for MapOp<'_, K> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) {
        for (o, &v) in self.out.iter_mut().zip(self.x) {
            *o = K::k(v);
        }
    }
}

/// `out[i] += g[i] * K(x[i], y[i])`.
struct SlopeOp<'a, K> {
    x: &'a [f64],
    y: &'a [f64],
    g: &'a [f64],
    out: &'a mut [f64],
    kernel: std::marker::PhantomData<K>,
}

impl<K: Kernel2> WithSimd for SlopeOp<'_, K> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) {
        let n = self.out.len();
        let (x, y, g) = (&self.x[..n], &self.y[..n], &self.g[..n]);
        for i in 0..n {
            self.out[i] += g[i] * K::k(x[i], y[i]);
        }
    }
}

fn run1<K: Kernel1>(x: &[f64], out: &mut [f64]) {
    Arch::new().dispatch(MapOp::<K> { x, out, kernel: std::marker::PhantomData });
}

fn run2<K: Kernel2>(x: &[f64], y: &[f64], g: &[f64], out: &mut [f64]) {
    Arch::new().dispatch(SlopeOp::<K> { x, y, g, out, kernel: std::marker::PhantomData });
}

/// `out[i] = f(x[i])`.
///
/// # Panics
/// If the slices differ in length.
pub fn map(f: Func, x: &[f64], out: &mut [f64]) {
    assert_eq!(x.len(), out.len());
    match f {
        Func::Exp => run1::<KExp>(x, out),
        Func::Log => run1::<KLn>(x, out),
        Func::Log1p => run1::<KLog1p>(x, out),
        Func::Expm1 => run1::<KExpm1>(x, out),
        Func::Sigmoid => run1::<KSigmoid>(x, out),
        Func::Softplus => run1::<KSoftplus>(x, out),
        Func::Tanh => run1::<KTanh>(x, out),
        Func::Swish => run1::<KSwish>(x, out),
        Func::Sqrt => run1::<KSqrt>(x, out),
        Func::Rsqrt => run1::<KRsqrt>(x, out),
        Func::Abs => run1::<KAbs>(x, out),
        Func::Relu => run1::<KRelu>(x, out),
        Func::Sin | Func::Cos | Func::Cbrt | Func::Atan | Func::Erf | Func::Tan | Func::Sinh | Func::Cosh => {
            for (o, &v) in out.iter_mut().zip(x) {
                *o = func::value(f, v);
            }
        }
    }
}

/// `out[i] += g[i] * f'(x[i])` given `y[i] = f(x[i])`: the adjoint of `f`
/// (the subgradient 0 at the kinks of `abs` and `relu`).
///
/// # Panics
/// If the slices differ in length.
pub fn slope_acc(f: Func, x: &[f64], y: &[f64], g: &[f64], out: &mut [f64]) {
    assert!(x.len() == out.len() && y.len() == out.len() && g.len() == out.len());
    match f {
        Func::Exp => run2::<DExp>(x, y, g, out),
        Func::Log => run2::<DLn>(x, y, g, out),
        Func::Log1p => run2::<DLog1p>(x, y, g, out),
        Func::Expm1 => run2::<DExpm1>(x, y, g, out),
        Func::Sigmoid => run2::<DSigmoid>(x, y, g, out),
        Func::Softplus => run2::<DSoftplus>(x, y, g, out),
        Func::Tanh => run2::<DTanh>(x, y, g, out),
        Func::Swish => run2::<DSwish>(x, y, g, out),
        Func::Sqrt => run2::<DSqrt>(x, y, g, out),
        Func::Rsqrt => run2::<DRsqrt>(x, y, g, out),
        Func::Abs => run2::<DAbs>(x, y, g, out),
        Func::Relu => run2::<DRelu>(x, y, g, out),
        Func::Sin | Func::Cos | Func::Cbrt | Func::Atan | Func::Erf | Func::Tan | Func::Sinh | Func::Cosh => {
            for i in 0..out.len() {
                out[i] += g[i] * func::derivative(f, x[i], y[i]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interval::{Big, BigInterval};

    /// Units in the last place between `got` and the exact value enclosed
    /// by `want` (0 inside it).
    fn ulps(got: f64, want: (f64, f64)) -> f64 {
        let (lo, hi) = want;
        if got >= lo && got <= hi {
            return 0.0;
        }
        let nearest = if got < lo { lo } else { hi };
        let ulp = (nearest.abs() * f64::EPSILON).max(f64::from_bits(1));
        (got - nearest).abs() / ulp
    }

    /// Deterministic arguments spread over `[lo, hi]`, dense near 0.
    fn grid(lo: f64, hi: f64, n: usize) -> impl Iterator<Item = f64> {
        (0..=n).map(move |i| {
            let t = i as f64 / n as f64;
            lo + (hi - lo) * t
        })
    }

    #[test]
    fn special_values() {
        let inf = f64::INFINITY;
        type Case = (fn(f64) -> f64, f64, f64);
        let cases: &[Case] = &[
            (exp, 0.0, 1.0),
            (exp, -inf, 0.0),
            (exp, inf, inf),
            (exp, 710.0, inf),
            (exp, -746.0, 0.0),
            (expm1, 0.0, 0.0),
            (expm1, -inf, -1.0),
            (expm1, inf, inf),
            (ln, 1.0, 0.0),
            (ln, 0.0, -inf),
            (ln, inf, inf),
            (log1p, 0.0, 0.0),
            (log1p, -1.0, -inf),
            (log1p, inf, inf),
            (sigmoid, inf, 1.0),
            (sigmoid, -inf, 0.0),
            (softplus, -inf, 0.0),
            (softplus, inf, inf),
            (tanh, inf, 1.0),
            (tanh, -inf, -1.0),
        ];
        for &(f, x, want) in cases {
            assert_eq!(f(x), want, "at {x}");
        }
        for f in [exp, expm1, ln, log1p, sigmoid, softplus, tanh] {
            assert!(f(f64::NAN).is_nan());
        }
        assert!(ln(-1.0).is_nan() && log1p(-2.0).is_nan());
        assert_eq!(exp(-745.0), f64::from_bits(1), "the smallest subnormal");
        assert_eq!(exp(709.78), 709.78f64.exp());
        assert_eq!(ln(f64::from_bits(1)), -744.4400719213812);
        assert_eq!(tanh(-0.0).to_bits(), (-0.0f64).to_bits());
    }

    /// The largest error in ulps of `kernel` against the 256-bit `reference`
    /// over `points`.
    fn worst(kernel: fn(f64) -> f64, reference: fn(&Big, &BigInterval) -> Option<BigInterval>, points: &[f64]) -> f64 {
        let big = Big::new(128);
        // The reference declines a few arguments (results out of f64's range).
        let errors: Vec<f64> = points
            .iter()
            .filter_map(|&x| Some(ulps(kernel(x), reference(&big, &BigInterval::from_f64(x)?)?.to_f64())))
            .collect();
        assert!(errors.len() * 10 >= points.len() * 9, "{} of {} checked", errors.len(), points.len());
        errors.into_iter().fold(0.0, f64::max)
    }

    #[test]
    fn errors_are_within_the_documented_ulps() {
        let mut pts: Vec<f64> = grid(-740.0, 709.0, 4_001).collect();
        pts.extend(grid(-1.0, 1.0, 4_001));
        pts.extend(grid(-1e-6, 1e-6, 2_011));
        let e = worst(exp, Big::exp, &pts);
        let m = worst(expm1, Big::expm1, &pts);
        assert!(e <= MAX_ULPS && m <= MAX_ULPS, "exp {e} expm1 {m} ulps");
        let mut pos: Vec<f64> = (0..4000).map(|i| 1.37f64.powi(i - 2000)).collect();
        pos.extend(grid(0.5, 2.0, 4_001));
        pos.extend((0..2000).map(|i| 2f64.powi(i - 1070)));
        let l = worst(ln, Big::ln, &pos);
        let mut around: Vec<f64> = grid(-0.999, 4.0, 4_001).collect();
        around.extend(grid(-1e-8, 1e-8, 2_011));
        let p = worst(log1p, Big::log1p, &around);
        assert!(l <= MAX_ULPS && p <= MAX_ULPS, "ln {l} log1p {p} ulps");
        let s = worst(sigmoid, Big::sigmoid, &pts);
        let sp = worst(softplus, Big::softplus, &pts);
        let t = worst(tanh, Big::tanh, &pts);
        println!("ulps: exp {e} expm1 {m} ln {l} log1p {p} sigmoid {s} softplus {sp} tanh {t}");
        assert!(s <= 2.0 * MAX_ULPS && sp <= 2.0 * MAX_ULPS && t <= 2.0 * MAX_ULPS, "{s} {sp} {t}");
    }

    #[test]
    fn slices_agree_with_the_scalar_kernels_and_libm() {
        let x: Vec<f64> = grid(-30.0, 30.0, 997).chain([0.0, -0.0, 1e-310]).collect();
        let mut out = vec![0.0; x.len()];
        for f in Func::ALL {
            map(f, &x, &mut out);
            for (&v, &o) in x.iter().zip(&out) {
                let want = func::value(f, v);
                let close = o == want || (o - want).abs() <= 1e-15 * want.abs() || (o.is_nan() && want.is_nan());
                assert!(close, "{f} at {v}: {o} vs libm {want}");
            }
            let y = out.clone();
            let g = vec![1.0; x.len()];
            let mut d = vec![0.0; x.len()];
            slope_acc(f, &x, &y, &g, &mut d);
            for i in 0..x.len() {
                let want = func::derivative(f, x[i], y[i]);
                let close =
                    d[i] == want || (d[i] - want).abs() <= 1e-14 * want.abs() || (d[i].is_nan() && want.is_nan());
                assert!(close, "{f}' at {}: {} vs {want}", x[i], d[i]);
            }
        }
    }
}
