//! Deployment benchmark (a measurement, not a test): batch scoring of a large file and a load
//! check of the web app.
//!
//! ```text
//! cargo run --example bench_deployment -- [ROWS] [REQUESTS]     # default 1000000 5000
//! ```
//!
//! 1. Batch: ROWS customers resampled (seeded) from the case file's rows are written to a CSV,
//!    then scored by `scoring::score_file` (what `campaign-study score --skip-invalid` runs);
//!    prints rows/s and the peak resident memory of the scoring alone (the kernel's high-water
//!    mark is reset after the file is written).
//! 2. Load: the app on loopback gets REQUESTS requests, 32 at a time, a fixed mix of valid and
//!    malformed ones; prints throughput, p50/p99 latency, the status counts, and checks there
//!    is no 5xx and that the app still answers at the end.
//!
//! Needs the data layers and `models/campaign_model.json` (`make pipeline`, or notebook 09).

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use campaign_study::scoring::records::Records;
use campaign_study::scoring::{score_file, ModelArtifact, OnInvalid, Selection};
use campaign_study::StudyConfig;
use http_body_util::BodyExt;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use polars::prelude::*;
use rand_xoshiro::rand_core::{RngCore, SeedableRng};
use std::time::{Duration, Instant};

fn batch(config: &StudyConfig, model: &ModelArtifact, rows: usize) -> campaign_study::Result<()> {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("customers.csv");
    let output = dir.path().join("customers.scored.csv");
    let t = Instant::now();
    let case = Records::read_csv(&config.resource_csv())?.frame;
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(config.seed);
    let n = case.height() as u64;
    let idx: Vec<IdxSize> = (0..rows).map(|_| (rng.next_u64() % n) as IdxSize).collect();
    let mut big = case
        .take(&IdxCa::from_vec("idx".into(), idx))
        .and_then(|df| df.drop("__line"))
        .expect("resample");
    let mut f = std::fs::File::create(&input).expect("create");
    CsvWriter::new(&mut f).finish(&mut big).expect("write");
    drop(big);
    let bytes = std::fs::metadata(&input).map(|m| m.len()).unwrap_or(0);
    println!(
        "batch: wrote {rows} resampled customers ({:.0} MB) in {:.1} s",
        bytes as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    common::reset_peak_rss();
    let t = Instant::now();
    let report = score_file(model, &input, &output, Selection::Rule, OnInvalid::Skip)?;
    let s = t.elapsed().as_secs_f64();
    println!(
        "batch: scored {} and set aside {} of {} in {:.2} s: {:.0} rows/s; peak RSS while scoring {:.0} MiB",
        report.scored,
        report.rejected,
        report.records,
        s,
        report.records as f64 / s,
        common::peak_rss_mib()
    );
    Ok(())
}

fn customer(education: &str) -> String {
    let mut o = serde_json::Map::new();
    for (k, v) in campaign_study::scoring::examples::example_a() {
        o.insert(k.to_string(), serde_json::Value::String(v));
    }
    o.insert("Education".into(), education.into());
    serde_json::Value::Object(o).to_string()
}

async fn load(model: ModelArtifact, requests: usize) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, campaign_study::app::router(model)).await });
    let client: Client<_, Body> = Client::builder(TokioExecutor::new()).build_http();
    let valid = customer("Graduation");
    let list = format!("[{}]", vec![valid.clone(); 10].join(","));
    let unknown = customer("2 Cycle");
    let missing = valid.replacen("\"Recency\"", "\"Recency_typo\"", 1);
    let oversized = format!("[{}]", vec![valid.clone(); 2500].join(","));
    // (share of the mix in 20ths, method, path, body)
    let mix: Vec<(usize, &str, &str, String)> = vec![
        (10, "POST", "/api/score", valid.clone()),
        (2, "POST", "/api/score", list),
        (2, "POST", "/api/score", "{\"Income\": 5".into()),
        (2, "POST", "/api/score", unknown),
        (2, "POST", "/api/score", missing),
        (1, "POST", "/api/score", oversized),
        (1, "GET", "/healthz", String::new()),
    ];
    let plan: Vec<usize> = mix
        .iter()
        .enumerate()
        .flat_map(|(i, m)| std::iter::repeat_n(i, m.0))
        .collect();
    let deadline = Duration::from_secs(300);
    let started = Instant::now();
    let sem = std::sync::Arc::new(tokio::sync::Semaphore::new(32));
    let mut tasks = Vec::with_capacity(requests);
    for r in 0..requests {
        let (_, method, path, body) = mix[plan[r % plan.len()]].clone();
        let client = client.clone();
        let permit = sem.clone().acquire_owned().await.unwrap();
        let uri = format!("http://{addr}{path}");
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let req = Request::builder()
                .method(method)
                .uri(uri)
                .header("content-type", "application/json")
                .body(Body::from(body))
                .unwrap();
            let status =
                match tokio::time::timeout(Duration::from_secs(30), client.request(req)).await {
                    Ok(Ok(res)) => {
                        let s = res.status();
                        let _ = res.into_body().collect().await;
                        s
                    }
                    _ => StatusCode::GATEWAY_TIMEOUT,
                };
            drop(permit);
            (status, t.elapsed())
        }));
        if started.elapsed() > deadline {
            break;
        }
    }
    let mut latencies = Vec::new();
    let mut counts = std::collections::BTreeMap::new();
    for t in tasks {
        let (status, d) = t.await.unwrap();
        *counts.entry(status.as_u16()).or_insert(0usize) += 1;
        latencies.push(d.as_secs_f64() * 1e3);
    }
    let wall = started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    let q = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p).round() as usize];
    let server_errors: usize = counts
        .iter()
        .filter(|(s, _)| **s >= 500)
        .map(|(_, n)| n)
        .sum();
    let health = client
        .request(
            Request::get(format!("http://{addr}/healthz"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .map(|r| r.status())
        .ok();
    println!(
        "load: {} requests in {:.2} s: {:.0} requests/s; latency p50 {:.1} ms, p99 {:.1} ms; statuses {:?}; 5xx {}; healthz after {:?}",
        latencies.len(),
        wall,
        latencies.len() as f64 / wall,
        q(0.5),
        q(0.99),
        counts,
        server_errors,
        health
    );
    assert_eq!(server_errors, 0, "the app answered 5xx");
    assert_eq!(
        health,
        Some(StatusCode::OK),
        "the app is down after the load"
    );
}

fn main() -> campaign_study::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let rows: usize = args
        .get(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let requests: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(5_000);
    let config = StudyConfig::from_env();
    let model = ModelArtifact::load(&config.deployed_model())?;
    batch(&config, &model, rows)?;
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    runtime.block_on(load(model, requests));
    Ok(())
}
