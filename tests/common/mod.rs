//! Shared test helpers: random expression programs over every primitive,
//! and finite differences.
#![allow(dead_code)]

use majorize::{Evaluator, Func, Graph, Model, NodeId, Sel, Shape, Tensor};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

/// The seed of every property test unless `PROPTEST_RNG_SEED` sets another.
pub const SEED: u64 = 20261201;

/// A property test's configuration: `cases` cases (or `PROPTEST_CASES`),
/// drawn from a fixed seed (or `PROPTEST_RNG_SEED`), so `cargo test` runs
/// the same cases every time; and no failure persistence, so a failing
/// run writes no file (a failure prints its inputs, and a case worth
/// keeping becomes an explicit test).
pub fn config(cases: u32) -> Config {
    let env = |name: &str| std::env::var(name).ok();
    Config {
        cases: env("PROPTEST_CASES").and_then(|v| v.parse().ok()).unwrap_or(cases),
        rng_seed: RngSeed::Fixed(env("PROPTEST_RNG_SEED").and_then(|v| v.parse().ok()).unwrap_or(SEED)),
        failure_persistence: None,
        ..Config::default()
    }
}

/// One random instruction: an operation code and operand picks.
#[derive(Clone, Debug)]
pub struct Instr {
    pub code: u8,
    pub a: usize,
    pub b: usize,
    pub c: f64,
}

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

/// Loads an example `.loss` file from `examples/`.
pub fn example(name: &str) -> Model {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let text = std::fs::read_to_string(dir.join(name)).unwrap();
    majorize::lang::parse_program(name, &text, &dir).unwrap_or_else(|e| panic!("{}", e.render()))
}

/// Runs the `majorize` binary.
pub fn majorize(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_majorize")).args(args).output().expect("the binary runs")
}

/// Runs the `majorize` binary in `dir`.
pub fn majorize_in(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_majorize"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

/// What a run printed on standard output.
pub fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// What a run printed on standard error.
pub fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A scratch directory for this test binary, with the given files.
pub fn scratch(files: &[(&str, &str)]) -> std::path::PathBuf {
    let name = std::env::current_exe().ok().and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()));
    let dir = std::env::temp_dir().join(format!("majorize-{}-{}", name.unwrap_or_default(), std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    dir
}
