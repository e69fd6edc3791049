//! Property-testing your own optimizer with `majorize::testing`: the two
//! optimizers of `optimizers.rs` against three properties, each over 64
//! random problems from a fixed seed. A failure prints the smallest
//! failing problem proptest's shrinking found.
//!
//! Run with `cargo run --release --example own_optimizer`.

mod optimizers;

use majorize::Optimizer;
use majorize::testing::{self, Convex, RandomLoss};
use optimizers::{Backtracking, FixedStep};

/// A fresh optimizer for each case.
type Maker = fn() -> Box<dyn Optimizer>;

fn report<V: std::fmt::Debug>(what: &str, r: Result<u32, testing::Counterexample<V>>) {
    match r {
        Ok(n) => println!("  {what}: held on {n} cases"),
        Err(c) => println!("  {what}: FAILED: {c}"),
    }
}

fn main() {
    let makers: [(&str, Maker); 2] = [
        ("fixed step, lr = 0.9", || Box::new(FixedStep { lr: 0.9 })),
        ("backtracking, lr = 0.9", || Box::new(Backtracking { lr: 0.9 })),
    ];
    for (name, make) in makers {
        println!("{name}");
        // Quadratics 0.5 (x - x*)' A (x - x*): dimension 1 to 6, condition
        // number 1 to 100, largest eigenvalue 0.5 to 4.
        let quadratics = || testing::quadratic(1..=6, 1.0..=100.0);
        report(
            "monotone over 50 steps on quadratics",
            testing::check(64, quadratics(), |p: Convex| {
                testing::monotone(make().as_mut(), &p.model, &p.start, 50).map(drop)
            }),
        );
        report(
            "reaches the minimizer (1e-4) in 3000 steps",
            testing::check(64, quadratics(), |p: Convex| {
                testing::reaches(make().as_mut(), &p.model, &p.start, &p.minimizer, 3000, 1e-4).map(drop)
            }),
        );
        // Random losses over every primitive: some unbounded, some with poles.
        report(
            "parameters stay finite over 30 steps on random losses",
            testing::check(64, testing::losses(8, false), |c: RandomLoss| {
                testing::finite(make().as_mut(), &c.model, &c.start, 30).map(drop)
            }),
        );
    }
}
