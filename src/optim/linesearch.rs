//! The Moré–Thuente line search (MINPACK-2's `dcsrch` and `dcstep`, as
//! L-BFGS-B and SciPy run it): a step `a > 0` along a descent direction
//! satisfying the strong Wolfe conditions
//!
//! `phi(a) <= phi(0) + ftol a phi'(0)` and `|phi'(a)| <= gtol |phi'(0)|`,
//!
//! found by safeguarded cubic and quadratic interpolation inside an interval
//! of uncertainty that shrinks at each trial.
//!
//! Reference: J. J. Moré and D. J. Thuente, "Line search algorithms with
//! guaranteed sufficient decrease", ACM TOMS 20 (1994) 286-307.

/// The line search's constants.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MoreThuente {
    /// Sufficient decrease (Armijo) constant.
    pub ftol: f64,
    /// Curvature constant.
    pub gtol: f64,
    /// Relative width of the interval of uncertainty at which to stop.
    pub xtol: f64,
    /// The smallest step.
    pub stpmin: f64,
    /// The largest step.
    pub stpmax: f64,
    /// The most function evaluations.
    pub max_evals: usize,
}

impl MoreThuente {
    /// L-BFGS-B's constants (`ftol = 1e-3`, `gtol = 0.9`, `xtol = 0.1`, at
    /// most 20 evaluations, steps up to 1e10).
    pub const LBFGSB: MoreThuente =
        MoreThuente { ftol: 1e-3, gtol: 0.9, xtol: 0.1, stpmin: 0.0, stpmax: 1e10, max_evals: 20 };
}

/// How a search ended.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Found {
    /// The step.
    pub stp: f64,
    /// `phi` and `phi'` there.
    pub f: f64,
    /// The derivative there.
    pub g: f64,
    /// Evaluations made.
    pub evals: usize,
    /// Whether both Wolfe conditions hold (else the search stopped on a
    /// warning: rounding, the tolerance, a bound of the step, or the
    /// evaluation budget, and `stp` is the best step seen).
    pub converged: bool,
}

impl MoreThuente {
    /// Searches from `stp` (> 0) for the strong Wolfe conditions of `phi`
    /// (returning `(phi(a), phi'(a))`), given `phi(0) = f0` and
    /// `phi'(0) = g0 < 0`. Where `phi` is not finite at a trial, the next
    /// one is halfway back to the best step, and no later trial goes that
    /// far again. `None` if `g0` is not negative or `stp` is outside
    /// `[stpmin, stpmax]`. A search that does not converge returns the best
    /// step it saw (0 if none decreased `phi`).
    pub fn search(&self, mut phi: impl FnMut(f64) -> (f64, f64), f0: f64, g0: f64, stp: f64) -> Option<Found> {
        let descent = g0 < 0.0;
        if !descent || !(self.stpmin..=self.stpmax).contains(&stp) {
            return None;
        }
        let mut s = State::new(self, f0, g0, stp);
        let mut stp = stp;
        // Steps at or beyond a trial where phi was not finite are not tried again.
        let mut cap = f64::INFINITY;
        let mut best = (0.0, f0, g0);
        let mut evals = 0;
        while evals < self.max_evals {
            evals += 1;
            let (f, g) = phi(stp);
            if !f.is_finite() || !g.is_finite() {
                cap = stp;
                stp = s.stx + 0.5 * (stp - s.stx);
                continue;
            }
            if f < best.1 {
                best = (stp, f, g);
            }
            match s.iterate(self, stp, f, g) {
                Task::Converged => return Some(Found { stp, f, g, evals, converged: true }),
                Task::Warning => break,
                Task::Next(next) => stp = if next < cap { next } else { s.stx + 0.5 * (cap - s.stx) },
            }
        }
        let (stp, f, g) = best;
        Some(Found { stp, f, g, evals, converged: false })
    }
}

enum Task {
    Converged,
    Warning,
    Next(f64),
}

/// dcsrch's state between trials.
struct State {
    brackt: bool,
    stage1: bool,
    finit: f64,
    ginit: f64,
    gtest: f64,
    width: f64,
    width1: f64,
    stx: f64,
    fx: f64,
    gx: f64,
    sty: f64,
    fy: f64,
    gy: f64,
    stmin: f64,
    stmax: f64,
}

impl State {
    fn new(c: &MoreThuente, f0: f64, g0: f64, stp: f64) -> Self {
        let width = c.stpmax - c.stpmin;
        State {
            brackt: false,
            stage1: true,
            finit: f0,
            ginit: g0,
            gtest: c.ftol * g0,
            width,
            width1: width / 0.5,
            stx: 0.0,
            fx: f0,
            gx: g0,
            sty: 0.0,
            fy: f0,
            gy: g0,
            stmin: 0.0,
            stmax: stp + 4.0 * stp,
        }
    }

    /// One trial of dcsrch: `f` and `g` at `stp`.
    fn iterate(&mut self, c: &MoreThuente, mut stp: f64, f: f64, g: f64) -> Task {
        let ftest = self.finit + stp * self.gtest;
        if self.stage1 && f <= ftest && g >= 0.0 {
            self.stage1 = false;
        }
        if f <= ftest && g.abs() <= c.gtol * -self.ginit {
            return Task::Converged;
        }
        let warning = (self.brackt
            && (stp <= self.stmin || stp >= self.stmax || self.stmax - self.stmin <= c.xtol * self.stmax))
            || (stp == c.stpmax && f <= ftest && g <= self.gtest)
            || (stp == c.stpmin && (f > ftest || g >= self.gtest));
        if warning {
            return Task::Warning;
        }
        if self.stage1 && f <= self.fx && f > ftest {
            // The modified function psi(a) = phi(a) - phi(0) - gtest a.
            let gt = self.gtest;
            let mut x = Point { st: self.stx, f: self.fx - self.stx * gt, d: self.gx - gt };
            let mut y = Point { st: self.sty, f: self.fy - self.sty * gt, d: self.gy - gt };
            let p = Point { st: stp, f: f - stp * gt, d: g - gt };
            stp = dcstep(&mut x, &mut y, p, &mut self.brackt, self.stmin, self.stmax);
            (self.stx, self.fx, self.gx) = (x.st, x.f + x.st * gt, x.d + gt);
            (self.sty, self.fy, self.gy) = (y.st, y.f + y.st * gt, y.d + gt);
        } else {
            let mut x = Point { st: self.stx, f: self.fx, d: self.gx };
            let mut y = Point { st: self.sty, f: self.fy, d: self.gy };
            stp = dcstep(&mut x, &mut y, Point { st: stp, f, d: g }, &mut self.brackt, self.stmin, self.stmax);
            (self.stx, self.fx, self.gx) = (x.st, x.f, x.d);
            (self.sty, self.fy, self.gy) = (y.st, y.f, y.d);
        }
        if self.brackt {
            // Bisect when the interval does not shrink fast enough.
            if (self.sty - self.stx).abs() >= 0.66 * self.width1 {
                stp = self.stx + 0.5 * (self.sty - self.stx);
            }
            self.width1 = self.width;
            self.width = (self.sty - self.stx).abs();
            self.stmin = self.stx.min(self.sty);
            self.stmax = self.stx.max(self.sty);
        } else {
            self.stmin = stp + 1.1 * (stp - self.stx);
            self.stmax = stp + 4.0 * (stp - self.stx);
        }
        stp = stp.clamp(c.stpmin, c.stpmax);
        if self.brackt && (stp <= self.stmin || stp >= self.stmax || self.stmax - self.stmin <= c.xtol * self.stmax) {
            stp = self.stx;
        }
        Task::Next(stp)
    }
}

/// A trial step with its value and derivative.
#[derive(Clone, Copy)]
struct Point {
    st: f64,
    f: f64,
    d: f64,
}

/// The minimizer of the cubic through `a` and `b` (values and slopes),
/// as a step from `a.st` towards `b.st`.
fn cubic(a: Point, b: Point) -> f64 {
    let theta = 3.0 * (a.f - b.f) / (b.st - a.st) + a.d + b.d;
    let s = theta.abs().max(a.d.abs()).max(b.d.abs());
    let mut gamma = s * ((theta / s).powi(2) - (a.d / s) * (b.d / s)).max(0.0).sqrt();
    if b.st < a.st {
        gamma = -gamma;
    }
    let p = (gamma - a.d) + theta;
    let q = ((gamma - a.d) + gamma) + b.d;
    a.st + p / q * (b.st - a.st)
}

/// dcstep: the next trial step from the best step `x`, the other end `y` of
/// the interval and the current trial `p`; updates the interval.
fn dcstep(x: &mut Point, y: &mut Point, p: Point, brackt: &mut bool, stpmin: f64, stpmax: f64) -> f64 {
    let sgnd = p.d.signum() * x.d.signum() * f64::from(u8::from(p.d != 0.0 && x.d != 0.0));
    let stpf = if p.f > x.f {
        // A higher value: the minimum is bracketed. The cubic step if it is
        // closer to x than the quadratic one, else their average.
        let stpc = cubic(*x, p);
        let stpq = x.st + ((x.d / ((x.f - p.f) / (p.st - x.st) + x.d)) / 2.0) * (p.st - x.st);
        *brackt = true;
        if (stpc - x.st).abs() <= (stpq - x.st).abs() { stpc } else { stpc + (stpq - stpc) / 2.0 }
    } else if sgnd < 0.0 {
        // Slopes of opposite sign: bracketed. The step farther from p.
        let stpc = cubic(p, *x);
        let stpq = p.st + (p.d / (p.d - x.d)) * (x.st - p.st);
        *brackt = true;
        if (stpc - p.st).abs() > (stpq - p.st).abs() { stpc } else { stpq }
    } else if p.d.abs() < x.d.abs() {
        // The slope decreases in magnitude: the cubic step only if it goes
        // the right way, else the end of the allowed range.
        let theta = 3.0 * (x.f - p.f) / (p.st - x.st) + x.d + p.d;
        let s = theta.abs().max(x.d.abs()).max(p.d.abs());
        let mut gamma = s * ((theta / s).powi(2) - (x.d / s) * (p.d / s)).max(0.0).sqrt();
        if p.st > x.st {
            gamma = -gamma;
        }
        let pp = (gamma - p.d) + theta;
        let q = (gamma + (x.d - p.d)) + gamma;
        let r = pp / q;
        let stpc = if r < 0.0 && gamma != 0.0 {
            p.st + r * (x.st - p.st)
        } else if p.st > x.st {
            stpmax
        } else {
            stpmin
        };
        let stpq = p.st + (p.d / (p.d - x.d)) * (x.st - p.st);
        if *brackt {
            let f = if (stpc - p.st).abs() < (stpq - p.st).abs() { stpc } else { stpq };
            if p.st > x.st { f.min(p.st + 0.66 * (y.st - p.st)) } else { f.max(p.st + 0.66 * (y.st - p.st)) }
        } else {
            let f = if (stpc - p.st).abs() > (stpq - p.st).abs() { stpc } else { stpq };
            f.clamp(stpmin, stpmax)
        }
    } else if *brackt {
        // The slope does not decrease: the cubic step through p and y.
        cubic(p, *y)
    } else if p.st > x.st {
        stpmax
    } else {
        stpmin
    };
    if p.f > x.f {
        *y = p;
    } else {
        if sgnd < 0.0 {
            *y = *x;
        }
        *x = p;
    }
    stpf
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test functions of Moré and Thuente's paper (table 1 and 2's
    /// first two): both conditions hold at the step found, from each
    /// starting step of the paper.
    #[test]
    fn the_papers_functions() {
        let f1 = |b: f64| move |a: f64| (-a / (a * a + b), (a * a - b) / (a * a + b).powi(2));
        let f2 = |a: f64| {
            ((a + 0.004).powi(5) - 2.0 * (a + 0.004).powi(4), 5.0 * (a + 0.004).powi(4) - 8.0 * (a + 0.004).powi(3))
        };
        for (ftol, gtol) in [(1e-3, 0.1), (0.1, 0.1)] {
            let ls = MoreThuente { ftol, gtol, xtol: 1e-10, stpmin: 0.0, stpmax: 1e10, max_evals: 60 };
            for a0 in [1e-3, 1e-1, 1e1, 1e3] {
                let phi = f1(2.0);
                let (f0, g0) = phi(0.0);
                let r = ls.search(phi, f0, g0, a0).unwrap();
                assert!(r.converged, "f1 from {a0}");
                assert!(r.f <= f0 + ftol * r.stp * g0 && r.g.abs() <= gtol * g0.abs(), "f1 from {a0}: {r:?}");
                assert!(r.evals <= 12, "f1 from {a0}: {} evaluations", r.evals);
                let (f0, g0) = f2(0.0);
                let r = ls.search(f2, f0, g0, a0).unwrap();
                assert!(r.converged, "f2 from {a0}: {r:?}");
                assert!(r.f <= f0 + ftol * r.stp * g0 && r.g.abs() <= gtol * g0.abs(), "f2 from {a0}: {r:?}");
            }
        }
    }

    #[test]
    fn a_quadratic_in_one_trial_from_its_minimizer() {
        // phi(a) = (a - 2)^2: from a = 2 the first trial satisfies both.
        let phi = |a: f64| ((a - 2.0) * (a - 2.0), 2.0 * (a - 2.0));
        let r = MoreThuente::LBFGSB.search(phi, 4.0, -4.0, 2.0).unwrap();
        assert_eq!((r.stp, r.evals, r.converged), (2.0, 1, true));
        // Not a descent direction: no search.
        assert!(MoreThuente::LBFGSB.search(phi, 4.0, 1.0, 1.0).is_none());
    }

    #[test]
    fn a_pole_beyond_the_minimizer_is_backed_off_from() {
        // phi(a) = (a - 1)^2 + 1 / (3 - a) for a < 3, undefined (NaN) beyond.
        let phi = |a: f64| {
            if a >= 3.0 {
                (f64::NAN, f64::NAN)
            } else {
                ((a - 1.0).powi(2) + 1.0 / (3.0 - a), 2.0 * (a - 1.0) + 1.0 / (3.0 - a).powi(2))
            }
        };
        let (f0, g0) = phi(0.0);
        let r = MoreThuente::LBFGSB.search(phi, f0, g0, 10.0).unwrap();
        assert!(r.stp > 0.0 && r.stp < 3.0 && r.f < f0, "{r:?}");
    }
}
