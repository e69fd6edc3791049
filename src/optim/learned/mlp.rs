//! The learned optimizer's network: a small MLP over per-element feature
//! rows (ReLU between layers, linear output), its flat parameter vector
//! (what evolution strategies perturb) and its versioned JSON form.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Normal};
use serde_json::{Value, json};

use crate::tensor::{Shape, Tensor};

/// The JSON format's name and version.
pub const FORMAT: &str = "majorize-learned-optimizer";
/// The version of the format this build reads and writes.
pub const VERSION: u64 = 1;

/// One layer: `y = x W + b`, `W` of shape `[inputs, outputs]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Layer {
    /// `[inputs, outputs]`.
    pub w: Tensor,
    /// `[outputs]`.
    pub b: Tensor,
}

/// A multilayer perceptron: ReLU after every layer but the last.
#[derive(Clone, Debug, PartialEq)]
pub struct Mlp {
    /// The layers, input first.
    pub layers: Vec<Layer>,
}

impl Mlp {
    /// A network of the given layer widths (`sizes[0]` inputs, the last
    /// outputs), weights drawn from `N(0, 1/fan_in)` (seeded), biases 0.
    ///
    /// # Panics
    /// With fewer than two sizes or a zero size.
    pub fn new(sizes: &[usize], seed: u64) -> Mlp {
        assert!(sizes.len() >= 2 && sizes.iter().all(|&s| s > 0), "sizes {sizes:?}");
        let mut rng = StdRng::seed_from_u64(seed);
        let layers = sizes
            .windows(2)
            .map(|w| {
                let normal = Normal::new(0.0, 1.0 / (w[0] as f64).sqrt()).expect("a positive deviation");
                let data = (0..w[0] * w[1]).map(|_| normal.sample(&mut rng)).collect();
                Layer { w: Tensor::new(Shape::Matrix(w[0], w[1]), data), b: Tensor::zeros(Shape::Vector(w[1])) }
            })
            .collect();
        Mlp { layers }
    }

    /// The layer widths, inputs first.
    pub fn sizes(&self) -> Vec<usize> {
        let mut s = vec![self.layers[0].w.shape().dims2().0];
        s.extend(self.layers.iter().map(|l| l.b.shape().len()));
        s
    }

    /// The outputs `[rows, outputs]` for feature rows `x` `[rows, inputs]`.
    ///
    /// # Panics
    /// If `x`'s width is not the network's input width.
    pub fn forward(&self, x: &Tensor) -> Tensor {
        let last = self.layers.len() - 1;
        let mut h = x.clone();
        for (k, l) in self.layers.iter().enumerate() {
            let z = h.matmul(&l.w).zip_with(&l.b, |a, b| a + b);
            h = if k < last { z.map(|v| v.max(0.0)) } else { z };
        }
        h
    }

    /// Every weight and bias, layer by layer (`W` row-major, then `b`).
    pub fn flat(&self) -> Vec<f64> {
        self.layers.iter().flat_map(|l| l.w.data().iter().chain(l.b.data()).copied()).collect()
    }

    /// This network's shape with the numbers of `flat` (as [`flat`](Self::flat) orders them).
    ///
    /// # Panics
    /// If `flat` has not exactly as many numbers.
    pub fn with_flat(&self, flat: &[f64]) -> Mlp {
        let count: usize = self.layers.iter().map(|l| l.w.shape().len() + l.b.shape().len()).sum();
        assert_eq!(flat.len(), count, "parameter count");
        let mut k = 0;
        let mut take = |t: &Tensor| {
            let n = t.shape().len();
            k += n;
            Tensor::new(t.shape(), flat[k - n..k].to_vec())
        };
        Mlp { layers: self.layers.iter().map(|l| Layer { w: take(&l.w), b: take(&l.b) }).collect() }
    }

    /// The JSON form: `{"format", "version", "sizes", "layers": [{"w": [[..]], "b": [..]}]}`
    /// (a caller adds its own fields, such as the seed and the training
    /// command, at the top level).
    pub fn to_json(&self) -> Value {
        let rows = |t: &Tensor| {
            let (r, c) = t.shape().dims2();
            Value::Array((0..r).map(|i| json!(t.data()[i * c..(i + 1) * c])).collect())
        };
        let layers: Vec<Value> = self.layers.iter().map(|l| json!({"w": rows(&l.w), "b": l.b.data()})).collect();
        json!({"format": FORMAT, "version": VERSION, "sizes": self.sizes(), "layers": layers})
    }

    /// Reads [`to_json`](Self::to_json)'s form.
    ///
    /// # Errors
    /// A message naming what is missing or wrong (format, version, shapes,
    /// non-finite numbers).
    pub fn from_json(v: &Value) -> Result<Mlp, String> {
        if v["format"] != FORMAT {
            return Err(format!("not a {FORMAT} file (format {})", v["format"]));
        }
        if v["version"].as_u64() != Some(VERSION) {
            return Err(format!("version {} (this build reads version {VERSION})", v["version"]));
        }
        let nums = |x: &Value, what: &str| -> Result<Vec<f64>, String> {
            let a = x.as_array().ok_or_else(|| format!("{what}: expected a list"))?;
            a.iter()
                .map(|n| {
                    n.as_f64().filter(|f| f.is_finite()).ok_or_else(|| format!("{what}: {n} is not a finite number"))
                })
                .collect()
        };
        let layers = v["layers"].as_array().ok_or("`layers`: expected a list")?;
        let mut out = Vec::new();
        for (k, l) in layers.iter().enumerate() {
            let rows = l["w"].as_array().ok_or_else(|| format!("layer {k}: `w` must be a list of rows"))?;
            let rows: Vec<Vec<f64>> =
                rows.iter().map(|r| nums(r, &format!("layer {k} w"))).collect::<Result<_, _>>()?;
            let b = nums(&l["b"], &format!("layer {k} b"))?;
            let cols = b.len();
            if rows.is_empty() || cols == 0 || rows.iter().any(|r| r.len() != cols) {
                return Err(format!("layer {k}: `w` must be [inputs, {cols}] for {cols} biases"));
            }
            if let Some(prev) = out.last().map(|p: &Layer| p.b.shape().len())
                && prev != rows.len()
            {
                return Err(format!("layer {k}: {} inputs after a layer of {prev} outputs", rows.len()));
            }
            let n = rows.len();
            out.push(Layer {
                w: Tensor::new(Shape::Matrix(n, cols), rows.into_iter().flatten().collect()),
                b: Tensor::new(Shape::Vector(cols), b),
            });
        }
        if out.is_empty() {
            return Err("`layers`: no layer".into());
        }
        Ok(Mlp { layers: out })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forward_is_relu_between_affine_layers() {
        // 2 -> 2 -> 1 by hand: h = relu(x W1 + b1), y = h W2 + b2.
        let net = Mlp {
            layers: vec![
                Layer {
                    w: Tensor::new(Shape::Matrix(2, 2), vec![1.0, -1.0, 2.0, 0.5]),
                    b: Tensor::vector(vec![0.0, -1.0]),
                },
                Layer { w: Tensor::new(Shape::Matrix(2, 1), vec![3.0, -2.0]), b: Tensor::vector(vec![0.25]) },
            ],
        };
        let x = Tensor::new(Shape::Matrix(2, 2), vec![1.0, 2.0, -1.0, 0.0]);
        let y = net.forward(&x);
        // row 1: z = (1 + 4, -1 + 1 - 1) = (5, -1) -> h = (5, 0) -> 15 + 0.25
        // row 2: z = (-1, 1 - 1) = (-1, 0) -> h = (0, 0) -> 0.25
        assert_eq!(y.data(), &[15.25, 0.25]);
    }

    #[test]
    fn flat_and_json_round_trip() {
        let net = Mlp::new(&[5, 4, 2], 7);
        assert_eq!(net.sizes(), vec![5, 4, 2]);
        assert_eq!(net.with_flat(&net.flat()), net);
        let mut v = net.to_json();
        v["seed"] = json!(7); // a caller's own field is ignored on reading
        assert_eq!(Mlp::from_json(&v).unwrap(), net);
        let text = serde_json::to_string(&v).unwrap();
        assert_eq!(Mlp::from_json(&serde_json::from_str(&text).unwrap()).unwrap(), net);
        let mut bad = v.clone();
        bad["version"] = json!(99);
        assert!(Mlp::from_json(&bad).unwrap_err().contains("version 99"));
        let mut bad = v;
        bad["layers"][1]["w"][0] = json!([1.0]);
        assert!(Mlp::from_json(&bad).is_err());
    }
}
