//! Meta-training the learned rule and its control (`majorize meta-train`): the tasks and the
//! evolution-strategies trainer.

pub mod es;
pub mod tasks;
