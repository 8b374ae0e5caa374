//! Go-to-market rules (playbook steps 1, 3 and 4): account status, RFM and purchase
//! propensity, lead scoring with MQL/SQL, and territories, all driven by `playbooks/rules.yaml`.

pub mod bgnbd;
pub mod condition;
pub mod file;
pub mod leads;
pub mod logistic;
pub mod numeric;
pub mod records;
pub mod rfm;
pub mod spend;
pub mod status;
pub mod store;
pub mod territory;

pub use condition::Condition;
pub use file::Rules;
