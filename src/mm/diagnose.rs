//! Diagnosis of an MM step: is it the bound or the direction that holds a
//! method back? Along the step's direction `v`, with `h(t) = f(x + t v)`:
//!
//! - `step_ratio`: the step taken over the exact line minimizer of `h`
//!   (the first local minimizer along the ray, found by bracketing and
//!   golden-section search on evaluated losses). Near 1 the step is as good
//!   as the direction allows; far below 1 the bound is too cautious.
//! - `curvature_ratio`: the bound's curvature (the upper end of `C2`, half
//!   the second derivative it allows) over the true `h''(0)/2` from the
//!   point Taylor pass. 1 is a tight bound; the larger, the looser.
//!
//! Both cost many evaluations; they are computed only when asked for
//! (`majorize minimize --diagnose`, and the bench's diagnosis runs).

/// What the diagnosis found at one step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Diagnosis {
    /// The step taken over the exact line minimizer (NaN where the line has
    /// no minimizer on the ray within reach, or the minimizer is 0).
    pub step_ratio: f64,
    /// The bound's `C2` upper end over the true `h''(0)/2` (NaN where the
    /// true curvature is not positive).
    pub curvature_ratio: f64,
    /// The exact line minimizer `t*` (in units of the direction).
    pub line_min: f64,
}

impl Diagnosis {
    /// The diagnosis of a step of `taken` along a direction whose loss along
    /// the ray is `h`, with bound curvature `c2_bound` and true curvature
    /// `c2_true` at 0 (both as coefficients of `t^2`); `scale` is a first
    /// guess of the minimizer's size (the trust radius, say).
    pub fn of(h: &mut dyn FnMut(f64) -> f64, taken: f64, c2_bound: f64, c2_true: f64, scale: f64) -> Self {
        let line_min = line_minimizer(h, scale);
        let step_ratio = if line_min > 0.0 && line_min.is_finite() { taken / line_min } else { f64::NAN };
        let curvature_ratio = if c2_true > 0.0 { c2_bound / c2_true } else { f64::NAN };
        Diagnosis { step_ratio, curvature_ratio, line_min }
    }
}

/// The first local minimizer of `h` on `t >= 0` (with `h(0)` the start):
/// doubling from `scale` until `h` rises (or halving until a point beats
/// `h(0)`), then golden-section search to a relative width of 1e-6. 0 if no
/// point of the ray beats the start; `inf` if `h` keeps falling for 200
/// doublings.
pub fn line_minimizer(h: &mut dyn FnMut(f64) -> f64, scale: f64) -> f64 {
    let f0 = h(0.0);
    let mut b = if scale > 0.0 && scale.is_finite() { scale } else { 1.0 };
    let mut fb = h(b);
    // Find a point that beats the start.
    let mut halvings = 0;
    // NaN counts as no better.
    while fb.partial_cmp(&f0) != Some(std::cmp::Ordering::Less) {
        b /= 2.0;
        fb = h(b);
        halvings += 1;
        if halvings > 200 || b == 0.0 {
            return 0.0;
        }
    }
    // Bracket: a < b < c with h(b) below both ends.
    let mut a = 0.0;
    let mut c = 2.0 * b;
    let mut fc = h(c);
    let mut doublings = 0;
    while fc < fb {
        a = b;
        b = c;
        fb = fc;
        c *= 2.0;
        fc = h(c);
        doublings += 1;
        if doublings > 200 || !c.is_finite() {
            return f64::INFINITY;
        }
    }
    // Golden-section search on [a, c] around b.
    let g = 0.5 * (3.0 - 5f64.sqrt());
    while c - a > 1e-6 * b.abs().max(f64::MIN_POSITIVE) {
        let (x, left) = if b - a > c - b { (b - g * (b - a), true) } else { (b + g * (c - b), false) };
        let fx = h(x);
        if fx < fb {
            if left {
                c = b;
            } else {
                a = b;
            }
            b = x;
            fb = fx;
        } else if left {
            a = x;
        } else {
            c = x;
        }
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_minimizer_of_each_line() {
        // (h, true minimizer, scale): scales far above and below it.
        type Line = fn(f64) -> f64;
        let cases: [(Line, f64, f64); 5] = [
            (|t| (t - 3.0).powi(2), 3.0, 1.0),
            (|t| (t - 3.0).powi(2), 3.0, 1e6),
            (|t| (t - 1e-5).powi(2), 1e-5, 1.0),
            (|t| (1.0 + t).ln().mul_add(-1.0, 0.25 * t), 3.0, 0.1), // h' = 1/4 - 1/(1+t)
            (|t| -t * (-t).exp(), 1.0, 50.0),
        ];
        for (h, want, scale) in cases {
            let got = line_minimizer(&mut |t| h(t), scale);
            assert!((got - want).abs() <= 1e-5 * want, "{got} vs {want} from {scale}");
        }
        // Rising from the start: 0. Falling forever: inf.
        assert_eq!(line_minimizer(&mut |t| t, 1.0), 0.0);
        assert_eq!(line_minimizer(&mut |t| -t, 1.0), f64::INFINITY);
    }

    #[test]
    fn the_ratios() {
        // h = (t - 2)^2 = 4 - 4t + t^2: a step of 1 is half the minimizer; a
        // bound curvature of 3 is three times the true 1.
        let d = Diagnosis::of(&mut |t| (t - 2.0) * (t - 2.0), 1.0, 3.0, 1.0, 1.0);
        assert!((d.step_ratio - 0.5).abs() < 1e-6 && d.curvature_ratio == 3.0, "{d:?}");
        assert!(Diagnosis::of(&mut |t| -t * t, 1.0, 3.0, -1.0, 1.0).curvature_ratio.is_nan());
    }
}
