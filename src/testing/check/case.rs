//! One case of a loss check: a few numbers (seeds, a spread, a radius)
//! that proptest draws and shrinks, that decide the point, direction and
//! region, and that print as a replay string
//! (`bounds:start=3,spread=0.5,dir=7,radius=0.125,descent=0`) which
//! `majorize check --replay` parses back.

use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, StandardNormal};

use crate::{Model, Tensor};

/// A property of a loss that `majorize check` tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Property {
    /// The degree-2 and degree-k enclosures contain the loss.
    Bounds,
    /// Reverse mode, num-dual and central differences agree.
    Gradients,
    /// Every MM step keeps or lowers the loss.
    Monotone,
    /// Where the default method ends from random starts.
    Convergence,
}

impl Property {
    /// Every property (they run in this order, but for convergence,
    /// which runs before monotonicity).
    pub const ALL: [Property; 4] = [Property::Bounds, Property::Gradients, Property::Monotone, Property::Convergence];

    /// The name, as `--only` and a replay string spell it.
    pub fn name(self) -> &'static str {
        match self {
            Property::Bounds => "bounds",
            Property::Gradients => "gradients",
            Property::Monotone => "monotone",
            Property::Convergence => "convergence",
        }
    }

    /// The property called `name`.
    pub fn from_name(name: &str) -> Option<Property> {
        Property::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// The numbers of one case. `start` and `spread` pick the point (the
/// initial parameters plus `spread` times a seeded normal offset, scaled
/// per parameter); `dir` and `descent` the direction (a seeded normal
/// one, or minus the gradient); `radius` the trust region `[0, radius]`
/// along it; `coord` a coordinate; `method` the optimizer of a
/// monotonicity case. Each property reads the fields it needs.
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    /// The property.
    pub property: Property,
    /// The optimizer (monotonicity cases).
    pub method: Option<String>,
    /// The seed of the point's offset.
    pub start: u32,
    /// The offset's size, in units of each parameter's scale.
    pub spread: f64,
    /// The seed of the direction.
    pub dir: u32,
    /// The region's length along the direction.
    pub radius: f64,
    /// Along minus the gradient instead of the seeded direction.
    pub descent: bool,
    /// A coordinate (taken modulo the number of scalars).
    pub coord: u32,
}

impl Case {
    /// A case of `property` with every field at its simplest.
    pub fn new(property: Property) -> Case {
        Case { property, method: None, start: 0, spread: 0.0, dir: 0, radius: 1.0, descent: false, coord: 0 }
    }

    /// The fields `property` reads, as `name=value` pairs.
    fn fields(&self) -> Vec<(&'static str, String)> {
        let mut f = Vec::new();
        if let Some(m) = &self.method {
            f.push(("method", m.clone()));
        }
        f.push(("start", self.start.to_string()));
        f.push(("spread", self.spread.to_string()));
        match self.property {
            Property::Bounds => {
                f.push(("dir", self.dir.to_string()));
                f.push(("radius", self.radius.to_string()));
                f.push(("descent", u8::from(self.descent).to_string()));
            }
            Property::Gradients => {
                f.push(("dir", self.dir.to_string()));
                f.push(("coord", self.coord.to_string()));
            }
            Property::Monotone | Property::Convergence => {}
        }
        f
    }

    /// Parses a replay string, `PROPERTY:name=value,...` (fields left out
    /// take their simplest values).
    ///
    /// # Errors
    /// A message naming the part that is wrong.
    pub fn parse(s: &str) -> Result<Case, String> {
        let (prop, rest) = s.split_once(':').unwrap_or((s, ""));
        let property = Property::from_name(prop.trim()).ok_or_else(|| {
            format!("unknown property `{prop}` (expected bounds, gradients, monotone or convergence)")
        })?;
        let mut c = Case::new(property);
        for pair in rest.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').ok_or_else(|| format!("`{pair}`: expected name=value"))?;
            let num = |what: &str| -> Result<f64, String> {
                v.parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| format!("{what}={v}: not a finite number"))
            };
            let int = || v.parse::<u32>().map_err(|_| format!("{k}={v}: expected an integer from 0 to {}", u32::MAX));
            match k {
                "method" => c.method = Some(v.to_string()),
                "start" => c.start = int()?,
                "dir" => c.dir = int()?,
                "coord" => c.coord = int()?,
                "spread" => c.spread = num("spread").and_then(|x| nonneg("spread", x))?,
                "radius" => {
                    c.radius = num("radius")?;
                    if c.radius <= 0.0 {
                        return Err(format!("radius={v}: must be > 0"));
                    }
                }
                "descent" => {
                    c.descent = match v {
                        "0" | "false" => false,
                        "1" | "true" => true,
                        _ => return Err(format!("descent={v}: expected 0 or 1")),
                    }
                }
                _ => return Err(format!("unknown field `{k}` (expected {})", c.fields_help())),
            }
        }
        if c.property == Property::Monotone && c.method.is_none() {
            return Err("a monotone case names its optimizer: monotone:method=NAME,...".into());
        }
        Ok(c)
    }

    fn fields_help(&self) -> String {
        self.fields().iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ")
    }

    /// The point: each parameter `p` plus `spread * scale_p * N(0, 1)`
    /// per element (seeded by `start`), rounded to a multiple of
    /// `2^(floor(log2 scale_p) - 24)` so that points along a direction
    /// of [`direction`](Self::direction) are exact in f64.
    pub fn point(&self, model: &Model) -> Vec<Tensor> {
        let mut rng = StdRng::seed_from_u64(u64::from(self.start));
        model
            .init
            .iter()
            .map(|t| {
                let s = scale(t);
                let q = quantum(s, 24);
                t.map(|x| {
                    let n: f64 = StandardNormal.sample(&mut rng);
                    snap(x + self.spread * s * n, q)
                })
            })
            .collect()
    }

    /// The seeded direction: `scale_p * N(0, 1)` per element, rounded to
    /// multiples of `2^(floor(log2 scale_p) - 12)`; with `descent`, minus
    /// `grad` rescaled to the same norm and rounded alike.
    pub fn direction(&self, model: &Model, grad: &[Tensor]) -> Vec<Tensor> {
        let mut rng = StdRng::seed_from_u64(u64::from(self.dir) ^ 0x9e37_79b9_7f4a_7c15);
        let random: Vec<Tensor> = model
            .init
            .iter()
            .map(|t| {
                let s = scale(t);
                t.map(|_| {
                    let n: f64 = StandardNormal.sample(&mut rng);
                    s * n
                })
            })
            .collect();
        let v = if self.descent {
            let (gn, rn) = (crate::optim::global_norm(grad), crate::optim::global_norm(&random));
            if gn > 0.0 && gn.is_finite() { grad.iter().map(|g| g.map(|x| -x * rn / gn)).collect() } else { random }
        } else {
            random
        };
        v.iter().zip(&model.init).map(|(v, t)| v.map(|x| snap(x, quantum(scale(t), 12)))).collect()
    }
}

impl std::fmt::Display for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fields: Vec<String> = self.fields().into_iter().map(|(k, v)| format!("{k}={v}")).collect();
        write!(f, "{}:{}", self.property.name(), fields.join(","))
    }
}

fn nonneg(what: &str, x: f64) -> Result<f64, String> {
    if x >= 0.0 { Ok(x) } else { Err(format!("{what}={x}: must be >= 0")) }
}

/// A parameter's scale: the root mean square of its initial value, or 1
/// where that is 0 (or not finite).
pub(super) fn scale(t: &Tensor) -> f64 {
    let n = t.shape().len().max(1) as f64;
    let rms = (t.data().iter().map(|x| x * x).sum::<f64>() / n).sqrt();
    if rms > 0.0 && rms.is_finite() { rms } else { 1.0 }
}

/// `2^(floor(log2 s) - bits)`.
fn quantum(s: f64, bits: i32) -> f64 {
    2f64.powi(s.log2().floor() as i32 - bits)
}

fn snap(x: f64, q: f64) -> f64 {
    let y = (x / q).round() * q;
    if y.is_finite() { y } else { x }
}

/// Whether `a + b` is exact in f64 (its rounding error, by Knuth's
/// two-sum, is 0).
pub fn exact_sum(a: f64, b: f64) -> bool {
    let s = a + b;
    let bb = s - a;
    s.is_finite() && (a - (s - bb)) + (b - bb) == 0.0
}

/// `x + z v`, if every element is exact in f64 (`z v` included).
pub fn exact_axpy(x: &[Tensor], z: f64, v: &[Tensor]) -> Option<Vec<Tensor>> {
    let ok = std::cell::Cell::new(true);
    let out = x
        .iter()
        .zip(v)
        .map(|(x, v)| {
            x.zip_with(v, |a, b| {
                let p = z * b;
                ok.set(ok.get() && exact_product(z, b) && exact_sum(a, p));
                a + p
            })
        })
        .collect();
    ok.get().then_some(out)
}

/// Whether `a * b` is exact in f64 (its error, by a fused multiply-add, is 0).
fn exact_product(a: f64, b: f64) -> bool {
    let p = a * b;
    p.is_finite() && a.mul_add(b, -p) == 0.0
}

/// The strategy of a property's cases: seeds in `0..2^16`, spreads
/// `k/16` in `[0, 2]`, radii `m / 2^k` (`m` 1 to 16, `k` 3 to 19: from
/// `2^-19` to 2), so
/// that each value is exact and prints short, and shrinks toward the
/// initial point, seed 0, and the shortest numbers.
pub fn cases(property: Property, method: Option<String>) -> impl Strategy<Value = Case> {
    (0u32..65536, 0u32..=32, 0u32..65536, (1u32..=16, 3i32..=19), any::<bool>(), 0u32..65536).prop_map(
        move |(start, spread, dir, (m, k), descent, coord)| Case {
            property,
            method: method.clone(),
            start,
            spread: f64::from(spread) / 16.0,
            dir,
            radius: f64::from(m) * 2f64.powi(-k),
            descent,
            coord,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_prints_as_it_parses() {
        let mut c = Case::new(Property::Bounds);
        (c.start, c.spread, c.dir, c.radius, c.descent) = (17, 0.5625, 3, 3.0 * 2f64.powi(-13), true);
        assert_eq!(Case::parse(&c.to_string()), Ok(c.clone()));
        let mut m = Case::new(Property::Monotone);
        (m.method, m.start, m.spread) = (Some("saferate".into()), 5, 1.25);
        assert_eq!(m.to_string(), "monotone:method=saferate,start=5,spread=1.25");
        assert_eq!(Case::parse(&m.to_string()), Ok(m));
        for bad in [
            "nope:start=1",
            "bounds:start=-1",
            "bounds:radius=0",
            "bounds:spread=nan",
            "bounds:x=1",
            "monotone:start=1",
        ] {
            assert!(Case::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sums_and_products_are_exact_only_when_they_are() {
        assert!(exact_sum(1.0, 2f64.powi(-52)));
        assert!(!exact_sum(1.0, 2f64.powi(-54)));
        assert!(exact_product(3.0, 0.125));
        assert!(!exact_product(1.0 / 3.0, 1.0 / 3.0));
        let x = [Tensor::vector(vec![1.0, -0.5])];
        let v = [Tensor::vector(vec![0.25, 2f64.powi(-60)])];
        assert!(exact_axpy(&x, 0.5, &v[..1]).is_none());
        let w = [Tensor::vector(vec![0.25, 0.75])];
        assert_eq!(exact_axpy(&x, 0.5, &w).unwrap()[0].data(), &[1.125, -0.125]);
    }
}
