//! Connections to live CRMs: the only user of reqwest. Credentials come from the environment
//! and never appear in output, logs or errors.

mod http;
pub mod hubspot;
pub mod salesforce;

use crate::error::Result;
use crate::targets::ObjectSchema;
use crate::workspace::Target;

/// A live CRM. Schema discovery now; loading (upsert) is added by the push work.
pub trait Connector {
    /// The CRM this talks to.
    fn target(&self) -> Target;
    /// The live schema of one object, by the target's own name (`Account`, `companies`);
    /// references name the target's own objects.
    fn schema(&self, object: &str) -> Result<ObjectSchema>;
    /// Whether [`Connector::schema`] knows which fields are required (HubSpot's API does not say).
    fn knows_required(&self) -> bool;
}

/// The connector for `target`, configured from the environment.
pub fn from_env(target: Target) -> Result<Box<dyn Connector>> {
    match target {
        Target::Salesforce => Ok(Box::new(salesforce::Salesforce::from_env()?)),
        Target::Hubspot => Ok(Box::new(hubspot::Hubspot::from_env()?)),
        other => Err(crate::Error::Usage(format!(
            "live schema pull supports salesforce and hubspot, not {other}; use the builtin schema or a --schema FILE"
        ))),
    }
}
