//! `schema pull` against a local HTTP server that answers like Salesforce and HubSpot,
//! including 401, 404 and 429 with Retry-After. The token must never leak.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::util::{Env, fixture, walk};

const TOKEN: &str = "00Dxx0000001gPL!AQ4AQFakeSecretToken";

/// One canned answer: status, extra headers, body.
struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
}

fn reply(status: u16, body: &str) -> Reply {
    Reply {
        status,
        headers: Vec::new(),
        body: body.to_string(),
    }
}

/// A server on 127.0.0.1 that answers the replies in order, one per connection, and stops
/// after the last one or after 20 seconds. Joining it gives the requests it saw.
struct Server {
    url: String,
    handle: JoinHandle<Vec<String>>,
}

fn serve(replies: Vec<Reply>) -> Server {
    serve_for(replies, Duration::from_secs(20))
}

/// [`serve`], giving up after `limit` (for servers that should never be called).
fn serve_for(replies: Vec<Reply>, limit: Duration) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let handle = std::thread::spawn(move || {
        let deadline = Instant::now() + limit;
        let mut seen = Vec::new();
        let mut replies = replies.into_iter();
        let mut next = replies.next();
        while let Some(r) = next.take() {
            if Instant::now() > deadline {
                break;
            }
            let (stream, _) = match listener.accept() {
                Ok(s) => s,
                Err(_) => {
                    next = Some(r);
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                }
            };
            stream.set_nonblocking(false).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            let mut reader = BufReader::new(stream);
            let mut request = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                request.push_str(&line);
            }
            seen.push(request);
            let mut stream = reader.into_inner();
            let reason = match r.status {
                200 => "OK",
                401 => "Unauthorized",
                404 => "Not Found",
                429 => "Too Many Requests",
                _ => "Other",
            };
            let mut head = format!(
                "HTTP/1.1 {} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
                r.status,
                r.body.len()
            );
            for (k, v) in &r.headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(r.body.as_bytes());
            let _ = stream.flush();
            let mut sink = [0u8; 64];
            let _ = stream.read(&mut sink);
            next = replies.next();
        }
        seen
    });
    Server { url, handle }
}

fn salesforce_env(url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("SALESFORCE_INSTANCE_URL", url.to_string()),
        ("SALESFORCE_ACCESS_TOKEN", TOKEN.to_string()),
    ]
}

fn run_with(env: &Env, vars: &[(&'static str, String)], args: &[&str]) -> crate::util::Run {
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    env.run_ws_env(&vars, args)
}

fn assert_no_token(env: &Env, run: &crate::util::Run) {
    assert!(
        !run.stdout().contains(TOKEN) && !run.stderr().contains(TOKEN),
        "token leaked"
    );
    assert!(
        !run.stderr().contains("FakeSecret"),
        "token leaked: {}",
        run.stderr()
    );
    for entry in walk(&env.ws()) {
        if let Ok(text) = std::fs::read(&entry) {
            assert!(
                !String::from_utf8_lossy(&text).contains("FakeSecret"),
                "token in {}",
                entry.display()
            );
        }
    }
}

#[test]
fn salesforce_describe_becomes_a_schema_file_usable_by_map() {
    let describe = std::fs::read_to_string(fixture("mapping/sf_account_describe.json")).unwrap();
    let server = serve(vec![
        reply(
            200,
            r#"[{"version":"59.0","url":"/services/data/v59.0"},{"version":"60.0","url":"/services/data/v60.0"}]"#,
        ),
        reply(200, &describe),
    ]);
    let env = Env::workspace();
    let run = run_with(
        &env,
        &salesforce_env(&server.url),
        &[
            "schema",
            "pull",
            "salesforce",
            "--object",
            "account",
            "--out",
            "schemas/account.yaml",
        ],
    )
    .ok();
    let seen = server.handle.join().unwrap();
    assert!(seen[0].starts_with("GET /services/data/ "), "{seen:?}");
    assert!(
        seen[1].starts_with("GET /services/data/v60.0/sobjects/Account/describe "),
        "{seen:?}"
    );
    assert!(
        seen[1]
            .to_lowercase()
            .contains(&format!("authorization: bearer {}", TOKEN.to_lowercase()))
    );
    assert!(run.stdout().contains("2 custom"), "{}", run.stdout());
    let text = std::fs::read_to_string(env.ws().join("schemas/account.yaml")).unwrap();
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let fields = doc["objects"]["account"]["fields"].as_sequence().unwrap();
    let legacy = fields
        .iter()
        .find(|f| f["name"] == "Legacy_Account_ID__c")
        .unwrap();
    assert_eq!(legacy["external_id"].as_bool(), Some(true));
    assert_eq!(legacy["custom"].as_bool(), Some(true));
    let industry = fields.iter().find(|f| f["name"] == "Industry").unwrap();
    assert_eq!(
        industry["values"].as_sequence().unwrap().len(),
        2,
        "inactive values are left out"
    );
    let parent = fields.iter().find(|f| f["name"] == "ParentId").unwrap();
    assert_eq!(parent["references"][0].as_str(), Some("account"));
    assert!(
        !fields.iter().any(|f| f["name"] == "BillingAddress"),
        "compound fields are left out"
    );
    assert_no_token(&env, &run);

    // The pulled schema drives suggest: the legacy id lands in the org's existing field.
    env.write(
        "ws/a.csv",
        "Account ID,Account Name,Sales Region\nA-1,Acme,West\nA-2,Globex,East\n",
    );
    env.run_ws(&["ingest", "a.csv", "--as", "accounts"]).ok();
    let json = env
        .run_ws(&[
            "map",
            "suggest",
            "accounts",
            "--object",
            "account",
            "--schema",
            "schemas/account.yaml",
            "--json",
        ])
        .ok()
        .json();
    let mapped = json["mapped"].as_array().unwrap();
    let id = mapped.iter().find(|m| m["source"] == "Account ID").unwrap();
    assert_eq!(id["target"], "Legacy_Account_ID__c");
    let region = mapped
        .iter()
        .find(|m| m["source"] == "Sales Region")
        .unwrap();
    assert_eq!(region["target"], "Region__c");
    env.run_ws(&["map", "check"]).ok();
}

#[test]
fn hubspot_properties_with_a_throttled_first_try() {
    let props = std::fs::read_to_string(fixture("mapping/hs_companies_properties.json")).unwrap();
    let mut throttled = reply(
        429,
        r#"{"status":"error","message":"You have reached your ten_secondly_rolling limit.","errorType":"RATE_LIMIT","policyName":"TEN_SECONDLY_ROLLING"}"#,
    );
    throttled.headers.push(("Retry-After", "1".to_string()));
    let server = serve(vec![throttled, reply(200, &props)]);
    let env = Env::workspace();
    let started = Instant::now();
    let run = run_with(
        &env,
        &[
            ("HUBSPOT_ACCESS_TOKEN", TOKEN.to_string()),
            ("HUBSPOT_BASE_URL", server.url.clone()),
        ],
        &["schema", "pull", "hubspot", "--object", "account"],
    )
    .ok();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was not honoured"
    );
    let seen = server.handle.join().unwrap();
    assert_eq!(seen.len(), 2);
    assert!(
        seen[1].starts_with("GET /crm/v3/properties/companies?archived=false "),
        "{seen:?}"
    );
    let doc: serde_yaml::Value = serde_yaml::from_str(&run.stdout()).unwrap();
    let fields = doc["objects"]["account"]["fields"].as_sequence().unwrap();
    let legacy = fields
        .iter()
        .find(|f| f["name"] == "legacy_account_id")
        .unwrap();
    assert_eq!(legacy["external_id"].as_bool(), Some(true));
    let domain = fields.iter().find(|f| f["name"] == "domain").unwrap();
    assert_eq!(
        domain["transform"][0].as_str(),
        Some("domain"),
        "builtin knowledge is kept"
    );
    let owner = fields
        .iter()
        .find(|f| f["name"] == "hubspot_owner_id")
        .unwrap();
    assert_eq!(owner["references"][0].as_str(), Some("user"));
    assert_no_token(&env, &run);
}

#[test]
fn throttling_gives_up_after_a_bounded_number_of_attempts() {
    let replies = (0..4)
        .map(|_| {
            let mut r = reply(429, r#"{"status":"error","message":"slow down"}"#);
            r.headers.push(("Retry-After", "0".to_string()));
            r
        })
        .collect();
    let server = serve(replies);
    let env = Env::workspace();
    let run = run_with(
        &env,
        &[
            ("HUBSPOT_ACCESS_TOKEN", TOKEN.to_string()),
            ("HUBSPOT_BASE_URL", server.url.clone()),
        ],
        &["schema", "pull", "hubspot", "--object", "contact"],
    )
    .fails(2);
    assert_eq!(server.handle.join().unwrap().len(), 4);
    assert!(
        run.stderr().contains("still throttling after 4 attempts"),
        "{}",
        run.stderr()
    );
}

#[test]
fn unauthorized_and_not_found_say_what_to_do_without_the_token() {
    // The server echoes the token in its error body: crmkit must not repeat it.
    let body = format!(
        r#"[{{"message":"Session expired or invalid: {TOKEN}","errorCode":"INVALID_SESSION_ID"}}]"#
    );
    let server = serve(vec![reply(401, &body)]);
    let env = Env::workspace();
    let mut vars = salesforce_env(&server.url);
    vars.push(("SALESFORCE_API_VERSION", "60.0".to_string()));
    let run = run_with(
        &env,
        &vars,
        &["schema", "pull", "salesforce", "--object", "account"],
    )
    .fails(2);
    server.handle.join().unwrap();
    assert!(
        run.stderr()
            .contains("rejected the access token (HTTP 401)"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr().contains("INVALID_SESSION_ID"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr().contains("SALESFORCE_ACCESS_TOKEN"),
        "{}",
        run.stderr()
    );
    assert_no_token(&env, &run);

    let server = serve(vec![reply(
        404,
        r#"[{"errorCode":"NOT_FOUND","message":"The requested resource does not exist"}]"#,
    )]);
    let mut vars = salesforce_env(&server.url);
    vars.push(("SALESFORCE_API_VERSION", "60.0".to_string()));
    let run = run_with(
        &env,
        &vars,
        &["schema", "pull", "salesforce", "--object", "Nope__c"],
    )
    .fails(2);
    let seen = server.handle.join().unwrap();
    assert!(
        seen[0].starts_with("GET /services/data/v60.0/sobjects/Nope__c/describe"),
        "{seen:?}"
    );
    assert!(run.stderr().contains("HTTP 404"), "{}", run.stderr());
    assert!(run.stderr().contains("NOT_FOUND"), "{}", run.stderr());
}

#[test]
fn credentials_come_from_the_environment_and_http_only_for_loopback() {
    let env = Env::workspace();
    let run = env
        .run_ws(&["schema", "pull", "salesforce", "--object", "account"])
        .fails(2);
    assert!(
        run.stderr().contains("SALESFORCE_INSTANCE_URL is not set"),
        "{}",
        run.stderr()
    );
    let vars = salesforce_env("http://crm.example.com");
    let run = run_with(
        &env,
        &vars,
        &["schema", "pull", "salesforce", "--object", "account"],
    )
    .fails(2);
    assert!(
        run.stderr().contains("must be an https://"),
        "{}",
        run.stderr()
    );
    let run = env
        .run_ws(&["schema", "pull", "zoho", "--object", "account"])
        .fails(2);
    assert!(
        run.stderr().contains("supports salesforce and hubspot"),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_redirect_to_another_origin_is_refused_and_never_carries_the_token() {
    // B redirects to itself: a client that compared each hop with the previous one only would
    // send the token on B's second request.
    let b = serve_for(
        vec![
            Reply {
                status: 302,
                headers: vec![("Location", "/services/data/again".into())],
                body: String::new(),
            },
            reply(200, r#"[{"version":"60.0","url":"/services/data/v60.0"}]"#),
        ],
        Duration::from_secs(3),
    );
    let a = serve(vec![Reply {
        status: 302,
        headers: vec![("Location", format!("{}/services/data/", b.url))],
        body: String::new(),
    }]);
    let env = Env::workspace();
    let run = run_with(
        &env,
        &salesforce_env(&a.url),
        &["schema", "pull", "salesforce", "--object", "account"],
    )
    .fails(2);
    let seen_a = a.handle.join().unwrap();
    let seen_b = b.handle.join().unwrap();
    assert_eq!(seen_a.len(), 1, "{seen_a:?}");
    assert!(
        seen_b
            .iter()
            .all(|r| !r.to_lowercase().contains("authorization")),
        "the token reached another origin: {seen_b:?}"
    );
    assert!(seen_b.is_empty(), "{seen_b:?}");
    let err = run.stderr();
    assert!(
        err.contains("refused to follow the redirect") && err.contains(&b.url),
        "{err}"
    );
    assert!(err.contains("SALESFORCE_INSTANCE_URL"), "{err}");
    assert_no_token(&env, &run);
}
