//! The daily report's prose: the setting, the verdicts on the Roaree
//! study's three claims from the run's own numbers, and the search.

use std::fmt::Write as _;

use super::report::{Figures, LEVEL};
use super::study::{LENGTHS, PARAMETER_FREE, Study};
use super::{FEATURES, FIRST_YEAR};
use crate::bench::harness::LR_GRID;
use crate::bench::report::{lr, num};

fn date(d: i64) -> String {
    format!("{}-{:02}-{:02}", d / 10_000, d / 100 % 100, d % 100)
}

/// The data, the model, the split and the protocol.
pub fn setting(out: &mut String, study: &Study) {
    let s = study.size;
    let [train, valid, test] = study.parts;
    let _ = writeln!(
        out,
        "## Setting\n\n\
         **Data.** `data/sp500_1950_2018.csv`, daily, from {FIRST_YEAR}. Per trading day, known at its close: {}: the \
         day's log return, the log of its high over its low, the log change of volume, and the log returns over 5 and \
         20 days. A window is the last {} trading days (features standardized with the training windows' mean and \
         deviation); its target is the next day's log return, in percent.\n",
        FEATURES.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", "),
        s.len
    );
    let _ = writeln!(
        out,
        "**Split**, by time, with the {} windows after each boundary dropped so that no window has days in two parts \
         and no target of one part is a feature of another:\n\n\
         | part | windows | first day predicted from | last |\n|---|---|---|---|\n\
         | train | {} | {} | {} |\n| validation | {} | {} | {} |\n| test | {} | {} | {} |\n",
        s.len,
        train.0,
        date(train.1),
        date(train.2),
        valid.0,
        date(valid.1),
        date(valid.2),
        test.0,
        date(test.1),
        date(test.2)
    );
    let _ = writeln!(
        out,
        "**Model**: a selective state-space model in the Mamba style, {} channels, {} parameters, its recurrence \
         unrolled over the window in the loss (`majorize::bench::sp500_daily::ssm_loss`; the window length's loss is \
         `bench/sp500_ssm.loss`). Per day `x_t = u_t W_x`, `delta_t = softplus(u_t W_d + b_d)`, \
         `a_t = exp(-delta_t exp(log_A))`, `b_t = u_t W_b`, `c_t = u_t W_c`, `h_t = a_t h_(t-1) + delta_t b_t x_t`; on the \
         last day the gated output `g = c_T h_T swish(u_T W_z)`, an output projection `swish(g W_o + b_o)` of width {} \
         and a linear head. Kept from Mamba: the input-dependent step, the zero-order-hold decay, input-dependent \
         gains, the selective scan, the silu gate. Dropped: the causal convolution, the state dimension per channel \
         (one state per channel), the skip term, normalization and residual stacking (one block), the parallel scan.\n",
        s.channels,
        s.parameters(),
        s.hidden
    );
    if let Some(choice) = &study.length {
        let _ = writeln!(
            out,
            "**Window length**, chosen on validation among {LENGTHS:?} days: Adam over its learning-rate grid at \
             each, the first seed, {} steps; L = {} has the lowest validation loss.\n\n\
             | L | Adam's best validation loss | its lr |\n|---|---|---|",
            study.options.steps, choice.chosen
        );
        for (len, loss, rate) in &choice.candidates {
            let _ = writeln!(out, "| {len} | {} | {} |", num(*loss), lr(*rate));
        }
        out.push('\n');
    } else {
        let _ = writeln!(out, "**Window length** L = {}, as given (`--len`).\n", s.len);
    }
    let _ = writeln!(
        out,
        "**Protocol.** Full-batch training on every training window. Each optimizer with a learning rate runs over \
         the grid {} (and its default) at the first seed, upwards, stopping at the first run that diverges (ends above its start); the run of lowest validation loss sets its learning rate, \
         which then runs at every seed of initialization. The parameter-free methods ({}) run at their defaults; the \
         MM methods and the learned optimizer have no learning rate. Test figures are of each seed's final \
         parameters, never used for a choice.\n",
        LR_GRID.iter().map(|x| format!("{x:e}")).collect::<Vec<_>>().join(", "),
        PARAMETER_FREE.join(", ")
    );
}

/// Contenders that have `key` for at least one seed, sorted by it.
fn ranked(figures: &[Figures], key: impl Fn(&Figures) -> Option<f64>) -> Vec<(&Figures, f64)> {
    let mut v: Vec<(&Figures, f64)> = figures.iter().filter_map(|f| key(f).map(|k| (f, k))).collect();
    v.sort_by(|a, b| a.1.total_cmp(&b.1));
    v
}

fn rank_of(ranked: &[(&Figures, f64)], label: &str) -> Option<usize> {
    ranked.iter().position(|(f, _)| f.label == label).map(|i| i + 1)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.retain(|x| x.is_finite());
    v.sort_by(f64::total_cmp);
    if v.is_empty() { f64::NAN } else { v[v.len() / 2] }
}

fn find<'a>(figures: &'a [Figures], label: &str) -> Option<&'a Figures> {
    figures.iter().find(|f| f.label == label)
}

/// The verdicts on the three claims, and on the sanity baselines.
pub fn verdicts(out: &mut String, study: &Study, figures: &[Figures]) {
    let _ = writeln!(
        out,
        "## Verdicts on the three claims, from the numbers above\n\n\
         Speed is in steps to the level ({:.0}% of the best decrease at the same seed); each optimizer at the \
         learning rate validation chose.\n",
        100.0 * LEVEL
    );
    let by_mse = ranked(figures, |f| f.mse.map(|m| m.0));
    let n = by_mse.len();
    let ms = |label: &str| find(figures, label).and_then(|f| f.mse);
    // Claim 1.
    if let Some(&(best, best_mse)) = by_mse.first() {
        let median_gap = median(by_mse.iter().map(|(_, m)| m - best_mse).collect());
        let named: Vec<(&str, (f64, f64))> =
            ["adam", "rmsprop"].iter().filter_map(|l| ms(l).map(|m| (*l, m))).collect();
        let closest = named.iter().min_by(|a, b| a.1.0.total_cmp(&b.1.0));
        let verdict = match closest {
            None => "cannot be judged: neither Adam nor RMSProp ran".to_string(),
            Some((l, _)) if *l == best.label => format!("**holds**: {l} has the lowest mean test MSE"),
            Some((l, (m, sd))) if m - best_mse <= sd.max(best.mse.map_or(0.0, |b| b.1)) => format!(
                "**not supported beyond noise**: {} has the lowest mean test MSE; {l} is within one seed standard \
                 deviation of it ({} above)",
                best.label,
                num(m - best_mse)
            ),
            Some((l, (m, _))) => format!(
                "**does not hold**: {} has the lowest mean test MSE, {} below {l}'s, more than the seeds' spread",
                best.label,
                num(m - best_mse)
            ),
        };
        let ranks: Vec<String> = ["adam", "rmsprop", "adamw", "adagrad"]
            .iter()
            .filter_map(|l| rank_of(&by_mse, l).map(|r| format!("{l} {r}")))
            .collect();
        let _ = writeln!(
            out,
            "1. *Adaptive optimizers (Adam, RMSProp) give the lowest test errors*: {verdict}. Ranks by mean test MSE \
             of {n}: {}. The lowest is {} ({}); the median optimizer's mean is {} above it.\n",
            ranks.join(", "),
            best.label,
            num(best_mse),
            num(median_gap)
        );
    }
    // Claim 2.
    let baselines: Vec<Figures> = figures.iter().filter(|f| !f.mm).cloned().collect();
    let by_speed = ranked(&baselines, |f| f.steps_to.map(|s| s.0 + 1e6 * (f.reached.1 - f.reached.0) as f64));
    let others = |key: fn(&Figures) -> Option<(f64, f64)>| {
        median(
            baselines
                .iter()
                .filter(|f| f.label != "lion" && !f.label.starts_with("roaree_"))
                .filter_map(|f| key(f).map(|k| k.0))
                .collect(),
        )
    };
    let (rise_median, var_median) = (others(|f| f.rising), others(|f| f.variation));
    if let Some(lion) = find(figures, "lion") {
        let fastest = by_speed.first().map(|(f, _)| f.label.as_str()).unwrap_or("-");
        let speed = match (rank_of(&by_speed, "lion"), lion.steps_to) {
            (Some(1), Some(s)) => {
                format!("**fastest holds**: Lion reaches the level first among the baselines ({} steps)", num(s.0))
            }
            (Some(r), Some(s)) => format!(
                "**fastest does not hold**: Lion ranks {r} of {} baselines in steps to the level ({} steps; {fastest} is first)",
                by_speed.len(),
                num(s.0)
            ),
            _ => "**fastest does not hold**: Lion does not reach the level".to_string(),
        };
        let (rise, var) = (lion.rising.map_or(f64::NAN, |r| r.0), lion.variation.map_or(f64::NAN, |v| v.0));
        let oscillates = rise > rise_median && var > var_median;
        let _ = writeln!(
            out,
            "2. *Lion trains fastest but its loss oscillates*: {speed}. Oscillation **{}**: {:.1}% of Lion's steps raise \
             the training loss and its variation ratio is {}, against medians of {:.1}% and {} for the other \
             non-sign baselines.\n",
            if oscillates { "holds" } else { "does not hold" },
            100.0 * rise,
            num(var),
            100.0 * rise_median,
            num(var_median)
        );
        // Claim 3.
        let roarees: Vec<&Figures> = figures.iter().filter(|f| f.label.starts_with("roaree_")).collect();
        let lion_steps = lion.steps_to.map_or(f64::INFINITY, |s| s.0);
        let mut lines = Vec::new();
        let (mut fast, mut damped, mut both) = (0, 0, 0);
        for r in &roarees {
            let steps = r.steps_to.map_or(f64::INFINITY, |s| s.0);
            let keeps = steps <= 1.25 * lion_steps && r.reached.0 >= lion.reached.0;
            let damps = r.rising.is_some_and(|x| x.0 < rise) && r.variation.is_some_and(|x| x.0 < var);
            fast += usize::from(keeps);
            damped += usize::from(damps);
            both += usize::from(keeps && damps);
            lines.push(format!(
                "{} ({}, {:.1}% rising, variation {})",
                r.label,
                r.steps_to.map_or_else(|| "never at the level".into(), |s| format!("{} steps", num(s.0))),
                100.0 * r.rising.map_or(f64::NAN, |x| x.0),
                r.variation.map_or_else(|| "-".into(), |x| num(x.0))
            ));
        }
        let verdict = if roarees.is_empty() {
            "cannot be judged: no Roaree surrogate ran".to_string()
        } else if !oscillates {
            format!(
                "**moot here**: Lion's loss does not oscillate more than the others' at its chosen learning rate; {both} of {} surrogates are both as fast (within 25% of Lion's steps) and smoother",
                roarees.len()
            )
        } else if both * 2 > roarees.len() {
            format!(
                "**holds** for {both} of {} surrogates (as fast within 25% of Lion's steps, fewer rising steps and a lower variation)",
                roarees.len()
            )
        } else {
            format!(
                "**does not hold** for most: {both} of {} surrogates are both as fast (within 25% of Lion's steps) and smoother",
                roarees.len()
            )
        };
        let _ = writeln!(
            out,
            "3. *Roaree keeps Lion's speed and damps the oscillation*: {verdict}. As fast: {fast}{}; smoother: {damped}. \
             Per surrogate: {}.\n",
            if lion.steps_to.is_none() { " (vacuous: Lion never reaches the level)" } else { "" },
            lines.join("; ")
        );
    }
    // The sanity baselines.
    let floor = study.sanity.iter().map(|b| b.mse).fold(f64::INFINITY, f64::min);
    let floor_name = study.sanity.iter().find(|b| b.mse == floor).map_or("-", |b| b.name);
    let beating: Vec<&str> =
        by_mse.iter().filter(|(f, m)| *m + f.mse.map_or(0.0, |x| x.1) < floor).map(|(f, _)| f.label.as_str()).collect();
    let _ = writeln!(
        out,
        "**Against the sanity baselines**: the lowest baseline test MSE is {} ({floor_name}). {} of {n} optimizers' \
         models beat it by more than their seeds' spread{}.\n",
        num(floor),
        beating.len(),
        if beating.is_empty() { String::new() } else { format!(": {}", beating.join(", ")) }
    );
    let mm: Vec<&Figures> = figures.iter().filter(|f| f.mm).collect();
    if !mm.is_empty() {
        let monotone = mm.iter().filter(|f| f.rising.is_some_and(|r| r.0 == 0.0)).count();
        let _ = writeln!(
            out,
            "**The MM methods**: {monotone} of {} never raised the training loss at any seed (as they promise). Their \
             speed to the level is in the table, in steps and in seconds (a certified step costs a bound pass).\n",
            mm.len()
        );
    }
}

/// The learning-rate search at the first seed.
pub fn search(out: &mut String, study: &Study) {
    let _ = writeln!(out, "## The learning-rate search (validation loss, first seed)\n");
    let _ = writeln!(out, "| optimizer | lr: validation loss ... |\n|---|---|");
    for r in &study.results {
        if r.search.len() < 2 {
            continue;
        }
        let cells: Vec<String> = r.search.iter().map(|(l, v)| format!("{}: {}", lr(*l), num(*v))).collect();
        let _ = writeln!(out, "| {} | {} |", r.contender.label, cells.join(", "));
    }
}
