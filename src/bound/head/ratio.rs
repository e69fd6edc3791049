//! The loss's remainder ratio from its heads' bounds and its other
//! summands' enclosures.

use super::recognise::{Heads, Kind};
use rayon::prelude::*;

use super::softmax::Row;
use super::square;
use crate::bound::ieval::IVal;
use crate::expr::{Graph, NodeId};
use crate::interval::Interval;
use crate::tensor::Shape;

/// A node's per-element degree-2 enclosure along a ray: `[c0, c1, C2]`
/// per element (row-major), `u(t) in c0 + c1 t + C2 t^2` over `[0, e]`.
pub(crate) type Elements = Vec<[Interval; 3]>;

impl Heads {
    /// The nodes whose enclosures [`ratio`](Self::ratio) reads, in its
    /// order: each head's input and its summand node, then the varying
    /// other summands (a constant one has ratio 0).
    pub(crate) fn nodes(&self, graph: &Graph) -> Vec<NodeId> {
        let heads = self.heads.iter().flat_map(|h| [h.input, h.node]);
        heads.chain(self.rest.iter().filter(|(id, _)| graph.node(*id).varying).map(|&(id, _)| id)).collect()
    }

    /// An interval containing the loss's remainder ratio `(L(t) - c0 - c1
    /// t) / t^2` over `t` in `(0, e]`, from the enclosures of
    /// [`nodes`](Self::nodes) (`at`, in that order) and the interval values
    /// of the graph's constant nodes (`constants`, by node: the targets).
    /// Each head's term is its own bound intersected with the general one
    /// of its summand; both contain the same ratio.
    ///
    /// # Panics
    /// If `at` does not match [`nodes`](Self::nodes) or a target is not
    /// among `constants`.
    #[track_caller]
    pub(crate) fn ratio(&self, graph: &Graph, at: &[Elements], constants: &[Option<IVal>], e: f64) -> Interval {
        let mut total = Interval::ZERO;
        for (h, pair) in self.heads.iter().zip(at.chunks(2)) {
            let [z, node] = pair else { panic!("an input and a node per head") };
            let y = constants[h.targets.index()].as_ref().expect("constant targets");
            let rows = match h.kind {
                Kind::SoftmaxCe => softmax_rows(graph.shape(h.input), z, y, e),
                Kind::SquaredError => square_elements(z, y, e),
            };
            let general = h.factor * node[0][2];
            let own = h.weight * rows;
            total += own.intersect(general).unwrap_or(general);
        }
        let varying = self.rest.iter().filter(|(id, _)| graph.node(*id).varying);
        for ((_, w), el) in varying.zip(&at[2 * self.heads.len()..]) {
            total += *w * el[0][2];
        }
        total
    }
}

/// The sum over the rows of the logits `z` (shape `shape`) of the row
/// ratios, targets `y`: blocks of rows in parallel, each summed in order
/// and the blocks' sums in order, so that the result does not depend on
/// the threads.
fn softmax_rows(shape: Shape, z: &Elements, y: &IVal, e: f64) -> Interval {
    const BLOCK: usize = 128;
    let k = match shape {
        Shape::Matrix(_, k) => k,
        s => s.len(),
    };
    let blocks: Vec<Interval> = z
        .par_chunks(k * BLOCK)
        .zip(y.par_chunks(k * BLOCK))
        .map(|(zb, yb)| {
            let mut row = Row::default();
            let (mut a, mut b, mut w) = (Vec::with_capacity(k), Vec::with_capacity(k), Vec::with_capacity(k));
            let mut sum = Interval::ZERO;
            for (zr, targets) in zb.chunks(k).zip(yb.chunks(k)) {
                a.clear();
                b.clear();
                w.clear();
                for c in zr {
                    a.push(c[0]);
                    b.push(c[1]);
                    w.push(c[2]);
                }
                sum += row.ratio(&a, &b, &w, targets, e);
            }
            sum
        })
        .collect();
    blocks.into_iter().sum()
}

/// The sum over the elements of `(z - y)^2` of the ratios' upper bounds
/// (`y` one value per element, or one for all), below `-inf`.
fn square_elements(z: &Elements, y: &IVal, e: f64) -> Interval {
    let hi: Interval = z
        .iter()
        .enumerate()
        .map(|(i, c)| {
            Interval::point(square::element_ratio_hi(c[0], c[1], c[2], y[if y.len() == 1 { 0 } else { i }], e))
        })
        .sum();
    Interval::new(f64::NEG_INFINITY, hi.hi())
}
