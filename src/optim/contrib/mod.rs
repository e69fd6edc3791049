//! Parameter-free peers, kept apart as optax keeps its `contrib`: DoG,
//! Prodigy, D-Adaptation (Adam) and Schedule-Free (SGD and AdamW), each
//! reproducing its reference implementation's trajectories.

pub mod dadapt;
pub mod dog;
pub mod prodigy;
pub mod schedule_free;

pub use dadapt::DAdaptAdam;
pub use dog::Dog;
pub use prodigy::Prodigy;
pub use schedule_free::{ScheduleFree, ScheduleFreeBase, SfAdamW, SfSgd};
