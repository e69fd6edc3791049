//! The fused degree-2 line pass: SafeRate's bound of `h(z) = f(x0 + z v)`
//! over `z in [0, e]`, as a domain of the walker over structure-of-arrays
//! planes.
//!
//! Each node holds, per element, `u(z) in c0 + c1 z + C2 z^2` (three
//! intervals) and a value range, in eight planes of doubles. Every loop is
//! branch-free interval arithmetic ([`lanes`]), run under pulp's dispatch
//! and split over rayon's pool by element; matrix products are mid-radius products through faer with a rigorous
//! rounding-error term ([`midrad`]); the primitives use the same sharp rules
//! as the general pass (`fast2`), from the vectorized kernels widened by
//! their documented error. The result encloses the same polynomial as the
//! general pass, a few ulps wider at most.
//!
//! The pass covers the operations of the benchmark losses (parameters,
//! constants, `+ - *`, division by a constant, squares, `exp`, `log`,
//! `softplus`, `sigmoid`, `tanh`, `relu` (so `max`, `min` and `clip`),
//! `abs`, `swish` (as `u sigmoid(u)`), sums, means, log-sum-exp, matrix products, and gathers:
//! transposes, selections, reshapes, broadcasts). The few elements whose
//! rule is not one of the vectorized ones (an extremum of `sigma''` in the
//! argument's range, a kink inside it) get the general pass's own
//! enclosure, element by element. Anything else, a possibly undefined
//! primitive, or a non-finite plane makes it decline (`None`), and the
//! caller runs the general pass.

mod lanes;
mod midrad;
mod ops;
mod pool;
mod prims;

use std::sync::{Arc, Mutex};

use crate::expr::{Func, NodeId, Op};
use crate::interval::Interval;
use crate::plan::Plan;
use crate::plan::walk::{self, Binary, Domain, Reduce};
use crate::tensor::{Shape, Tensor};

use super::head::Elements;
use super::ieval::IVal;

/// Plane indices: the three coefficients' ends, then the range's.
pub(crate) const L0: usize = 0;
pub(crate) const H0: usize = 1;
pub(crate) const L1: usize = 2;
pub(crate) const H1: usize = 3;
pub(crate) const L2: usize = 4;
pub(crate) const H2: usize = 5;
pub(crate) const RL: usize = 6;
pub(crate) const RH: usize = 7;

/// One node's planes. A constant has only its value (`c0` and the range
/// are the same, the other coefficients are 0): `deg` is the highest
/// coefficient that may be non-zero.
#[derive(Clone, Debug, Default)]
pub(crate) struct Planes {
    pub v: [Vec<f64>; 8],
    pub shape: Option<Shape>,
    pub deg: u8,
    /// A constant's value in midpoint-radius form, for the products it enters.
    pub midrad: Option<Arc<midrad::MidRad>>,
}

impl Planes {
    /// Shapes the planes for `shape`, reusing their buffers.
    pub fn reset(&mut self, shape: Shape, deg: u8) {
        let n = shape.len();
        for p in &mut self.v {
            p.resize(n, 0.0);
        }
        self.shape = Some(shape);
        self.deg = deg;
    }

    /// The constant planes of an interval value, with its midpoint-radius
    /// form when it enters a matrix product.
    fn constant(shape: Shape, value: &IVal, product: bool) -> Self {
        let lo: Vec<f64> = value.iter().map(|i| i.lo()).collect();
        let hi: Vec<f64> = value.iter().map(|i| i.hi()).collect();
        let n = lo.len();
        let z = vec![0.0; n];
        let midrad = product.then(|| Arc::new(midrad::MidRad::new(&lo, &hi)));
        Planes {
            v: [lo.clone(), hi.clone(), z.clone(), z.clone(), z.clone(), z, lo, hi],
            shape: Some(shape),
            deg: 0,
            midrad,
        }
    }

    pub fn len(&self) -> usize {
        self.v[0].len()
    }

    /// The eight planes, mutable, each as long as the node.
    pub fn planes_mut(&mut self) -> [&mut [f64]; 8] {
        let n = self.len();
        self.v.each_mut().map(|p| &mut p[..n])
    }

    /// Whether every plane is finite (an integer reduction that vectorizes).
    fn finite(&self) -> bool {
        const EXP: u64 = 0x7ff0_0000_0000_0000;
        let bad = self.v.iter().flat_map(|p| p.iter()).fold(0u64, |acc, x| acc | u64::from(x.to_bits() & EXP == EXP));
        bad == 0
    }
}

/// The compiled pass: the plan, the constants' planes, and buffers reused
/// from one call to the next.
#[derive(Clone, Debug)]
pub struct Fused2 {
    plan: Arc<Plan>,
    constants: Arc<Vec<Option<Planes>>>,
    work: Arc<Mutex<Vec<Planes>>>,
}

impl Fused2 {
    /// The pass for `plan`, with the interval values of its constant nodes
    /// (`constants`, indexed by node, from the general bounder), or `None`
    /// when the loss uses an operation the pass does not cover.
    pub(crate) fn new(plan: Arc<Plan>, constants: &[Option<IVal>]) -> Option<Self> {
        if !plan.varying().iter().all(|&id| covered(plan.op(id))) {
            return None;
        }
        // Planes for the constants that varying nodes read (not, say, the
        // data a constant node is computed from), and the midpoint-radius
        // form for those that enter a product.
        let mut read = vec![None; plan.len()];
        for &id in plan.varying() {
            let product = matches!(plan.op(id), Op::MatMul(..));
            for c in plan.op(id).children() {
                if constants.get(c.index()).is_some_and(Option::is_some) {
                    read[c.index()] = Some(product || read[c.index()] == Some(true));
                }
            }
        }
        let planes = (0..plan.len())
            .map(|i| {
                let product = read[i]?;
                Some(Planes::constant(plan.shape(NodeId(i as u32)), constants[i].as_ref()?, product))
            })
            .collect();
        // One slot per node, then two scratch slots for broadcast operands.
        let work = Arc::new(Mutex::new(vec![Planes::default(); plan.len() + 2]));
        Some(Fused2 { plan, constants: Arc::new(planes), work })
    }

    /// `[c0, c1, C2]` with `f(x0 + z v) in c0 + c1 z + C2 z^2` for every
    /// `z in [0, e]`, or `None` where the pass declines.
    pub fn line(&self, x0: &[Tensor], v: &[Tensor], e: f64) -> Option<[Interval; 3]> {
        self.line_at(x0, v, e, &[]).ok().map(|(root, _)| root)
    }

    /// [`line`](Self::line), and the per-element `[c0, c1, C2]` of each
    /// node of `at` (nodes of the plan: a tensor root's sub-graph, say),
    /// from the same pass; an error where the pass declines or one of them
    /// is not finite.
    pub(crate) fn line_at(
        &self,
        x0: &[Tensor],
        v: &[Tensor],
        e: f64,
        at: &[NodeId],
    ) -> Result<([Interval; 3], Vec<Elements>), Declined> {
        if !(e > 0.0 && e.is_finite()) {
            return Err(Declined::Structure);
        }
        // The shared buffers, or fresh ones while another thread holds them.
        let mut fresh;
        let mut guard = self.work.try_lock();
        let work: &mut Vec<Planes> = match guard.as_deref_mut() {
            Ok(w) => w,
            Err(_) => {
                fresh = vec![Planes::default(); self.plan.len() + 2];
                &mut fresh
            }
        };
        let mut d = Pass { plan: &self.plan, constants: &self.constants, work, x0, v, e, ok: true, overflow: false };
        walk::forward(&self.plan, self.plan.varying(), &mut d);
        if d.overflow {
            return Err(Declined::Overflow);
        }
        if !d.ok {
            return Err(Declined::Structure);
        }
        let root = self.plan.root();
        let p = d.planes(root);
        if p.len() != 1 || !p.finite() {
            return Err(Declined::Overflow);
        }
        let iv = |(lo, hi): (f64, f64)| Interval::new(lo, hi);
        let element = |p: &Planes, k: usize| {
            let [c0, c1, c2, _] = ops::load(p, k);
            [iv(c0), iv(c1), iv(c2)]
        };
        let nodes = at.iter().map(|&id| {
            let p = d.planes(id);
            p.finite().then(|| (0..p.len()).map(|k| element(p, k)).collect())
        });
        Ok((element(p, 0), nodes.collect::<Option<_>>().ok_or(Declined::Overflow)?))
    }
}

/// Why the fused pass declined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Declined {
    /// An operation or operand it does not cover (a division by a varying
    /// node, say), or a region that is not a finite `[0, e]`: the general
    /// pass may do better.
    Structure,
    /// A plane that is not finite: the region is too wide for the values.
    /// The general pass may still be finite (it intersects with interval
    /// ranges), at a cost `Bounder::line2` weighs.
    Overflow,
}

/// Whether the pass covers `op` at a varying node.
fn covered(op: Op) -> bool {
    match op {
        Op::Func(f, _) => {
            matches!(
                f,
                Func::Exp
                    | Func::Log
                    | Func::Softplus
                    | Func::Sigmoid
                    | Func::Tanh
                    | Func::Relu
                    | Func::Abs
                    | Func::Swish
            )
        }
        Op::PowI(_, n) => n == 2,
        Op::PowF(..) => false,
        _ => true,
    }
}

/// One call of the pass.
struct Pass<'a> {
    plan: &'a Plan,
    constants: &'a [Option<Planes>],
    work: &'a mut [Planes],
    x0: &'a [Tensor],
    v: &'a [Tensor],
    e: f64,
    /// False once the pass declines.
    ok: bool,
    /// Whether a node's planes were not finite.
    overflow: bool,
}

impl Pass<'_> {
    fn planes(&self, id: NodeId) -> &Planes {
        Inputs { constants: self.constants, work: self.work }.get(id)
    }

    /// The output planes of `out` (shaped) and the planes of the nodes before it.
    fn split(&mut self, out: NodeId, deg: u8) -> (&mut Planes, Inputs<'_>) {
        let (slot, inp, _) = self.split_scratch(out, deg);
        (slot, inp)
    }

    /// [`split`](Self::split), and the two scratch slots after the nodes'.
    fn split_scratch(&mut self, out: NodeId, deg: u8) -> (&mut Planes, Inputs<'_>, [&mut Planes; 2]) {
        let shape = self.plan.shape(out);
        let (before, rest) = self.work.split_at_mut(out.index());
        let (slot, tail) = rest.split_first_mut().expect("the node's slot");
        let [.., s1, s2] = tail else { unreachable!("two scratch slots") };
        slot.reset(shape, deg);
        (slot, Inputs { constants: self.constants, work: before }, [s1, s2])
    }

    fn deg(&self, id: NodeId) -> u8 {
        self.planes(id).deg
    }

    fn decline(&mut self) {
        self.ok = false;
    }

    /// Records a node's outcome: whether its kernel succeeded, and whether
    /// its planes are finite.
    fn finished(&mut self, ok: bool, finite: bool) {
        self.ok &= ok && finite;
        self.overflow |= !finite;
    }
}

/// The planes of already computed nodes.
struct Inputs<'a> {
    constants: &'a [Option<Planes>],
    work: &'a [Planes],
}

impl<'a> Inputs<'a> {
    fn get(&self, id: NodeId) -> &'a Planes {
        self.constants[id.index()].as_ref().unwrap_or(&self.work[id.index()])
    }
}

impl Domain for Pass<'_> {
    fn param(&mut self, out: NodeId, index: usize) {
        let (x0, v, e) = (self.x0[index].data(), self.v[index].data(), self.e);
        let (slot, _) = self.split(out, 1);
        ops::param(slot, x0, v, e);
    }

    fn data(&mut self, _: NodeId, _: usize) {}

    fn constant(&mut self, _: NodeId, _: f64) {}

    fn neg(&mut self, out: NodeId, a: NodeId) {
        if !self.ok {
            return;
        }
        let deg = self.deg(a);
        let (slot, inp) = self.split(out, deg);
        ops::neg(slot, inp.get(a));
    }

    fn binary(&mut self, out: NodeId, op: Binary, a: NodeId, b: NodeId) {
        if !self.ok {
            return;
        }
        let (da, db) = (self.deg(a), self.deg(b));
        let e = self.e;
        let deg = match op {
            Binary::Add | Binary::Sub => da.max(db),
            Binary::Mul => (da + db).min(2),
            Binary::Div if self.constants[b.index()].is_some() => da,
            Binary::Div => return self.decline(),
        };
        let shape = self.plan.shape(out);
        let (slot, inp, [sa, sb]) = self.split_scratch(out, deg);
        // Broadcast operands are expanded first, so that the loop runs flat.
        let expand = |p: &'_ Planes, scratch: &'_ mut Planes| -> bool {
            if p.shape == Some(shape) {
                return false;
            }
            ops::expand(scratch, p, shape);
            true
        };
        let (pa, pb) = (inp.get(a), inp.get(b));
        let pa = if expand(pa, sa) { &*sa } else { pa };
        let pb = if expand(pb, sb) { &*sb } else { pb };
        let ok = ops::binary(slot, op, pa, pb, e);
        let finite = slot.finite();
        self.finished(ok, finite);
    }

    fn powi(&mut self, out: NodeId, a: NodeId, n: i32) {
        if !self.ok || n != 2 {
            return self.decline();
        }
        let e = self.e;
        let deg = self.deg(a);
        let (slot, inp) = self.split(out, deg.min(1) * 2);
        ops::square(slot, inp.get(a), e);
        let finite = slot.finite();
        self.finished(true, finite);
    }

    fn powf(&mut self, _: NodeId, _: NodeId, _: f64) {
        self.decline();
    }

    fn func(&mut self, out: NodeId, f: Func, a: NodeId) {
        if !self.ok {
            return;
        }
        let e = self.e;
        let shape = self.plan.shape(a);
        let (slot, inp, [scratch, _]) = self.split_scratch(out, 2);
        let ok = if f == Func::Swish {
            scratch.reset(shape, 2);
            prims::swish(slot, inp.get(a), e, scratch)
        } else {
            prims::compose(slot, f, inp.get(a), e)
        };
        let finite = slot.finite();
        self.finished(ok, finite);
    }

    fn reduce(&mut self, out: NodeId, op: Reduce, a: NodeId, axis: Option<usize>) {
        if !self.ok {
            return;
        }
        let e = self.e;
        let deg = self.deg(a);
        let shape_a = self.plan.shape(a);
        let (slot, inp, scratch) = self.split_scratch(out, if op == Reduce::LogSumExp { 2 } else { deg });
        let ok = match op {
            Reduce::LogSumExp => prims::logsumexp(slot, inp.get(a), shape_a, axis, e, scratch),
            _ => {
                ops::sum(slot, inp.get(a), shape_a, axis, op == Reduce::Mean, e);
                true
            }
        };
        let finite = slot.finite();
        self.finished(ok, finite);
    }

    fn matmul(&mut self, out: NodeId, a: NodeId, b: NodeId) {
        if !self.ok {
            return;
        }
        let e = self.e;
        let (sa, sb) = (self.plan.shape(a), self.plan.shape(b));
        let deg = (self.deg(a) + self.deg(b)).min(2);
        let (slot, inp) = self.split(out, deg);
        midrad::matmul(slot, inp.get(a), sa, inp.get(b), sb, e);
        let finite = slot.finite();
        self.finished(true, finite);
    }
    fn gather(&mut self, out: NodeId, a: NodeId, index: &[usize]) {
        if !self.ok {
            return;
        }
        let deg = self.deg(a);
        let (slot, inp) = self.split(out, deg);
        ops::gather(slot, inp.get(a), index);
    }
}
