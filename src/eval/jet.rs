//! The point Taylor coefficients of a loss along a line, in f64: for
//! `h(z) = f(x0 + z v)`, `[h(0), h'(0), h''(0)/2]`, as a domain of the
//! plan's walker. Each node holds three planes `u(z) = c0 + c1 z + c2 z^2 +
//! O(z^3)` (the last two absent where the node does not vary); products
//! truncate, primitives compose through num-dual's `Dual2`.
//!
//! No rounding is controlled here: these are estimates, for the optimistic
//! step of an MM method and for diagnosis, never for a bound. A kink
//! (`abs`, `relu`) takes the branch of its argument's value, as the
//! gradient does.
//!
//! ```
//! use majorize::{eval::taylor2, lang::parse_inline, Tensor};
//! // h(z) = exp(1 + 2z): [e, 2e, 2e].
//! let m = parse_inline("exp(x)").unwrap();
//! let c = taylor2(&m.graph, m.loss, &[Tensor::scalar(1.0)], &[Tensor::scalar(2.0)]);
//! let e = 1f64.exp();
//! assert!((c[0] - e).abs() < 1e-15 && (c[1] - 2.0 * e).abs() < 1e-15 && (c[2] - 2.0 * e).abs() < 1e-14);
//! ```

use num_dual::Dual2;

use crate::expr::{Func, Graph, NodeId};
use crate::plan::Plan;
use crate::plan::walk::{self, Binary, Domain, Reduce};
use crate::prim::point;
use crate::tensor::{Shape, Tensor};

/// `[h(0), h'(0), h''(0) / 2]` for `h(z) = f(x0 + z v)`, `f` the scalar
/// node `root` of `graph` (see [`jet_on`] to reuse a compiled plan).
///
/// # Panics
/// If `x0` or `v` do not match the parameters' shapes, or `root` is not a scalar.
#[track_caller]
pub fn taylor2(graph: &Graph, root: NodeId, x0: &[Tensor], v: &[Tensor]) -> [f64; 3] {
    jet_on(&Plan::new(graph, root), x0, v)
}

/// [`taylor2`] over a compiled plan.
#[track_caller]
pub fn jet_on(plan: &Plan, x0: &[Tensor], v: &[Tensor]) -> [f64; 3] {
    assert_eq!(x0.len(), plan.params().len(), "wrong number of parameters");
    assert_eq!(v.len(), plan.params().len(), "wrong number of directions");
    let mut d = JetPass { plan, x0, v, vals: vec![None; plan.len()] };
    walk::forward(plan, plan.varying(), &mut d);
    let root = plan.root();
    let j = d.get(root);
    assert_eq!(j.c0.shape(), Shape::Scalar, "the root must be a scalar");
    [j.c0.item(), j.c1.as_ref().map_or(0.0, Tensor::item), j.c2.as_ref().map_or(0.0, Tensor::item)]
}

/// One node's planes: `c1` and `c2` are `None` where they are 0.
#[derive(Clone, Debug)]
struct Jet {
    c0: Tensor,
    c1: Option<Tensor>,
    c2: Option<Tensor>,
}

impl Jet {
    fn constant(c0: Tensor) -> Self {
        Jet { c0, c1: None, c2: None }
    }

    /// Every plane mapped by `f` (a linear map: zero planes stay zero).
    fn linear(&self, f: impl Fn(&Tensor) -> Tensor) -> Jet {
        Jet { c0: f(&self.c0), c1: self.c1.as_ref().map(&f), c2: self.c2.as_ref().map(&f) }
    }

    /// The planes broadcast to `shape`, zero planes filled in.
    fn full(&self, shape: Shape) -> [Tensor; 3] {
        let zero = || Tensor::zeros(shape);
        [
            self.c0.broadcast_to(shape),
            self.c1.as_ref().map_or_else(zero, |t| t.broadcast_to(shape)),
            self.c2.as_ref().map_or_else(zero, |t| t.broadcast_to(shape)),
        ]
    }
}

struct JetPass<'a> {
    plan: &'a Plan,
    x0: &'a [Tensor],
    v: &'a [Tensor],
    vals: Vec<Option<Jet>>,
}

/// `a + b` where either may be an absent (zero) plane.
fn add_opt(a: Option<Tensor>, b: Option<Tensor>) -> Option<Tensor> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.zip_with(&b, |x, y| x + y)),
        (a, b) => a.or(b),
    }
}

/// `a @ b` where either may be an absent (zero) plane.
fn mm_opt(a: Option<&Tensor>, b: Option<&Tensor>) -> Option<Tensor> {
    Some(a?.matmul(b?))
}

impl JetPass<'_> {
    fn get(&self, id: NodeId) -> Jet {
        match self.plan.constant(id) {
            Some(t) => Jet::constant((**t).clone()),
            None => self.vals[id.index()].clone().expect("children come first"),
        }
    }

    fn set(&mut self, out: NodeId, j: Jet) {
        self.vals[out.index()] = Some(j);
    }

    /// Composes every element with `f`, given as its value and first two
    /// derivatives at the element's value.
    fn compose(&mut self, out: NodeId, a: NodeId, f: impl Fn(f64) -> [f64; 3]) {
        let a = self.get(a);
        let derivs: Vec<[f64; 3]> = a.c0.data().iter().map(|&x| f(x)).collect();
        self.compose_with(out, &a, &derivs);
    }

    /// `u(z) = c0 + c1 z + c2 z^2` through `f` with `derivs[k] = [f, f', f'']`
    /// at element `k`'s value: `c1' = f' c1`, `c2' = f' c2 + f'' c1^2 / 2`.
    fn compose_with(&mut self, out: NodeId, a: &Jet, derivs: &[[f64; 3]]) {
        let shape = a.c0.shape();
        let zero = vec![0.0; shape.len()];
        let u1 = a.c1.as_ref().map_or(&zero[..], |t| t.data());
        let u2 = a.c2.as_ref().map_or(&zero[..], |t| t.data());
        let c0 = derivs.iter().map(|d| d[0]).collect();
        let c1 = derivs.iter().zip(u1).map(|(d, b)| d[1] * b).collect();
        let c2 = derivs.iter().zip(u1.iter().zip(u2)).map(|(d, (b, c))| d[1] * c + 0.5 * d[2] * b * b).collect();
        let t = |v| Some(Tensor::new(shape, v));
        self.set(out, Jet { c0: Tensor::new(shape, c0), c1: t(c1), c2: t(c2) });
    }
}

/// The value and first two derivatives of a primitive at `x`: the value
/// from the vectorized kernel (as the forward pass has it), the
/// derivatives in closed form from it where they are short, else through
/// num-dual's `Dual2`.
fn derivs(f: Func, x: &[f64]) -> Vec<[f64; 3]> {
    let mut y = vec![0.0; x.len()];
    super::kernels::map(f, x, &mut y);
    x.iter()
        .zip(&y)
        .map(|(&x, &y)| {
            let d1 = point::derivative(f, x, y);
            let d2 = match f {
                Func::Exp | Func::Expm1 => d1,
                Func::Log => -d1 * d1,
                Func::Log1p => -d1 * d1,
                Func::Sqrt => -0.5 * d1 / x,
                Func::Sigmoid => d1 * (1.0 - 2.0 * y),
                Func::Softplus => d1 * (1.0 - d1),
                Func::Tanh => -2.0 * y * d1,
                Func::Relu | Func::Abs => 0.0,
                Func::Sin | Func::Cos => -y,
                _ => point::apply(f, &Dual2::new(x, 1.0, 0.0)).v2,
            };
            [y, d1, d2]
        })
        .collect()
}

impl Domain for JetPass<'_> {
    fn param(&mut self, out: NodeId, index: usize) {
        let j = Jet { c0: self.x0[index].clone(), c1: Some(self.v[index].clone()), c2: None };
        self.set(out, j);
    }

    fn data(&mut self, _: NodeId, _: usize) {}

    fn constant(&mut self, _: NodeId, _: f64) {}

    fn neg(&mut self, out: NodeId, a: NodeId) {
        let j = self.get(a).linear(|t| t.map(|x| -x));
        self.set(out, j);
    }

    fn binary(&mut self, out: NodeId, op: Binary, a: NodeId, b: NodeId) {
        let (a, b) = (self.get(a), self.get(b));
        let shape = self.plan.shape(out);
        let j = match op {
            Binary::Add | Binary::Sub => {
                let s = if op == Binary::Add { 1.0 } else { -1.0 };
                let scaled = b.linear(|t| t.map(|x| s * x));
                Jet {
                    c0: a.c0.zip_with(&b.c0, |x, y| x + s * y),
                    c1: add_opt(a.c1.map(|t| t.broadcast_to(shape)), scaled.c1.map(|t| t.broadcast_to(shape))),
                    c2: add_opt(a.c2.map(|t| t.broadcast_to(shape)), scaled.c2.map(|t| t.broadcast_to(shape))),
                }
            }
            Binary::Mul | Binary::Div => {
                let ([a0, a1, a2], [b0, b1, b2]) = (a.full(shape), b.full(shape));
                let (a0, a1, a2, b0, b1, b2) = (a0.data(), a1.data(), a2.data(), b0.data(), b1.data(), b2.data());
                let n = shape.len();
                let (mut c0, mut c1, mut c2) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
                for k in 0..n {
                    if op == Binary::Mul {
                        c0[k] = a0[k] * b0[k];
                        c1[k] = a0[k] * b1[k] + a1[k] * b0[k];
                        c2[k] = a0[k] * b2[k] + a1[k] * b1[k] + a2[k] * b0[k];
                    } else {
                        c0[k] = a0[k] / b0[k];
                        c1[k] = (a1[k] - c0[k] * b1[k]) / b0[k];
                        c2[k] = (a2[k] - c0[k] * b2[k] - c1[k] * b1[k]) / b0[k];
                    }
                }
                Jet { c0: Tensor::new(shape, c0), c1: Some(Tensor::new(shape, c1)), c2: Some(Tensor::new(shape, c2)) }
            }
        };
        self.set(out, j);
    }

    fn powi(&mut self, out: NodeId, a: NodeId, n: i32) {
        let m = f64::from(n);
        self.compose(out, a, |x| [x.powi(n), m * x.powi(n - 1), m * (m - 1.0) * x.powi(n - 2)]);
    }

    fn powf(&mut self, out: NodeId, a: NodeId, p: f64) {
        self.compose(out, a, |x| {
            let y = super::value::powf_checked(x, p);
            [y, p * super::value::powf_checked(x, p - 1.0), p * (p - 1.0) * super::value::powf_checked(x, p - 2.0)]
        });
    }

    fn func(&mut self, out: NodeId, f: Func, a: NodeId) {
        let a = self.get(a);
        let d = derivs(f, a.c0.data());
        self.compose_with(out, &a, &d);
    }

    fn reduce(&mut self, out: NodeId, op: Reduce, a: NodeId, axis: Option<usize>) {
        let a = self.get(a);
        let j = match op {
            Reduce::Sum => a.linear(|t| t.sum_axis(axis)),
            Reduce::Mean => a.linear(|t| t.mean_axis(axis)),
            Reduce::LogSumExp => {
                // lse(u0 + d): with p = softmax(u0), c1 = E_p u1 and
                // c2 = E_p u2 + (E_p u1^2 - (E_p u1)^2) / 2.
                let shape = a.c0.shape();
                let [u0, u1, u2] = a.full(shape);
                let l = u0.logsumexp_axis(axis);
                let p = u0.zip_with(&l.reshape_keep(shape, axis), |x, l| (x - l).exp());
                let e = |t: &Tensor| p.zip_with(t, |p, x| p * x).sum_axis(axis);
                let m1 = e(&u1);
                let m2 = e(&u1.map(|x| x * x));
                let c2 = e(&u2).zip_with(&m2, |a, b| a + 0.5 * b).zip_with(&m1, |a, m| a - 0.5 * m * m);
                Jet { c0: l, c1: Some(m1), c2: Some(c2) }
            }
        };
        self.set(out, j);
    }

    fn matmul(&mut self, out: NodeId, a: NodeId, b: NodeId) {
        let (a, b) = (self.get(a), self.get(b));
        let c0 = a.c0.matmul(&b.c0);
        let c1 = add_opt(mm_opt(Some(&a.c0), b.c1.as_ref()), mm_opt(a.c1.as_ref(), Some(&b.c0)));
        let c2 = add_opt(
            add_opt(mm_opt(Some(&a.c0), b.c2.as_ref()), mm_opt(a.c1.as_ref(), b.c1.as_ref())),
            mm_opt(a.c2.as_ref(), Some(&b.c0)),
        );
        self.set(out, Jet { c0, c1, c2 });
    }

    fn gather(&mut self, out: NodeId, a: NodeId, index: &[usize]) {
        let shape = self.plan.shape(out);
        let pick = |t: &Tensor| Tensor::new(shape, index.iter().map(|&i| t.data()[i]).collect());
        let j = self.get(a).linear(pick);
        self.set(out, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::parse_inline;

    /// `[h(0), h'(0), h''(0)/2]` by central differences of `h`.
    fn differences(f: &mut dyn FnMut(f64) -> f64) -> [f64; 3] {
        let h = 1e-4;
        let (fp, f0, fm) = (f(h), f(0.0), f(-h));
        [f0, (fp - fm) / (2.0 * h), (fp - 2.0 * f0 + fm) / (2.0 * h * h)]
    }

    #[test]
    fn matches_differences_of_the_loss() {
        // Each case: a loss, its parameters, a direction; the coefficients
        // against central differences of the evaluated loss (h = 1e-4:
        // error O(h^2) in c1 and c2 times the third/fourth derivatives).
        let cases = [
            ("x^3 * y - log(y) + sin(x*y)", vec![0.7, 1.3], vec![0.4, -0.2]),
            ("tanh(x) / (1 + y^2) + sigmoid(x - y) + softplus(2*y)", vec![0.3, -0.5], vec![1.0, 0.5]),
            ("sqrt(x) * exp(-y) + x^1.5", vec![2.0, 0.1], vec![-0.3, 0.8]),
        ];
        let program = "data X = [[1, 2], [0.5, -1], [3, 0]]\nparam W[2, 3] = 0\nparam b[3] = 0\n\
                       let Z = tanh(X @ W + b)\nminimize mean(logsumexp(Z, 1) - Z[:, 1]) + sum(W'^2)";
        let m = crate::lang::parse_program("t.loss", program, std::path::Path::new(".")).unwrap();
        let w: Vec<f64> = (0..6).map(|k| 0.3 * f64::from(k) - 0.7).collect();
        let dw: Vec<f64> = (0..6).map(|k| 0.2 - 0.1 * f64::from(k)).collect();
        let x0 = [Tensor::new(Shape::Matrix(2, 3), w.clone()), Tensor::vector(vec![0.1, -0.2, 0.3])];
        let v = [Tensor::new(Shape::Matrix(2, 3), dw.clone()), Tensor::vector(vec![0.5, 0.0, -0.5])];
        let c = taylor2(&m.graph, m.loss, &x0, &v);
        let mut ev = crate::Evaluator::new(&m.graph, m.loss);
        let want = differences(&mut |z| {
            let p: Vec<Tensor> = x0.iter().zip(&v).map(|(a, d)| a.zip_with(d, |a, d| a + z * d)).collect();
            ev.forward(&p).item()
        });
        for k in 0..3 {
            assert!((c[k] - want[k]).abs() <= 1e-6 * (1.0 + want[k].abs()), "tensor: c{k} {} vs {}", c[k], want[k]);
        }
        for (src, x, v) in cases {
            let m = parse_inline(src).unwrap();
            let x0: Vec<Tensor> = x.iter().map(|&a| Tensor::scalar(a)).collect();
            let vv: Vec<Tensor> = v.iter().map(|&a| Tensor::scalar(a)).collect();
            let c = taylor2(&m.graph, m.loss, &x0, &vv);
            let mut ev = crate::Evaluator::new(&m.graph, m.loss);
            let want = differences(&mut |z| {
                let p: Vec<Tensor> = x.iter().zip(&v).map(|(a, b)| Tensor::scalar(a + z * b)).collect();
                ev.forward(&p).item()
            });
            for k in 0..3 {
                assert!((c[k] - want[k]).abs() <= 1e-6 * (1.0 + want[k].abs()), "{src}: c{k} {} vs {}", c[k], want[k]);
            }
        }
    }
}
