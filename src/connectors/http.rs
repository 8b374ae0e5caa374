//! A small blocking HTTP client: bearer token, JSON, bounded retries on 429/503 that honour
//! `Retry-After`, and errors that say what to do without ever showing the token.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::blocking::{Client, Response};

use crate::error::{Error, Result};

/// Attempts per request (the first try included).
pub const MAX_ATTEMPTS: u32 = 4;
/// Longest wait between attempts, whatever `Retry-After` asks for.
pub const MAX_SLEEP: Duration = Duration::from_secs(10);

/// An authenticated JSON API.
pub struct Api {
    client: Client,
    base: reqwest::Url,
    token: String,
    /// For messages: `salesforce`.
    pub name: &'static str,
    /// The variable that holds the token, for hints.
    pub token_var: &'static str,
}

impl Api {
    /// Checks the base URL (https, or http on a loopback host) and builds the client.
    pub fn new(
        name: &'static str,
        base: &str,
        base_var: &str,
        token: String,
        token_var: &'static str,
    ) -> Result<Api> {
        let base = reqwest::Url::parse(base.trim_end_matches('/'))
            .map_err(|e| Error::Usage(format!("{base_var} is not a URL ({e})")))?;
        let loopback = matches!(
            base.host_str(),
            Some("127.0.0.1" | "localhost" | "[::1]" | "::1")
        );
        if base.scheme() != "https" && !(base.scheme() == "http" && loopback) {
            return Err(Error::Usage(format!(
                "{base_var} must be an https:// URL (plain http is allowed only for localhost)"
            )));
        }
        if token.trim().is_empty() {
            return Err(Error::Usage(format!("{token_var} is empty")));
        }
        let client = Client::builder()
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("crmkit/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Other(format!("cannot start the HTTP client: {e}")))?;
        Ok(Api {
            client,
            base,
            token,
            name,
            token_var,
        })
    }

    /// GETs `path` (with query) and parses the JSON body, retrying throttled calls.
    pub fn get_json(&self, path: &str) -> Result<serde_json::Value> {
        let url = format!("{}{}", self.base.as_str().trim_end_matches('/'), path);
        let mut attempt = 1;
        loop {
            let response = self
                .client
                .get(&url)
                .bearer_auth(&self.token)
                .header("Accept", "application/json")
                .send()
                .map_err(|e| {
                    Error::Other(
                        self.redact(&format!("{}: request to {path} failed: {e}", self.name)),
                    )
                })?;
            let status = response.status();
            if status.is_success() {
                let text = response.text().map_err(|e| {
                    Error::Other(format!(
                        "{}: cannot read the response to {path}: {e}",
                        self.name
                    ))
                })?;
                return serde_json::from_str(&text).map_err(|e| {
                    Error::Other(format!(
                        "{}: the response to {path} is not the JSON expected: {e}",
                        self.name
                    ))
                });
            }
            let retryable = status == StatusCode::TOO_MANY_REQUESTS
                || status == StatusCode::SERVICE_UNAVAILABLE;
            if retryable && attempt < MAX_ATTEMPTS {
                std::thread::sleep(wait(&response, attempt));
                attempt += 1;
                continue;
            }
            return Err(self.error(status, path, response, attempt));
        }
    }

    fn error(&self, status: StatusCode, path: &str, response: Response, attempts: u32) -> Error {
        let body = response.text().unwrap_or_default();
        let detail = self.redact(&message_of(&body));
        let detail = if detail.is_empty() {
            String::new()
        } else {
            format!(": {detail}")
        };
        let text = match status {
            StatusCode::UNAUTHORIZED => format!(
                "{} rejected the access token (HTTP 401){detail}\n  hint: set a fresh token in {}",
                self.name, self.token_var
            ),
            StatusCode::FORBIDDEN => format!(
                "{} refused access to {path} (HTTP 403){detail}\n  hint: check the integration user's permissions or scopes",
                self.name
            ),
            StatusCode::NOT_FOUND => format!(
                "{} has nothing at {path} (HTTP 404){detail}\n  hint: check the object name and the instance URL",
                self.name
            ),
            StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => format!(
                "{} is still throttling after {attempts} attempts (HTTP {}){detail}\n  hint: wait and run the command again",
                self.name,
                status.as_u16()
            ),
            _ => format!(
                "{} answered HTTP {} for {path}{detail}",
                self.name,
                status.as_u16()
            ),
        };
        Error::Other(text)
    }

    /// Removes the token from text that came from elsewhere (an echoing server, an error).
    fn redact(&self, text: &str) -> String {
        text.replace(&self.token, "[token]")
    }
}

/// How long to wait before attempt `attempt + 1`: `Retry-After` seconds if given, else
/// exponential from one second; never more than [`MAX_SLEEP`].
fn wait(response: &Response, attempt: u32) -> Duration {
    let asked = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64);
    asked
        .unwrap_or_else(|| Duration::from_secs(1 << (attempt - 1).min(4)))
        .min(MAX_SLEEP)
}

/// The human message inside an API error body (Salesforce arrays, HubSpot and Zoho objects).
fn message_of(body: &str) -> String {
    let text = match serde_json::from_str::<serde_json::Value>(body) {
        Ok(v) => {
            let first = if v.is_array() {
                v.get(0).cloned().unwrap_or_default()
            } else {
                v
            };
            let message = first
                .get("message")
                .and_then(|m| m.as_str())
                .unwrap_or_default();
            let code = first
                .get("errorCode")
                .or_else(|| first.get("category"))
                .and_then(|c| c.as_str())
                .unwrap_or_default();
            match (code.is_empty(), message.is_empty()) {
                (false, false) => format!("{code}: {message}"),
                (true, false) => message.to_string(),
                (false, true) => code.to_string(),
                _ => String::new(),
            }
        }
        Err(_) => body.trim().to_string(),
    };
    text.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http() {
        let ok = |u: &str| Api::new("x", u, "X_URL", "t".into(), "X_TOKEN").is_ok();
        assert!(ok("https://example.my.salesforce.com"));
        assert!(ok("http://127.0.0.1:8080"));
        assert!(ok("http://localhost:1"));
        assert!(!ok("http://example.com"));
        assert!(!ok("ftp://127.0.0.1"));
        assert!(Api::new("x", "https://a.com", "X_URL", " ".into(), "X_TOKEN").is_err());
    }

    #[test]
    fn error_messages_are_extracted() {
        assert_eq!(
            message_of(r#"[{"message":"Session expired","errorCode":"INVALID_SESSION_ID"}]"#),
            "INVALID_SESSION_ID: Session expired"
        );
        assert_eq!(
            message_of(r#"{"status":"error","message":"Not found","category":"OBJECT_NOT_FOUND"}"#),
            "OBJECT_NOT_FOUND: Not found"
        );
        assert_eq!(message_of("plain text"), "plain text");
    }
}
