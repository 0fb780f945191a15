//! Stage 9 — campaign profit (the business question of SEED_STUDY.md §1, which the original
//! never answered; ANCHORS.md): honest out-of-fold probabilities under repeated stratified CV,
//! calibration fitted inside the folds, expected profit at 3 MU a contact and 11 MU a response
//! with the threshold chosen inside CV, gains and lift, and the plan for the next campaign.
//!
//! The honest model is leak-free by construction: no `Cluster`, every transform, selection and
//! calibrator fitted inside the training folds, on features engineered from the wide silver
//! table (raw spends and campaigns the lean table aggregates away, shares and rates).

use crate::classifier::{ClassifierData, PipelineSpec};
use crate::config::StudyConfig;
use crate::error::{PolarsContext, Result};
use crate::models::ModelSpec;
use crate::preprocessing::{Columns, Roles};
use polars::prelude::*;

/// Raw columns of the wide silver table the honest model uses as they are.
pub const RAW_FEATURES: [&str; 24] = [
    "Income",
    "Age",
    "Kidhome",
    "Teenhome",
    "Recency",
    "Days_Since_Enrolled",
    "MntWines",
    "MntFruits",
    "MntMeatProducts",
    "MntFishProducts",
    "MntSweetProducts",
    "MntGoldProds",
    "NumDealsPurchases",
    "NumWebPurchases",
    "NumCatalogPurchases",
    "NumStorePurchases",
    "NumWebVisitsMonth",
    "AcceptedCmp1",
    "AcceptedCmp2",
    "AcceptedCmp3",
    "AcceptedCmp4",
    "AcceptedCmp5",
    "Complain",
    "MntTotal",
];

/// Engineered features: (name, what it is).
pub const ENGINEERED: [(&str, &str); 9] = [
    (
        "AcceptedCmpTotal",
        "campaigns accepted before the pilot (1-5)",
    ),
    ("NumTotalPurchases", "web + catalogue + store purchases"),
    ("ShareWines", "share of spend on wine"),
    ("ShareMeat", "share of spend on meat"),
    ("ShareGold", "share of spend on gold products"),
    ("PurchasesPerVisit", "purchases per monthly web visit (+1)"),
    (
        "IncomePerMember",
        "income per household member (self, partner, children)",
    ),
    ("AverageTicket", "spend per purchase"),
    ("DealShare", "share of purchases made with a discount"),
];

fn ratio(num: Expr, den: Expr) -> Expr {
    let den = den.cast(DataType::Float64);
    when(den.clone().gt(lit(0.0)))
        .then(num.cast(DataType::Float64) / den)
        .otherwise(lit(0.0))
}

/// The engineered features as lazy expressions over the wide silver table.
fn engineered_exprs() -> Vec<Expr> {
    let members = lit(1i64)
        + col("Marital_Status")
            .eq(lit("Partner"))
            .cast(DataType::Int64)
        + col("Kidhome")
        + col("Teenhome");
    vec![
        ratio(col("MntWines"), col("MntTotal")).alias("ShareWines"),
        ratio(col("MntMeatProducts"), col("MntTotal")).alias("ShareMeat"),
        ratio(col("MntGoldProds"), col("MntTotal")).alias("ShareGold"),
        ratio(
            col("NumTotalPurchases"),
            col("NumWebVisitsMonth") + lit(1i64),
        )
        .alias("PurchasesPerVisit"),
        ratio(col("Income"), members).alias("IncomePerMember"),
        ratio(col("MntTotal"), col("NumTotalPurchases")).alias("AverageTicket"),
        ratio(col("NumDealsPurchases"), col("NumTotalPurchases")).alias("DealShare"),
    ]
}

/// Every feature column of the honest model, categorical ones first.
pub fn feature_names() -> Vec<&'static str> {
    ["Education", "Marital_Status"]
        .into_iter()
        .chain(RAW_FEATURES)
        .chain(ENGINEERED.iter().map(|e| e.0))
        .collect()
}

/// Customers of the wide silver table: their IDs and the honest model's features and target.
#[derive(Debug, Clone, PartialEq)]
pub struct Customers {
    pub ids: Vec<i64>,
    pub data: ClassifierData,
}

impl Customers {
    /// Read the wide silver layer and engineer the features (one lazy query).
    pub fn load(config: &StudyConfig) -> Result<Self> {
        let df = crate::io::scan_layer(&config.silver_wide_parquet(), "layers")?
            .with_columns(engineered_exprs())
            .collect()
            .ctx(|| "engineering the targeting features".to_string())?;
        let x = Columns::from_frame(&df, &feature_names(), &["Education", "Marital_Status"])?;
        let read_i64 = |name: &str| -> Result<Vec<i64>> {
            let c = df
                .column(name)
                .and_then(|c| c.cast(&DataType::Int64))
                .ctx(|| format!("column {name}"))?;
            Ok(c.i64()
                .ctx(|| format!("column {name}"))?
                .iter()
                .map(|v| v.unwrap_or(-1))
                .collect())
        };
        let ids = read_i64("ID")?;
        let y = read_i64("Response")?
            .into_iter()
            .map(|v| u8::from(v == 1))
            .collect();
        Ok(Self {
            ids,
            data: ClassifierData { x, y },
        })
    }
}

/// Column roles of the honest model: education and marital status one-hot; 0/1 flags min-max
/// (they stay 0/1); income, age, recency and tenure standardised; counts, amounts and ratios
/// Yeo-Johnson (they are skewed).
pub fn honest_roles() -> Roles {
    let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let flags = [
        "AcceptedCmp1",
        "AcceptedCmp2",
        "AcceptedCmp3",
        "AcceptedCmp4",
        "AcceptedCmp5",
        "Complain",
    ];
    let standard = ["Income", "Age", "Recency", "Days_Since_Enrolled"];
    let power: Vec<&str> = RAW_FEATURES
        .iter()
        .chain(ENGINEERED.iter().map(|e| &e.0))
        .copied()
        .filter(|c| !flags.contains(c) && !standard.contains(c))
        .collect();
    Roles {
        one_hot: names(&["Education", "Marital_Status"]),
        standard: names(&standard),
        power: names(&power),
        min_max: names(&flags),
    }
}

/// The honest pipeline around `model`: every feature kept, no undersampling (probabilities keep
/// the real base rate).
pub fn honest_spec(model: ModelSpec) -> PipelineSpec {
    PipelineSpec {
        roles: honest_roles(),
        k: usize::MAX,
        undersample: false,
        model,
    }
}

// ---- repeated cross-validation, calibration and profit ----

use crate::calibration::{brier, correct_undersampling, log_loss, reliability, Isotonic, Platt};
use crate::charts::{line_chart, line_panel, Chart};
use crate::classifier::{
    cross_validate, cv_folds, repeated_cross_validate, Evaluation, FittedPipeline, Scores, METRICS,
};
use crate::profit::{best, gains, profit_at, profit_curve, Economics, ProfitPoint};
use crate::table::{Note, Table};
use rand_xoshiro::rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256Plus;

/// Repetitions and folds of the repeated stratified CV.
pub const REPEATS: usize = 5;
pub const FOLDS: usize = 5;

/// One pipeline under repeated CV of every customer.
#[derive(Debug, Clone, PartialEq)]
pub struct Repeated {
    pub name: String,
    pub repeats: Vec<Evaluation>,
}

impl Repeated {
    fn run(name: &str, spec: &PipelineSpec, data: &ClassifierData, seed: u64) -> Result<Self> {
        let rows: Vec<usize> = (0..data.y.len()).collect();
        Ok(Self {
            name: name.to_string(),
            repeats: repeated_cross_validate(spec, data, &rows, FOLDS, REPEATS, seed)?,
        })
    }

    /// Mean over repeats of each repeat's fold-mean metrics, and their std across repeats.
    pub fn summary(&self) -> (Scores, Scores) {
        let per: Vec<Scores> = self.repeats.iter().map(Evaluation::mean).collect();
        (Scores::mean(&per), Scores::std(&per))
    }

    /// Out-of-fold score of every customer in repeat `r`.
    pub fn oof(&self, r: usize) -> Vec<f64> {
        self.repeats[r]
            .out_of_fold()
            .into_iter()
            .map(|(_, s)| s)
            .collect()
    }

    /// Mean over repeats of every customer's out-of-fold score.
    pub fn oof_mean(&self) -> Vec<f64> {
        let mut m = self.oof(0);
        for r in 1..self.repeats.len() {
            for (a, b) in m.iter_mut().zip(self.oof(r)) {
                *a += b;
            }
        }
        let k = self.repeats.len().max(1) as f64;
        m.iter().map(|v| v / k).collect()
    }

    /// Mean out-of-fold log loss over repeats (scores read as probabilities).
    pub fn log_loss(&self, truth: &[u8]) -> f64 {
        (0..self.repeats.len())
            .map(|r| log_loss(truth, &self.oof(r)))
            .sum::<f64>()
            / self.repeats.len().max(1) as f64
    }
}

/// Candidates of the honest model, chosen by out-of-fold log loss.
pub fn honest_candidates() -> Vec<ModelSpec> {
    let mut v: Vec<ModelSpec> = [0.3, 1.0, 3.0]
        .into_iter()
        .map(|c| ModelSpec::LogisticRegression {
            c: Some(c),
            max_iter: 1000,
        })
        .collect();
    v.extend([
        ModelSpec::GradientBoosting {
            stages: 300,
            learning_rate: 0.05,
            max_depth: 2,
        },
        ModelSpec::XGBoost {
            rounds: 300,
            max_depth: 2,
            eta: 0.05,
        },
    ]);
    v
}

/// Per outer fold of the nested CV: the calibrated probabilities and the profit policy.
#[derive(Debug, Clone, PartialEq)]
pub struct NestedFold {
    pub repeat: usize,
    pub rows: Vec<usize>,
    pub raw: Vec<f64>,
    pub platt: Vec<f64>,
    pub isotonic: Vec<f64>,
    /// Profit-maximising thresholds chosen on the training part's inner out-of-fold
    /// probabilities (uncalibrated, Platt, isotonic).
    pub threshold_raw: f64,
    pub threshold_platt: f64,
    pub threshold_isotonic: f64,
}

/// Nested CV of one pipeline: in every outer training part, inner CV gives out-of-fold scores
/// on which the calibrators are fitted and the threshold is chosen; both are then applied to
/// the outer validation rows, which neither saw.
pub fn nested(
    spec: &PipelineSpec,
    data: &ClassifierData,
    seed: u64,
    econ: &Economics,
) -> Result<Vec<NestedFold>> {
    let rows: Vec<usize> = (0..data.y.len()).collect();
    let mut out = Vec::new();
    for r in 0..REPEATS {
        for (train, valid) in cv_folds(data, &rows, FOLDS, seed + r as u64) {
            let inner = cross_validate(
                spec,
                data,
                &cv_folds(data, &train, FOLDS, seed + 1000 + r as u64),
                seed,
            )?;
            let (inner_rows, inner_scores): (Vec<usize>, Vec<f64>) =
                inner.out_of_fold().into_iter().unzip();
            let inner_truth = data.labels(&inner_rows);
            // Platt on the log-odds (the probabilities' natural scale, as scikit-learn calibrates
            // a logistic regression's decision function)
            let logits: Vec<f64> = inner_scores.iter().map(|p| logit(*p)).collect();
            let platt = Platt::fit(&logits, &inner_truth);
            let iso = Isotonic::fit(&inner_scores, &inner_truth);
            let pick = |p: Vec<f64>| best(&profit_curve(&inner_truth, &p, econ)).threshold;
            let threshold_raw = pick(inner_scores.clone());
            let threshold_platt = pick(logits.iter().map(|s| platt.apply(*s)).collect());
            let threshold_isotonic = pick(inner_scores.iter().map(|s| iso.apply(*s)).collect());
            let fitted =
                FittedPipeline::fit(spec, &data.x.take(&train), &data.labels(&train), seed)?;
            let raw = fitted.scores(&data.x.take(&valid))?;
            out.push(NestedFold {
                repeat: r,
                platt: raw.iter().map(|s| platt.apply(logit(*s))).collect(),
                isotonic: raw.iter().map(|s| iso.apply(*s)).collect(),
                raw,
                rows: valid,
                threshold_raw,
                threshold_platt,
                threshold_isotonic,
            });
        }
    }
    Ok(out)
}

fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    (p / (1.0 - p)).ln()
}

/// Which probabilities of the nested CV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Calibration {
    Raw,
    Platt,
    Isotonic,
}

impl Calibration {
    pub fn name(&self) -> &'static str {
        match self {
            Calibration::Raw => "uncalibrated",
            Calibration::Platt => "Platt",
            Calibration::Isotonic => "isotonic",
        }
    }
    fn threshold(&self, f: &NestedFold) -> f64 {
        match self {
            Calibration::Raw => f.threshold_raw,
            Calibration::Platt => f.threshold_platt,
            Calibration::Isotonic => f.threshold_isotonic,
        }
    }
    fn of<'a>(&self, f: &'a NestedFold) -> &'a [f64] {
        match self {
            Calibration::Raw => &f.raw,
            Calibration::Platt => &f.platt,
            Calibration::Isotonic => &f.isotonic,
        }
    }
}

/// Probabilities of every customer in repeat `r` of a nested CV.
pub fn nested_oof(folds: &[NestedFold], r: usize, cal: Calibration, n: usize) -> Vec<f64> {
    let mut p = vec![f64::NAN; n];
    for f in folds.iter().filter(|f| f.repeat == r) {
        for (row, v) in f.rows.iter().zip(cal.of(f)) {
            p[*row] = *v;
        }
    }
    p
}

/// A contact policy's result in one repeat: contacted, responders, profit.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub name: String,
    pub per_repeat: Vec<ProfitPoint>,
}

impl Policy {
    fn mean(&self, f: impl Fn(&ProfitPoint) -> f64) -> (f64, f64) {
        let v: Vec<f64> = self.per_repeat.iter().map(f).collect();
        let n = v.len().max(1) as f64;
        let m = v.iter().sum::<f64>() / n;
        let sd =
            (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len().max(2) - 1) as f64).sqrt();
        (m, sd)
    }
}

/// Everything the profit stage computed.
#[derive(Debug)]
pub struct Targeting {
    pub ids: Vec<i64>,
    pub truth: Vec<u8>,
    pub economics: Economics,
    /// The leaderboard's models in the original's leak-free pipeline, repeated CV.
    pub leaderboard: Vec<Repeated>,
    /// Honest candidates, repeated CV, and the chosen one (lowest out-of-fold log loss).
    pub candidates: Vec<Repeated>,
    pub chosen: usize,
    /// The original's tuned pipeline (k 25, undersampling, with Cluster), repeated CV.
    pub original: Repeated,
    /// Nested CV of the chosen honest model.
    pub nested: Vec<NestedFold>,
    pub calibration: Calibration,
    pub policies: Vec<Policy>,
}

fn fmt_pm(m: f64, s: f64, d: usize) -> String {
    format!("{m:.d$} ± {s:.d$}")
}

/// Run the stage's computations.
pub fn target(config: &StudyConfig) -> Result<Targeting> {
    let econ = Economics::default();
    let customers = Customers::load(config)?;
    let clustered = ClassifierData::load(config)?;
    let seed = config.seed;
    let leaderboard = ModelSpec::leaderboard()
        .into_iter()
        .map(|m| {
            Repeated::run(
                m.name(),
                &PipelineSpec::original(m.clone(), true),
                &clustered,
                seed,
            )
        })
        .collect::<Result<Vec<_>>>()?;
    let candidates = honest_candidates()
        .into_iter()
        .map(|m| {
            Repeated::run(
                &format!("{} ({})", m.name(), m.describe()),
                &honest_spec(m.clone()),
                &customers.data,
                seed,
            )
        })
        .collect::<Result<Vec<_>>>()?;
    let truth = customers.data.y.clone();
    let chosen = (0..candidates.len())
        .min_by(|a, b| {
            candidates[*a]
                .log_loss(&truth)
                .total_cmp(&candidates[*b].log_loss(&truth))
        })
        .unwrap_or(0);
    let original = Repeated::run(
        "original tuned LR (k 25, undersampled, Cluster)",
        &PipelineSpec {
            k: 25,
            ..PipelineSpec::original(
                ModelSpec::LogisticRegression {
                    c: Some(1000.0),
                    max_iter: 1000,
                },
                false,
            )
        },
        &clustered,
        seed,
    )?;
    let nested = nested(
        &honest_spec(honest_candidates()[chosen].clone()),
        &customers.data,
        seed,
        &econ,
    )?;
    let n = truth.len();
    let ll = |c: Calibration| {
        (0..REPEATS)
            .map(|r| log_loss(&truth, &nested_oof(&nested, r, c, n)))
            .sum::<f64>()
    };
    // the identity competes too: a model fitted without undersampling may need no calibrator
    let calibration = [Calibration::Raw, Calibration::Platt, Calibration::Isotonic]
        .into_iter()
        .min_by(|a, b| ll(*a).total_cmp(&ll(*b)))
        .unwrap_or(Calibration::Raw);
    // contact policies, each evaluated per repeat on out-of-fold predictions
    let everyone = Policy {
        name: "contact every customer".into(),
        per_repeat: vec![profit_at(&truth, &vec![1.0; n], 0.0, &econ); REPEATS],
    };
    let original_policy = Policy {
        name: "the original's model at its default threshold (p > 0.5)".into(),
        per_repeat: (0..REPEATS)
            .map(|r| {
                let s = original.oof(r);
                profit_at(&truth, &s, 0.5 + 1e-12, &econ)
            })
            .collect(),
    };
    let break_even = Policy {
        name: format!(
            "honest model, {} probabilities, contact when p ≥ 3/11",
            calibration.name()
        ),
        per_repeat: (0..REPEATS)
            .map(|r| {
                profit_at(
                    &truth,
                    &nested_oof(&nested, r, calibration, n),
                    econ.break_even(),
                    &econ,
                )
            })
            .collect(),
    };
    let chosen_inside = Policy {
        name: format!(
            "honest model, {} probabilities, threshold chosen inside each training fold",
            calibration.name()
        ),
        per_repeat: (0..REPEATS)
            .map(|r| {
                let (mut c, mut resp) = (0, 0);
                for f in nested.iter().filter(|f| f.repeat == r) {
                    let t = calibration.threshold(f);
                    let p = profit_at(&data_labels(&truth, &f.rows), calibration.of(f), t, &econ);
                    c += p.contacted;
                    resp += p.responders;
                }
                ProfitPoint {
                    threshold: f64::NAN,
                    contacted: c,
                    responders: resp,
                    profit: econ.profit(c, resp),
                }
            })
            .collect(),
    };
    let hindsight = Policy {
        name: "honest model, best threshold in hindsight (optimistic: chosen on the rows it is scored on)".into(),
        per_repeat: (0..REPEATS)
            .map(|r| best(&profit_curve(&truth, &nested_oof(&nested, r, calibration, n), &econ)))
            .collect(),
    };
    Ok(Targeting {
        ids: customers.ids,
        truth,
        economics: econ,
        leaderboard,
        candidates,
        chosen,
        original,
        nested,
        calibration,
        policies: vec![
            everyone,
            original_policy,
            break_even,
            chosen_inside,
            hindsight,
        ],
    })
}

fn data_labels(truth: &[u8], rows: &[usize]) -> Vec<u8> {
    rows.iter().map(|&i| truth[i]).collect()
}

impl Targeting {
    fn n(&self) -> usize {
        self.truth.len()
    }

    /// The chosen honest model's calibrated out-of-fold probability of every customer, averaged
    /// over the repeats.
    pub fn probabilities(&self) -> Vec<f64> {
        let mut m = vec![0.0; self.n()];
        for r in 0..REPEATS {
            for (a, b) in m
                .iter_mut()
                .zip(nested_oof(&self.nested, r, self.calibration, self.n()))
            {
                *a += b / REPEATS as f64;
            }
        }
        m
    }

    /// The threshold the plan uses: the median of the thresholds chosen inside the folds.
    pub fn plan_threshold(&self) -> f64 {
        let mut t: Vec<f64> = self
            .nested
            .iter()
            .map(|f| self.calibration.threshold(f))
            .collect();
        t.sort_by(f64::total_cmp);
        t[t.len() / 2]
    }

    /// Repeated-CV leaderboard: mean ± std across repeats of each metric.
    pub fn leaderboard_table(&self) -> Table {
        let mut columns = vec!["model".to_string()];
        columns.extend(METRICS.iter().map(|m| m.to_string()));
        columns.push("log loss".into());
        let row = |r: &Repeated, probabilities: bool| {
            let (m, s) = r.summary();
            let mut v = vec![r.name.clone()];
            v.extend((0..5).map(|i| fmt_pm(m.values()[i], s.values()[i], 4)));
            v.push(if probabilities {
                format!("{:.4}", r.log_loss(&self.truth))
            } else {
                "—".into()
            });
            v
        };
        let mut rows: Vec<Vec<String>> = self.leaderboard.iter().map(|r| row(r, false)).collect();
        rows.extend(self.candidates.iter().enumerate().map(|(i, r)| {
            let mut v = row(r, true);
            if i == self.chosen {
                v[0] = format!("honest: {} (chosen)", v[0]);
            } else {
                v[0] = format!("honest: {}", v[0]);
            }
            v
        }));
        Table::new(columns, rows).with_caption(format!(
            "{REPEATS} × {FOLDS}-fold stratified CV of all {} customers: mean ± std across repeats. Leaderboard models in the original's leak-free pipeline (k 10, undersampled: their scores are not probabilities); honest models on engineered features, no undersampling, chosen by out-of-fold log loss",
            self.n()
        ))
    }

    /// Calibration of the honest model's probabilities, and of the original's undersampled ones.
    pub fn calibration_table(&self) -> Table {
        let n = self.n();
        let beta = self.beta();
        let mut rows = Vec::new();
        let mut push = |name: String, ps: Vec<Vec<f64>>| {
            let b: Vec<f64> = ps.iter().map(|p| brier(&self.truth, p)).collect();
            let l: Vec<f64> = ps.iter().map(|p| log_loss(&self.truth, p)).collect();
            let mean_p: f64 = ps
                .iter()
                .map(|p| p.iter().sum::<f64>() / n as f64)
                .sum::<f64>()
                / ps.len() as f64;
            let k = ps.len() as f64;
            rows.push(vec![
                name,
                format!("{:.4}", b.iter().sum::<f64>() / k),
                format!("{:.4}", l.iter().sum::<f64>() / k),
                format!("{mean_p:.3}"),
            ]);
        };
        let orig: Vec<Vec<f64>> = (0..REPEATS).map(|r| self.original.oof(r)).collect();
        push("original pipeline (undersampled), raw".into(), orig.clone());
        push(
            format!("original pipeline, prior-corrected (β = {beta:.3})"),
            orig.iter()
                .map(|p| p.iter().map(|v| correct_undersampling(*v, beta)).collect())
                .collect(),
        );
        for c in [Calibration::Raw, Calibration::Platt, Calibration::Isotonic] {
            let mark = if c == self.calibration {
                " (chosen)"
            } else {
                ""
            };
            push(
                format!("honest model, {}{mark}", c.name()),
                (0..REPEATS)
                    .map(|r| nested_oof(&self.nested, r, c, n))
                    .collect(),
            );
        }
        let base = self.truth.iter().filter(|t| **t == 1).count() as f64 / n as f64;
        Table::new(
            vec!["probabilities".into(), "Brier".into(), "log loss".into(), "mean p".into()],
            rows,
        )
        .with_caption(format!(
            "Out-of-fold probabilities ({REPEATS} repeats): lower Brier and log loss are better; the base rate is {base:.3}"
        ))
    }

    /// Sampling ratio of undersampling: positives / negatives.
    fn beta(&self) -> f64 {
        let pos = self.truth.iter().filter(|t| **t == 1).count() as f64;
        pos / (self.n() as f64 - pos)
    }

    /// Reliability curves: the original's undersampled probabilities, corrected, and the
    /// honest model's calibrated ones (repeat 1).
    pub fn reliability_chart(&self) -> Chart {
        let n = self.n();
        let curve = |p: &[f64]| -> Vec<(f64, f64)> {
            reliability(&self.truth, p, 10)
                .iter()
                .map(|b| (b.mean_predicted, b.observed))
                .collect()
        };
        let orig = self.original.oof(0);
        let corrected: Vec<f64> = orig
            .iter()
            .map(|v| correct_undersampling(*v, self.beta()))
            .collect();
        line_chart(
            "Reliability of out-of-fold probabilities",
            vec![line_panel(
                "out-of-fold probabilities, repeat 1",
                "mean predicted probability",
                "observed response rate",
                vec![
                    ("original, undersampled".into(), curve(&orig)),
                    ("original, prior-corrected".into(), curve(&corrected)),
                    (
                        format!("honest, {}", self.calibration.name()),
                        curve(&nested_oof(&self.nested, 0, self.calibration, n)),
                    ),
                    ("perfect calibration".into(), vec![(0.0, 0.0), (1.0, 1.0)]),
                ],
            )],
        )
        .with_panel_size(620, 480)
    }

    /// The reliability bins with their counts: the honest model's chosen probabilities and the
    /// original pipeline's undersampled ones (repeat 1).
    pub fn reliability_table(&self) -> Table {
        let honest = reliability(
            &self.truth,
            &nested_oof(&self.nested, 0, self.calibration, self.n()),
            10,
        );
        let orig = reliability(&self.truth, &self.original.oof(0), 10);
        let cell = |b: Option<&crate::calibration::ReliabilityBin>| match b {
            Some(b) => vec![
                b.count.to_string(),
                format!("{:.3}", b.mean_predicted),
                format!("{:.3}", b.observed),
            ],
            None => vec!["0".into(), "—".into(), "—".into()],
        };
        let rows = (0..10)
            .map(|i| {
                let lo = i as f64 / 10.0;
                let find = |v: &[crate::calibration::ReliabilityBin]| {
                    v.iter().find(|b| (b.lower - lo).abs() < 1e-9).copied()
                };
                let mut r = vec![format!("{:.1}-{:.1}", lo, lo + 0.1)];
                r.extend(cell(find(&honest).as_ref()));
                r.extend(cell(find(&orig).as_ref()));
                r
            })
            .collect();
        Table::new(
            [
                "bin",
                "honest: customers",
                "mean p",
                "observed",
                "original: customers",
                "mean p ",
                "observed ",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            rows,
        )
        .with_caption(format!(
            "Reliability bins (repeat 1): honest model ({}) and the original's undersampled pipeline; every customer in one bin",
            self.calibration.name()
        ))
    }

    /// The contact policies: customers contacted, responders, profit (mean ± std over repeats).
    pub fn policy_table(&self) -> Table {
        let rows = self
            .policies
            .iter()
            .map(|p| {
                let (c, cs) = p.mean(|x| x.contacted as f64);
                let (r, rs) = p.mean(|x| x.responders as f64);
                let (pr, ps) = p.mean(|x| x.profit);
                vec![
                    p.name.clone(),
                    fmt_pm(c, cs, 0),
                    fmt_pm(r, rs, 0),
                    fmt_pm(pr, ps, 0),
                ]
            })
            .collect();
        Table::new(
            vec!["policy".into(), "contacted".into(), "responders".into(), "profit (MU)".into()],
            rows,
        )
        .with_caption(format!(
            "Campaign profit on the {} customers at 3 MU a contact and 11 MU a response, from out-of-fold predictions ({REPEATS} repeats; the pilot contacted all 2,240 and lost 3,046 MU)",
            self.n()
        ))
    }

    /// Profit against threshold and against campaign size, from the mean calibrated
    /// probabilities.
    pub fn profit_chart(&self) -> Chart {
        let p = self.probabilities();
        let curve = profit_curve(&self.truth, &p, &self.economics);
        let by_t: Vec<(f64, f64)> = curve
            .iter()
            .filter(|c| c.threshold.is_finite())
            .map(|c| (c.threshold, c.profit))
            .collect();
        let by_n: Vec<(f64, f64)> = curve
            .iter()
            .map(|c| (c.contacted as f64, c.profit))
            .collect();
        let be = self.economics.break_even();
        let (lo, hi) = by_t
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), (_, y)| {
                (a.min(*y), b.max(*y))
            });
        line_chart(
            "Expected campaign profit of the honest model (out-of-fold probabilities)",
            vec![
                line_panel(
                    "profit by threshold",
                    "contact when p ≥ threshold",
                    "profit (MU)",
                    vec![
                        ("profit".into(), by_t),
                        (
                            format!("break-even p = 3/11 = {be:.3}"),
                            vec![(be, lo), (be, hi)],
                        ),
                    ],
                ),
                line_panel(
                    "profit by campaign size",
                    "customers contacted (best first)",
                    "profit (MU)",
                    vec![("profit".into(), by_n)],
                ),
            ],
        )
        .with_panel_size(520, 400)
    }

    /// Cumulative gains and lift by decile of the honest model's ranking.
    pub fn gains_table(&self) -> Table {
        let rows = gains(&self.truth, &self.probabilities(), 10)
            .iter()
            .map(|d| {
                vec![
                    d.decile.to_string(),
                    d.customers.to_string(),
                    d.responders.to_string(),
                    format!("{:.1} %", 100.0 * d.gain),
                    format!("{:.2}", d.lift),
                    format!("{:.2}", d.cumulative_lift),
                ]
            })
            .collect();
        Table::new(
            ["decile", "customers", "responders", "cumulative gain", "lift", "cumulative lift"].iter().map(|s| s.to_string()).collect(),
            rows,
        )
        .with_caption("Gains and lift: customers ranked by the honest model's out-of-fold probability, in tenths")
    }

    /// Cumulative gains and lift charts.
    pub fn gains_chart(&self) -> Chart {
        let g = gains(&self.truth, &self.probabilities(), 10);
        let gain: Vec<(f64, f64)> = std::iter::once((0.0, 0.0))
            .chain(g.iter().map(|d| (d.decile as f64 * 10.0, 100.0 * d.gain)))
            .collect();
        let lift: Vec<(f64, f64)> = g
            .iter()
            .map(|d| (d.decile as f64 * 10.0, d.cumulative_lift))
            .collect();
        line_chart(
            "Cumulative gains and lift of the honest model",
            vec![
                line_panel(
                    "cumulative gains",
                    "% of customers contacted",
                    "% of responders found",
                    vec![
                        ("model".into(), gain),
                        ("random".into(), vec![(0.0, 0.0), (100.0, 100.0)]),
                    ],
                ),
                line_panel(
                    "cumulative lift",
                    "% of customers contacted",
                    "lift",
                    vec![
                        ("model".into(), lift),
                        ("random".into(), vec![(10.0, 1.0), (100.0, 1.0)]),
                    ],
                ),
            ],
        )
        .with_panel_size(480, 380)
    }

    /// Permutation importance of the honest model's input columns: the drop in validation ROC
    /// AUC when one column is shuffled, over the outer folds of the first repeat
    /// (mean and the range of the folds).
    pub fn importance(&self, config: &StudyConfig) -> Result<Vec<(String, f64, f64, f64)>> {
        let customers = Customers::load(config)?;
        let data = &customers.data;
        let spec = honest_spec(honest_candidates()[self.chosen].clone());
        let rows: Vec<usize> = (0..data.y.len()).collect();
        let mut rng = Xoshiro256Plus::seed_from_u64(config.seed);
        let names = feature_names();
        let mut drops: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
        for (train, valid) in cv_folds(data, &rows, FOLDS, config.seed) {
            let fitted = FittedPipeline::fit(
                &spec,
                &data.x.take(&train),
                &data.labels(&train),
                config.seed,
            )?;
            let xv = data.x.take(&valid);
            let yv = data.labels(&valid);
            let base = crate::metrics::roc_auc(&yv, &fitted.scores(&xv)?).unwrap_or(f64::NAN);
            for (j, name) in names.iter().enumerate() {
                let perm = crate::resampling::permutation(&mut rng, valid.len());
                let mut xp = xv.clone();
                for (_, c) in xp.0.iter_mut().filter(|(n, _)| n == name) {
                    *c = c.take(&perm);
                }
                drops[j].push(
                    base - crate::metrics::roc_auc(&yv, &fitted.scores(&xp)?).unwrap_or(f64::NAN),
                );
            }
        }
        let mut out: Vec<(String, f64, f64, f64)> = names
            .iter()
            .zip(drops)
            .map(|(n, d)| {
                let m = d.iter().sum::<f64>() / d.len().max(1) as f64;
                let lo = d.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = d.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                (n.to_string(), m, lo, hi)
            })
            .collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1));
        Ok(out)
    }

    /// The importance as a table.
    pub fn importance_table(&self, config: &StudyConfig) -> Result<Table> {
        let rows = self
            .importance(config)?
            .into_iter()
            .map(|(n, m, lo, hi)| vec![n, format!("{m:+.4}"), format!("[{lo:+.4}, {hi:+.4}]")])
            .collect();
        Ok(Table::new(
            vec![
                "input column".into(),
                "ROC AUC drop (mean of 5 folds)".into(),
                "range over the folds".into(),
            ],
            rows,
        )
        .with_caption(format!(
            "Permutation importance of the honest model ({})",
            self.candidates[self.chosen].name
        )))
    }

    /// Who to contact in the next campaign: every customer whose calibrated out-of-fold
    /// probability reaches the plan's threshold, best first, with the expected value of the
    /// contact (11·p − 3).
    pub fn plan(&self) -> Vec<(i64, f64, f64)> {
        let t = self.plan_threshold();
        let mut v: Vec<(i64, f64, f64)> = self
            .ids
            .iter()
            .zip(self.probabilities())
            .filter(|(_, p)| *p >= t)
            .map(|(id, p)| (*id, p, self.economics.revenue * p - self.economics.cost))
            .collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    }

    /// Bootstrap over customers (1,000 resamples) of the plan's realised profit on the pilot's
    /// outcomes: (2.5 %, 97.5 %) quantiles, for the plan's policy applied to a customer base
    /// like this one.
    pub fn plan_interval(&self, seed: u64) -> (f64, f64) {
        let t = self.plan_threshold();
        let p = self.probabilities();
        let n = self.n();
        let mut rng = Xoshiro256Plus::seed_from_u64(seed);
        let mut profits: Vec<f64> = (0..1000)
            .map(|_| {
                let (mut c, mut r) = (0, 0);
                for _ in 0..n {
                    let i = crate::resampling::index_below(&mut rng, n);
                    if p[i] >= t {
                        c += 1;
                        r += usize::from(self.truth[i] == 1);
                    }
                }
                self.economics.profit(c, r)
            })
            .collect();
        profits.sort_by(f64::total_cmp);
        (profits[25], profits[974])
    }

    /// The plan as a table (the first `n` customers).
    pub fn plan_table(&self, n: usize) -> Table {
        let plan = self.plan();
        let rows = plan
            .iter()
            .take(n)
            .map(|(id, p, ev)| vec![id.to_string(), format!("{p:.3}"), format!("{ev:+.2}")])
            .collect();
        Table::new(vec!["customer ID".into(), "probability".into(), "expected value (MU)".into()], rows).with_caption(format!(
            "The next campaign: {} customers with p ≥ {:.3} (first {n} shown; all in 04_gold/campaign_plan.csv)",
            plan.len(),
            self.plan_threshold()
        ))
    }

    /// A short business summary written from the numbers.
    pub fn summary(&self, seed: u64) -> Note {
        let plan = self.plan();
        let expected: f64 = plan.iter().map(|r| r.2).sum();
        let (lo, hi) = self.plan_interval(seed);
        let inside = &self.policies[3];
        let (pr, _) = inside.mean(|x| x.profit);
        let (c, _) = inside.mean(|x| x.contacted as f64);
        let (orig, _) = self.policies[1].mean(|x| x.profit);
        let all = self.policies[0].per_repeat[0].profit;
        let (auc, ap) = {
            let (m, _) = self.candidates[self.chosen].summary();
            (m.roc_auc, m.average_precision)
        };
        Note(vec![
            format!(
                "Contacting every customer, as the pilot did, loses money: {all:.0} MU on these {} customers (the pilot lost 3,046 MU on 2,240). A contact pays only when the customer's chance of responding exceeds 3/11 = 27 %.",
                self.n()
            ),
            format!(
                "The honest model ({}; ROC AUC {auc:.3}, average precision {ap:.3} in repeated cross-validation, no target leakage) ranks customers well enough to target. With its {} probabilities and a threshold chosen inside each training fold, it would have contacted about {c:.0} customers and made {pr:.0} MU on customers it had not seen, against {orig:.0} MU for the original's model at its default threshold.",
                self.candidates[self.chosen].name,
                self.calibration.name()
            ),
            format!(
                "For the sixth campaign: contact the {} customers whose probability reaches {:.3}. The model expects {expected:.0} MU from them; the same policy on resamples of this customer base gives between {lo:.0} and {hi:.0} MU (95 % bootstrap interval). There is no control group in the data, so this is a forecast of response, not of uplift: some of these customers would have bought anyway.",
                plan.len(),
                self.plan_threshold()
            ),
        ])
    }

    /// Gold tables: out-of-fold predictions, the profit curve and the plan.
    pub fn write_gold(&self, config: &StudyConfig) -> Result<()> {
        let p = self.probabilities();
        let mut cols = vec![
            polars::prelude::Column::new("ID".into(), self.ids.clone()),
            polars::prelude::Column::new(
                "Response".into(),
                self.truth.iter().map(|v| *v as i64).collect::<Vec<_>>(),
            ),
            polars::prelude::Column::new("honest_probability".into(), p.clone()),
        ];
        for r in &self.leaderboard {
            cols.push(polars::prelude::Column::new(
                r.name.as_str().into(),
                r.oof_mean(),
            ));
        }
        let mut oof = DataFrame::new_infer_height(cols)
            .ctx(|| "building the out-of-fold table".to_string())?;
        crate::io::write_csv(&mut oof, &config.gold_oof_predictions())?;
        let curve = profit_curve(&self.truth, &p, &self.economics);
        let mut pc = DataFrame::new_infer_height(vec![
            polars::prelude::Column::new(
                "threshold".into(),
                curve.iter().map(|c| c.threshold).collect::<Vec<_>>(),
            ),
            polars::prelude::Column::new(
                "contacted".into(),
                curve.iter().map(|c| c.contacted as i64).collect::<Vec<_>>(),
            ),
            polars::prelude::Column::new(
                "responders".into(),
                curve
                    .iter()
                    .map(|c| c.responders as i64)
                    .collect::<Vec<_>>(),
            ),
            polars::prelude::Column::new(
                "profit".into(),
                curve.iter().map(|c| c.profit).collect::<Vec<_>>(),
            ),
        ])
        .ctx(|| "building the profit curve".to_string())?;
        crate::io::write_csv(&mut pc, &config.gold_profit_curve())?;
        let plan = self.plan();
        let mut pl = DataFrame::new_infer_height(vec![
            polars::prelude::Column::new("ID".into(), plan.iter().map(|r| r.0).collect::<Vec<_>>()),
            polars::prelude::Column::new(
                "probability".into(),
                plan.iter().map(|r| r.1).collect::<Vec<_>>(),
            ),
            polars::prelude::Column::new(
                "expected_value".into(),
                plan.iter().map(|r| r.2).collect::<Vec<_>>(),
            ),
        ])
        .ctx(|| "building the campaign plan".to_string())?;
        crate::io::write_csv(&mut pl, &config.gold_campaign_plan())
    }

    /// Chart files of this stage.
    pub fn figures(&self) -> Vec<(String, Chart)> {
        vec![
            ("09_reliability".into(), self.reliability_chart()),
            ("09_profit".into(), self.profit_chart()),
            ("09_gains_lift".into(), self.gains_chart()),
        ]
    }
}

/// Run the stage: compute, write the gold tables.
pub fn run(config: &StudyConfig) -> Result<Targeting> {
    let t = target(config)?;
    t.write_gold(config)?;
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preprocessing::Column;

    fn toy() -> ClassifierData {
        let n = 300;
        let income: Vec<f64> = (0..n).map(|i| ((i * 37) % n) as f64).collect();
        let y: Vec<u8> = (0..n)
            .map(|i| u8::from((i * 37) % n > 220 || i % 13 == 0))
            .collect();
        ClassifierData {
            x: Columns(vec![("Income".into(), Column::Numeric(income))]),
            y,
        }
    }

    fn spec() -> PipelineSpec {
        PipelineSpec {
            roles: Roles {
                standard: vec!["Income".into()],
                ..Default::default()
            },
            k: usize::MAX,
            undersample: false,
            model: ModelSpec::LogisticRegression {
                c: Some(1.0),
                max_iter: 200,
            },
        }
    }

    #[test]
    fn thresholds_and_calibrators_never_see_the_rows_they_score() {
        let data = toy();
        let econ = Economics::default();
        let a = nested(&spec(), &data, 7, &econ).unwrap();
        assert_eq!(a.len(), REPEATS * FOLDS);
        // poison the first outer fold's validation rows (features only: the folds depend on
        // the labels alone, so they stay the same)
        let mut poisoned = data.clone();
        if let Column::Numeric(v) = &mut poisoned.x.0[0].1 {
            for &r in &a[0].rows {
                v[r] = 1e9;
            }
        }
        let b = nested(&spec(), &poisoned, 7, &econ).unwrap();
        assert_eq!(a[0].rows, b[0].rows);
        assert_eq!(a[0].threshold_raw, b[0].threshold_raw);
        assert_eq!(a[0].threshold_platt, b[0].threshold_platt);
        assert_eq!(a[0].threshold_isotonic, b[0].threshold_isotonic);
        assert_ne!(
            a[0].raw, b[0].raw,
            "the poisoned rows are scored differently"
        );
        // every customer gets one probability per repeat, in [0, 1]
        for r in 0..REPEATS {
            for cal in [Calibration::Raw, Calibration::Platt, Calibration::Isotonic] {
                let p = nested_oof(&a, r, cal, data.y.len());
                assert!(p.iter().all(|v| (0.0..=1.0).contains(v)), "{}", cal.name());
            }
        }
    }

    #[test]
    fn the_honest_roles_cover_every_feature_once() {
        let r = honest_roles();
        let mut all: Vec<String> = [r.one_hot, r.standard, r.power, r.min_max].concat();
        assert_eq!(all.len(), feature_names().len());
        all.sort();
        all.dedup();
        assert_eq!(all.len(), feature_names().len());
    }
}
