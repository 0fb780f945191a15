//! The web app's routes, in process (no socket): every route with valid and invalid input, the
//! status and the message naming the field, and the app still answering afterwards. On tokio's
//! multi-threaded runtime, as `serve` runs: polars refuses to block inside a current-thread one.
#![cfg(feature = "app")]

use crate::common;

use axum::body::{to_bytes, Body};
use axum::http::{header, Request, StatusCode};
use axum::Router;
use campaign_study::app::{router, API_LIMIT};
use campaign_study::scoring::examples::{example_a, example_b, RawRecord};
use campaign_study::scoring::{score, ModelArtifact, OnInvalid, Records, Selection};
use common::raw_csv;
use serde_json::{json, Value};
use std::sync::OnceLock;
use tower::ServiceExt;

fn fitted() -> ModelArtifact {
    common::deployable()
}

fn app() -> Router {
    static JSON: OnceLock<String> = OnceLock::new();
    // fit once; every test gets its own app from the same model file contents
    let text = JSON.get_or_init(|| serde_json::to_string(&fitted()).unwrap());
    router(serde_json::from_str(text).unwrap())
}

fn as_json(r: &RawRecord) -> Value {
    Value::Object(
        r.iter()
            .map(|(k, v)| (k.to_string(), Value::String(v.clone())))
            .collect(),
    )
}

async fn send(app: &Router, req: Request<Body>) -> (StatusCode, String, Vec<u8>) {
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let ctype = res
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or("").to_string())
        .unwrap_or_default();
    let body = to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    (status, ctype, body)
}

fn post_json(body: impl Into<Body>) -> Request<Body> {
    Request::post("/api/score")
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.into())
        .unwrap()
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

async fn alive(app: &Router) {
    let (status, _, body) = send(app, get("/healthz")).await;
    assert_eq!(status, StatusCode::OK);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["status"], "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_the_model_card() {
    let app = app();
    alive(&app).await;
    let (status, ctype, body) = send(&app, get("/api/model")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(ctype.starts_with("application/json"));
    let card: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(card["format_version"], 1);
    assert_eq!(card["inputs"].as_array().unwrap().len(), 25);
    assert_eq!(card["decision"]["threshold"], 3.0 / 11.0);
    assert_eq!(card["trained_on"]["customers"], 2205);
    assert_eq!(card["calibration"], "Platt scaling of the log-odds");
    assert!(
        card.get("pipeline").is_none(),
        "the card leaves the fitted parameters out"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_scores_one_customer_or_a_list_as_the_scoring_core_does() {
    let app = app();
    let model: ModelArtifact =
        serde_json::from_str(&serde_json::to_string(&fitted()).unwrap()).unwrap();
    let list = Value::Array(vec![as_json(&example_a()), as_json(&example_b())]);
    let core = score(
        &model,
        &Records::from_json(&list, "examples").unwrap(),
        Selection::Rule,
        OnInvalid::Stop,
    )
    .unwrap()
    .scored;
    let p: Vec<f64> = core
        .column("probability")
        .unwrap()
        .f64()
        .unwrap()
        .into_no_null_iter()
        .collect();

    let (status, _, body) = send(&app, post_json(as_json(&example_a()).to_string())).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let one: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        one["probability"].as_f64().unwrap().to_bits(),
        p[0].to_bits()
    );
    assert_eq!(one["decision"], "contact");
    assert!((one["expected_value"].as_f64().unwrap() - (11.0 * p[0] - 3.0)).abs() < 1e-12);
    assert_eq!(one["reasons"].as_array().unwrap().len(), 3);

    // numbers may come as JSON numbers too
    let mut numeric = as_json(&example_b());
    numeric["Income"] = json!(16850);
    numeric["Kidhome"] = json!(0);
    let (status, _, body) = send(
        &app,
        post_json(Value::Array(vec![as_json(&example_a()), numeric]).to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let many: Value = serde_json::from_slice(&body).unwrap();
    let customers = many["customers"].as_array().unwrap();
    assert_eq!(customers.len(), 2);
    assert_eq!(
        customers[1]["probability"].as_f64().unwrap().to_bits(),
        p[1].to_bits()
    );
    assert_eq!(customers[1]["decision"], "do not contact");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_api_requests_get_a_4xx_naming_the_field_and_the_app_stays_up() {
    let app = app();
    let with = |k: &str, v: Value| {
        let mut a = as_json(&example_a());
        a[k] = v;
        a.to_string()
    };
    let without = {
        let mut a = as_json(&example_a());
        a.as_object_mut().unwrap().remove("Recency");
        a.to_string()
    };
    let oversized = format!(
        "[{}]",
        vec![as_json(&example_a()).to_string(); 3000].join(",")
    );
    assert!(oversized.len() > API_LIMIT);
    let cases: Vec<(String, StatusCode, Option<&str>)> = vec![
        ("{\"Year_Birth\": 19".into(), StatusCode::BAD_REQUEST, None),
        ("[]".into(), StatusCode::BAD_REQUEST, None),
        ("42".into(), StatusCode::BAD_REQUEST, None),
        (without, StatusCode::UNPROCESSABLE_ENTITY, Some("Recency")),
        (
            with("Education", json!("2 Cycle")),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("Education"),
        ),
        (
            with("Income", json!("a lot")),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("Income"),
        ),
        (
            with("Income", json!(-5)),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("Income"),
        ),
        (
            with("Income", json!(900000)),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("Income"),
        ),
        (
            with("Kidhome", json!([1])),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("Kidhome"),
        ),
        (
            with("Complain", json!(2)),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("Complain"),
        ),
        (
            with("Dt_Customer", json!("31/12/2013")),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("Dt_Customer"),
        ),
        (
            with("Year_Birth", json!(2010)),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("Year_Birth"),
        ),
        (oversized, StatusCode::PAYLOAD_TOO_LARGE, None),
    ];
    for (body, want, field) in cases {
        let shown = body.chars().take(60).collect::<String>();
        let (status, _, answer) = send(&app, post_json(body)).await;
        assert_eq!(
            status,
            want,
            "{shown}: {}",
            String::from_utf8_lossy(&answer)
        );
        if let Some(field) = field {
            let v: Value = serde_json::from_slice(&answer).unwrap();
            assert_eq!(v["field"], field, "{v}");
            assert!(v["error"].as_str().unwrap().contains(field), "{v}");
        }
        alive(&app).await;
    }
    let (status, _, _) = send(&app, get("/api/score")).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    let (status, _, _) = send(&app, get("/nowhere")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

fn form_body(r: &RawRecord) -> String {
    r.iter()
        .map(|(k, v)| format!("{k}={}", v.replace(' ', "+")))
        .collect::<Vec<_>>()
        .join("&")
}

fn post_form(body: String) -> Request<Body> {
    Request::post("/")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_form_offers_the_training_categories_and_answers_with_the_decision() {
    let app = app();
    let (status, ctype, body) = send(&app, get("/")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(ctype.starts_with("text/html"));
    let html = String::from_utf8(body).unwrap();
    assert!(html.contains("<option value=\"2n Cycle\""));
    assert!(!html.contains("2 Cycle\""), "the original app's typo");
    assert!(html.contains("name=\"Income\"") && html.contains("max=\"113734\""));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no CDN: works offline"
    );

    let (status, _, body) = send(&app, post_form(form_body(&example_a()))).await;
    assert_eq!(status, StatusCode::OK);
    let html = String::from_utf8(body).unwrap();
    assert!(html.contains("id=\"decision\">Contact"), "{html}");

    let (status, _, body) = send(&app, post_form(form_body(&example_b()))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(String::from_utf8(body)
        .unwrap()
        .contains("id=\"decision\">Do not contact"));

    let typo = form_body(&example_a()).replace("Education=Graduation", "Education=2+Cycle");
    let (status, _, body) = send(&app, post_form(typo)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = String::from_utf8(body).unwrap();
    assert!(
        html.contains("column Education: unknown category"),
        "{html}"
    );

    let empty_income = form_body(&example_a()).replace("Income=86850", "Income=");
    let (status, _, body) = send(&app, post_form(empty_income)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(String::from_utf8(body)
        .unwrap()
        .contains("column Income: missing value"));
    alive(&app).await;
}

fn multipart(csv: &[u8], want: &str, skip: bool) -> Request<Body> {
    let b = "XBOUNDARYX";
    let mut body = Vec::new();
    body.extend(
        format!("--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"customers.csv\"\r\nContent-Type: text/csv\r\n\r\n")
            .as_bytes(),
    );
    body.extend(csv);
    body.extend(b"\r\n");
    if skip {
        body.extend(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"skip_invalid\"\r\n\r\n1\r\n")
                .as_bytes(),
        );
    }
    body.extend(
        format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"want\"\r\n\r\n{want}\r\n--{b}--\r\n"
        )
        .as_bytes(),
    );
    Request::post("/batch")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={b}"),
        )
        .body(Body::from(body))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_batch_page_returns_the_scored_file_or_the_rejects_or_says_why_not() {
    let app = app();
    let (status, _, body) = send(&app, get("/batch")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(String::from_utf8(body)
        .unwrap()
        .contains("enctype=\"multipart/form-data\""));

    // the case file's first 11 customers; line 12 has no income
    let text = std::fs::read_to_string(raw_csv()).unwrap();
    let head: String = text.lines().take(12).collect::<Vec<_>>().join("\n");
    let (status, ctype, body) = send(&app, multipart(head.as_bytes(), "scored", false)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(ctype.starts_with("text/html"));
    assert!(String::from_utf8(body)
        .unwrap()
        .contains("line 12, column Income: missing value"));

    let (status, ctype, body) = send(&app, multipart(head.as_bytes(), "scored", true)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(ctype.starts_with("text/csv"));
    let csv = String::from_utf8(body).unwrap();
    assert!(csv
        .lines()
        .next()
        .unwrap()
        .ends_with(",probability,expected_value,decision,rank"));
    assert_eq!(csv.lines().count(), 1 + 10);

    let (status, _, body) = send(&app, multipart(head.as_bytes(), "rejects", false)).await;
    assert_eq!(status, StatusCode::OK);
    let csv = String::from_utf8(body).unwrap();
    assert_eq!(csv.lines().count(), 1 + 1);
    assert!(csv.lines().nth(1).unwrap().contains(",12,Income,"), "{csv}");

    // not a CSV of customers, an empty file, a broken multipart body
    let (status, _, _) = send(
        &app,
        multipart(b"just some text\nno columns", "scored", false),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _, _) = send(&app, multipart(b"", "scored", false)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let broken = Request::post("/batch")
        .header(
            header::CONTENT_TYPE,
            "multipart/form-data; boundary=nothere",
        )
        .body(Body::from("garbage"))
        .unwrap();
    let (status, _, _) = send(&app, broken).await;
    assert!(status.is_client_error(), "{status}");
    alive(&app).await;
}
