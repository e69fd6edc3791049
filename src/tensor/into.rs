//! Elementwise operations into buffers that already exist, with numpy
//! broadcasting: what the passes over a plan use so that a steady-state pass
//! allocates nothing.

use super::dense::Strides;
use super::{Shape, Tensor};

/// Makes `t` a tensor of `shape`, reusing its buffer when it already is one.
#[inline]
pub fn shape_to(t: &mut Tensor, shape: Shape) {
    if t.shape() != shape {
        *t = Tensor::zeros(shape);
    }
}

/// `out = f(a, b)` elementwise, `a` and `b` broadcast to `out`'s shape.
#[inline]
pub fn zip_into(out: &mut Tensor, a: &Tensor, b: &Tensor, f: impl Fn(f64, f64) -> f64) {
    let shape = out.shape();
    let (ad, bd) = (a.data(), b.data());
    let od = out.data_mut();
    if a.shape() == shape && b.shape() == shape {
        for ((o, &x), &y) in od.iter_mut().zip(ad).zip(bd) {
            *o = f(x, y);
        }
        return;
    }
    let (sa, sb) = (Strides::new(a.shape(), shape), Strides::new(b.shape(), shape));
    let cols = shape.dims2().1;
    for (i, row) in od.chunks_mut(cols.max(1)).enumerate() {
        let (ar, br) = (&ad[i * sa.row..], &bd[i * sb.row..]);
        match (sa.col, sb.col) {
            (1, 1) => row.iter_mut().zip(ar).zip(br).for_each(|((o, &x), &y)| *o = f(x, y)),
            (1, _) => row.iter_mut().zip(ar).for_each(|(o, &x)| *o = f(x, br[0])),
            (_, 1) => row.iter_mut().zip(br).for_each(|(o, &y)| *o = f(ar[0], y)),
            _ => row.iter_mut().for_each(|o| *o = f(ar[0], br[0])),
        }
    }
}

/// `out = f(a)` elementwise (same shapes).
#[inline]
pub fn map_into(out: &mut Tensor, a: &Tensor, f: impl Fn(f64) -> f64) {
    for (o, &x) in out.data_mut().iter_mut().zip(a.data()) {
        *o = f(x);
    }
}

/// The adjoint of a broadcast elementwise operation: `target` (of
/// `target_shape`, which broadcasts to `g`'s shape) gets, for each element
/// of `g`, `f(g, o)` added where `o` is the matching element of `other`
/// (broadcast to `g`'s shape too; `None` reads 0).
#[inline]
pub fn acc_into(
    target: &mut [f64],
    target_shape: Shape,
    g: &Tensor,
    other: Option<&Tensor>,
    f: impl Fn(f64, f64) -> f64,
) {
    let shape = g.shape();
    let gd = g.data();
    let zero = [0.0];
    let (od, os) = match other {
        Some(o) => (o.data(), Strides::new(o.shape(), shape)),
        None => (&zero[..], Strides { row: 0, col: 0 }),
    };
    if target_shape == shape && (other.is_none() || other.map(Tensor::shape) == Some(shape)) {
        if other.is_some() {
            target.iter_mut().zip(gd).zip(od).for_each(|((t, &g), &o)| *t += f(g, o));
        } else {
            target.iter_mut().zip(gd).for_each(|(t, &g)| *t += f(g, 0.0));
        }
        return;
    }
    let ts = Strides::new(target_shape, shape);
    let cols = shape.dims2().1;
    for (i, grow) in gd.chunks(cols.max(1)).enumerate() {
        let (t0, o0) = (i * ts.row, i * os.row);
        if ts.col == 1 && os.col == 1 {
            let (trow, orow) = (&mut target[t0..t0 + cols], &od[o0..o0 + cols]);
            trow.iter_mut().zip(grow).zip(orow).for_each(|((t, &g), &o)| *t += f(g, o));
        } else if ts.col == 1 {
            let o = od[o0];
            target[t0..t0 + cols].iter_mut().zip(grow).for_each(|(t, &g)| *t += f(g, o));
        } else {
            let mut s = 0.0;
            for (j, &g) in grow.iter().enumerate() {
                s += f(g, od[o0 + j * os.col]);
            }
            target[t0] += s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasts_agree_with_zip_with_and_sum_to() {
        let shapes = [Shape::Scalar, Shape::Vector(3), Shape::Matrix(2, 1), Shape::Matrix(1, 3), Shape::Matrix(2, 3)];
        let t = |s: Shape, k: f64| Tensor::new(s, (0..s.len()).map(|i| i as f64 * 0.75 + k).collect());
        for sa in shapes {
            for sb in shapes {
                let Some(shape) = sa.broadcast(sb) else { continue };
                let (a, b) = (t(sa, 1.0), t(sb, -2.0));
                let mut out = Tensor::scalar(0.0);
                shape_to(&mut out, shape);
                zip_into(&mut out, &a, &b, |x, y| x * y - y);
                assert_eq!(out, a.zip_with(&b, |x, y| x * y - y), "{sa} with {sb}");
                // d/da of sum(g * (a * b)) = sum_to(g * b).
                let g = t(shape, 0.5);
                let mut ga = vec![0.25; sa.len()];
                acc_into(&mut ga, sa, &g, Some(&b), |g, y| g * y);
                let want = g.zip_with(&b, |g, y| g * y).sum_to(sa).map(|v| v + 0.25);
                for (x, w) in ga.iter().zip(want.data()) {
                    assert!((x - w).abs() <= 1e-12 * w.abs().max(1.0), "{sa} with {sb}: {ga:?} vs {want:?}");
                }
                let mut gb = vec![0.0; sb.len()];
                acc_into(&mut gb, sb, &g, None, |g, _| -g);
                assert_eq!(gb, g.sum_to(sb).map(|v| -v).data(), "{sb} from {shape}");
            }
        }
    }
}
