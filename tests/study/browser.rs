//! The web app in a real browser: headless Chromium, driven through chromedriver (Debian's
//! `chromium` and `chromium-driver`, installed by scripts/setup.sh), opens the form prefilled
//! with Example B, types Example A over it, submits, and reads the decision; it saves a
//! screenshot to reports/app_form.png for the README.
#![cfg(feature = "app")]

use crate::common;

use campaign_study::app::router;
use campaign_study::scoring::examples::example_a;
use campaign_study::scoring::score::explain_records;
use campaign_study::scoring::Records;
use fantoccini::{ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// chromedriver on a free port, killed when dropped.
struct Driver(Child, u16);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_chromedriver() -> Driver {
    let port = free_port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot start chromedriver ({e}): run scripts/setup.sh, which installs Debian's chromium and chromium-driver")
        });
    let driver = Driver(child, port);
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "chromedriver did not listen on port {port} within 20 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    driver
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_fills_example_a_submits_and_reads_the_decision() {
    let model = common::deployable();
    let records = Records::from_pairs(
        &example_a()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect::<Vec<_>>(),
        "example",
    )
    .unwrap();
    let want = explain_records(&model, &records).unwrap()[0].probability;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, router(model)).await });

    let driver = start_chromedriver();
    let mut caps = serde_json::Map::new();
    let mut options = serde_json::json!({
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1200,1900"]
    });
    if std::path::Path::new("/usr/bin/chromium").exists() {
        options["binary"] = "/usr/bin/chromium".into();
    }
    caps.insert("goog:chromeOptions".into(), options);
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.1))
        .await
        .expect("a chromedriver session");

    // Example B prefilled; type Example A over it, as a user would
    client
        .goto(&format!("http://{addr}/?example=b"))
        .await
        .unwrap();
    for (name, value) in example_a() {
        let field = client.find(Locator::Id(name)).await.unwrap();
        match field.tag_name().await.unwrap().as_str() {
            "select" => field.select_by_value(&value).await.unwrap(),
            _ if name == "Dt_Customer" => {
                // a date input takes the locale's format when typed; set its ISO value
                client
                    .execute(
                        "document.getElementById(arguments[0]).value = arguments[1];",
                        vec![name.into(), value.clone().into()],
                    )
                    .await
                    .unwrap();
            }
            _ => {
                field.clear().await.unwrap();
                field.send_keys(&value).await.unwrap();
            }
        }
    }
    client
        .find(Locator::Id("score"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let decision = client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Id("decision"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let probability = client
        .find(Locator::Id("probability"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let png = client.screenshot().await.unwrap();
    client.close().await.unwrap();
    drop(driver);
    server.abort();

    assert!(decision.starts_with("Contact"), "{decision}");
    assert_eq!(probability, format!("{want:.3}"));
    assert_eq!(&png[1..4], b"PNG");
    let reports = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("reports");
    std::fs::create_dir_all(&reports).unwrap();
    std::fs::write(reports.join("app_form.png"), png).unwrap();
}
