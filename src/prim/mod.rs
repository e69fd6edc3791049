//! The table of primitives: for each elementwise function of the language
//! (and the powers `x^q`), the facts every layer uses, in one place.
//!
//! | fact | where |
//! |---|---|
//! | value and derivative at a point, f64 and over num-dual numbers | [`point`] |
//! | `erf` on every number type (num-dual has none) | [`special`] |
//! | value over an interval (sharp), domain of definition, where it is smooth | [`Prim`] here |
//! | derivatives over an interval (closed forms, num-dual) | [`derivs`] |
//! | where each derivative is monotone, its extrema | [`shape`] |
//! | sign and exact-value facts for simplification | [`Prim`] here |
//!
//! The vectorized kernels (`eval::kernels`) compute the same values as
//! [`point`] to within their documented error; the sharp enclosure rules
//! that use these facts are in `bound`. This layer uses `interval` and
//! `expr` only.

pub mod derivs;
pub mod point;
pub mod shape;
pub mod special;

use crate::expr::Func;
use crate::interval::Interval;

/// A scalar elementwise primitive: a function of the language, or a power
/// `x^q` with `q` negative or not an integer (non-negative integer powers are
/// polynomials, expanded exactly).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Prim {
    /// A primitive of the language.
    Func(Func),
    /// `x^q`.
    Pow(f64),
}

impl Prim {
    /// The primitive, with sqrt, cbrt and rsqrt as the powers 1/2, 1/3 and
    /// -1/2 (cbrt extended as an odd function).
    pub fn of(f: Func) -> Prim {
        match f {
            Func::Sqrt => Prim::Pow(0.5),
            Func::Rsqrt => Prim::Pow(-0.5),
            f => Prim::Func(f),
        }
    }

    /// `sigma` over the interval `x` (sharp for monotone functions and those
    /// with known extrema).
    pub fn value(self, x: Interval) -> Interval {
        match self {
            Prim::Pow(q) => x.powf(q),
            Prim::Func(f) => match f {
                Func::Exp => x.exp(),
                Func::Log => x.ln(),
                Func::Sqrt => x.sqrt(),
                Func::Cbrt => x.cbrt(),
                Func::Rsqrt => x.rsqrt(),
                Func::Abs => x.abs(),
                Func::Sigmoid => x.sigmoid(),
                Func::Softplus => x.softplus(),
                Func::Tanh => x.tanh(),
                Func::Relu => x.relu(),
                Func::Swish => x.swish(),
                Func::Sin => x.sin(),
                Func::Cos => x.cos(),
                Func::Log1p => x.ln_1p(),
                Func::Expm1 => x.exp_m1(),
                Func::Atan => x.atan(),
                Func::Erf => x.erf(),
                Func::Tan => x.tan(),
                Func::Sinh => x.sinh(),
                Func::Cosh => x.cosh(),
            },
        }
    }

    /// Whether `sigma` is defined at every point of `y` (as point
    /// evaluation defines it: log, sqrt, non-integer powers and poles are not
    /// defined everywhere; tan at no pole `pi/2 + k pi`, which no double
    /// is, but an interval may hold).
    pub fn defined_on(self, y: Interval) -> bool {
        match self {
            Prim::Func(Func::Log) => y.lo() > 0.0,
            Prim::Func(Func::Tan) => y.is_point() || y.tan().is_finite(),
            Prim::Func(Func::Log1p) => y.lo() > -1.0,
            // sqrt and rsqrt are the powers 1/2 and -1/2 (`Prim::of`).
            Prim::Pow(q) if q.fract() != 0.0 => {
                if q > 0.0 {
                    y.lo() >= 0.0
                } else {
                    y.lo() > 0.0
                }
            }
            Prim::Pow(q) if q < 0.0 => !y.contains(0.0),
            _ => true,
        }
    }

    /// Whether `y` stays where every derivative `sigma^(k)`, `k >= 1`, is
    /// finite (stricter than [`defined_on`](Self::defined_on): cbrt is
    /// defined at 0 but not smooth there).
    pub fn smooth_on(self, y: Interval) -> bool {
        if !y.is_finite() {
            return false;
        }
        match self {
            Prim::Func(Func::Log) => y.lo() > 0.0,
            Prim::Func(Func::Log1p) => y.lo() > -1.0,
            Prim::Func(Func::Cbrt) => !y.contains(0.0),
            Prim::Func(Func::Tan) => y.tan().is_finite(),
            Prim::Pow(q) if q.fract() != 0.0 => y.lo() >= 0.0,
            Prim::Pow(_) => !y.contains(0.0),
            _ => true,
        }
    }
}

/// Whether `f(a)` is positive for an argument `a` that is positive
/// (`positive`) or non-zero (`nonzero`), from the function alone.
pub fn positive_image(f: Func, positive: bool, nonzero: bool) -> bool {
    match f {
        Func::Exp | Func::Softplus | Func::Sigmoid | Func::Rsqrt | Func::Cosh => true,
        Func::Sqrt
        | Func::Tanh
        | Func::Cbrt
        | Func::Log1p
        | Func::Expm1
        | Func::Relu
        | Func::Swish
        | Func::Atan
        | Func::Erf
        | Func::Sinh => positive,
        Func::Abs => nonzero,
        _ => false,
    }
}

/// Whether `f` is defined at every argument known to be positive
/// (`positive`), non-negative (`nonneg`) and in `range`.
pub fn defined_given(f: Func, positive: bool, nonneg: bool, range: Interval) -> bool {
    match f {
        Func::Log | Func::Rsqrt => positive,
        Func::Sqrt => nonneg,
        Func::Log1p => range.lo() > -1.0,
        Func::Tan => range.tan().is_finite(),
        _ => true,
    }
}

/// `f(a)` where the f64 result is exact: at the points where the
/// primitive takes a simple value, and for the exact ones.
pub fn exact_value(f: Func, a: f64) -> Option<f64> {
    match f {
        Func::Abs => Some(a.abs()),
        Func::Relu => Some(a.max(0.0)),
        Func::Sqrt => exact_sqrt(a),
        Func::Log if a == 1.0 => Some(0.0),
        Func::Exp | Func::Cos | Func::Cosh if a == 0.0 => Some(1.0),
        Func::Sigmoid if a == 0.0 => Some(0.5),
        Func::Sin
        | Func::Tanh
        | Func::Swish
        | Func::Log1p
        | Func::Expm1
        | Func::Cbrt
        | Func::Atan
        | Func::Erf
        | Func::Tan
        | Func::Sinh
            if a == 0.0 =>
        {
            Some(0.0)
        }
        _ => None,
    }
}

/// `sqrt(a)` where it is exact (`r * r == a` with no rounding).
pub fn exact_sqrt(a: f64) -> Option<f64> {
    let r = a.sqrt();
    (r.is_finite() && r.mul_add(r, -a) == 0.0).then_some(r)
}
