//! Go-to-market rules (playbook steps 1, 3 and 4): account status, RFM and purchase
//! propensity, lead scoring with MQL/SQL, and territories, all driven by `playbooks/rules.yaml`.

pub mod bgnbd;
pub mod condition;
pub mod file;
pub mod numeric;
pub mod spend;

pub use condition::Condition;
pub use file::Rules;
