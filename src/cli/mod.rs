//! The command line: argument parsing and one module per subcommand. Only
//! this layer prints, and it turns every error into exit status 2.

/// `print!` to standard output, ending the program quietly when the
/// reader has gone (`majorize ... | head`), as Unix tools do, instead of
/// panicking.
macro_rules! out {
    ($($t:tt)*) => { $crate::cli::write_stdout(format_args!($($t)*), false) };
}

/// `println!` to standard output, with the same care as [`out!`].
macro_rules! outln {
    () => { $crate::cli::write_stdout(format_args!(""), true) };
    ($($t:tt)*) => { $crate::cli::write_stdout(format_args!($($t)*), true) };
}

mod bench_cmd;
mod bound_cmd;
#[cfg(feature = "testing")]
mod check_cmd;
mod eval_cmd;
#[cfg(feature = "testing")]
mod meta_train_cmd;
mod minimize_cmd;
mod optimizers_cmd;
mod output;
mod simplify_cmd;
mod source;
mod speed_cmd;

use clap::{Parser, Subcommand};
use majorize::Error;

/// Minimize losses written as expressions, by majorization-minimization
/// with automatically derived majorizers.
#[derive(Parser, Debug)]
#[command(name = "majorize", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Evaluate a loss (and its gradient) at the initial parameters.
    Eval(eval_cmd::EvalArgs),
    /// The Taylor enclosure of a one-variable expression over a trust region.
    Bound(bound_cmd::BoundArgs),
    /// Print the expression rewritten by equality saturation (what eval, bound and minimize use).
    Simplify(simplify_cmd::SimplifyArgs),
    /// Minimize a loss with an optimizer.
    Minimize(minimize_cmd::MinimizeArgs),
    /// Run every optimizer on a suite of problems; write a report, CSV files and plots.
    Bench(bench_cmd::BenchArgs),
    /// List every optimizer with its hyperparameters and defaults.
    Optimizers(optimizers_cmd::OptimizersArgs),
    /// Property-test a loss: bounds hold, gradients agree, MM is monotone, where runs converge.
    #[cfg(feature = "testing")]
    Check(check_cmd::CheckArgs),
    /// Meta-train the learned optimizer (or, with --control, Adam's hyperparameters) on synthetic tasks.
    #[cfg(feature = "testing")]
    MetaTrain(meta_train_cmd::MetaTrainArgs),
}

/// Exit status: bad input (a parse error, a bad option, a missing file, a
/// loss too large for the memory).
pub const BAD_INPUT: u8 = 2;
/// Exit status: the loss is unbounded below.
pub const UNBOUNDED: u8 = 3;
/// Exit status: the loss is not finite at the initial parameters.
pub const NO_FINITE_LOSS: u8 = 4;
/// Exit status: a step went non-finite, and the run stopped at the last
/// finite point.
pub const RUN_FAILED: u8 = 5;
/// Exit status: the run stalled on a kink of the loss (an `abs` or `relu`
/// argument exactly 0) that its method cannot step across; the results
/// are printed, and the point need not be a minimum.
pub const STALLED_AT_KINK: u8 = 6;

/// What ends the program with a non-zero status.
#[derive(Debug)]
pub struct Failure {
    /// The one-line message (or a located message and its caret lines).
    pub message: String,
    /// The exit status.
    pub status: u8,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure { message: e.to_string(), status: BAD_INPUT }
    }
}

/// Parses the arguments and runs the subcommand.
pub fn run() -> Result<(), Failure> {
    let cli = Cli::parse();
    match cli.command {
        Command::Eval(args) => Ok(eval_cmd::run(&args)?),
        Command::Bound(args) => Ok(bound_cmd::run(&args)?),
        Command::Simplify(args) => Ok(simplify_cmd::run(&args)?),
        Command::Minimize(args) => minimize_cmd::run(&args),
        Command::Optimizers(args) => Ok(optimizers_cmd::run(&args)?),
        Command::Bench(args) => Ok(bench_cmd::run(&args)?),
        #[cfg(feature = "testing")]
        Command::Check(args) => check_cmd::run(&args),
        #[cfg(feature = "testing")]
        Command::MetaTrain(args) => Ok(meta_train_cmd::run(&args)?),
    }
}

/// Writes to standard output. A closed pipe ends the program with status 0
/// (the reader asked for no more); any other failure with status 2.
pub(crate) fn write_stdout(args: std::fmt::Arguments<'_>, newline: bool) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let written = out.write_fmt(args).and_then(|()| if newline { out.write_all(b"\n") } else { Ok(()) });
    if let Err(e) = written.and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to standard output: {e}");
        std::process::exit(2);
    }
}
