//! Embedding an MM optimizer in your own loop: build a loss from Rust,
//! then step SafeRate (or any optimizer) yourself, reading each step's
//! record. No learning rate, and the loss never increases.
//!
//! Run with `cargo run --release --example embed`.

use majorize::optim::{FullMm, Optimizer, SafeRate};
use majorize::{Builder, Problem};

fn main() -> Result<(), majorize::Error> {
    // Rosenbrock's function from the classic start.
    let b = Builder::new();
    let x = b.scalar_param("x", -1.2)?;
    let y = b.scalar_param("y", 1.0)?;
    let model = b.minimize((1.0 - x).powi(2) + 100.0 * (y - x.powi(2)).powi(2))?;

    // The problem gives the optimizer the loss, its gradient and its bounds.
    let mut problem = Problem::new(&model);
    let mut params = model.init.clone();
    let mut opt = SafeRate::default();
    for step in 1..=5 {
        let record = opt.step(&mut problem, &mut params)?;
        println!(
            "saferate step {step}: loss {:.6} -> step size {:?} (trust radius {:?})",
            record.loss, record.step_size, record.trust_radius
        );
    }

    // Full MM in every coordinate: a quadratic majorizer over a box.
    let mut opt = FullMm::default();
    let mut last = f64::INFINITY;
    for _ in 0..200 {
        let record = opt.step(&mut problem, &mut params)?;
        assert!(record.loss <= last, "MM steps never increase the loss");
        last = record.loss;
    }
    println!("full MM: loss {:.3e} at x = {}, y = {}", problem.value(&params), params[0].item(), params[1].item());
    Ok(())
}
