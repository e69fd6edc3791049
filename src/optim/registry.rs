//! Every optimizer by name: how to build it from `--lr` and `--opt`
//! key=value pairs, and what `majorize optimizers` lists.

use super::contrib::{DAdaptAdam, Dog, Prodigy, ScheduleFree, SfAdamW, SfSgd};
use super::options::{Key, Options, split_pairs};
use super::transform::{Describe, DynTransform, Transform};
use super::{
    AdaGrad, Adam, AdamW, GreedyAdam, GreedySgdm, Lion, Normalized, OptimError, Optimizer, RmsProp, Roaree, Sgd,
    Stateful,
};

/// Builds an optimizer's update rule as a direction, from its options.
type DirectionFn = fn(&Options) -> Result<Box<dyn DynTransform>, OptimError>;

/// A named optimizer.
pub struct Entry {
    /// The name.
    pub name: &'static str,
    /// One line on what it is.
    pub summary: &'static str,
    /// Its hyperparameters, with defaults.
    pub keys: &'static [Key],
    build: fn(&Options) -> Result<Box<dyn Optimizer>, OptimError>,
    direction: Option<DirectionFn>,
}

impl Entry {
    /// Whether the optimizer can serve as a direction for a step-size stage.
    pub fn has_direction(&self) -> bool {
        self.direction.is_some()
    }
}

fn stateful<T: Transform + Describe + 'static>(t: T) -> Box<dyn Optimizer> {
    Box::new(Stateful::new(t))
}

macro_rules! transform_entry {
    ($ty:ident, $keys:expr, $summary:literal) => {
        Entry {
            name: $ty::NAME,
            summary: $summary,
            keys: $keys,
            build: |o| Ok(stateful($ty::from_options(o)?)),
            direction: Some(|o| Ok(Box::new($ty::from_options(o)?))),
        }
    };
}

/// Every baseline optimizer, in the order `majorize optimizers` lists them.
pub fn baselines() -> Vec<Entry> {
    vec![
        transform_entry!(
            Sgd,
            super::sgd::KEYS,
            "SGD with momentum, dampening, Nesterov, coupled weight decay (PyTorch)"
        ),
        transform_entry!(Adam, super::adam::KEYS, "Adam with coupled L2 weight decay and AMSGrad (PyTorch)"),
        transform_entry!(AdamW, super::adam::KEYS_W, "Adam with decoupled weight decay (PyTorch)"),
        transform_entry!(
            RmsProp,
            super::rmsprop::KEYS,
            "RMSProp, centered and momentum variants (PyTorch; eps_in_sqrt for optax)"
        ),
        transform_entry!(AdaGrad, super::adagrad::KEYS, "AdaGrad with lr decay (PyTorch; eps_in_sqrt for optax)"),
        transform_entry!(Lion, super::lion::KEYS, "Lion: sign of interpolated momentum, decoupled weight decay"),
        transform_entry!(Roaree, super::lion::KEYS_ROAREE, "Roaree: Lion with a smooth surrogate of the sign"),
        transform_entry!(Normalized, super::normalized::KEYS, "normalized gradient descent: lr = r / RMS(||g||)"),
        transform_entry!(
            GreedySgdm,
            super::greedy::KEYS_SGDM,
            "SGD with momentum chosen each step by greedy alignment"
        ),
        transform_entry!(GreedyAdam, super::greedy::KEYS_ADAM, "Adam with beta1 chosen each step by greedy alignment"),
        Entry {
            name: super::Lbfgs::NAME,
            summary: "L-BFGS with the Moré-Thuente line search (strong Wolfe), as L-BFGS-B unbounded",
            keys: super::lbfgs::KEYS,
            build: |o| Ok(Box::new(super::Lbfgs::from_options(o)?)),
            direction: Some(|o| Ok(Box::new(super::QuasiNewton::from_options(o)?))),
        },
        Entry {
            name: "learned",
            summary: "learned optimizer: a small MLP over per-element features, meta-trained here (majorize meta-train); no hyperparameters",
            keys: super::learned::shipped::KEYS,
            build: |o| Ok(Box::new(super::learned::shipped::from_options(o)?.optimizer())),
            direction: Some(|o| Ok(Box::new(super::learned::shipped::from_options(o)?))),
        },
        Entry {
            name: super::learned::shipped::AdamMeta::NAME,
            summary: "the learned optimizer's control: Adam at (lr, beta1, beta2) meta-trained on the same tasks and budget",
            keys: super::learned::shipped::KEYS_CONTROL,
            build: |o| Ok(stateful(super::learned::shipped::AdamMeta::from_options(o)?)),
            direction: Some(|o| Ok(Box::new(super::learned::shipped::AdamMeta::from_options(o)?))),
        },
        Entry {
            name: super::Cg::NAME,
            summary: "nonlinear conjugate gradients, Polak-Ribiere+, with the Moré-Thuente line search",
            keys: &[],
            build: |_| Ok(Box::new(super::Cg::default())),
            direction: None,
        },
        transform_entry!(
            Dog,
            super::contrib::dog::KEYS,
            "DoG: distance over gradients, parameter-free (optax contrib)"
        ),
        transform_entry!(
            Prodigy,
            super::contrib::prodigy::KEYS,
            "Prodigy: Adam with an adaptive distance estimate (prodigyopt)"
        ),
        transform_entry!(DAdaptAdam, super::contrib::dadapt::KEYS, "D-Adaptation for Adam (dadaptation)"),
        Entry {
            name: SfSgd::NAME,
            summary: "Schedule-Free SGD (schedulefree reference)",
            keys: super::contrib::schedule_free::KEYS_SGD,
            build: |o| Ok(Box::new(ScheduleFree::new(SfSgd::from_options(o)?)?)),
            direction: None,
        },
        Entry {
            name: SfAdamW::NAME,
            summary: "Schedule-Free AdamW (schedulefree reference)",
            keys: super::contrib::schedule_free::KEYS_ADAMW,
            build: |o| Ok(Box::new(ScheduleFree::new(SfAdamW::from_options(o)?)?)),
            direction: None,
        },
    ]
}

/// The MM optimizers (their keys are their first trust radii).
pub fn majorizers() -> Vec<Entry> {
    use super::options::KeyDefault;
    use super::{FullMm, SafeCombination, SafeRate};
    const RATE: &[Key] =
        &[Key { name: "eta_max", default: KeyDefault::Num(1.0), help: "first trust radius (adapted)" }];
    const RATE_LBFGS: &[Key] = &[
        Key { name: "eta_max", default: KeyDefault::Num(1.0), help: "first trust radius (adapted)" },
        Key { name: "memory", default: KeyDefault::Num(10.0), help: "L-BFGS pairs (s, y) kept (an integer >= 1)" },
    ];
    const RADIUS_LBFGS: &[Key] = &[
        Key { name: "radius", default: KeyDefault::Num(1.0), help: "first trust radius (adapted)" },
        Key { name: "memory", default: KeyDefault::Num(10.0), help: "L-BFGS pairs (s, y) kept (an integer >= 1)" },
    ];
    const RADIUS: &[Key] =
        &[Key { name: "radius", default: KeyDefault::Num(1.0), help: "first trust radius (adapted)" }];
    const RATE_LEARNED: &[Key] = &[RATE[0], super::learned::shipped::KEYS[0]];
    const RADIUS_LEARNED: &[Key] = &[RADIUS[0], super::learned::shipped::KEYS[0]];
    const LAST_LAYER: &[Key] = &[Key {
        name: "inner",
        default: KeyDefault::Word(
            "optimistic_lbfgs",
            &["optimistic_lbfgs", "saferate_lbfgs", "saferate", "safecombination", "safecombination_adam", "fullmm"],
        ),
        help: "the optimizer stepping after each exact step (with its defaults)",
    }];
    vec![
        Entry {
            name: "saferate",
            summary: "MM along one direction (-grad, or --direction NAME): safe step sizes, no learning rate; proximal on penalties such as sum(abs(w))",
            keys: RATE,
            build: |o| {
                Ok(Box::new(SafeRate::new(o.check("eta_max", super::options::range::positive, "> 0 and finite")?)))
            },
            direction: None,
        },
        Entry {
            name: "saferate_lbfgs",
            summary: "certified L-BFGS: SafeRate's safe step along the L-BFGS direction, no line search",
            keys: RATE_LBFGS,
            build: |o| {
                let eta = o.check("eta_max", super::options::range::positive, "> 0 and finite")?;
                Ok(Box::new(SafeRate::new(eta).with_direction(Box::new(super::QuasiNewton::from_options(o)?))))
            },
            direction: None,
        },
        Entry {
            name: "optimistic_lbfgs",
            summary: "saferate_lbfgs with the certified optimistic step: the point Taylor step when its loss beats the bound",
            keys: RATE_LBFGS,
            build: |o| {
                let eta = o.check("eta_max", super::options::range::positive, "> 0 and finite")?;
                let qn = super::QuasiNewton::from_options(o)?;
                Ok(Box::new(SafeRate::new(eta).with_direction(Box::new(qn)).optimistic(true)))
            },
            direction: None,
        },
        Entry {
            name: "saferate_learned",
            summary: "the learned optimizer that cannot increase the loss: SafeRate's certified step along the learned update",
            keys: RATE_LEARNED,
            build: |o| {
                let eta = o.check("eta_max", super::options::range::positive, "> 0 and finite")?;
                let rule = super::learned::shipped::from_options(o)?;
                Ok(Box::new(SafeRate::new(eta).with_direction(Box::new(rule))))
            },
            direction: None,
        },
        Entry {
            name: "safecombination",
            summary: "MM over per-tensor gradient blocks and momentum, combined by an exact box QP",
            keys: RADIUS,
            build: |o| {
                Ok(Box::new(SafeCombination::new(o.check(
                    "radius",
                    super::options::range::positive,
                    "> 0 and finite",
                )?)))
            },
            direction: None,
        },
        Entry {
            name: "safecombination_lbfgs",
            summary: "certified L-BFGS with momentum: the L-BFGS direction and the previous step, by the box QP",
            keys: RADIUS_LBFGS,
            build: |o| {
                let radius = o.check("radius", super::options::range::positive, "> 0 and finite")?;
                let qn = super::QuasiNewton::from_options(o)?;
                Ok(Box::new(SafeCombination::new(radius).with_direction(Box::new(qn))))
            },
            direction: None,
        },
        Entry {
            name: "safecombination_learned",
            summary: "MM over the learned update and the previous step, combined by the box QP",
            keys: RADIUS_LEARNED,
            build: |o| {
                let radius = o.check("radius", super::options::range::positive, "> 0 and finite")?;
                let rule = super::learned::shipped::from_options(o)?;
                Ok(Box::new(SafeCombination::new(radius).with_direction(Box::new(rule))))
            },
            direction: None,
        },
        Entry {
            name: "safecombination_adam",
            summary: "MM over structured directions: -grad, Adam-shaped m/(sqrt(v)+eps) blocks per tensor (fixed betas), the previous step",
            keys: RADIUS,
            build: |o| {
                let radius = o.check("radius", super::options::range::positive, "> 0 and finite")?;
                let adam = super::find(super::baselines(), "adam")?;
                let update = adam.direction(&super::options(&adam, Some(1.0), None)?)?;
                Ok(Box::new(SafeCombination::new(radius).with_blocks(update)))
            },
            direction: None,
        },
        Entry {
            name: "lastlayer",
            summary: "exact steps on a network's last linear layer (squared error, or Böhning's bound on cross-entropy), each followed by one step of `inner`",
            keys: LAST_LAYER,
            build: |o| {
                let inner = o.word("inner");
                let entry = find(majorizers(), inner)?;
                let inner = entry.build(&super::Options::defaults(entry.name, entry.keys))?;
                Ok(Box::new(super::Alternating::new(inner)))
            },
            direction: None,
        },
        Entry {
            name: "fullmm",
            summary: "MM in every coordinate over a box (few scalar parameters); proximal on penalties such as sum(abs(w))",
            keys: RADIUS,
            build: |o| {
                Ok(Box::new(FullMm::new(o.check("radius", super::options::range::positive, "> 0 and finite")?)))
            },
            direction: None,
        },
    ]
}

/// Whether a run of `name` stops once its steps leave the parameters
/// unchanged ([`STALL_STEPS`](super::STALL_STEPS) in a row): the MM methods,
/// whose bound then promises no decrease, and the line-search methods,
/// whose search then finds none.
pub fn stops_when_stalled(name: &str) -> bool {
    majorizers().iter().any(|e| e.name == name) || name == super::Lbfgs::NAME || name == super::Cg::NAME
}

/// The optimizer `majorize minimize` picks for `model` when none is
/// named: full MM up to [`FullMm::DEFAULT_SCALARS`](super::FullMm::DEFAULT_SCALARS)
/// scalars, `lastlayer` beyond (exact steps on a network's last linear
/// layer where it has one, each followed by an `optimistic_lbfgs` step);
/// for a loss with separable kink terms the proximal methods, full MM up
/// to [`FullMm::MAX_SCALARS`](super::FullMm::MAX_SCALARS) scalars and
/// SafeRate beyond. (Where full MM's bound would not fit the memory
/// budget, `minimize` takes the one-direction method of the same kind.)
pub fn default_for(model: &crate::Model) -> &'static str {
    let n = model.num_scalars();
    if crate::mm::kinks::recognise(&model.graph, model.loss).is_some() {
        return if n <= super::FullMm::MAX_SCALARS { "fullmm" } else { "saferate" };
    }
    if n <= super::FullMm::DEFAULT_SCALARS { "fullmm" } else { "lastlayer" }
}

/// [`default_for`] within `memory` bytes: where full MM's bound over every
/// coordinate would need more ([`pass_for`]), the one-direction method of
/// the same kind (SafeRate for a loss with separable kinks, `lastlayer`
/// otherwise).
pub fn default_within(model: &crate::Model, memory: u64) -> &'static str {
    let name = default_for(model);
    if name != "fullmm" || model.footprint(pass_for(name, model)).bytes <= memory {
        return name;
    }
    if crate::mm::kinks::recognise(&model.graph, model.loss).is_some() { "saferate" } else { "lastlayer" }
}

/// The memory pass optimizer `name` runs on `model` (for
/// [`Model::footprint`](crate::Model::footprint)): a gradient, and for the
/// MM methods an enclosure along one direction (SafeRate's, and
/// `lastlayer`'s inner step), a few (SafeCombination's, at most
/// [`SafeCombination::MAX_BLOCKS`](super::SafeCombination::MAX_BLOCKS) + 2)
/// or every coordinate (full MM).
pub fn pass_for(name: &str, model: &crate::Model) -> crate::Pass {
    let quad = |m: usize| crate::Pass::Bound { coefficients: 1 + m + m * (m + 1) / 2 };
    match name {
        "fullmm" => quad(model.num_scalars()),
        n if n.starts_with("safecombination") => quad(super::SafeCombination::MAX_BLOCKS + 2),
        n if n.starts_with("saferate") || n == "optimistic_lbfgs" || n == "lastlayer" => {
            crate::Pass::Bound { coefficients: 3 }
        }
        _ => crate::Pass::Gradient,
    }
}

/// Every optimizer: the MM methods, then the baselines.
pub fn all() -> Vec<Entry> {
    let mut v = majorizers();
    v.extend(baselines());
    v
}

/// The entry called `name`.
///
/// # Errors
/// [`OptimError::UnknownOptimizer`], with a suggestion when one is close.
pub fn find(entries: Vec<Entry>, name: &str) -> Result<Entry, OptimError> {
    let names: Vec<&'static str> = entries.iter().map(|e| e.name).collect();
    entries.into_iter().find(|e| e.name == name).ok_or_else(|| {
        let hint = crate::lang::suggest(name, names.iter().copied());
        OptimError::UnknownOptimizer { name: name.to_string(), hint }
    })
}

/// The options of `entry` from `--lr` and the `--opt` text (`k=v,k=[a,b]`).
///
/// # Errors
/// An unknown key, a bad value, a malformed pair, or `--lr` for an
/// optimizer without a learning rate (or given twice).
pub fn options(entry: &Entry, lr: Option<f64>, opt: Option<&str>) -> Result<Options, OptimError> {
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    for item in opt.map(split_pairs).unwrap_or_default() {
        let (k, v) = item
            .split_once('=')
            .ok_or_else(|| OptimError::NotApplicable(format!("--opt expects key=value pairs, got `{item}`")))?;
        pairs.push((k.trim(), v.trim()));
    }
    let mut o = Options::parse(entry.name, entry.keys, &pairs)?;
    if let Some(lr) = lr {
        if !entry.keys.iter().any(|k| k.name == "lr") {
            return Err(OptimError::NotApplicable(format!(
                "--lr does not apply to {}, which has no learning rate",
                entry.name
            )));
        }
        if pairs.iter().any(|(k, _)| *k == "lr") {
            return Err(OptimError::NotApplicable("give the learning rate once: --lr or --opt lr=".into()));
        }
        o.set_text(entry.keys, "lr", &lr.to_string())?;
    }
    Ok(o)
}

impl Entry {
    /// The optimizer with these options.
    ///
    /// # Errors
    /// [`OptimError::Invalid`] for values out of range.
    pub fn build(&self, o: &Options) -> Result<Box<dyn Optimizer>, OptimError> {
        (self.build)(o)
    }

    /// The optimizer's update rule as a direction, for a step-size stage.
    ///
    /// # Errors
    /// If the optimizer cannot provide one, or for invalid options.
    pub fn direction(&self, o: &Options) -> Result<Box<dyn DynTransform>, OptimError> {
        match self.direction {
            Some(f) => f(o),
            None => Err(OptimError::NotApplicable(format!("{} cannot serve as a direction", self.name))),
        }
    }
}
