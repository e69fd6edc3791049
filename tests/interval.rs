//! Interval enclosures against f64 at points of random intervals: every
//! elementary function and arithmetic operation must contain its f64 value
//! (up to the reference's own rounding), and num-dual's dual numbers
//! carrying intervals must contain the derivatives that the same dual
//! numbers compute in f64 at every point of the interval.

mod common;

use majorize::Interval;
use num_dual::{Dual3, Dual3_64, DualNum};
use num_traits::Signed;
use proptest::prelude::*;
use std::f64::consts::{FRAC_PI_2, LN_2};
use std::ops::{Add, Mul, Rem};

/// Correctly rounded references (IEEE operations, sqrt, fmod, fma): the
/// rounded value of a number inside `[lo, hi]` stays inside.
const EXACT: u32 = 0;
/// One libm call (glibc: at most 1-2 ulps).
const LIBM: u32 = 2;
/// References composed of a few libm calls and operations.
const COMPOSITE: u32 = 8;

/// `y` lies in `r` widened by `ulps` on each side.
fn within(r: Interval, y: f64, ulps: u32) -> bool {
    let (mut lo, mut hi) = (r.lo(), r.hi());
    for _ in 0..ulps {
        lo = lo.next_down();
        hi = hi.next_up();
    }
    lo <= y && y <= hi
}

/// Random intervals: moderate, narrow, straddling 0, inside [-1, 1], tiny
/// (down to subnormals), wide (up to 1e308), half-infinite, with an integer
/// end (0 and ±1 are where domains and branches change), points, ENTIRE.
fn interval() -> impl Strategy<Value = Interval> {
    let ordered = |(a, b): (f64, f64)| Interval::new(a.min(b), a.max(b));
    prop_oneof![
        3 => (-20.0..20.0f64, -20.0..20.0f64).prop_map(ordered),
        3 => (-10.0..10.0f64, -16.0..0.0f64).prop_map(|(c, e)| {
            let r = 10f64.powf(e) * c.abs().max(1e-3);
            Interval::new(c - r, c + r)
        }),
        2 => (1e-3..10.0f64, 1e-3..10.0f64).prop_map(|(a, b)| Interval::new(-a, b)),
        2 => (-1.0..=1.0f64, -1.0..=1.0f64).prop_map(ordered),
        1 => (-320.0..-250.0f64, -320.0..-250.0f64, any::<bool>()).prop_map(move |(a, b, straddle)| {
            let (a, b) = (10f64.powf(a), 10f64.powf(b));
            if straddle { Interval::new(-a, b) } else { ordered((a, b)) }
        }),
        1 => (0.0..308.0f64, 0.0..308.0f64).prop_map(|(a, b)| Interval::new(-(10f64.powf(a)), 10f64.powf(b))),
        1 => (-50.0..50.0f64, any::<bool>()).prop_map(|(a, up)| {
            if up { Interval::new(a, f64::INFINITY) } else { Interval::new(f64::NEG_INFINITY, a) }
        }),
        2 => (-4..=4i32, 0.0..6.0f64, any::<bool>()).prop_map(|(k, w, up)| {
            let k = f64::from(k);
            if up { Interval::new(k, k + w) } else { Interval::new(k - w, k) }
        }),
        1 => prop_oneof![Just(0.0), Just(1.0), Just(-1.0), Just(FRAC_PI_2), -20.0..20.0f64].prop_map(Interval::point),
        1 => Just(Interval::ENTIRE),
    ]
}

/// Where in an interval to take a point: its ends often, else inside.
fn unit() -> impl Strategy<Value = f64> {
    prop_oneof![1 => Just(0.0), 1 => Just(1.0), 6 => 0.0..=1.0f64]
}

/// A finite point of `x` for `t` in [0, 1]; in a half-infinite interval at
/// distances up to about 1e300 from its end. `-0.0` is returned as `+0.0`.
fn point_in(x: Interval, t: f64) -> f64 {
    let p = match (x.lo().is_finite(), x.hi().is_finite()) {
        (true, true) => (x.lo() * (1.0 - t) + x.hi() * t).clamp(x.lo(), x.hi()),
        (true, false) => x.lo() + (t * 690.0).exp_m1(),
        (false, true) => x.hi() - (t * 690.0).exp_m1(),
        (false, false) => (2.0 * t - 1.0).signum() * ((2.0 * t - 1.0).abs() * 690.0).exp_m1(),
    };
    p + 0.0
}

fn sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 { 1.0 / (1.0 + (-x).exp()) } else { x.exp() / (1.0 + x.exp()) }
}

fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

/// `acosh` accurate near 1 too (std's `f64::acosh` is not).
fn acosh(x: f64) -> f64 {
    if x > 1e150 {
        x.ln() + LN_2
    } else {
        let d = x - 1.0;
        (d + (d * (d + 2.0)).sqrt()).ln_1p()
    }
}

/// `asinh` without std's overflow above `f64::MAX / 2`.
fn asinh(x: f64) -> f64 {
    if x.abs() > 1e150 { (x.abs().ln() + LN_2).copysign(x) } else { x.asinh() }
}

/// `atanh` through `|x|`, accurate near -1 too (std's `f64::atanh` takes
/// `ln_1p` of a number near -1 there and loses about 40 ulps).
fn atanh(x: f64) -> f64 {
    let a = x.abs();
    (0.5 * (2.0 * a / (1.0 - a)).ln_1p()).copysign(x)
}

type Unary = (&'static str, fn(Interval) -> Interval, fn(f64) -> f64, u32);

const UNARY: &[Unary] = &[
    ("neg", |x| -x, |x| -x, EXACT),
    ("sqr", Interval::sqr, |x| x * x, EXACT),
    ("recip", Interval::recip, |x| 1.0 / x, EXACT),
    ("inv", num_traits::Inv::inv, |x| 1.0 / x, EXACT),
    ("sqrt", Interval::sqrt, f64::sqrt, EXACT),
    ("abs", Interval::abs, f64::abs, EXACT),
    ("relu", Interval::relu, |x| x.max(0.0), EXACT),
    ("signum", |x| x.signum(), sign, EXACT),
    ("rsqrt", Interval::rsqrt, |x| 1.0 / x.sqrt(), LIBM),
    ("exp", Interval::exp, f64::exp, LIBM),
    ("exp_m1", Interval::exp_m1, f64::exp_m1, LIBM),
    ("exp2", |x| x.exp2(), f64::exp2, LIBM),
    ("ln", Interval::ln, f64::ln, LIBM),
    ("ln_1p", Interval::ln_1p, f64::ln_1p, LIBM),
    ("log2", |x| x.log2(), f64::log2, LIBM),
    ("log10", |x| x.log10(), f64::log10, LIBM),
    ("cbrt", Interval::cbrt, f64::cbrt, LIBM),
    ("sin", Interval::sin, f64::sin, LIBM),
    ("cos", Interval::cos, f64::cos, LIBM),
    ("sin_cos.0", |x| DualNum::sin_cos(&x).0, f64::sin, LIBM),
    ("sin_cos.1", |x| DualNum::sin_cos(&x).1, f64::cos, LIBM),
    ("tan", |x| x.tan(), f64::tan, LIBM),
    ("asin", |x| x.asin(), f64::asin, LIBM),
    ("acos", |x| x.acos(), f64::acos, LIBM),
    ("atan", Interval::atan, f64::atan, LIBM),
    ("sinh", |x| x.sinh(), f64::sinh, LIBM),
    ("cosh", |x| x.cosh(), f64::cosh, LIBM),
    ("tanh", Interval::tanh, f64::tanh, LIBM),
    ("asinh", |x| x.asinh(), asinh, COMPOSITE),
    ("acosh", |x| x.acosh(), acosh, COMPOSITE),
    ("atanh", |x| x.atanh(), atanh, COMPOSITE),
    ("sigmoid", Interval::sigmoid, sigmoid, COMPOSITE),
    ("softplus", Interval::softplus, softplus, COMPOSITE),
    ("swish", Interval::swish, |x| x * sigmoid(x), COMPOSITE),
];

type Binary = (&'static str, fn(Interval, Interval) -> Interval, fn(f64, f64) -> f64, u32);

const BINARY: &[Binary] = &[
    ("+", |x, y| x + y, |x, y| x + y, EXACT),
    ("-", |x, y| x - y, |x, y| x - y, EXACT),
    ("*", |x, y| x * y, |x, y| x * y, EXACT),
    ("/", |x, y| x / y, |x, y| x / y, EXACT),
    ("%", |x, y| x % y, |x, y| x % y, EXACT),
    ("+ &", |x, y| Add::add(x, &y), |x, y| x + y, EXACT),
    ("* &", |x, y| Mul::mul(x, &y), |x, y| x * y, EXACT),
    ("% &", |x, y| Rem::rem(x, &y), |x, y| x % y, EXACT),
    (
        "-=",
        |mut x, y| {
            x -= y;
            x
        },
        |x, y| x - y,
        EXACT,
    ),
    (
        "/=",
        |mut x, y| {
            x /= y;
            x
        },
        |x, y| x / y,
        EXACT,
    ),
    (
        "%=",
        |mut x, y| {
            x %= y;
            x
        },
        |x, y| x % y,
        EXACT,
    ),
    ("abs_sub", |x, y| x.abs_sub(&y), |x, y| (x - y).max(0.0), EXACT),
    ("scale", |x, y| DualNum::scale(x, &y), |x, y| x * y, EXACT),
    ("mul_add", |x, y| DualNum::mul_add(&x, y, x), |x, y| x.mul_add(y, x), EXACT),
    ("atan2", |y, x| y.atan2(x), f64::atan2, LIBM),
    ("powd", |x, y| x.powd(y), f64::powf, LIBM),
];

/// `f(x, c)`, `f(c, x)` and their assignment forms with an f64 operand.
type Scalar = (&'static str, fn(Interval, f64) -> Interval, fn(f64, f64) -> f64);

const SCALAR: &[Scalar] = &[
    ("x + c", |x, c| x + c, |x, c| x + c),
    ("c - x", |x, c| c - x, |x, c| c - x),
    ("x * c", |x, c| x * c, |x, c| x * c),
    ("c / x", |x, c| c / x, |x, c| c / x),
    ("x / c", |x, c| x / c, |x, c| x / c),
    ("x % c", |x, c| x % c, |x, c| x % c),
    ("c % x", |x, c| c % x, |x, c| c % x),
    (
        "x *= c",
        |mut x, c| {
            x *= c;
            x
        },
        |x, c| x * c,
    ),
    (
        "x %= c",
        |mut x, c| {
            x %= c;
            x
        },
        |x, c| x % c,
    ),
];

proptest! {
    #![proptest_config(majorize::testing::config(4000))]

    #[test]
    fn unary_enclosures_contain_point_values(x in interval(), ts in prop::array::uniform4(unit())) {
        for &(name, fi, f, ulps) in UNARY {
            let r = fi(x);
            for t in ts {
                let p = point_in(x, t);
                let y = f(p);
                prop_assert!(y.is_nan() || within(r, y, ulps), "{name}{x} = {r} misses f({p:e}) = {y:e}");
            }
        }
    }

    #[test]
    fn binary_enclosures_contain_point_values(
        x in interval(), y in interval(), ts in prop::array::uniform4(unit()), ss in prop::array::uniform4(unit()),
    ) {
        for &(name, fi, f, ulps) in BINARY {
            let r = fi(x, y);
            for (t, s) in ts.into_iter().zip(ss) {
                let (p, q) = (point_in(x, t), point_in(y, s));
                let v = f(p, q);
                prop_assert!(v.is_nan() || within(r, v, ulps), "{x} {name} {y} = {r} misses {p:e} {name} {q:e} = {v:e}");
            }
        }
        for &(name, fi, f) in SCALAR {
            for s in ss {
                let c = point_in(y, s);
                let r = fi(x, c);
                for t in ts {
                    let p = point_in(x, t);
                    let v = f(p, c);
                    prop_assert!(v.is_nan() || within(r, v, EXACT), "{name} at x = {x}, c = {c:e}: {r} misses {v:e}");
                }
            }
        }
        // Certain comparisons hold at every pair of points.
        let order = x.partial_cmp(&y);
        for (t, s) in ts.into_iter().zip(ss) {
            let (p, q) = (point_in(x, t), point_in(y, s));
            prop_assert!(order.is_none() || order == p.partial_cmp(&q), "{x} vs {y}: {order:?}, at {p} vs {q}");
        }
    }
}

/// Exponents: integers often (where `powf` goes through `powi`), else reals.
fn exponent() -> impl Strategy<Value = f64> {
    prop_oneof![(-6..=6i32).prop_map(f64::from), -4.0..4.0f64]
}

fn base() -> impl Strategy<Value = f64> {
    prop_oneof![Just(2.0), Just(10.0), Just(std::f64::consts::E), Just(0.5), 0.05..20.0f64]
}

proptest! {
    #![proptest_config(majorize::testing::config(3000))]

    #[test]
    fn parametrized_enclosures_contain_point_values(
        x in interval(), ts in prop::array::uniform4(unit()), p in exponent(), n in -6..=6i32, b in base(),
    ) {
        let (rp, rn, rb) = (x.powf(p), x.powi(n), x.log(b));
        let sph = [x.sph_j0(), x.sph_j1(), x.sph_j2()];
        for t in ts {
            let v = point_in(x, t);
            let (yp, yn, yb) = (v.powf(p), v.powf(f64::from(n)), v.ln() / b.ln());
            prop_assert!(yp.is_nan() || within(rp, yp, LIBM), "{x}^{p} = {rp} misses {v:e}^{p} = {yp:e}");
            prop_assert!(yn.is_nan() || within(rn, yn, LIBM), "{x}^{n} = {rn} misses {v:e}^{n} = {yn:e}");
            prop_assert!(yb.is_nan() || within(rb, yb, COMPOSITE), "log_{b}{x} = {rb} misses {yb:e} at {v:e}");
            // The f64 closed forms cancel badly near 0: compare away from it, with an absolute slack.
            if v.abs() >= 0.5 {
                let refs = [v.sph_j0(), v.sph_j1(), v.sph_j2()];
                for (k, (r, y)) in sph.into_iter().zip(refs).enumerate() {
                    prop_assert!(y.is_nan() || r.lo() - 1e-12 <= y && y <= r.hi() + 1e-12, "j{k}{x} = {r} misses j{k}({v:e}) = {y:e}");
                }
            }
        }
    }
}

/// One-variable test functions, generic over the dual number type.
macro_rules! functions {
    ($($name:ident: |$x:ident| $body:expr;)*) => {
        $(fn $name<D: DualNum<Primitive = f64> + Copy>($x: D) -> D { $body })*
        type Pair = (&'static str, fn(Dual3<Interval>) -> Dual3<Interval>, fn(Dual3_64) -> Dual3_64);
        const FUNCTIONS: &[Pair] = &[$((stringify!($name), $name::<Dual3<Interval>>, $name::<Dual3_64>)),*];
    };
}

functions! {
    exp_sin_times_square: |x| x.sin().exp() * x.powi(2);
    softplus_ln_1p_exp: |x| x.exp().ln_1p();
    tanh_over_one_plus_square: |x| x.tanh() / (x.powi(2) + 1.0);
    sqrt_one_plus_square: |x| (x.powi(2) + 1.0).sqrt();
    cubic: |x| x.powi(3) - x * 2.0;
    atan_times_cos: |x| x.atan() * x.cos();
    log2_plus_exp2: |x| (x.powi(2) + 1.0).log2() + x.exp2();
    asin_of_rational: |x| (x / (x.powi(2) + 2.0)).asin();
    sinh_plus_cbrt: |x| x.sinh() + (x.powi(2) + 1.0).cbrt();
    logistic: |x| ((-x).exp() + 1.0).recip();
    power_three_halves: |x| (x * x + 1.0).powf(1.5);
    atanh_plus_asinh: |x| (x / (x.powi(2) + 2.0)).atanh() + x.asinh();
    ln_cosh: |x| x.cosh().ln();
    tan_times_exp_m1: |x| (x * 0.2).tan() * x.exp_m1();
    quotient_of_exps: |x| (x * 0.5).exp() / (x.cos() + 2.0) - x.ln_1p().powi(2);
}

fn parts<T: Copy>(d: Dual3<T>) -> [T; 4] {
    [d.re, d.v1, d.v2, d.v3]
}

fn variable(x: Interval) -> Dual3<Interval> {
    Dual3::new(x, Interval::ONE, Interval::ZERO, Interval::ZERO)
}

/// Intervals around `c` in [-4, 4] of radius 1e-12 to about 1.6.
fn region() -> impl Strategy<Value = Interval> {
    (-4.0..4.0f64, -12.0..0.2f64).prop_map(|(c, e)| Interval::new(c - 10f64.powf(e), c + 10f64.powf(e)))
}

proptest! {
    #![proptest_config(majorize::testing::config(2000))]

    /// The value and first three derivatives over `x` contain those at each
    /// point (f64 dual numbers, up to their rounding), and overlap the
    /// rigorous enclosures computed at the point.
    #[test]
    fn derivative_ranges_contain_point_derivatives(x in region(), ts in prop::array::uniform4(unit())) {
        derivative_ranges_case(x, ts)?;
    }
}

/// The value and first three derivatives over `x` contain those at each
/// point (f64 dual numbers, up to their rounding), and overlap the
/// rigorous enclosures computed at the point.
fn derivative_ranges_case(x: Interval, ts: [f64; 4]) -> Result<(), TestCaseError> {
    for &(name, fi, f) in FUNCTIONS {
        let over = parts(fi(variable(x)));
        for t in ts {
            let p = point_in(x, t);
            let at = parts(fi(variable(Interval::point(p))));
            let reference = parts(f(Dual3_64::new(p, 1.0, 0.0, 0.0)));
            for k in 0..4 {
                let y = reference[k];
                prop_assert!(
                    over[k].intersect(at[k]).is_some(),
                    "{name}^({k}) over {x} = {} and at {p} = {}",
                    over[k],
                    at[k]
                );
                if y.is_nan() {
                    continue;
                }
                // The f64 reference rounds about as much as the rigorous
                // enclosure at the point is wide, plus its own formula's error.
                let tol = 1e-10 * (1.0 + y.abs()) + 4.0 * at[k].width();
                for (what, r) in [("over", over[k]), ("at", at[k])] {
                    prop_assert!(
                        r.lo() - tol <= y && y <= r.hi() + tol,
                        "{name}^({k}) {what} {x} = {r} misses {y:e} at {p}"
                    );
                }
            }
        }
    }
    Ok(())
}

/// A case a random run once found (kept from proptest's regression file).
#[test]
fn saved_derivative_range_case() {
    derivative_ranges_case(Interval::new(0.7815762997365703, 2.78157629973657), [0.0; 4]).unwrap();
}

proptest! {
    #![proptest_config(majorize::testing::config(1000))]

    /// `Dual3<Dual3<Interval>>` holds `f^(i+j)` in part `(i, j)`: up to the
    /// 6th derivative, against closed forms (`exp^(n) = exp`,
    /// `sin^(n) = [sin, cos, -sin, -cos][n % 4]`).
    #[test]
    fn nested_duals_give_sixth_derivatives(x in region(), ts in prop::array::uniform4(unit())) {
        let one = Dual3::from_re(Interval::ONE);
        let zero = Dual3::from_re(Interval::ZERO);
        let nested = Dual3::new(variable(x), one, zero, zero);
        let (e, s) = (parts(nested.exp()).map(parts), parts(nested.sin()).map(parts));
        for t in ts {
            let p = point_in(x, t);
            let sin_n = [p.sin(), p.cos(), -p.sin(), -p.cos()];
            for i in 0..4 {
                for j in 0..4 {
                    prop_assert!(within(e[i][j], p.exp(), LIBM), "exp^({}) over {x} = {} misses {:e}", i + j, e[i][j], p.exp());
                    let y = sin_n[(i + j) % 4];
                    prop_assert!(within(s[i][j], y, LIBM), "sin^({}) over {x} = {} misses {y:e} at {p}", i + j, s[i][j]);
                }
            }
        }
        // sin's 6th derivative part is its chain rule through sin and cos: within [-1, 1].
        prop_assert!(e[3][3].is_finite() && s[3][3].mag() <= 1.0 + 1e-13, "{} {}", e[3][3], s[3][3]);
    }
}
