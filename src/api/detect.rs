//! Which API surface a server offers, found with side-effect-free probes (the ladder of
//! `agent-api-latest.md` §7). Pure: the client sends each probe and feeds the answer to
//! [`decide`], which says what the answer means and which probe comes next.

use super::types::ApiEra;

/// A probe, in ladder order. None of them runs a query or changes content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Probe {
    /// `GET /v1/ping`
    Ping,
    /// `POST /v2/execute-query {}` — validation fails before anything runs.
    ExecuteQueryEmpty,
    /// `POST /v1/read-resource {"uris":["metabase://databases"]}`
    ReadResourceDatabases,
    /// `GET /v1/table/0` — route present → 400 (id must be positive); removed → 404.
    TableZero,
    /// `POST /v1/query {}` — E3's combined endpoint; validation fails before anything runs.
    QueryEmpty,
}

impl Probe {
    pub const FIRST: Probe = Probe::Ping;

    /// (method, path under `/api/agent`, JSON body).
    pub fn request(self) -> (&'static str, &'static str, Option<&'static str>) {
        match self {
            Probe::Ping => ("GET", "/v1/ping", None),
            Probe::ExecuteQueryEmpty => ("POST", "/v2/execute-query", Some("{}")),
            Probe::ReadResourceDatabases => (
                "POST",
                "/v1/read-resource",
                Some(r#"{"uris":["metabase://databases"]}"#),
            ),
            Probe::TableZero => ("GET", "/v1/table/0", None),
            Probe::QueryEmpty => ("POST", "/v1/query", Some("{}")),
        }
    }
}

/// What one probe's answer means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Ask the next probe.
    Next(Probe),
    /// The surface is known.
    Era(ApiEra),
    /// The server has no Agent API at all (404 on ping).
    NoAgentApi,
    /// The Agent API is present but switched off (403 with this text).
    Disabled(String),
    /// E2 without the license (402).
    Unlicensed,
    /// The credentials were refused (401); fix them before anything else.
    Unauthenticated,
    /// A scoped token cannot probe (403 `unsupported_scope`): use an unscoped JWT or a session.
    Scoped,
    /// An answer that fits no known surface.
    Unknown(String),
}

/// Reads one probe's answer: the HTTP status and the start of the body.
pub fn decide(probe: Probe, status: u16, body: &str) -> Decision {
    let body = body.trim();
    if status == 401 {
        return Decision::Unauthenticated;
    }
    if status == 403 && body.contains("unsupported_scope") || body.contains("scope_not_permitted") {
        return Decision::Scoped;
    }
    let unknown = || {
        let (method, path, _) = probe.request();
        let lower = body.get(..15).unwrap_or(body).to_ascii_lowercase();
        let said = if lower.starts_with("<!doctype html") || lower.starts_with("<html") {
            format!("an HTML page: {}", super::transport::html_message(body))
        } else {
            first_line(body).to_string()
        };
        Decision::Unknown(format!(
            "{method} /api/agent{path} answered {status}: {said}"
        ))
    };
    match (probe, status) {
        (Probe::Ping, 200) => Decision::Next(Probe::ExecuteQueryEmpty),
        (Probe::Ping, 402) => Decision::Unlicensed,
        (Probe::Ping, 403) => Decision::Disabled(first_line(body).to_string()),
        (Probe::Ping, 404) => Decision::NoAgentApi,
        (Probe::ExecuteQueryEmpty, 400) if body.starts_with("Provide exactly one of") => {
            Decision::Era(ApiEra::Latest)
        }
        // 404 (no such tool) or any other refusal: older than the v2 tools.
        (Probe::ExecuteQueryEmpty, 400 | 404 | 405) => Decision::Next(Probe::ReadResourceDatabases),
        (Probe::ReadResourceDatabases, 200) => Decision::Era(ApiEra::Rr),
        (Probe::ReadResourceDatabases, 404 | 405) => Decision::Next(Probe::TableZero),
        (Probe::TableZero, 400) => Decision::Next(Probe::QueryEmpty),
        (Probe::QueryEmpty, 400) => Decision::Era(ApiEra::E3),
        (Probe::QueryEmpty, 404 | 405) => Decision::Era(ApiEra::E2),
        _ => unknown(),
    }
}

fn first_line(s: &str) -> &str {
    let line = s.lines().next().unwrap_or("");
    match line.char_indices().nth(160) {
        Some((i, _)) => &line[..i],
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Walks the ladder against recorded answers, as the client does against a server.
    fn walk(answers: &[(Probe, u16, &str)]) -> (Decision, Vec<Probe>) {
        let mut asked = Vec::new();
        let mut probe = Probe::FIRST;
        loop {
            asked.push(probe);
            let Some((_, status, body)) = answers.iter().find(|(p, ..)| *p == probe) else {
                panic!("the ladder asked {probe:?}, which has no recorded answer");
            };
            match decide(probe, *status, body) {
                Decision::Next(p) => probe = p,
                d => return (d, asked),
            }
        }
    }

    const PONG: (Probe, u16, &str) = (Probe::Ping, 200, r#"{"message":"pong"}"#);
    const NOT_FOUND: &str = "API endpoint does not exist.";

    #[test]
    fn an_unknown_answer_names_the_request_and_the_page_text() {
        let page = "<!DOCTYPE html><html><head><title>x</title></head>\
                    <body><h1>Not Implemented</h1></body></html>";
        let (d, _) = walk(&[PONG, (Probe::ExecuteQueryEmpty, 501, page)]);
        assert_eq!(
            d,
            Decision::Unknown(
                "POST /api/agent/v2/execute-query answered 501: an HTML page: Not Implemented"
                    .into()
            )
        );
    }

    #[test]
    fn the_v2_tools_era_answers_the_first_question() {
        let (d, asked) = walk(&[
            PONG,
            (
                Probe::ExecuteQueryEmpty,
                400,
                "Provide exactly one of `query`, `query_handle`.",
            ),
        ]);
        assert_eq!(d, Decision::Era(ApiEra::Latest));
        assert_eq!(asked.len(), 2);
    }

    #[test]
    fn the_read_resource_era() {
        let (d, _) = walk(&[
            PONG,
            (Probe::ExecuteQueryEmpty, 404, NOT_FOUND),
            (
                Probe::ReadResourceDatabases,
                200,
                r#"{"resources":[],"output":""}"#,
            ),
        ]);
        assert_eq!(d, Decision::Era(ApiEra::Rr));
    }

    #[test]
    fn e3_and_e2_differ_by_v1_query() {
        let v1 = [
            PONG,
            (Probe::ExecuteQueryEmpty, 404, NOT_FOUND),
            (Probe::ReadResourceDatabases, 404, NOT_FOUND),
            (
                Probe::TableZero,
                400,
                r#"{"errors":{"id":"value must be an integer greater than zero."}}"#,
            ),
        ];
        let mut e3 = v1.to_vec();
        e3.push((
            Probe::QueryEmpty,
            400,
            r#"{"errors":{"table_id":"…","metric_id":"…"}}"#,
        ));
        assert_eq!(walk(&e3).0, Decision::Era(ApiEra::E3));
        let mut e2 = v1.to_vec();
        e2.push((Probe::QueryEmpty, 404, NOT_FOUND));
        let (d, asked) = walk(&e2);
        assert_eq!(d, Decision::Era(ApiEra::E2));
        assert_eq!(asked.len(), 5);
    }

    #[test]
    fn refusals_stop_the_ladder_with_a_reason() {
        assert_eq!(decide(Probe::Ping, 404, NOT_FOUND), Decision::NoAgentApi);
        assert_eq!(decide(Probe::Ping, 402, "{}"), Decision::Unlicensed);
        assert_eq!(
            decide(Probe::Ping, 403, "Agent API is not enabled."),
            Decision::Disabled("Agent API is not enabled.".into())
        );
        assert_eq!(
            decide(
                Probe::ExecuteQueryEmpty,
                401,
                r#"{"error":"invalid_jwt","message":"Invalid or expired JWT token."}"#
            ),
            Decision::Unauthenticated
        );
        assert_eq!(
            decide(
                Probe::ReadResourceDatabases,
                403,
                r#"{"error":"unsupported_scope","message":"Insufficient scope for this operation."}"#
            ),
            Decision::Scoped
        );
        assert!(matches!(
            decide(Probe::TableZero, 404, NOT_FOUND),
            Decision::Unknown(_)
        ));
    }
}
