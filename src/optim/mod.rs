//! Optimizers behind one [`Optimizer`] trait.
//!
//! This layer owns the baseline optimizers, built in the style of optax from
//! small gradient transformations ([`Transform`]: a stateless config, an
//! explicit state from `init`, and `update`, which returns the amounts to
//! add), the [`Stateful`] adapter that makes any transformation an
//! optimizer, the stepping loop ([`run`]) with its stop reasons, and the
//! registry of optimizers by name with their hyperparameters. It uses the
//! `tensor`, `expr` and `eval` layers.
//!
//! ```
//! use majorize::{Problem, lang};
//! use majorize::optim::{Optimizer, Sgd};
//! let model = lang::parse_inline("(x - 3)^2").unwrap();
//! let mut problem = Problem::new(&model);
//! let mut opt = Sgd { lr: 0.25, ..Sgd::default() }.build().unwrap();
//! let mut x = model.init.clone();
//! opt.step(&mut problem, &mut x).unwrap();
//! // x <- 0 - 0.25 * 2 (0 - 3)
//! assert_eq!(x[0].item(), 1.5);
//! ```

mod adagrad;
mod adam;
pub mod contrib;
mod error;
mod greedy;
mod lbfgs;
pub mod learned;
mod linesearch;
mod lion;
mod macros;
mod majorizers;
mod normalized;
mod optimizer;
mod options;
mod problem;
mod registry;
mod rmsprop;
mod runner;
mod sgd;
mod transform;

pub use adagrad::{AdaGrad, ScaleByRss};
pub use adam::{Adam, AdamState, AdamW, ScaleByAdam};
pub use error::OptimError;
pub use greedy::{GreedyAdam, GreedySgdm, GreedyState, Selection};
pub use lbfgs::{Cg, Lbfgs, Memory, QuasiNewton, QuasiNewtonState};
pub use linesearch::{Found, MoreThuente};
pub use lion::{Lion, Roaree, ScaleBySign, Surrogate};
pub use majorizers::{Alternating, Direction, FullMm, SafeCombination, SafeRate};
pub use normalized::{Normalized, NormalizedState};
pub use optimizer::{Optimizer, Stateful, StepRecord, apply_updates, check_finite};
pub use options::{Key, KeyDefault, Options, Show, Value, show_num, split_pairs};
pub use problem::{NEAR_KINK, Problem};
pub use registry::{
    Entry, all, baselines, default_for, default_within, find, majorizers, options, pass_for, stops_when_stalled,
};
pub use rmsprop::{RmsProp, RmsState, ScaleByRms};
pub use runner::{
    RunOptions, RunResult, STALL_STEPS, StopReason, TracePoint, UNBOUNDED_PARAMETER, describe_kinks, run,
};
pub use sgd::Sgd;
pub use transform::{
    AddDecayedWeights, Chain, ClipByGlobalNorm, Describe, DynTransform, Scale, ScaleBySchedule, Schedule, Trace,
    Transform, axpy, global_norm, zeros_like,
};
