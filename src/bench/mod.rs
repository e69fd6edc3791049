//! The problem suite and the comparison harness.
//!
//! This layer owns the benchmark problems (`bench/*.loss`, with their
//! train/validation/test splits and held-out metrics), the S&P 500 weekly
//! features, the harness that runs every optimizer on every problem (MM
//! methods once, baselines over a learning-rate grid with the best chosen
//! on training or validation loss), and the report: a markdown table, CSV
//! files and plots. It uses every layer below it; `majorize bench` drives it.
//!
//! ```
//! use majorize::bench::{self, Metric};
//! let quick = bench::suite("quick", None).unwrap();
//! assert!(quick.iter().any(|(p, _)| p.name == "rosenbrock" && p.metric == Metric::None));
//! assert!(bench::suite("nope", None).is_err());
//! ```

mod error;
mod harness;
mod learned;
mod metrics;
pub mod networks;
pub mod plot;
mod problems;
mod report;
pub mod sp500;
pub mod sp500_daily;
pub mod speed;

pub use error::BenchError;
pub use harness::{
    Best, Contender, LR_GRID, ProblemResult, Progress, RunSummary, contenders, default_lr, learning_rates, run_suite,
};
pub use metrics::{Baselines, TestMetrics, baselines, test_metrics, valid_loss};
pub use problems::{Loaded, Metric, ProblemSpec, SUITES, catalogue, load, suite};
pub use report::{markdown, write_all};
