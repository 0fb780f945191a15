//! Does the MLP earn a place among the honest model's candidates? (Issue 15.) The profit stage
//! chooses its honest model by out-of-fold log loss under 5 × 5-fold repeated CV of all customers
//! (notebook 09); this runs the same repeated CV, with random folds and with folds that keep copies
//! of a customer together, for scikit-learn's MLP (default and stronger L2) on the same
//! engineered features, beside the chosen logistic regression.
//!
//! ```text
//! cargo run --example honest_mlp -- DATA_DIR    # a data folder where `layers` ran
//! ```

use campaign_study::ml::classifier::{cross_validate, repeated_cross_validate};
use campaign_study::ml::model_selection::stratified_group_k_fold;
use campaign_study::ml::models::{MlpParams, ModelSpec};
use campaign_study::targeting::{honest_spec, Customers, Repeated, FOLDS, REPEATS};
use campaign_study::StudyConfig;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: honest_mlp DATA_DIR")?;
    let config = StudyConfig::new(dir);
    let customers = Customers::load(&config)?;
    let data = &customers.data;
    let rows: Vec<usize> = (0..data.y.len()).collect();
    let candidates = [
        ModelSpec::LogisticRegression {
            c: Some(1.0),
            max_iter: 1000,
        },
        ModelSpec::Mlp(MlpParams::default()),
        ModelSpec::Mlp(MlpParams {
            alpha: 1.0,
            ..MlpParams::default()
        }),
        ModelSpec::Mlp(MlpParams {
            hidden: vec![20],
            alpha: 1.0,
            ..MlpParams::default()
        }),
    ];
    println!("| candidate | folds | ROC AUC | AP | out-of-fold log loss | seconds |");
    println!("|---|---|---|---|---|---|");
    for m in candidates {
        for grouped in [false, true] {
            let start = std::time::Instant::now();
            let spec = honest_spec(m.clone());
            let repeats = if grouped {
                // folds that keep every profile (copies of one customer) whole, as notebook 09's
                (0..REPEATS as u64)
                    .map(|r| {
                        let folds = stratified_group_k_fold(
                            &data.y,
                            &customers.profiles,
                            FOLDS,
                            config.seed + r,
                        );
                        cross_validate(&spec, data, &folds, config.seed)
                    })
                    .collect::<Result<Vec<_>, _>>()?
            } else {
                repeated_cross_validate(&spec, data, &rows, FOLDS, REPEATS, config.seed)?
            };
            let r = Repeated {
                name: format!("{} ({})", m.name(), m.describe()),
                repeats,
            };
            let (mean, std) = r.summary();
            println!(
                "| {} | {} | {:.4} ± {:.4} | {:.4} ± {:.4} | {:.4} | {:.1} |",
                r.name,
                if grouped { "grouped" } else { "random" },
                mean.roc_auc,
                std.roc_auc,
                mean.average_precision,
                std.average_precision,
                r.log_loss(&data.y),
                start.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}
