//! One configuration for the whole study: where the data layers live, the seed of every random
//! step, and the study's fixed parameters. Paths of every layer file are named here (a data
//! catalogue, as in Kedro), so no other module builds a path by hand.

use std::path::{Path, PathBuf};

/// Environment variable naming the raw CSV (the iFood `ml_project1_data.csv`).
pub const INPUT_ENV: &str = "CAMPAIGN_STUDY_INPUT";
/// Environment variable naming the data directory (default `data/` of this repository).
pub const DATA_DIR_ENV: &str = "CAMPAIGN_STUDY_DATA_DIR";

/// Study configuration. Build it with [`StudyConfig::new`] or [`StudyConfig::from_env`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudyConfig {
    /// Root of the layer folders `01_resource`, `02_bronze`, `03_silver`, `04_gold`.
    pub data_dir: PathBuf,
    /// Folder of generated reports; charts go to its `figures/` subfolder.
    pub reports_dir: PathBuf,
    /// Folder of saved fitted models (`models/` beside the data directory).
    pub models_dir: PathBuf,
    /// Seed of every random step (splits, k-means, resampling, models).
    pub seed: u64,
}

impl StudyConfig {
    /// A configuration with the given data directory and the study's seed (42, as the original).
    /// Reports go to `reports/` beside the data directory.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        let data_dir: PathBuf = data_dir.into();
        let beside = |name: &str| {
            data_dir
                .parent()
                .map(|p| p.join(name))
                .unwrap_or_else(|| PathBuf::from(name))
        };
        let reports_dir = beside("reports");
        let models_dir = beside("models");
        Self {
            data_dir,
            reports_dir,
            models_dir,
            seed: 42,
        }
    }

    /// The same configuration with another reports folder.
    pub fn with_reports_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.reports_dir = dir.into();
        self
    }

    /// Where `layers` builds all four layers before moving them into place (all or nothing).
    pub fn staging_dir(&self) -> PathBuf {
        self.data_dir.join(".staging")
    }

    /// Where chart files (SVG and PNG) are written.
    pub fn figures_dir(&self) -> PathBuf {
        self.reports_dir.join("figures")
    }

    /// Data directory from `CAMPAIGN_STUDY_DATA_DIR`, else this repository's `data/` folder.
    /// Notebooks use this: it does not depend on the kernel's working directory.
    pub fn from_env() -> Self {
        let dir = std::env::var_os(DATA_DIR_ENV)
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("data"));
        Self::new(dir)
    }

    /// The raw input: `explicit` if given, else `CAMPAIGN_STUDY_INPUT`, else the resource file
    /// already placed in `01_resource/`.
    pub fn input_path(&self, explicit: Option<&Path>) -> crate::Result<PathBuf> {
        if let Some(p) = explicit {
            return Ok(p.to_path_buf());
        }
        if let Some(p) = std::env::var_os(INPUT_ENV) {
            return Ok(PathBuf::from(p));
        }
        let placed = self.resource_csv();
        if placed.exists() {
            Ok(placed)
        } else {
            Err(crate::StudyError::NoInput { expected: placed })
        }
    }

    pub fn resource_dir(&self) -> PathBuf {
        self.data_dir.join("01_resource")
    }
    pub fn bronze_dir(&self) -> PathBuf {
        self.data_dir.join("02_bronze")
    }
    pub fn silver_dir(&self) -> PathBuf {
        self.data_dir.join("03_silver")
    }
    pub fn gold_dir(&self) -> PathBuf {
        self.data_dir.join("04_gold")
    }

    /// The raw CSV exactly as given (bytes unchanged).
    pub fn resource_csv(&self) -> PathBuf {
        self.resource_dir().join("ifood_crm.csv")
    }
    /// The raw table, typed and validated, as zstd-compressed parquet.
    pub fn bronze_parquet(&self) -> PathBuf {
        self.bronze_dir().join("customers.parquet")
    }
    /// The cleaned, feature-engineered table (22 columns).
    pub fn silver_parquet(&self) -> PathBuf {
        self.silver_dir().join("customers.parquet")
    }
    /// The silver rows with `ID`, every raw and every derived column (same rows, same order).
    pub fn silver_wide_parquet(&self) -> PathBuf {
        self.silver_dir().join("customers_wide.parquet")
    }
    /// The silver table with the segmentation's `Cluster` column.
    pub fn clustered_parquet(&self) -> PathBuf {
        self.silver_dir().join("customers_clustered.parquet")
    }
    /// Inertia and silhouette per k of the segmentation study.
    pub fn gold_k_table(&self) -> PathBuf {
        self.gold_dir().join("kmeans_k_table.csv")
    }
    /// Lineage of the silver layer (JSON).
    pub fn silver_lineage(&self) -> PathBuf {
        self.silver_dir().join("lineage.json")
    }
    /// Lineage of the whole chain up to gold (JSON).
    pub fn gold_lineage(&self) -> PathBuf {
        self.gold_dir().join("lineage.json")
    }
    /// Per-fold CV metrics of every leaderboard model (SEED_STUDY.md §7.4 columns).
    pub fn gold_models_metrics(&self) -> PathBuf {
        self.gold_dir().join("models_metrics.csv")
    }
    /// Per-fold CV metrics of the leak-free leaderboard (no `Cluster` feature).
    pub fn gold_models_metrics_leak_free(&self) -> PathBuf {
        self.gold_dir().join("models_metrics_leak_free.csv")
    }
    /// Fit-and-score time of every leaderboard model and fold (a report: it changes every run).
    pub fn fit_times(&self, leak_free: bool) -> PathBuf {
        let suffix = if leak_free { "_leak_free" } else { "" };
        self.reports_dir
            .join(format!("model_fit_times{suffix}.csv"))
    }
    /// Every grid-search candidate with its mean CV metrics.
    pub fn gold_grid_search(&self) -> PathBuf {
        self.gold_dir().join("grid_search.csv")
    }
    /// Train vs CV vs test metrics of the final models (faithful and leak-free).
    pub fn gold_final_metrics(&self) -> PathBuf {
        self.gold_dir().join("final_metrics.csv")
    }
    /// Out-of-fold probabilities of every customer (repeated CV), by model.
    pub fn gold_oof_predictions(&self) -> PathBuf {
        self.gold_dir().join("oof_predictions.csv")
    }
    /// Profit of every threshold: `threshold,contacted,responders,profit`.
    pub fn gold_profit_curve(&self) -> PathBuf {
        self.gold_dir().join("profit_curve.csv")
    }
    /// Who to contact in the next campaign: `ID,probability,expected_value`.
    pub fn gold_campaign_plan(&self) -> PathBuf {
        self.gold_dir().join("campaign_plan.csv")
    }
    /// The final fitted pipeline (transformer, selector, model) as JSON.
    pub fn final_model(&self, leak_free: bool) -> PathBuf {
        self.models_dir.join(if leak_free {
            "classifier_leak_free.json"
        } else {
            "classifier.json"
        })
    }
    /// The faithful tuned logistic regression, the original's choice of final model, kept to
    /// answer the original's deployment examples as its pipeline did (notebook 10).
    pub fn original_model(&self) -> PathBuf {
        self.models_dir.join("classifier_original_lr.json")
    }
    /// Batch scoring's inputs and outputs (notebook 10's sample file).
    pub fn scoring_dir(&self) -> PathBuf {
        self.data_dir.join("05_scoring")
    }
    /// The deployed model (written by `profit`, read by `score`, `serve` and notebook 10).
    pub fn deployed_model(&self) -> PathBuf {
        self.models_dir.join("campaign_model.json")
    }
    /// Gold aggregate table of one silver column, e.g. `agg_education.csv`.
    pub fn gold_agg(&self, column: &str) -> PathBuf {
        self.gold_dir()
            .join(format!("agg_{}.csv", column.to_ascii_lowercase()))
    }
}

/// Costs and revenues of the business case (Z_CostContact, Z_Revenue), in monetary units.
pub const COST_PER_CONTACT: f64 = 3.0;
pub const REVENUE_PER_RESPONSE: f64 = 11.0;

/// Folds of the original's stratified cross-validation (§7.3): the leaderboard and the grids.
pub const CV_FOLDS: usize = 5;
