//! Random losses: programs of a few instructions over every primitive,
//! built into a [`Model`] with tensor (or scalar) leaves; the strategies
//! [`instr`] and [`losses`], and their builders.

use proptest::prelude::*;

use crate::{Evaluator, Func, Graph, Model, NodeId, Sel, Shape, Tensor};

/// One random instruction: an operation code and operand picks (see
/// [`apply`] for what each code builds).
#[derive(Clone, Debug)]
pub struct Instr {
    /// The operation (0 to 42).
    pub code: u8,
    /// The first operand's pick from the pool (and the primitive's).
    pub a: usize,
    /// The second operand's pick (and the variant: a power, an axis).
    pub b: usize,
    /// A constant in `[-2, 2)`.
    pub c: f64,
}

/// A random instruction.
pub fn instr() -> impl Strategy<Value = Instr> {
    (0u8..43, 0usize..1000, 0usize..1000, -2.0f64..2.0).prop_map(|(code, a, b, c)| Instr { code, a, b, c })
}

/// Whether the fused degree-2 line pass covers what `ins` builds (see
/// [`apply`]): its primitives (exp, log, softplus, sigmoid, tanh, relu,
/// abs), `+ - *`, squares, matrix products, reductions, max, min, clip,
/// transposes, selections, reshapes and broadcasts; not a division by a
/// varying node or other powers.
pub fn fused_covers(ins: &Instr) -> bool {
    use Func::*;
    match ins.code {
        0..=9 => matches!(Func::ALL[(ins.a / 7) % Func::ALL.len()], Exp | Log | Softplus | Sigmoid | Tanh | Relu | Abs),
        22..=23 | 26..=27 => false,
        24..=25 => ins.b.is_multiple_of(3),
        _ => true,
    }
}

/// An instruction the fused pass covers: programs of them run on it.
pub fn fused_instr() -> impl Strategy<Value = Instr> {
    instr().prop_filter("covered by the fused pass", fused_covers)
}

/// `x^2 + c` with c in [0.25, 2.25): a positive argument for domain-limited primitives.
fn positive(g: &mut Graph, x: NodeId, c: f64) -> NodeId {
    let sq = g.powi(x, 2);
    let k = g.constant(0.25 + c.abs());
    g.add(sq, k).unwrap()
}

/// Applies one instruction to the pool of nodes, if its shapes fit.
/// `scalar_only` keeps every node a scalar (no reductions or products).
pub fn apply(g: &mut Graph, pool: &mut Vec<NodeId>, ins: &Instr, scalar_only: bool) {
    let a = pool[ins.a % pool.len()];
    let b = pool[ins.b % pool.len()];
    let f = Func::ALL[(ins.a / 7) % Func::ALL.len()];
    let node = match ins.code {
        0..=9 => match f {
            Func::Log | Func::Sqrt | Func::Rsqrt | Func::Log1p => {
                let p = positive(g, a, ins.c);
                Some(g.func(f, p))
            }
            // Arguments in (-1, 1) (on both sides of cosh's minimum): larger
            // values make f64 cancellation (softplus(u) - u at u = 34) look
            // like a domain error to the rewrite checks.
            Func::Exp | Func::Expm1 | Func::Sinh | Func::Cosh => {
                let t = g.func(Func::Tanh, a);
                Some(g.func(f, t))
            }
            _ => Some(g.func(f, a)),
        },
        10..=13 => g.add(a, b).ok(),
        14..=16 => g.sub(a, b).ok(),
        17..=21 => g.mul(a, b).ok(),
        22..=23 => {
            let d = positive(g, b, ins.c);
            g.div(a, d).ok()
        }
        24..=25 => Some(g.powi(a, 2 + (ins.b % 3) as i32)),
        26 => {
            let p = positive(g, a, ins.c);
            Some(g.powf(p, ins.c * 1.3 + 0.1))
        }
        27 => {
            let p = positive(g, a, ins.c);
            Some(g.powi(p, -1 - (ins.b % 2) as i32))
        }
        28 => Some(g.neg(a)),
        29 => {
            let k = g.constant(ins.c);
            g.mul(a, k).ok()
        }
        30..=31 if !scalar_only => g.matmul(a, b).ok(),
        32..=33 if !scalar_only => g.sum(a, (ins.b % 3).checked_sub(1)).ok(),
        34 if !scalar_only => g.mean(a, (ins.b % 3).checked_sub(1)).ok(),
        35..=36 if !scalar_only => g.logsumexp(a, (ins.b % 3).checked_sub(1)).ok(),
        40 => g.max(a, b).ok(),
        41 => g.min(a, b).ok(),
        42 => {
            let (lo, hi) = (g.constant(-ins.c.abs()), g.constant(ins.c.abs() + 0.5));
            g.clip(a, lo, hi).ok()
        }
        37 if !scalar_only => Some(g.transpose(a)),
        38 if !scalar_only => select(g, a, ins.b),
        39 if !scalar_only => match g.shape(a) {
            Shape::Matrix(r, c) => g.reshape(a, Shape::Vector(r * c)).ok(),
            s => g.broadcast_to(a, Shape::Matrix(2, s.len().max(2))).ok(),
        },
        _ => {
            let k = g.constant(ins.c);
            g.add(a, k).ok()
        }
    };
    if let Some(n) = node {
        pool.push(n);
    }
}

/// A selection of `a` (indexing or slicing) picked by `k`, in range.
fn select(g: &mut Graph, a: NodeId, k: usize) -> Option<NodeId> {
    let pick = |n: usize, k: usize| {
        let lo = k % n;
        if k.is_multiple_of(3) { Sel::At(lo) } else { Sel::Range(lo, lo + 1 + (k / 3) % (n - lo)) }
    };
    match g.shape(a) {
        Shape::Scalar => None,
        Shape::Vector(n) => g.select(a, &[pick(n, k)]).ok(),
        Shape::Matrix(r, c) => g.select(a, &[pick(r, k), pick(c, k / 7)]).ok(),
    }
}

/// A model from a random program. Leaves: a scalar `a`, a vector `v[3]`, a
/// matrix `M[2, 3]` and data `D[3, 2]` (all scalar leaves `x`, `y` when
/// `scalar_only`). The objective is the sum of the last varying node.
pub fn random_model(prog: &[Instr], scalar_only: bool) -> Model {
    let leaves: Vec<(&str, Shape)> = if scalar_only {
        vec![("x", Shape::Scalar), ("y", Shape::Scalar)]
    } else {
        vec![("a", Shape::Scalar), ("v", Shape::Vector(3)), ("M", Shape::Matrix(2, 3))]
    };
    model_from(prog, &leaves, !scalar_only)
}

/// A one-variable scalar model `f(x)` from a random program.
pub fn random_function(prog: &[Instr]) -> Model {
    model_from(prog, &[("x", Shape::Scalar)], false)
}

fn model_from(prog: &[Instr], leaves: &[(&str, Shape)], with_data: bool) -> Model {
    let scalar_only = !with_data;
    let mut g = Graph::new();
    let mut pool = Vec::new();
    let mut init = Vec::new();
    for &(name, shape) in leaves {
        pool.push(g.param(name, shape).unwrap());
        init.push(Tensor::zeros(shape));
    }
    if with_data {
        let d = Tensor::new(Shape::Matrix(3, 2), vec![0.5, -1.0, 1.5, 0.25, -0.75, 2.0]);
        pool.push(g.data("D", d).unwrap());
    }
    for ins in prog {
        apply(&mut g, &mut pool, ins, scalar_only);
    }
    let last = *pool.iter().rev().find(|&&n| g.node(n).varying).unwrap();
    let loss = g.sum(last, None).unwrap();
    Model::new(g, loss, init).unwrap()
}

/// Parameter values from a flat list of numbers (cycled).
pub fn params_from(model: &Model, values: &[f64]) -> Vec<Tensor> {
    let mut k = 0;
    model
        .graph
        .params()
        .iter()
        .map(|p| {
            let data = (0..p.shape.len())
                .map(|_| {
                    k += 1;
                    values[(k - 1) % values.len()]
                })
                .collect();
            Tensor::new(p.shape, data)
        })
        .collect()
}

/// Central difference of the loss along `dir` (one tensor per parameter).
pub fn central_difference(ev: &mut Evaluator, x: &[Tensor], dir: &[Tensor], h: f64) -> f64 {
    let shift = |s: f64| -> Vec<Tensor> { x.iter().zip(dir).map(|(x, d)| x.zip_with(d, |a, b| a + s * b)).collect() };
    let fp = ev.forward(&shift(h)).item();
    let fm = ev.forward(&shift(-h)).item();
    (fp - fm) / (2.0 * h)
}

/// A random loss and a start for it: what [`losses`] draws. Its `Debug`
/// form is the expression and the start, so that a shrunk counterexample
/// reads as a formula.
#[derive(Clone)]
pub struct RandomLoss {
    /// The program it was built from.
    pub program: Vec<Instr>,
    /// The loss.
    pub model: Model,
    /// The parameters to start from (one tensor per parameter).
    pub start: Vec<Tensor>,
}

impl std::fmt::Debug for RandomLoss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<String> = self
            .model
            .graph
            .params()
            .iter()
            .zip(&self.start)
            .map(|(p, t)| format!("{} = {:?}", p.name, t.data()))
            .collect();
        write!(f, "minimize {} from {}", self.model.graph.display(self.model.loss), names.join(", "))
    }
}

/// Random losses of 1 to `max_len` instructions over every primitive
/// (see [`apply`]), on a scalar `a`, a vector `v[3]` and a matrix `M[2, 3]`
/// (or two scalars `x`, `y` when `scalar_only`), each started at a random
/// point of `[-1.5, 1.5]`. Some are unbounded below, some undefined at
/// their start: a property decides what to do with those (an optimizer's
/// step must still keep the parameters finite).
pub fn losses(max_len: usize, scalar_only: bool) -> impl Strategy<Value = RandomLoss> {
    (prop::collection::vec(instr(), 1..=max_len.max(1)), prop::collection::vec(-1.5f64..1.5, 10)).prop_map(
        move |(program, values)| {
            let model = random_model(&program, scalar_only);
            let start = params_from(&model, &values);
            RandomLoss { program, model, start }
        },
    )
}

/// The slope of the loss at `x` along `v` with every partial taken in
/// absolute value: num-dual's tangent seeded with `[-|v|, |v|]` over
/// intervals, whose radius is multiplied by `|f'|` at each node and added
/// where paths meet, never cancelled. Where the paths of a derivative
/// cancel (`a + (D - a)`), a floating-point derivative is off by ulps of
/// each path, a few per node on it: a tolerance term of `eps * nodes *`
/// this. Infinite where it cannot be formed.
pub fn absolute_slope(model: &Model, x: &[Tensor], v: &[Tensor]) -> f64 {
    use crate::Interval;
    use num_dual::Dual;
    let seeds: Vec<Vec<Dual<Interval>>> = x
        .iter()
        .zip(v)
        .map(|(x, v)| {
            let pairs = x.data().iter().zip(v.data());
            pairs.map(|(&x, &v)| Dual::new(Interval::point(x), Interval::new(-v.abs(), v.abs()))).collect()
        })
        .collect();
    crate::eval::eval_dual(&model.graph, model.loss, &seeds).map_or(f64::INFINITY, |d| d.eps.mag())
}
