//! Greedy alignment: SGD with momentum and Adam that pick, at every step,
//! among candidate momentum coefficients the one whose update is best
//! aligned with the current gradient.

use super::OptimError;
use super::macros::{field_pairs, named_optimizer, require};
use super::options::{Key, KeyDefault, Options, Show, range};
use super::transform::{AddDecayedWeights, Scale, Transform, zeros_like};
use crate::tensor::Tensor;

/// How the candidate is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selection {
    /// One choice per step, from J summed over all tensors (GAP's `switch`).
    Global,
    /// Each parameter tensor chooses on its own (`switch_parameter_wise`).
    PerTensor,
}

impl Selection {
    /// The names accepted by the `mode` key.
    pub const NAMES: &'static [&'static str] = &["global", "per_tensor"];

    fn from_name(s: &str) -> Self {
        if s == "per_tensor" { Selection::PerTensor } else { Selection::Global }
    }
}

impl Show for Selection {
    fn show(&self) -> String {
        match self {
            Selection::Global => "global",
            Selection::PerTensor => "per_tensor",
        }
        .to_string()
    }
}

impl Show for Vec<f64> {
    fn show(&self) -> String {
        let items: Vec<String> = self.iter().map(|v| v.show()).collect();
        format!("[{}]", items.join(","))
    }
}

/// The state shared by both greedy optimizers.
#[derive(Clone, Debug, PartialEq)]
pub struct GreedyState {
    /// Steps taken.
    pub count: i32,
    /// One buffer list per candidate.
    pub buffers: Vec<Vec<Tensor>>,
    /// Adam's second moment (empty for SGD).
    pub v: Vec<Tensor>,
    /// The smoothed global J of each candidate.
    pub j_smooth: Vec<f64>,
    /// The candidate chosen last, per tensor.
    pub chosen: Vec<usize>,
}

/// Picks, per tensor, the candidate maximizing `j[c][t]` (first on ties),
/// globally (J summed over tensors, smoothed by `ema`) or per tensor.
fn choose(j: &[Vec<f64>], mode: Selection, ema: f64, smooth: &mut Vec<f64>, first: bool) -> Vec<usize> {
    let argmax = |vals: &mut dyn Iterator<Item = f64>| {
        let mut best = (0, f64::NEG_INFINITY);
        for (i, v) in vals.enumerate() {
            if v > best.1 {
                best = (i, v);
            }
        }
        best.0
    };
    let tensors = j.first().map_or(0, Vec::len);
    match mode {
        Selection::Global => {
            let total: Vec<f64> = j.iter().map(|per| per.iter().sum()).collect();
            *smooth =
                if first { total } else { smooth.iter().zip(&total).map(|(p, c)| ema * p + (1.0 - ema) * c).collect() };
            vec![argmax(&mut smooth.iter().copied()); tensors]
        }
        Selection::PerTensor => (0..tensors).map(|t| argmax(&mut j.iter().map(|per| per[t]))).collect(),
    }
}

/// # Greedy SGD with momentum
///
/// Keeps one heavy-ball buffer `b_j = mu_j b_j + g` per candidate `mu_j`
/// (PyTorch's form, `b_j = g` on the first step), scores each by the
/// norm-scaled alignment `J_j = (g . b_j) sqrt(1 - mu_j^2)` and steps along
/// the best: `theta <- theta - lr * b_j*`. `sqrt(1 - mu^2)` is `1 / ||h||_2`
/// of the filter `h_k = mu^k`, so J is a one-step estimate of the
/// alignment of a unit-norm filter with the gradient's autocorrelation.
///
/// # Hyperparameters
/// `lr` (1e-3), `momentum` ([0.5, 0.9, 0.99], the candidates),
/// `weight_decay` (0, coupled), `mode` (global: one choice per step from J
/// summed over tensors; per_tensor: each tensor chooses), `j_ema` (0, EMA
/// of the global J across steps).
///
/// With one candidate this is PyTorch's SGD with momentum. The published
/// code's `hysteresis_threshold`, `soft_reset` and `lr_modulation` are not
/// implemented: its source is not available to check their semantics.
///
/// # References
/// Lee & Lee, *Greedy Alignment Principle for Optimizer Selection*
/// (arXiv:2512.06370).
#[derive(Clone, Debug, PartialEq)]
pub struct GreedySgdm {
    /// Learning rate.
    pub lr: f64,
    /// The candidate momentum coefficients.
    pub momentum: Vec<f64>,
    /// Coupled weight decay.
    pub weight_decay: f64,
    /// Global or per-tensor choice.
    pub mode: Selection,
    /// EMA of the global J.
    pub j_ema: f64,
}

/// # Greedy Adam
///
/// Keeps one first moment `m_j` per candidate `beta1_j` and a shared second
/// moment `v`; each candidate's update is Adam's
/// `u_j = m_hat_j / (sqrt(v_hat) + eps)`, scored by
/// `J_j = (g . u_j) sqrt((1 - beta1_j^2) / W)` with
/// `W = mean(1 / (sqrt(v) + eps))` over the elements the choice covers; the
/// step is `theta <- theta - lr * u_j*` (plus decoupled decay).
///
/// # Hyperparameters
/// `lr` (1e-3), `beta1` ([0.5, 0.9, 0.99], the candidates), `beta2`
/// (0.999), `eps` (1e-8), `weight_decay` (0), `decoupled` (false: coupled
/// L2 as Adam; true: AdamW), `mode`, `j_ema` (as [`GreedySgdm`]).
///
/// With one candidate this is PyTorch's Adam (or AdamW).
#[derive(Clone, Debug, PartialEq)]
pub struct GreedyAdam {
    /// Learning rate.
    pub lr: f64,
    /// The candidate first-moment decays.
    pub beta1: Vec<f64>,
    /// Second-moment decay.
    pub beta2: f64,
    /// Denominator offset.
    pub eps: f64,
    /// Weight decay.
    pub weight_decay: f64,
    /// Decoupled (AdamW) weight decay.
    pub decoupled: bool,
    /// Global or per-tensor choice.
    pub mode: Selection,
    /// EMA of the global J.
    pub j_ema: f64,
}

/// The keys of `greedy_sgdm`.
pub const KEYS_SGDM: &[Key] = &[
    Key { name: "lr", default: KeyDefault::Num(1e-3), help: "learning rate" },
    Key { name: "momentum", default: KeyDefault::List(&[0.5, 0.9, 0.99]), help: "candidate momentum coefficients" },
    Key { name: "weight_decay", default: KeyDefault::Num(0.0), help: "coupled (L2) weight decay" },
    Key {
        name: "mode",
        default: KeyDefault::Word("global", Selection::NAMES),
        help: "one choice per step, or per tensor",
    },
    Key { name: "j_ema", default: KeyDefault::Num(0.0), help: "EMA of the global alignment J across steps" },
];

/// The keys of `greedy_adam`.
pub const KEYS_ADAM: &[Key] = &[
    Key { name: "lr", default: KeyDefault::Num(1e-3), help: "learning rate" },
    Key { name: "beta1", default: KeyDefault::List(&[0.5, 0.9, 0.99]), help: "candidate first-moment decays" },
    Key { name: "beta2", default: KeyDefault::Num(0.999), help: "second-moment decay" },
    Key { name: "eps", default: KeyDefault::Num(1e-8), help: "added to sqrt(v_hat)" },
    Key { name: "weight_decay", default: KeyDefault::Num(0.0), help: "weight decay" },
    Key { name: "decoupled", default: KeyDefault::Bool(false), help: "decoupled (AdamW) weight decay" },
    Key {
        name: "mode",
        default: KeyDefault::Word("global", Selection::NAMES),
        help: "one choice per step, or per tensor",
    },
    Key { name: "j_ema", default: KeyDefault::Num(0.0), help: "EMA of the global alignment J across steps" },
];

fn check_candidates(name: &str, key: &str, c: &[f64]) -> Result<(), OptimError> {
    let ok = !c.is_empty() && c.iter().all(|&b| range::unit(b));
    require(name, key, c.to_vec().show(), ok, "a non-empty list of values in [0, 1)")
}

impl GreedySgdm {
    fn read(o: &Options) -> Self {
        GreedySgdm {
            lr: o.num("lr"),
            momentum: o.list("momentum").to_vec(),
            weight_decay: o.num("weight_decay"),
            mode: Selection::from_name(o.word("mode")),
            j_ema: o.num("j_ema"),
        }
    }

    /// Checks every hyperparameter.
    ///
    /// # Errors
    /// [`OptimError::Invalid`] naming the allowed range.
    pub fn validate(&self) -> Result<(), OptimError> {
        require("greedy_sgdm", "lr", self.lr, range::non_negative(self.lr), ">= 0")?;
        check_candidates("greedy_sgdm", "momentum", &self.momentum)?;
        require("greedy_sgdm", "weight_decay", self.weight_decay, range::non_negative(self.weight_decay), ">= 0")?;
        require("greedy_sgdm", "j_ema", self.j_ema, range::unit(self.j_ema), "in [0, 1)")
    }

    fn pairs(&self) -> Vec<(String, String)> {
        field_pairs!(self; lr, momentum, weight_decay, mode, j_ema)
    }
}

impl GreedyAdam {
    fn read(o: &Options) -> Self {
        GreedyAdam {
            lr: o.num("lr"),
            beta1: o.list("beta1").to_vec(),
            beta2: o.num("beta2"),
            eps: o.num("eps"),
            weight_decay: o.num("weight_decay"),
            decoupled: o.flag("decoupled"),
            mode: Selection::from_name(o.word("mode")),
            j_ema: o.num("j_ema"),
        }
    }

    /// Checks every hyperparameter.
    ///
    /// # Errors
    /// [`OptimError::Invalid`] naming the allowed range.
    pub fn validate(&self) -> Result<(), OptimError> {
        require("greedy_adam", "lr", self.lr, range::non_negative(self.lr), ">= 0")?;
        check_candidates("greedy_adam", "beta1", &self.beta1)?;
        require("greedy_adam", "beta2", self.beta2, range::unit(self.beta2), "in [0, 1)")?;
        require("greedy_adam", "eps", self.eps, range::non_negative(self.eps), ">= 0")?;
        require("greedy_adam", "weight_decay", self.weight_decay, range::non_negative(self.weight_decay), ">= 0")?;
        require("greedy_adam", "j_ema", self.j_ema, range::unit(self.j_ema), "in [0, 1)")
    }

    fn pairs(&self) -> Vec<(String, String)> {
        field_pairs!(self; lr, beta1, beta2, eps, weight_decay, decoupled, mode, j_ema)
    }
}

named_optimizer!(GreedySgdm, "greedy_sgdm", KEYS_SGDM);
named_optimizer!(GreedyAdam, "greedy_adam", KEYS_ADAM);

fn init_state(params: &[Tensor], candidates: usize, adam: bool) -> GreedyState {
    GreedyState {
        count: 0,
        buffers: vec![if adam { zeros_like(params) } else { Vec::new() }; candidates],
        v: if adam { zeros_like(params) } else { Vec::new() },
        j_smooth: vec![0.0; candidates],
        chosen: vec![0; params.len()],
    }
}

impl Transform for GreedySgdm {
    type State = GreedyState;

    fn init(&self, params: &[Tensor]) -> GreedyState {
        init_state(params, self.momentum.len(), false)
    }

    fn update(&self, grads: Vec<Tensor>, st: &mut GreedyState, params: &[Tensor]) -> Vec<Tensor> {
        let g = AddDecayedWeights(self.weight_decay).update(grads, &mut (), params);
        let first = st.count == 0;
        st.count = st.count.saturating_add(1);
        let mut j = Vec::with_capacity(self.momentum.len());
        for (c, &mu) in self.momentum.iter().enumerate() {
            let b = &mut st.buffers[c];
            if first {
                *b = g.clone();
            } else {
                *b = b.iter().zip(&g).map(|(b, g)| b.zip_with(g, |b, g| mu * b + g)).collect();
            }
            let scale = (1.0 - mu * mu).sqrt();
            j.push(b.iter().zip(&g).map(|(b, g)| b.dot(g) * scale).collect::<Vec<f64>>());
        }
        st.chosen = choose(&j, self.mode, self.j_ema, &mut st.j_smooth, first);
        let u: Vec<Tensor> = st.chosen.iter().enumerate().map(|(t, &c)| st.buffers[c][t].clone()).collect();
        Scale(-self.lr).update(u, &mut (), params)
    }
}

impl Transform for GreedyAdam {
    type State = GreedyState;

    fn init(&self, params: &[Tensor]) -> GreedyState {
        init_state(params, self.beta1.len(), true)
    }

    fn update(&self, grads: Vec<Tensor>, st: &mut GreedyState, params: &[Tensor]) -> Vec<Tensor> {
        let g =
            if self.decoupled { grads } else { AddDecayedWeights(self.weight_decay).update(grads, &mut (), params) };
        let first = st.count == 0;
        st.count = st.count.saturating_add(1);
        let (b2, eps) = (self.beta2, self.eps);
        let bc2_sqrt = (1.0 - b2.powi(st.count)).sqrt();
        for (v, g) in st.v.iter_mut().zip(&g) {
            *v = v.zip_with(g, |v, g| b2 * v + (1.0 - b2) * g * g);
        }
        // W: the mean of 1 / (sqrt(v) + eps) over the elements each choice covers.
        let inv: Vec<(f64, usize)> =
            st.v.iter().map(|v| (v.data().iter().map(|v| 1.0 / (v.sqrt() + eps)).sum(), v.shape().len())).collect();
        let w_global = inv.iter().map(|x| x.0).sum::<f64>() / inv.iter().map(|x| x.1).sum::<usize>().max(1) as f64;
        let mut updates = Vec::with_capacity(self.beta1.len());
        let mut j = Vec::with_capacity(self.beta1.len());
        for (c, &b1) in self.beta1.iter().enumerate() {
            let bc1 = 1.0 - b1.powi(st.count);
            let m = &mut st.buffers[c];
            *m = m.iter().zip(&g).map(|(m, g)| m.zip_with(g, |m, g| b1 * m + (1.0 - b1) * g)).collect();
            let u: Vec<Tensor> = m
                .iter()
                .zip(&st.v)
                .map(|(m, v)| m.zip_with(v, |m, v| (m / bc1) / (v.sqrt() / bc2_sqrt + eps)))
                .collect();
            let jc = u
                .iter()
                .zip(&g)
                .zip(&inv)
                .map(|((u, g), &(s, n))| {
                    let w = if self.mode == Selection::Global { w_global } else { s / n.max(1) as f64 };
                    u.dot(g) * ((1.0 - b1 * b1) / w).sqrt()
                })
                .collect();
            j.push(jc);
            updates.push(u);
        }
        st.chosen = choose(&j, self.mode, self.j_ema, &mut st.j_smooth, first);
        let u: Vec<Tensor> = st.chosen.iter().enumerate().map(|(t, &c)| updates[c][t].clone()).collect();
        let u = if self.decoupled { AddDecayedWeights(self.weight_decay).update(u, &mut (), params) } else { u };
        Scale(-self.lr).update(u, &mut (), params)
    }
}
