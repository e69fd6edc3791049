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
mod eval_cmd;
mod minimize_cmd;
mod optimizers_cmd;
mod output;
mod simplify_cmd;
mod source;

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
}

/// Parses the arguments and runs the subcommand.
pub fn run() -> Result<(), Error> {
    let cli = Cli::parse();
    match cli.command {
        Command::Eval(args) => eval_cmd::run(&args),
        Command::Bound(args) => bound_cmd::run(&args),
        Command::Simplify(args) => simplify_cmd::run(&args),
        Command::Minimize(args) => minimize_cmd::run(&args),
        Command::Optimizers(args) => optimizers_cmd::run(&args),
        Command::Bench(args) => bench_cmd::run(&args),
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
