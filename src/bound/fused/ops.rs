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
    run::<NegK>(out, a, 0.0);
}

struct NegK;

impl Kernel for NegK {
    #[inline(always)]
    fn k([c0, c1, c2, r]: El, _: f64) -> El {
        [ineg(c0), ineg(c1), ineg(c2), ineg(r)]
    }
}

/// `a` broadcast to `shape`, into `out`.
pub(super) fn expand(out: &mut Planes, a: &Planes, shape: Shape) {
    let sa = a.shape.expect("shaped");
    out.reset(shape, a.deg);
    let s = Strides::new(sa, shape);
    let cols = shape.dims2().1.max(1);
    for (dst, src) in out.v.iter_mut().zip(&a.v) {
        for (i, row) in dst.chunks_mut(cols).enumerate() {
            let from = &src[i * s.row..];
            if s.col == 1 {
                row.copy_from_slice(&from[..cols]);
            } else {
                row.fill(from[0]);
            }
        }
    }
}

/// `out[k] = a[index[k]]` (a transpose, a selection, a reshape or a
/// broadcast): every plane copied, exactly.
pub(super) fn gather(out: &mut Planes, a: &Planes, index: &[usize]) {
    for (dst, src) in out.v.iter_mut().zip(&a.v) {
        for (d, &i) in dst.iter_mut().zip(index) {
            *d = src[i];
        }
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

/// `out = K(a, b)` elementwise (operands of the output's shape: broadcast
/// ones are expanded first).
fn run2<K: Kernel2>(out: &mut Planes, a: &Planes, b: &Planes, p: [f64; 3]) {
    let n = out.len();
    let a: [&[f64]; 8] = std::array::from_fn(|i| &a.v[i][..n]);
    let b: [&[f64]; 8] = std::array::from_fn(|i| &b.v[i][..n]);
    let o = out.planes_mut();
    split::<K>(a, b, o, p);
}

/// Elements per piece of work for the thread pool. Each element's result
/// depends on that element alone, so the split never changes a bit.
const CHUNK: usize = 4096;

/// Runs the kernel over halves on the thread pool until pieces are small.
pub(super) fn split<K: Kernel2>(a: [&[f64]; 8], b: [&[f64]; 8], o: [&mut [f64]; 8], p: [f64; 3]) {
    let n = o[0].len();
    // One thread: no hand-off to the pool at all.
    if n <= CHUNK || rayon::current_num_threads() == 1 {
        pulp::Arch::new().dispatch(BinaryOp::<K> { a, b, o, p, kernel: std::marker::PhantomData });
        return;
    }
    let mid = n / 2;
    let (al, ar) = halves(a, mid);
    let (bl, br) = halves(b, mid);
    let (ol, or) = halves_mut(o, mid);
    rayon::join(|| split::<K>(al, bl, ol, p), || split::<K>(ar, br, or, p));
}

fn halves(x: [&[f64]; 8], mid: usize) -> ([&[f64]; 8], [&[f64]; 8]) {
    (x.map(|s| &s[..mid]), x.map(|s| &s[mid..]))
}

fn halves_mut(x: [&mut [f64]; 8], mid: usize) -> ([&mut [f64]; 8], [&mut [f64]; 8]) {
    let [x0, x1, x2, x3, x4, x5, x6, x7] = x.map(|s| s.split_at_mut(mid));
    ([x0.0, x1.0, x2.0, x3.0, x4.0, x5.0, x6.0, x7.0], [x0.1, x1.1, x2.1, x3.1, x4.1, x5.1, x6.1, x7.1])
}

struct BinaryOp<'a, K> {
    a: [&'a [f64]; 8],
    b: [&'a [f64]; 8],
    o: [&'a mut [f64]; 8],
    p: [f64; 3],
    kernel: std::marker::PhantomData<K>,
}

impl<K: Kernel2> pulp::WithSimd for BinaryOp<'_, K> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        let [a0, a1, a2, a3, a4, a5, a6, a7] = self.a;
        let [b0, b1, b2, b3, b4, b5, b6, b7] = self.b;
        let [o0, o1, o2, o3, o4, o5, o6, o7] = self.o;
        loop2::<K>(
            self.p, a0, a1, a2, a3, a4, a5, a6, a7, b0, b1, b2, b3, b4, b5, b6, b7, o0, o1, o2, o3, o4, o5, o6, o7,
        );
    }
}

/// The loop of [`run2`], its planes passed one by one as arguments, so that
/// the compiler knows they do not overlap (`noalias`). (`perf annotate`
/// still shows the primitive rules' loops compiled one element at a time.)
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn loop2<K: Kernel2>(
    p: [f64; 3],
    a0: &[f64],
    a1: &[f64],
    a2: &[f64],
    a3: &[f64],
    a4: &[f64],
    a5: &[f64],
    a6: &[f64],
    a7: &[f64],
    b0: &[f64],
    b1: &[f64],
    b2: &[f64],
    b3: &[f64],
    b4: &[f64],
    b5: &[f64],
    b6: &[f64],
    b7: &[f64],
    o0: &mut [f64],
    o1: &mut [f64],
    o2: &mut [f64],
    o3: &mut [f64],
    o4: &mut [f64],
    o5: &mut [f64],
    o6: &mut [f64],
    o7: &mut [f64],
) {
    let n = o0.len();
    let (a0, a1, a2, a3, a4, a5, a6, a7) =
        (&a0[..n], &a1[..n], &a2[..n], &a3[..n], &a4[..n], &a5[..n], &a6[..n], &a7[..n]);
    let (b0, b1, b2, b3, b4, b5, b6, b7) =
        (&b0[..n], &b1[..n], &b2[..n], &b3[..n], &b4[..n], &b5[..n], &b6[..n], &b7[..n]);
    let (o1, o2, o3, o4, o5, o6, o7) =
        (&mut o1[..n], &mut o2[..n], &mut o3[..n], &mut o4[..n], &mut o5[..n], &mut o6[..n], &mut o7[..n]);
    for k in 0..n {
        let x = [(a0[k], a1[k]), (a2[k], a3[k]), (a4[k], a5[k]), (a6[k], a7[k])];
        let y = [(b0[k], b1[k]), (b2[k], b3[k]), (b4[k], b5[k]), (b6[k], b7[k])];
        let r = K::k(x, y, p);
        (o0[k], o1[k]) = r[0];
        (o2[k], o3[k]) = r[1];
        (o4[k], o5[k]) = r[2];
        (o6[k], o7[k]) = r[3];
    }
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
    run::<SquareK>(out, a, e);
}

struct SquareK;

impl Kernel for SquareK {
    #[inline(always)]
    fn k([a0, a1, a2, ra]: El, e: f64) -> El {
        let c1 = scale(mul(a0, a1), 2.0);
        let f2 = add(sqr(a1), scale(mul(a0, a2), 2.0));
        let f3 = scale(mul(a1, a2), 2.0);
        finish(sqr(a0), c1, fold(f2, f3, sqr(a2), e), sqr(ra), e)
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

/// `out[k] = K(a[k])` for every element: the binary loop with a kernel
/// that ignores its second operand.
pub(super) fn run<K: Kernel>(out: &mut Planes, a: &Planes, e: f64) {
    run2::<Unary<K>>(out, a, a, [e, 0.0, 0.0]);
}

/// A [`Kernel`] as a [`Kernel2`] of its first operand.
struct Unary<K>(std::marker::PhantomData<K>);

impl<K: Kernel> Kernel2 for Unary<K> {
    #[inline(always)]
    fn k(a: El, _: El, p: [f64; 3]) -> El {
        K::k(a, p[0])
    }
}
