//! Meta-training the learned rule (work in progress): the tasks and the
//! evolution-strategies trainer.

pub mod es;
pub mod tasks;
