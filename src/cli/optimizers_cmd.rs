//! `majorize optimizers`: every optimizer with its keys and defaults.

use clap::Args;
use majorize::Error;
use majorize::optim;

/// Arguments of `majorize optimizers`.
#[derive(Args, Debug)]
pub struct OptimizersArgs {}

/// Runs `majorize optimizers`.
pub fn run(_: &OptimizersArgs) -> Result<(), Error> {
    for entry in optim::all() {
        outln!("{:<12} {}", entry.name, entry.summary);
        for key in entry.keys {
            let default = key.default_value().to_string();
            outln!("    {:<26} {:<10} {}", key.name, default, key.help);
        }
    }
    Ok(())
}
