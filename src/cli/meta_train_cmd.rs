//! `majorize meta-train`: meta-train the learned rule (or, with
//! `--control`, Adam's three hyperparameters) by evolution strategies on
//! the synthetic task families.

use std::io::IsTerminal;
use std::time::Instant;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use majorize::Error;
use majorize::optim::learned::meta::es::{AdamFamily, EsConfig, Family, Trainer};
use majorize::optim::learned::mlp::Mlp;
use majorize::optim::learned::{features, shipped};
use serde_json::json;

/// Arguments of `majorize meta-train`.
#[derive(Args, Debug)]
pub struct MetaTrainArgs {
    /// Stop after this many seconds.
    #[arg(long, default_value_t = 3600.0, value_name = "SECONDS")]
    pub budget: f64,
    /// Stop after this many outer steps instead of --budget (the deterministic limit: a run of a
    /// seed and a step count is the same on every machine and thread count).
    #[arg(long, value_name = "N")]
    pub steps: Option<usize>,
    /// Where to write the weights (JSON).
    #[arg(long, default_value = "learned.json", value_name = "FILE")]
    pub out: String,
    /// The seed of the tasks, perturbations and initial network.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Antithetic pairs per outer step.
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub pairs: usize,
    /// Meta-train the control instead: Adam's (lr, beta1, beta2), on the same tasks and budget.
    #[arg(long)]
    pub control: bool,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// Runs `majorize meta-train`.
pub fn run(args: &MetaTrainArgs) -> Result<(), Error> {
    if !(args.budget > 0.0 && args.budget.is_finite()) {
        return Err(Error::Usage(format!("--budget must be > 0 and finite, got {}", args.budget)));
    }
    if args.pairs == 0 {
        return Err(Error::Usage("--pairs must be at least 1".into()));
    }
    if let Some(0) = args.steps {
        return Err(Error::Usage("--steps must be at least 1".into()));
    }
    let config = EsConfig { pairs: args.pairs, seed: args.seed, ..EsConfig::default() };
    let began = Instant::now();
    let mut meta = serde_json::Map::new();
    let (json, steps, ema) = if args.control {
        let control = EsConfig { sigma: AdamFamily::SIGMA, ..config.clone() };
        let mut trainer = Trainer::of(AdamFamily, AdamFamily::initial(), control);
        let ema = train(&mut trainer, args, &began);
        meta.insert("sigma".into(), json!(AdamFamily::SIGMA));
        (shipped::control_json(&AdamFamily::adam(&trainer.theta), &trainer.theta), trainer.steps, ema)
    } else {
        let net = Mlp::new(&[features::WIDTH, 32, 32, 2], args.seed);
        let mut trainer = Trainer::new(net, config.clone());
        let ema = train(&mut trainer, args, &began);
        meta.insert("features".into(), json!(features::names()));
        meta.insert("exp_mult".into(), json!(config.exp_mult));
        meta.insert("step_mult".into(), json!(config.step_mult));
        meta.insert("sigma".into(), json!(config.sigma));
        (trainer.net().to_json(), trainer.steps, ema)
    };
    meta.insert("seed".into(), json!(args.seed));
    meta.insert("pairs".into(), json!(args.pairs));
    meta.insert("outer_steps".into(), json!(steps));
    meta.insert("seconds".into(), json!(began.elapsed().as_secs_f64()));
    meta.insert("threads".into(), json!(rayon::current_num_threads()));
    meta.insert("final_meta_loss".into(), json!(ema));
    meta.insert(
        "command".into(),
        json!(format!(
            "majorize meta-train{} --seed {} --pairs {} --steps {}",
            if args.control { " --control" } else { "" },
            args.seed,
            args.pairs,
            steps
        )),
    );
    meta.insert("licence".into(), json!("MIT OR Apache-2.0 (meta-trained by majorize; no third-party weights)"));
    let mut json = json;
    if let Some(obj) = json.as_object_mut() {
        obj.extend(meta);
    }
    let text = serde_json::to_string_pretty(&json).expect("JSON of numbers");
    std::fs::write(&args.out, text + "\n").map_err(|e| Error::Io {
        action: "write",
        path: args.out.clone(),
        message: e.to_string(),
    })?;
    eprintln!("{steps} outer steps in {:.1} s, meta-loss {ema:.4}: {}", began.elapsed().as_secs_f64(), args.out);
    Ok(())
}

/// Outer steps until `--steps` or `--budget`, with the progress bar;
/// returns the meta-loss's moving average.
fn train<F: Family>(trainer: &mut Trainer<F>, args: &MetaTrainArgs, began: &Instant) -> f64 {
    let bar = (!args.quiet && std::io::stderr().is_terminal()).then(|| {
        let b = ProgressBar::new(1000);
        b.set_style(
            ProgressStyle::with_template("{bar:40} {msg}  {elapsed} (eta {eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    });
    let mut ema = f64::NAN;
    loop {
        let elapsed = began.elapsed().as_secs_f64();
        let progress = match args.steps {
            Some(n) => trainer.steps as f64 / n as f64,
            None => elapsed / args.budget,
        };
        if progress >= 1.0 {
            break;
        }
        let l = trainer.step();
        ema = if ema.is_nan() { l } else { 0.98 * ema + 0.02 * l };
        if let Some(b) = &bar {
            b.set_position((progress * 1000.0) as u64);
            b.set_message(format!("step {}  meta-loss {ema:.4}", trainer.steps));
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    ema
}
