//! The shipped weights, embedded in the binary: the learned rule
//! (`weights.json`) and its control, Adam with meta-trained
//! hyperparameters (`adam_meta.json`). Each file records the seed, the
//! `majorize meta-train` command that reproduces it, its step count, time,
//! thread count and licence (docs/learned.md tells the run).

use std::sync::{Arc, OnceLock};

use serde_json::Value;

use super::LearnedRule;
use super::mlp::Mlp;
use crate::optim::options::{Key, KeyDefault, Options};
use crate::optim::transform::{Describe, Transform};
use crate::optim::{Adam, OptimError};
use crate::tensor::Tensor;

/// The learned rule's weights, as `majorize meta-train` wrote them.
pub const WEIGHTS: &str = include_str!("weights.json");
/// The control's hyperparameters, as `majorize meta-train --control` wrote them.
pub const CONTROL: &str = include_str!("adam_meta.json");

/// The learned optimizer's key: `weights=FILE` (a file `majorize
/// meta-train` wrote) or `shipped`.
pub const KEYS: &[Key] = &[Key {
    name: "weights",
    default: KeyDefault::Path("shipped"),
    help: "a weights file written by majorize meta-train, or `shipped` (the weights in the binary)",
}];

/// The control's key: `weights=FILE` (a file `majorize meta-train
/// --control` wrote) or `shipped`.
pub const KEYS_CONTROL: &[Key] = &[Key {
    name: "weights",
    default: KeyDefault::Path("shipped"),
    help: "a file written by majorize meta-train --control, or `shipped` (the one in the binary)",
}];

/// The file `weights` names (`None` for `shipped`), read with `read`.
fn from_file<T>(o: &Options, read: fn(&str) -> Result<T, String>) -> Result<Option<T>, OptimError> {
    let path = o.word("weights");
    if path == "shipped" {
        return Ok(None);
    }
    let invalid = |why: String| OptimError::Invalid {
        optimizer: o.optimizer().to_string(),
        key: "weights".into(),
        value: path.to_string(),
        allowed: format!("a file majorize meta-train wrote, or `shipped` ({why})"),
    };
    let text = std::fs::read_to_string(path).map_err(|e| invalid(e.to_string()))?;
    read(&text).map(Some).map_err(invalid)
}

/// The rule of `weights=...` in `o`.
///
/// # Errors
/// [`OptimError::Invalid`] for a file that cannot be read or is not a
/// learned optimizer's weights.
pub fn from_options(o: &Options) -> Result<LearnedRule, OptimError> {
    Ok(from_file(o, read_rule)?.unwrap_or_else(rule))
}

/// The shipped learned rule (parsed once).
pub fn rule() -> LearnedRule {
    static RULE: OnceLock<LearnedRule> = OnceLock::new();
    RULE.get_or_init(|| read_rule(WEIGHTS).expect("the shipped weights are checked by the tests")).clone()
}

/// A rule from the JSON `majorize meta-train` writes: the network and its
/// `exp_mult`, `step_mult`.
///
/// # Errors
/// A message naming what is missing or wrong.
pub fn read_rule(text: &str) -> Result<LearnedRule, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let net = Mlp::from_json(&v)?;
    let num = |k: &str| v[k].as_f64().filter(|x| x.is_finite() && *x > 0.0).ok_or(format!("`{k}`: a positive number"));
    let sizes = net.sizes();
    if sizes.first() != Some(&super::features::WIDTH) || sizes.last() != Some(&2) {
        return Err(format!("a {} -> 2 network, not {sizes:?}", super::features::WIDTH));
    }
    Ok(LearnedRule::new(Arc::new(net), num("exp_mult")?, num("step_mult")?))
}

/// The control: Adam at the meta-trained `(lr, beta1, beta2)`, under its
/// own name so that reports tell it from Adam at its defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct AdamMeta(pub Adam);

impl AdamMeta {
    /// The registry name.
    pub const NAME: &'static str = "adam_meta";

    /// The control of `weights=...` in `o`.
    ///
    /// # Errors
    /// [`OptimError::Invalid`] for a file that cannot be read or is not a
    /// control's.
    pub fn from_options(o: &Options) -> Result<AdamMeta, OptimError> {
        Ok(from_file(o, read_control)?.unwrap_or_else(Self::shipped))
    }

    /// The shipped control.
    pub fn shipped() -> AdamMeta {
        static ADAM: OnceLock<AdamMeta> = OnceLock::new();
        ADAM.get_or_init(|| read_control(CONTROL).expect("the shipped control is checked by the tests")).clone()
    }
}

/// The control file's format name and the version this build reads and writes.
pub const CONTROL_FORMAT: &str = "majorize-meta-adam";
/// See [`CONTROL_FORMAT`].
pub const CONTROL_VERSION: u64 = 1;

/// The JSON of the control `adam` (what [`read_control`] reads), with the
/// trained `theta` of [`AdamFamily`](super::meta::es::AdamFamily) beside it.
pub fn control_json(adam: &Adam, theta: &[f64]) -> Value {
    serde_json::json!({
        "format": CONTROL_FORMAT, "version": CONTROL_VERSION,
        "lr": adam.lr, "beta1": adam.beta1, "beta2": adam.beta2, "eps": adam.eps,
        "theta": theta,
    })
}

/// The control from the JSON `majorize meta-train --control` writes.
///
/// # Errors
/// A message naming what is missing or wrong.
pub fn read_control(text: &str) -> Result<AdamMeta, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if v["format"] != CONTROL_FORMAT || v["version"].as_u64() != Some(CONTROL_VERSION) {
        return Err(format!(
            "not a {CONTROL_FORMAT} version {CONTROL_VERSION} file ({}, {})",
            v["format"], v["version"]
        ));
    }
    let num = |k: &str| v[k].as_f64().ok_or(format!("`{k}`: a number"));
    let adam = Adam {
        lr: num("lr")?,
        beta1: num("beta1")?,
        beta2: num("beta2")?,
        eps: num("eps")?,
        weight_decay: 0.0,
        amsgrad: false,
    };
    adam.validate().map_err(|e| e.to_string())?;
    Ok(AdamMeta(adam))
}

impl Transform for AdamMeta {
    type State = <Adam as Transform>::State;

    fn init(&self, params: &[Tensor]) -> Self::State {
        self.0.init(params)
    }

    fn update(&self, grads: Vec<Tensor>, state: &mut Self::State, params: &[Tensor]) -> Vec<Tensor> {
        self.0.update(grads, state, params)
    }
}

impl Describe for AdamMeta {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn hyperparameters(&self) -> Vec<(String, String)> {
        self.0.hyperparameters()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_files_read_and_bad_ones_are_refused() {
        let r = rule();
        assert_eq!(r.net.sizes().first(), Some(&super::super::features::WIDTH));
        let a = AdamMeta::shipped();
        assert!(a.0.lr > 0.0 && a.0.beta1 < 1.0 && a.0.beta2 < 1.0);
        assert!(read_rule("{}").unwrap_err().contains("format"));
        assert!(read_control(CONTROL.replace("\"beta1\"", "\"b1\"").as_str()).unwrap_err().contains("beta1"));
        assert!(read_control(WEIGHTS).unwrap_err().contains("majorize-meta-adam"));
    }
}
