//! A small blocking HTTP client: bearer token, JSON, bounded retries on 429/503 that honour
//! `Retry-After`, redirects followed only within the base URL's origin (the token never
//! travels elsewhere), and errors that say what to do without ever showing the token.

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
    /// The variable that holds the base URL, for hints.
    base_var: String,
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
            .redirect(same_origin_redirects())
            .user_agent(concat!("crmkit/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Other(format!("cannot start the HTTP client: {e}")))?;
        Ok(Api {
            client,
            base,
            base_var: base_var.to_string(),
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
                .map_err(|e| self.send_error(path, &e))?;
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
        let detail = self.detail(&response.text().unwrap_or_default());
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

    /// A failed send, worded; a refused redirect says why and where it pointed.
    fn send_error(&self, path: &str, e: &reqwest::Error) -> Error {
        let mut cause: Option<&dyn std::error::Error> = Some(e);
        while let Some(c) = cause {
            if let Some(refused) = c.downcast_ref::<RefusedRedirect>() {
                return Error::Other(self.redact(&format!(
                    "{}: refused to follow the redirect from {path} to `{}`: {}\n  hint: set {} to the URL the API answers at (its origin, `{}`, is the only one the token is sent to)",
                    self.name,
                    refused.to,
                    refused.why,
                    self.base_var,
                    self.base.origin().ascii_serialization()
                )));
            }
            cause = c.source();
        }
        Error::Other(self.redact(&format!("{}: request to {path} failed: {e}", self.name)))
    }

    /// The part of an error body worth showing: the token is redacted before the text is cut,
    /// so no part of it can survive the cut.
    fn detail(&self, body: &str) -> String {
        self.redact(&message_of(body))
            .chars()
            .take(MAX_DETAIL)
            .collect()
    }

    /// Removes the token from text that came from elsewhere (an echoing server, an error).
    fn redact(&self, text: &str) -> String {
        text.replace(&self.token, "[token]")
    }
}

/// Characters of a server's error message shown to the user.
const MAX_DETAIL: usize = 300;
/// Redirect hops followed before giving up.
const MAX_REDIRECTS: usize = 10;

/// Why a redirect was not followed; found again in the error chain by [`Api::send_error`].
#[derive(Debug)]
struct RefusedRedirect {
    to: String,
    why: &'static str,
}

impl std::fmt::Display for RefusedRedirect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "redirect to `{}` refused: {}", self.to, self.why)
    }
}

impl std::error::Error for RefusedRedirect {}

/// Every request carries the token, so a redirect is followed only while it stays on the
/// origin (scheme, host and port) of the first request: another host never sees the token,
/// and https is never downgraded to http. Each hop is compared with the first URL, not the
/// previous one, so A -> B -> B is refused at its first step.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let verdict = attempt
            .previous()
            .first()
            .map(|first| redirect_verdict(first, attempt.url(), attempt.previous().len()));
        match verdict {
            Some(Some(why)) => {
                let to = attempt.url().origin().ascii_serialization();
                attempt.error(RefusedRedirect { to, why })
            }
            _ => attempt.follow(),
        }
    })
}

/// Why a redirect from a request that started at `first` to `next` must not be followed,
/// after `hops` earlier requests; `None` when it may be.
fn redirect_verdict(
    first: &reqwest::Url,
    next: &reqwest::Url,
    hops: usize,
) -> Option<&'static str> {
    if first.scheme() == "https" && next.scheme() != "https" {
        Some("an https API may not be redirected to plain http")
    } else if first.origin() != next.origin() {
        Some("it leads to another origin, and the request carries the access token")
    } else if hops >= MAX_REDIRECTS {
        Some("too many redirects")
    } else {
        None
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

/// The human message inside an API error body, whole (the caller redacts, then cuts) (Salesforce arrays, HubSpot and Zoho objects).
fn message_of(body: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(body) {
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
    }
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

    // Shares no four characters with the `[token]` placeholder.
    const TOKEN: &str = "00Dxx0000001gPL!AQ4AQFakeSecretKey9";

    /// No four characters in a row of the token appear in `text`.
    fn no_piece_of_token(text: &str) -> Result<(), String> {
        let chars: Vec<char> = TOKEN.chars().collect();
        for piece in chars.windows(4) {
            let piece: String = piece.iter().collect();
            if text.contains(&piece) {
                return Err(format!("`{piece}` of the token shows in {text:?}"));
            }
        }
        Ok(())
    }

    #[test]
    fn no_part_of_the_token_survives_the_cut_at_any_offset() {
        let api = Api::new("x", "https://a.com", "X_URL", TOKEN.into(), "X_TOKEN").unwrap();
        for offset in 0..400 {
            let filler = "-".repeat(offset);
            let plain = format!("{filler}{TOKEN} rest of the body");
            let json =
                serde_json::json!([{ "message": plain.clone(), "errorCode": "E" }]).to_string();
            for body in [plain, json] {
                let detail = api.detail(&body);
                no_piece_of_token(&detail).unwrap_or_else(|e| panic!("offset {offset}: {e}"));
                assert!(detail.chars().count() <= MAX_DETAIL, "offset {offset}");
            }
        }
    }

    #[test]
    fn redirects_stay_on_the_first_origin_and_on_https() {
        let u = |s: &str| reqwest::Url::parse(s).unwrap();
        let a = u("https://api.example.com/services/data/");
        assert_eq!(
            redirect_verdict(&a, &u("https://api.example.com/other"), 1),
            None
        );
        assert!(redirect_verdict(&a, &u("http://api.example.com/services/data/"), 1).is_some());
        assert!(redirect_verdict(&a, &u("https://evil.example.net/"), 1).is_some());
        assert!(redirect_verdict(&a, &u("https://api.example.com:8443/"), 1).is_some());
        // A -> B -> B: each hop is judged against A, so B's hop to itself is refused too.
        assert!(redirect_verdict(&a, &u("https://b.example.net/x"), 2).is_some());
        let local = u("http://127.0.0.1:8080/");
        assert_eq!(
            redirect_verdict(&local, &u("http://127.0.0.1:8080/v2"), 1),
            None
        );
        assert!(redirect_verdict(&local, &u("http://127.0.0.1:8081/"), 1).is_some());
        assert!(redirect_verdict(&a, &u("https://api.example.com/x"), MAX_REDIRECTS).is_some());
    }
}
