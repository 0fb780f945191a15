//! The scoring web app (`campaign-study serve`): a form for one customer, a page that scores a
//! CSV file, and a JSON API, all on the scoring core ([`crate::scoring`]) and the deployed model.
//! axum on tokio; HTML from askama templates (`src/app/templates/`), checked at compile time;
//! no JavaScript, no CDN: it works offline.
//!
//! Bad input never takes it down: every handler answers a 4xx naming the field (or a 413 for an
//! oversized body); scoring runs on tokio's blocking pool, so one large file does not stall the
//! other requests.

mod form;

use crate::error::StudyError;
use crate::scoring::score::{
    explain_records, Explanation, OnInvalid, Selection, CONTACT, NO_CONTACT,
};
use crate::scoring::{score, ModelArtifact, Records};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Multipart, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use std::sync::Arc;

/// Largest JSON body or form accepted (bytes).
pub const API_LIMIT: usize = 1 << 20;
/// Largest CSV upload accepted (bytes).
pub const UPLOAD_LIMIT: usize = 32 << 20;
/// Most customers one API request may hold.
pub const API_MAX_CUSTOMERS: usize = 10_000;

/// What every handler shares: the model, loaded once.
#[derive(Clone)]
pub struct AppState {
    pub model: Arc<ModelArtifact>,
}

/// The app's routes.
pub fn router(model: ModelArtifact) -> Router {
    let state = AppState {
        model: Arc::new(model),
    };
    Router::new()
        .route("/", get(form::page).post(form::submit))
        // uploads may be larger than the other bodies (this inner limit wins)
        .route(
            "/batch",
            get(batch_page)
                .post(batch_submit)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/api/score", post(api_score))
        .route("/api/model", get(api_model))
        .route("/healthz", get(healthz))
        .layer(DefaultBodyLimit::max(API_LIMIT))
        .with_state(state)
}

/// Serve on `addr` until Ctrl-C.
pub async fn serve(model: ModelArtifact, addr: &str) -> crate::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| StudyError::Invalid(format!("cannot listen on {addr}: {e}")))?;
    let local = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_else(|_| addr.to_string());
    println!(
        "serving {} on http://{local} (Ctrl-C stops)",
        model.description
    );
    axum::serve(listener, router(model))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| StudyError::Invalid(format!("server error: {e}")))
}

/// An error as the API answers it: a status and `{"error": …, "field": …}`.
#[derive(Debug, Serialize)]
pub struct ApiError {
    #[serde(skip)]
    pub status: StatusCode,
    pub error: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
}

impl ApiError {
    fn bad_request(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error: message.into(),
            field: None,
            record: None,
        }
    }
}

impl From<StudyError> for ApiError {
    fn from(e: StudyError) -> Self {
        let (status, field, record) = match &e {
            StudyError::InvalidRecord { column, record, .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(column.clone()),
                Some(record.clone()),
            ),
            StudyError::MissingFields { columns, .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                columns.first().cloned(),
                None,
            ),
            StudyError::Invalid(_) | StudyError::EmptyInput { .. } | StudyError::NoRows { .. } => {
                (StatusCode::BAD_REQUEST, None, None)
            }
            // A malformed upload surfaces as a CSV parse error of polars.
            StudyError::Toolkit(_) => (StatusCode::BAD_REQUEST, None, None),
            _ => (StatusCode::INTERNAL_SERVER_ERROR, None, None),
        };
        Self {
            status,
            error: e.to_string(),
            field,
            record,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self)).into_response()
    }
}

/// Run CPU-bound scoring off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> crate::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r.map_err(ApiError::from),
        Err(e) => Err(ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            error: format!("scoring failed: {e}"),
            field: None,
            record: None,
        }),
    }
}

/// One scored customer as the API answers.
#[derive(Debug, Serialize)]
pub struct ScoredCustomer {
    pub probability: f64,
    pub expected_value: f64,
    pub decision: &'static str,
    /// The three largest contributions to the log-odds.
    pub reasons: Vec<Reason>,
}

#[derive(Debug, Serialize)]
pub struct Reason {
    pub feature: String,
    pub value: String,
    pub log_odds: f64,
}

impl From<Explanation> for ScoredCustomer {
    fn from(e: Explanation) -> Self {
        Self {
            probability: e.probability,
            expected_value: e.expected_value,
            decision: if e.contact { CONTACT } else { NO_CONTACT },
            reasons: e
                .contributions
                .into_iter()
                .take(3)
                .map(|c| Reason {
                    feature: c.feature,
                    value: c.value,
                    log_odds: c.log_odds,
                })
                .collect(),
        }
    }
}

/// `POST /api/score`: one customer (an object) or a list; answers one scored customer or
/// `{"customers": [...]}`.
async fn api_score(State(state): State<AppState>, body: Bytes) -> Response {
    let value: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return ApiError::bad_request(format!("request: malformed JSON: {e}")).into_response()
        }
    };
    let many = value.is_array();
    if value
        .as_array()
        .is_some_and(|a| a.len() > API_MAX_CUSTOMERS)
    {
        return ApiError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            error: format!("request: more than {API_MAX_CUSTOMERS} customers; use /batch or `campaign-study score`"),
            field: None,
            record: None,
        }
        .into_response();
    }
    if value.as_array().is_some_and(|a| a.is_empty()) {
        return ApiError::bad_request("request: an empty list of customers").into_response();
    }
    let model = state.model.clone();
    let result = blocking(move || {
        let records = Records::from_json(&value, "request")?;
        explain_records(&model, &records)
    })
    .await;
    match result {
        Ok(e) if many => Json(serde_json::json!({
            "customers": e.into_iter().map(ScoredCustomer::from).collect::<Vec<_>>()
        }))
        .into_response(),
        Ok(mut e) => match e.pop() {
            Some(one) => Json(ScoredCustomer::from(one)).into_response(),
            None => ApiError::bad_request("request: no customer").into_response(),
        },
        Err(e) => e.into_response(),
    }
}

/// The model card as the API answers: everything but the fitted parameters.
#[derive(Debug, Serialize)]
struct Card<'a> {
    format_version: u32,
    written_by: &'a str,
    description: &'a str,
    calibration: &'a str,
    trained_on: &'a crate::scoring::artifact::TrainingData,
    validation: &'a crate::scoring::artifact::Validation,
    decision: &'a crate::scoring::artifact::DecisionRule,
    reference_date: &'a str,
    inputs: &'a [crate::scoring::InputColumn],
    features: &'a [String],
}

/// `GET /api/model`: the model card.
async fn api_model(State(state): State<AppState>) -> Response {
    let m = &state.model;
    Json(Card {
        format_version: m.format_version,
        written_by: &m.written_by,
        description: &m.description,
        calibration: m.calibration.name(),
        trained_on: &m.trained_on,
        validation: &m.validation,
        decision: &m.decision,
        reference_date: &m.reference.date,
        inputs: &m.inputs,
        features: &m.features,
    })
    .into_response()
}

/// `GET /healthz`.
async fn healthz(State(state): State<AppState>) -> Response {
    Json(serde_json::json!({"status": "ok", "model": state.model.description})).into_response()
}

#[derive(askama::Template)]
#[template(path = "batch.html")]
struct BatchPage {
    model_line: String,
    error: Option<String>,
    limit_mb: usize,
}

fn model_line(model: &ModelArtifact) -> String {
    format!(
        "Model: {} · ROC AUC {:.3} in cross-validation.",
        model.pipeline.spec.model.name(),
        model.validation.roc_auc
    )
}

fn render(t: &impl askama::Template, status: StatusCode) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("template error: {e}"),
        )
            .into_response(),
    }
}

async fn batch_page(State(state): State<AppState>) -> Response {
    render(
        &BatchPage {
            model_line: model_line(&state.model),
            error: None,
            limit_mb: UPLOAD_LIMIT >> 20,
        },
        StatusCode::OK,
    )
}

/// `POST /batch` (multipart: `file`, optional `skip_invalid`, `want` = scored | rejects): the
/// scored CSV, or the rows set aside, as a download; an error page otherwise.
async fn batch_submit(State(state): State<AppState>, multipart: Multipart) -> Response {
    let page_error = |status: StatusCode, e: String| {
        render(
            &BatchPage {
                model_line: model_line(&state.model),
                error: Some(e),
                limit_mb: UPLOAD_LIMIT >> 20,
            },
            status,
        )
    };
    let (file, name, skip, want_rejects) = match read_upload(multipart).await {
        Ok(v) => v,
        Err(e) => return page_error(e.status, e.error),
    };
    let model = state.model.clone();
    let origin = name.clone();
    let result = blocking(move || {
        let records = Records::from_csv_bytes(&file, &origin)?;
        let on_invalid = if skip || want_rejects {
            OnInvalid::Skip
        } else {
            OnInvalid::Stop
        };
        let out = score(&model, &records, Selection::Rule, on_invalid)?;
        let mut frame = if want_rejects {
            out.rejects
        } else {
            out.scored
        };
        let mut bytes = Vec::new();
        use polars::prelude::SerWriter;
        polars::prelude::CsvWriter::new(&mut bytes)
            .include_header(true)
            .finish(&mut frame)
            .map_err(|e| StudyError::Invalid(format!("writing the scored file: {e}")))?;
        Ok(bytes)
    })
    .await;
    match result {
        Ok(bytes) => {
            let stem = name.trim_end_matches(".csv");
            let file = if want_rejects {
                format!("{stem}.rejects.csv")
            } else {
                format!("{stem}.scored.csv")
            };
            (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{}\"", file.replace('"', "")),
                    ),
                ],
                bytes,
            )
                .into_response()
        }
        Err(e) => page_error(e.status, e.error),
    }
}

/// The upload's bytes, file name, and the two options.
async fn read_upload(mut multipart: Multipart) -> Result<(Vec<u8>, String, bool, bool), ApiError> {
    let (mut file, mut name, mut skip, mut rejects) =
        (None, String::from("upload.csv"), false, false);
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return Err(ApiError {
                    status: e.status(),
                    error: format!("upload: {}", e.body_text()),
                    field: None,
                    record: None,
                })
            }
        };
        match field.name() {
            Some("file") => {
                if let Some(n) = field.file_name().filter(|n| !n.is_empty()) {
                    name = n.to_string();
                }
                match field.bytes().await {
                    Ok(b) => file = Some(b.to_vec()),
                    Err(e) => {
                        return Err(ApiError {
                            status: e.status(),
                            error: format!("upload: {}", e.body_text()),
                            field: Some("file".into()),
                            record: None,
                        })
                    }
                }
            }
            Some("skip_invalid") => skip = true,
            Some("want") => rejects = field.text().await.map(|t| t == "rejects").unwrap_or(false),
            _ => {}
        }
    }
    match file {
        Some(f) if !f.is_empty() => Ok((f, name, skip, rejects)),
        _ => Err(ApiError::bad_request("upload: no file, or an empty one")),
    }
}

/// The example to prefill the form with (`?example=a|b`).
#[derive(Debug, serde::Deserialize)]
pub struct ExampleQuery {
    pub example: Option<String>,
}

pub(crate) fn query_example(q: &Query<ExampleQuery>) -> bool {
    q.example
        .as_deref()
        .is_some_and(|e| e.eq_ignore_ascii_case("b"))
}
