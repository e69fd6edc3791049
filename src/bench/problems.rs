//! The problem suite: which loss files, how their rows split, what to
//! measure on held-out rows, and which suites run them.

use std::path::{Path, PathBuf};

use super::BenchError;
use crate::expr::{Model, NodeId};
use crate::lang::{self, Part, Split};
use crate::simplify::Simplifier;

/// What to measure on held-out rows, from the program's `let pred` and its
/// target data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// Nothing held out (a test function).
    None,
    /// Accuracy of `pred` (a logit vector, or a matrix of class logits)
    /// against the labels `y`.
    Classification,
    /// Mean squared error of `pred` against `t`.
    Regression,
    /// Mean squared error and directional accuracy of `pred` against `y`,
    /// with the sanity baselines (predict 0, predict the training mean).
    Forecast,
}

/// One benchmark problem.
#[derive(Clone, Debug)]
pub struct ProblemSpec {
    /// Its name (also the file's stem).
    pub name: &'static str,
    /// The loss file, relative to the crate root.
    pub file: &'static str,
    /// How its data rows split (`None`: no data).
    pub split: Option<Split>,
    /// What to measure on held-out rows.
    pub metric: Metric,
    /// Steps per run in the full suite.
    pub steps: usize,
    /// Steps per run in the quick suite (0: not in it).
    pub quick_steps: usize,
    /// Whether it is the S&P 500 study (more contenders: momentum,
    /// Nesterov, Roaree's six surrogates).
    pub study: bool,
    /// Whether it is a neural network (the `networks` suite: the targets
    /// against Adam's search, and the diagnosis of every MM method).
    pub network: bool,
}

const EVERY_5TH: Option<Split> = Some(Split::Interleaved(5));

/// Every problem, in report order.
#[rustfmt::skip]
pub fn catalogue() -> Vec<ProblemSpec> {
    let p = |name, file, split, metric, steps, quick_steps| ProblemSpec { name, file, split, metric, steps, quick_steps, study: false, network: false };
    let net = |spec: ProblemSpec| ProblemSpec { network: true, ..spec };
    vec![
        p("rosenbrock",             "bench/rosenbrock.loss",             None,      Metric::None,           500, 200),
        p("beale",                  "bench/beale.loss",                  None,      Metric::None,           500, 200),
        p("booth",                  "bench/booth.loss",                  None,      Metric::None,           500, 200),
        p("himmelblau",             "bench/himmelblau.loss",             None,      Metric::None,           500, 200),
        p("matyas",                 "bench/matyas.loss",                 None,      Metric::None,           500, 0),
        p("three_hump_camel",       "bench/three_hump_camel.loss",       None,      Metric::None,           500, 0),
        p("goldstein_price",        "bench/goldstein_price.loss",        None,      Metric::None,           500, 0),
        p("ridge_diabetes",         "bench/ridge_diabetes.loss",         EVERY_5TH, Metric::Regression,     300, 0),
        p("lasso_breast_cancer",    "bench/lasso_breast_cancer.loss",    EVERY_5TH, Metric::Regression,     300, 0),
        p("huber_diabetes",         "bench/huber_diabetes.loss",         EVERY_5TH, Metric::Regression,     300, 0),
        p("logistic_breast_cancer", "bench/logistic_breast_cancer.loss", EVERY_5TH, Metric::Classification, 300, 100),
        p("svm_breast_cancer",      "bench/svm_breast_cancer.loss",      EVERY_5TH, Metric::Classification, 300, 0),
        p("softmax_iris",           "bench/softmax_iris.loss",           EVERY_5TH, Metric::Classification, 300, 100),
        p("softmax_wine",           "bench/softmax_wine.loss",           EVERY_5TH, Metric::Classification, 300, 0),
        net(p("softmax_digits",     "bench/softmax_digits.loss",         EVERY_5TH, Metric::Classification, 300, 0)),
        p("mf_wine",                "bench/mf_wine.loss",                None,      Metric::None,           300, 0),
        net(p("mlp_digits",         "bench/mlp_digits.loss",             EVERY_5TH, Metric::Classification, 300, 0)),
        net(p("mlp_deep_digits",    "bench/mlp_deep_digits.loss",        EVERY_5TH, Metric::Classification, 300, 0)),
        net(p("heldout_mlp_iris",          "bench/heldout/mlp_iris.loss",          EVERY_5TH, Metric::Classification, 300, 0)),
        net(p("heldout_mlp_wine",          "bench/heldout/mlp_wine.loss",          EVERY_5TH, Metric::Classification, 300, 0)),
        net(p("heldout_mlp_diabetes",      "bench/heldout/mlp_diabetes.loss",      EVERY_5TH, Metric::Regression,     300, 0)),
        net(p("heldout_mlp_breast_cancer", "bench/heldout/mlp_breast_cancer.loss", EVERY_5TH, Metric::Classification, 300, 0)),
        ProblemSpec {
            study: true,
            network: true,
            ..p("sp500_mlp", "bench/sp500_mlp.loss", Some(Split::Chronological { valid: 0.15, test: 0.15, gap: 0 }), Metric::Forecast, 300, 15)
        },
    ]
}

/// The suite names `majorize bench` accepts (a problem's name also works).
pub const SUITES: [&str; 5] = ["quick", "full", "classic", "sp500", "networks"];

/// The problems of `suite`, each with its number of steps (`steps`
/// overrides).
///
/// # Errors
/// [`BenchError::UnknownSuite`] for a name that is neither a suite nor a problem.
pub fn suite(name: &str, steps: Option<usize>) -> Result<Vec<(ProblemSpec, usize)>, BenchError> {
    let all = catalogue();
    let chosen: Vec<(ProblemSpec, usize)> = match name {
        "quick" => all.into_iter().filter(|p| p.quick_steps > 0).map(|p| (p.clone(), p.quick_steps)).collect(),
        "full" => all.into_iter().map(|p| (p.clone(), p.steps)).collect(),
        "classic" => all.into_iter().filter(|p| p.metric == Metric::None).map(|p| (p.clone(), p.steps)).collect(),
        "sp500" => all.into_iter().filter(|p| p.study).map(|p| (p.clone(), p.steps)).collect(),
        "networks" => all.into_iter().filter(|p| p.network).map(|p| (p.clone(), p.steps)).collect(),
        other => all.into_iter().filter(|p| p.name == other).map(|p| (p.clone(), p.steps)).collect(),
    };
    if chosen.is_empty() {
        let names: Vec<&str> = SUITES.iter().copied().chain(catalogue().iter().map(|p| p.name)).collect();
        let hint = lang::suggest(name, names.iter().copied());
        return Err(BenchError::UnknownSuite { name: name.to_string(), hint, known: names.join(", ") });
    }
    Ok(chosen.into_iter().map(|(p, s)| (p, steps.unwrap_or(s))).collect())
}

/// A problem loaded for a run: the training model (simplified), and the
/// held-out parts with the node of their predictions.
#[derive(Debug)]
pub struct Loaded {
    /// The spec.
    pub spec: ProblemSpec,
    /// The training loss, simplified.
    pub train: Model,
    /// The training part as written, with its names (for the training
    /// mean of the target).
    pub train_named: lang::Program,
    /// The validation part, if the split has one.
    pub valid: Option<lang::Program>,
    /// The test part, if the problem holds rows out.
    pub test: Option<lang::Program>,
}

impl Loaded {
    /// The node called `name` in a part.
    pub fn node(part: &lang::Program, name: &str) -> Option<NodeId> {
        part.names.get(name).copied()
    }
}

fn load_part(root: &Path, spec: &ProblemSpec, split: Option<(Split, Part)>) -> Result<lang::Program, BenchError> {
    let path: PathBuf = root.join(spec.file);
    let io =
        |e: std::io::Error| BenchError::Io { action: "read", path: path.display().to_string(), message: e.to_string() };
    let text = std::fs::read_to_string(&path).map_err(io)?;
    let base = path.parent().unwrap_or(Path::new("."));
    lang::parse_program_with(spec.file, &text, base, &lang::ParseOptions { split, ..lang::ParseOptions::default() })
        .map_err(|e| BenchError::Problem { name: spec.name.to_string(), message: e.render() })
}

/// Loads `spec` from the crate root `root`.
///
/// # Errors
/// [`BenchError`] if a file is missing or does not parse.
pub fn load(root: &Path, spec: &ProblemSpec) -> Result<Loaded, BenchError> {
    let part = |p: Part| spec.split.map(|s| (s, p));
    let train_named = load_part(root, spec, part(Part::Train))?;
    let (train, _) = Simplifier::default().run_model(&train_named.model);
    let has_valid = matches!(spec.split, Some(Split::Chronological { valid, .. }) if valid > 0.0);
    let valid = if has_valid { Some(load_part(root, spec, part(Part::Valid))?) } else { None };
    let test = if spec.split.is_some() { Some(load_part(root, spec, part(Part::Test))?) } else { None };
    Ok(Loaded { spec: spec.clone(), train, train_named, valid, test })
}
