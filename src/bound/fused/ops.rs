//! The arithmetic operations of the fused pass, per element over planes.

use super::lanes::{I, add, dn, fold, meet, mul, neg as ineg, scale, sqr, sub, times_unit, up};
use super::{H0, H1, H2, L0, L1, L2, Planes, RH, RL};
use crate::plan::walk::Binary;
use crate::tensor::{Shape, Strides};

/// One element: `(c0, c1, C2, range)`.
pub(super) type El = [I; 4];

#[inline(always)]
pub(super) fn load(p: &Planes, k: usize) -> El {
    let v = &p.v;
    [(v[L0][k], v[H0][k]), (v[L1][k], v[H1][k]), (v[L2][k], v[H2][k]), (v[RL][k], v[RH][k])]
}

#[inline(always)]
pub(super) fn store(p: &mut Planes, k: usize, el: El) {
    let v = &mut p.v;
    (v[L0][k], v[H0][k]) = el[0];
    (v[L1][k], v[H1][k]) = el[1];
    (v[L2][k], v[H2][k]) = el[2];
    (v[RL][k], v[RH][k]) = el[3];
}

/// The range intersected with the polynomial's own range over `[0, e]`.
#[inline(always)]
pub(super) fn finish(c0: I, c1: I, c2: I, range: I, e: f64) -> El {
    [c0, c1, c2, meet(range, fold(c0, c1, c2, e))]
}

/// `x0 + z v`: exact coefficients, and the range over `[0, e]`.
pub(super) fn param(out: &mut Planes, x0: &[f64], v: &[f64], e: f64) {
    for (k, (&x, &d)) in x0.iter().zip(v).enumerate() {
        let r = add((x, x), times_unit((d, d), e));
        store(out, k, [(x, x), (d, d), (0.0, 0.0), r]);
    }
}

pub(super) fn neg(out: &mut Planes, a: &Planes) {
    for k in 0..a.len() {
        let [c0, c1, c2, r] = load(a, k);
        store(out, k, [ineg(c0), ineg(c1), ineg(c2), ineg(r)]);
    }
}

/// `a op b` with broadcasting; `false` where the pass declines (a divisor
/// whose range holds 0).
pub(super) fn binary(out: &mut Planes, op: Binary, a: &Planes, b: &Planes, e: f64) -> bool {
    let params = [e, f64::from(a.deg), f64::from(b.deg)];
    match op {
        Binary::Add => run2::<AddK>(out, a, b, params),
        Binary::Sub => run2::<SubK>(out, a, b, params),
        Binary::Mul => run2::<MulK>(out, a, b, params),
        Binary::Div => {
            // b is a constant: multiply by its reciprocal.
            if !(0..b.len()).all(|j| b.v[L0][j] > 0.0 || b.v[H0][j] < 0.0) {
                return false;
            }
            run2::<DivK>(out, a, b, params);
        }
    }
    true
}

/// An elementwise operation of two operands as a type (see [`Kernel`]);
/// `p` is `[e, deg a, deg b]`.
pub(super) trait Kernel2 {
    fn k(a: El, b: El, p: [f64; 3]) -> El;
}

struct AddK;
struct SubK;
struct MulK;
struct DivK;

impl Kernel2 for AddK {
    #[inline(always)]
    fn k([a0, a1, a2, ra]: El, [b0, b1, b2, rb]: El, p: [f64; 3]) -> El {
        finish(add(a0, b0), add(a1, b1), add(a2, b2), add(ra, rb), p[0])
    }
}

impl Kernel2 for SubK {
    #[inline(always)]
    fn k([a0, a1, a2, ra]: El, [b0, b1, b2, rb]: El, p: [f64; 3]) -> El {
        finish(sub(a0, b0), sub(a1, b1), sub(a2, b2), sub(ra, rb), p[0])
    }
}

impl Kernel2 for MulK {
    #[inline(always)]
    fn k(a: El, b: El, p: [f64; 3]) -> El {
        product(a, b, p[1] as u8, p[2] as u8, p[0])
    }
}

impl Kernel2 for DivK {
    #[inline(always)]
    fn k([a0, a1, a2, ra]: El, [b0, ..]: El, p: [f64; 3]) -> El {
        let inv = (dn(1.0 / b0.1), up(1.0 / b0.0));
        finish(mul(a0, inv), mul(a1, inv), mul(a2, inv), mul(ra, inv), p[0])
    }
}

/// The eight planes of `p` from `at`, each `n` long.
macro_rules! planes {
    ($p:expr, $at:expr, $n:expr) => {{
        let [x0, x1, x2, x3, x4, x5, x6, x7] = &$p.v;
        let (s, n) = ($at, $n);
        [
            &x0[s..s + n],
            &x1[s..s + n],
            &x2[s..s + n],
            &x3[s..s + n],
            &x4[s..s + n],
            &x5[s..s + n],
            &x6[s..s + n],
            &x7[s..s + n],
        ]
    }};
}

#[inline(always)]
fn el_at(x: &[&[f64]; 8], k: usize) -> El {
    [(x[0][k], x[1][k]), (x[2][k], x[3][k]), (x[4][k], x[5][k]), (x[6][k], x[7][k])]
}

/// One row of a broadcast binary operation: `A` (`B`) says whether `a`
/// (`b`) runs along the row or repeats one element.
// Eight planes indexed in lockstep: a range loop is the plain form.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
fn row2<K: Kernel2, const A: bool, const B: bool>(
    o: &mut [&mut [f64]; 8],
    a: &[&[f64]; 8],
    b: &[&[f64]; 8],
    p: [f64; 3],
) {
    let n = o[0].len();
    for j in 0..n {
        let r = K::k(el_at(a, if A { j } else { 0 }), el_at(b, if B { j } else { 0 }), p);
        (o[0][j], o[1][j]) = r[0];
        (o[2][j], o[3][j]) = r[1];
        (o[4][j], o[5][j]) = r[2];
        (o[6][j], o[7][j]) = r[3];
    }
}

struct BinaryOp<'a, K> {
    out: &'a mut Planes,
    a: &'a Planes,
    b: &'a Planes,
    p: [f64; 3],
    kernel: std::marker::PhantomData<K>,
}

impl<K: Kernel2> pulp::WithSimd for BinaryOp<'_, K> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        let shape = self.out.shape.expect("shaped");
        let (sa, sb) = (self.a.shape.expect("shaped"), self.b.shape.expect("shaped"));
        let (mut ra, mut rb) = (Strides::new(sa, shape), Strides::new(sb, shape));
        let (mut rows, mut cols) = shape.dims2();
        if sa == shape && sb == shape {
            // One shape throughout: one long row.
            (rows, cols) = (1, shape.len());
            (ra.row, rb.row) = (0, 0);
        }
        let (along_a, along_b) = (ra.col == 1 || cols == 1, rb.col == 1 || cols == 1);
        let [o0, o1, o2, o3, o4, o5, o6, o7] = &mut self.out.v;
        for i in 0..rows {
            let r = i * cols..(i + 1) * cols;
            let mut o = [
                &mut o0[r.clone()],
                &mut o1[r.clone()],
                &mut o2[r.clone()],
                &mut o3[r.clone()],
                &mut o4[r.clone()],
                &mut o5[r.clone()],
                &mut o6[r.clone()],
                &mut o7[r],
            ];
            let a = planes!(self.a, i * ra.row, if along_a { cols } else { 1 });
            let b = planes!(self.b, i * rb.row, if along_b { cols } else { 1 });
            match (along_a, along_b) {
                (true, true) => row2::<K, true, true>(&mut o, &a, &b, self.p),
                (true, false) => row2::<K, true, false>(&mut o, &a, &b, self.p),
                (false, true) => row2::<K, false, true>(&mut o, &a, &b, self.p),
                (false, false) => row2::<K, false, false>(&mut o, &a, &b, self.p),
            }
        }
    }
}

/// `out = K(a, b)` with broadcasting, row by row.
fn run2<K: Kernel2>(out: &mut Planes, a: &Planes, b: &Planes, p: [f64; 3]) {
    pulp::Arch::new().dispatch(BinaryOp::<K> { out, a, b, p, kernel: std::marker::PhantomData });
}

/// `(a0 + a1 z + A z^2)(b0 + b1 z + B z^2)` truncated at degree 2 over
/// `[0, e]`, the `z^3` and `z^4` terms folded into `C2`.
#[inline(always)]
fn product(a: El, b: El, da: u8, db: u8, e: f64) -> El {
    let ([a0, a1, a2, ra], [b0, b1, b2, rb]) = (a, b);
    if db == 0 {
        return finish(mul(a0, b0), mul(a1, b0), mul(a2, b0), mul(ra, b0), e);
    }
    if da == 0 {
        return finish(mul(a0, b0), mul(a0, b1), mul(a0, b2), mul(a0, rb), e);
    }
    let c1 = add(mul(a0, b1), mul(a1, b0));
    let f2 = add(add(mul(a0, b2), mul(a1, b1)), mul(a2, b0));
    let f3 = add(mul(a1, b2), mul(a2, b1));
    let f4 = mul(a2, b2);
    finish(mul(a0, b0), c1, fold(f2, f3, f4, e), mul(ra, rb), e)
}

/// `u^2`, sharp: `a0^2 + 2 a0 a1 z + (a1^2 + 2 a0 A + 2 a1 A z + A^2 z^2) z^2`.
pub(super) fn square(out: &mut Planes, a: &Planes, e: f64) {
    for k in 0..a.len() {
        let [a0, a1, a2, ra] = load(a, k);
        let c1 = scale(mul(a0, a1), 2.0);
        let f2 = add(sqr(a1), scale(mul(a0, a2), 2.0));
        let f3 = scale(mul(a1, a2), 2.0);
        store(out, k, finish(sqr(a0), c1, fold(f2, f3, sqr(a2), e), sqr(ra), e));
    }
}

/// Sums (or means) of groups of `a` (shape `sa`) over `axis`. Each group is
/// summed in round-to-nearest in eight independent lanes and then widened
/// by the rounding-error bound `gamma_n sum |x|` (plus `n` subnormals).
pub(super) fn sum(out: &mut Planes, a: &Planes, sa: Shape, axis: Option<usize>, mean: bool, e: f64) {
    let (rows, cols) = sa.dims2();
    let groups: Vec<(usize, usize, usize)> = match (sa, axis) {
        // (first element, stride, count) of each group.
        (Shape::Matrix(..), Some(0)) => (0..cols).map(|j| (j, cols, rows)).collect(),
        (Shape::Matrix(..), Some(1)) => (0..rows).map(|i| (i * cols, 1, cols)).collect(),
        _ => vec![(0, 1, sa.len())],
    };
    for (g, &(first, stride, n)) in groups.iter().enumerate() {
        let mut el = [(0.0, 0.0); 4];
        for (c, slot) in el.iter_mut().enumerate() {
            *slot = sum_planes(&a.v[2 * c], &a.v[2 * c + 1], first, stride, n);
        }
        if mean {
            let inv = (dn(1.0 / n as f64), up(1.0 / n as f64));
            el = el.map(|i| mul(i, inv));
        }
        store(out, g, finish(el[0], el[1], el[2], el[3], e));
    }
}

/// The enclosure of `sum_k [lo_k, hi_k]` over one group.
fn sum_planes(lo: &[f64], hi: &[f64], first: usize, stride: usize, n: usize) -> I {
    let (s_lo, a_lo) = lane_sum(lo, first, stride, n);
    let (s_hi, a_hi) = lane_sum(hi, first, stride, n);
    // |fl(sum) - sum| <= gamma_{n+8} sum |x| (+ n subnormals, for underflow).
    let gamma = (n as f64 + 10.0) * f64::EPSILON * 1.01;
    let slack = |abs: f64| up(abs * gamma) + (n as f64 + 1.0) * f64::from_bits(1);
    (dn(s_lo - slack(a_lo)), up(s_hi + slack(a_hi)))
}

/// The round-to-nearest sum and absolute sum of `n` elements from `first`
/// by `stride`, in eight lanes.
fn lane_sum(x: &[f64], first: usize, stride: usize, n: usize) -> (f64, f64) {
    let mut s = [0.0; 8];
    let mut a = [0.0; 8];
    if stride == 1 {
        let x = &x[first..first + n];
        let mut chunks = x.chunks_exact(8);
        for c in &mut chunks {
            for l in 0..8 {
                s[l] += c[l];
                a[l] += c[l].abs();
            }
        }
        for (l, &v) in chunks.remainder().iter().enumerate() {
            s[l] += v;
            a[l] += v.abs();
        }
    } else {
        for i in 0..n {
            let v = x[first + i * stride];
            s[i % 8] += v;
            a[i % 8] += v.abs();
        }
    }
    (s.iter().sum(), a.iter().sum())
}

/// An elementwise map of the pass as a type, so that [`run`] compiles it
/// inline in a loop for the CPU's vector width.
pub(super) trait Kernel {
    fn k(el: El, e: f64) -> El;
}

struct MapOp<'a, K> {
    out: &'a mut Planes,
    a: &'a Planes,
    e: f64,
    kernel: std::marker::PhantomData<K>,
}

impl<K: Kernel> pulp::WithSimd for MapOp<'_, K> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        let n = self.a.len();
        let [a0, a1, a2, a3, a4, a5, a6, a7] = &self.a.v;
        let (a0, a1, a2, a3, a4, a5, a6, a7) =
            (&a0[..n], &a1[..n], &a2[..n], &a3[..n], &a4[..n], &a5[..n], &a6[..n], &a7[..n]);
        let [o0, o1, o2, o3, o4, o5, o6, o7] = &mut self.out.v;
        let (o0, o1, o2, o3) = (&mut o0[..n], &mut o1[..n], &mut o2[..n], &mut o3[..n]);
        let (o4, o5, o6, o7) = (&mut o4[..n], &mut o5[..n], &mut o6[..n], &mut o7[..n]);
        for k in 0..n {
            let r = K::k([(a0[k], a1[k]), (a2[k], a3[k]), (a4[k], a5[k]), (a6[k], a7[k])], self.e);
            (o0[k], o1[k]) = r[0];
            (o2[k], o3[k]) = r[1];
            (o4[k], o5[k]) = r[2];
            (o6[k], o7[k]) = r[3];
        }
    }
}

/// `out[k] = K(a[k])` for every element.
pub(super) fn run<K: Kernel>(out: &mut Planes, a: &Planes, e: f64) {
    pulp::Arch::new().dispatch(MapOp::<K> { out, a, e, kernel: std::marker::PhantomData });
}
