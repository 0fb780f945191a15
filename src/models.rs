//! The classifiers of the leaderboard behind one trait. Each model is fitted by the crate that
//! has it — linfa (logistic regression, SVC, the bagging and boosting of random forest and
//! AdaBoost), smartcore (the CART decision tree, also the forests' members, and KNN, with class
//! probabilities), forust-ml (gradient boosting), the XGBoost C++ library
//! through `xgb` — except the dummy and extra trees, which no crate has (see `extra_trees`).
//! Every fitted model gives a score for class 1 (a probability, or the SVC's decision value),
//! not only labels, so ROC AUC and average precision are computed from scores.

use crate::error::{Result, StudyError};
use crate::extra_trees::{ExtraTrees, ExtraTreesParams};
use linfa::prelude::*;
use ndarray::{Array1, Array2, Axis};
use rand::Rng;
use rand_xoshiro::rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256Plus;
use serde::{Deserialize, Serialize};
use smartcore::linalg::basic::arrays::Array as _;
use smartcore::linalg::basic::matrix::DenseMatrix;

/// What every fitted classifier offers the leaderboard.
pub trait Classifier {
    /// Score of class 1 for every row of `x`: higher means more likely a responder.
    fn scores(&self, x: &Array2<f64>) -> Result<Vec<f64>>;
    /// The score above which the model predicts class 1 by default (0.5 for probabilities).
    fn threshold(&self) -> f64 {
        0.5
    }
    /// Labels at the default threshold (score strictly above it, as scikit-learn's argmax).
    fn predict(&self, x: &Array2<f64>) -> Result<Vec<u8>> {
        let t = self.threshold();
        Ok(self.scores(x)?.iter().map(|s| u8::from(*s > t)).collect())
    }
}

fn model_err(model: &str, e: impl std::fmt::Display) -> StudyError {
    StudyError::Model {
        model: model.to_string(),
        message: e.to_string(),
    }
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// A model family and its hyper-parameters (an unfitted estimator).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ModelSpec {
    /// Random labels drawn with the training class shares (scikit-learn's 'stratified').
    Dummy,
    /// L2-penalised logistic regression (L-BFGS); `c: None` = no penalty.
    LogisticRegression {
        c: Option<f64>,
        max_iter: u64,
    },
    DecisionTree {
        max_depth: Option<u16>,
    },
    Knn {
        k: usize,
    },
    /// RBF kernel with gamma = 1 / (p · Var(X)) (scikit-learn's 'scale').
    Svc {
        c: f64,
    },
    ExtraTrees(ExtraTreesParams),
    /// linfa-ensemble's random forest: bootstrap rows and a random √p/p share of the features per
    /// tree (scikit-learn draws √p features per split); CART members.
    RandomForest {
        trees: usize,
        max_depth: Option<usize>,
    },
    /// Log-loss boosting of depth-limited trees (forust-ml, Newton leaf values, no L2).
    GradientBoosting {
        stages: usize,
        learning_rate: f32,
        max_depth: usize,
    },
    /// SAMME with decision stumps (linfa: resampling by the sample weights).
    AdaBoost {
        stumps: usize,
        learning_rate: f64,
    },
    /// XGBoost `binary:logistic` (its defaults: eta 0.3, depth 6, hist).
    XGBoost {
        rounds: usize,
        max_depth: usize,
        eta: f64,
    },
}

impl ModelSpec {
    /// The leaderboard: the original's models (SEED_STUDY.md §7.3) with its default parameters,
    /// in its order. (The MLP is not here: no Rust crate in the pinned graph has one.)
    pub fn leaderboard() -> Vec<ModelSpec> {
        vec![
            ModelSpec::Dummy,
            ModelSpec::LogisticRegression {
                c: Some(1.0),
                max_iter: 100,
            },
            ModelSpec::DecisionTree { max_depth: None },
            ModelSpec::Knn { k: 5 },
            ModelSpec::Svc { c: 1.0 },
            ModelSpec::ExtraTrees(ExtraTreesParams::default()),
            ModelSpec::RandomForest {
                trees: 100,
                max_depth: None,
            },
            ModelSpec::GradientBoosting {
                stages: 100,
                learning_rate: 0.1,
                max_depth: 3,
            },
            ModelSpec::AdaBoost {
                stumps: 50,
                learning_rate: 1.0,
            },
            ModelSpec::XGBoost {
                rounds: 100,
                max_depth: 6,
                eta: 0.3,
            },
        ]
    }

    /// The name the original's tables use.
    pub fn name(&self) -> &'static str {
        match self {
            ModelSpec::Dummy => "DummyClassifier",
            ModelSpec::LogisticRegression { .. } => "LogisticRegression",
            ModelSpec::DecisionTree { .. } => "DecisionTreeClassifier",
            ModelSpec::Knn { .. } => "KNNClassifier",
            ModelSpec::Svc { .. } => "SVC",
            ModelSpec::ExtraTrees(_) => "ExtraTreesClassifier",
            ModelSpec::RandomForest { .. } => "RandomForestClassifier",
            ModelSpec::GradientBoosting { .. } => "GradientBoostingClassifier",
            ModelSpec::AdaBoost { .. } => "AdaBoostClassifier",
            ModelSpec::XGBoost { .. } => "XGBClassifier",
        }
    }

    /// Its hyper-parameters in a short readable form.
    pub fn describe(&self) -> String {
        let opt = |v: Option<usize>| v.map_or("none".to_string(), |d| d.to_string());
        match self {
            ModelSpec::Dummy => "stratified".into(),
            ModelSpec::LogisticRegression { c, max_iter } => match c {
                Some(c) => format!("penalty l2, C {c}, max_iter {max_iter}"),
                None => format!("no penalty, max_iter {max_iter}"),
            },
            ModelSpec::DecisionTree { max_depth } => {
                format!("max_depth {}", opt(max_depth.map(usize::from)))
            }
            ModelSpec::Knn { k } => format!("k {k}"),
            ModelSpec::Svc { c } => format!("RBF, C {c}, gamma scale"),
            ModelSpec::ExtraTrees(p) => {
                format!("{} trees, max_depth {}", p.trees, opt(p.max_depth))
            }
            ModelSpec::RandomForest { trees, max_depth } => {
                format!("{trees} trees, max_depth {}", opt(*max_depth))
            }
            ModelSpec::GradientBoosting {
                stages,
                learning_rate,
                max_depth,
            } => format!("{stages} stages, lr {learning_rate}, depth {max_depth}"),
            ModelSpec::AdaBoost {
                stumps,
                learning_rate,
            } => format!("{stumps} stumps, lr {learning_rate}"),
            ModelSpec::XGBoost {
                rounds,
                max_depth,
                eta,
            } => format!("{rounds} rounds, depth {max_depth}, eta {eta}"),
        }
    }

    /// Fit on `x` (rows × features) and labels `y` (0/1); `seed` drives every random choice.
    pub fn fit(&self, x: &Array2<f64>, y: &[u8], seed: u64) -> Result<FittedModel> {
        if x.nrows() != y.len() || x.nrows() == 0 {
            return Err(model_err(
                self.name(),
                format!("{} rows of features for {} labels", x.nrows(), y.len()),
            ));
        }
        if !y.contains(&0) || !y.contains(&1) {
            return Err(model_err(
                self.name(),
                "the training rows hold one class only",
            ));
        }
        let name = self.name();
        let err = |e: &dyn std::fmt::Display| model_err(name, e);
        Ok(match self {
            ModelSpec::Dummy => FittedModel::Dummy(DummyModel {
                prior: y.iter().filter(|c| **c == 1).count() as f64 / y.len() as f64,
                seed,
            }),
            ModelSpec::LogisticRegression { c, max_iter } => {
                let ds = Dataset::new(x.clone(), Array1::from_iter(y.iter().map(|c| *c == 1)));
                let m = linfa_logistic::LogisticRegression::default()
                    .alpha(c.map_or(0.0, |c| 1.0 / c))
                    .max_iterations(*max_iter)
                    .fit(&ds)
                    .map_err(|e| err(&e))?;
                // linfa orients the linear function towards its `pos` label
                let sign = if m.labels().pos.class { 1.0 } else { -1.0 };
                FittedModel::LogisticRegression(LogisticModel {
                    coef: m.params().iter().map(|w| sign * w).collect(),
                    intercept: sign * m.intercept(),
                })
            }
            ModelSpec::DecisionTree { max_depth } => FittedModel::DecisionTree(
                CartParams {
                    max_depth: *max_depth,
                    seed,
                }
                .fit(&Dataset::new(x.clone(), labels_usize(y)))
                .map_err(|e| err(&e))?,
            ),
            ModelSpec::Knn { k } => {
                let p = smartcore::neighbors::knn_classifier::KNNClassifierParameters::default()
                    .with_k(*k);
                let knn = smartcore::neighbors::knn_classifier::KNNClassifier::fit(
                    &dense(x)?,
                    &labels_u32(y),
                    p,
                )
                .map_err(|e| err(&e))?;
                FittedModel::Knn(KnnModel { knn })
            }
            ModelSpec::Svc { c } => {
                let n = x.len() as f64;
                let mean = x.sum() / n;
                let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
                let gamma = if var > 0.0 {
                    1.0 / (x.ncols() as f64 * var)
                } else {
                    1.0
                };
                let ds = Dataset::new(x.clone(), Array1::from_iter(y.iter().map(|c| *c == 1)));
                let svm = linfa_svm::Svm::<f64, bool>::params()
                    .pos_neg_weights(*c, *c)
                    .gaussian_kernel(1.0 / gamma)
                    .fit(&ds)
                    .map_err(|e| err(&e))?;
                FittedModel::Svc(SvcModel { svm })
            }
            ModelSpec::ExtraTrees(p) => FittedModel::ExtraTrees(ExtraTrees::fit(p, x, y, seed)),
            ModelSpec::RandomForest { trees, max_depth } => {
                let ds = Dataset::new(x.clone(), labels_usize(y));
                let share = (x.ncols() as f64).sqrt() / x.ncols() as f64;
                let forest = linfa_ensemble::EnsembleLearnerParams::new_fixed_rng(
                    CartParams {
                        max_depth: max_depth.map(|d| d as u16),
                        seed,
                    },
                    Xoshiro256Plus::seed_from_u64(seed),
                )
                .ensemble_size(*trees)
                .bootstrap_proportion(1.0)
                .feature_proportion(share)
                .fit(&ds)
                .map_err(|e| err(&e))?;
                FittedModel::RandomForest(ForestModel {
                    trees: forest.models,
                    features: forest.model_features,
                })
            }
            ModelSpec::AdaBoost {
                stumps,
                learning_rate,
            } => {
                let ds = Dataset::new(x.clone(), labels_usize(y));
                let ada = linfa_ensemble::AdaBoostParams::new_fixed_rng(
                    CartParams {
                        max_depth: Some(1),
                        seed,
                    },
                    Xoshiro256Plus::seed_from_u64(seed),
                )
                .n_estimators(*stumps)
                .learning_rate(*learning_rate)
                .fit(&ds)
                .map_err(|e| err(&e))?;
                FittedModel::AdaBoost(AdaBoostModel {
                    stumps: ada.models,
                    weights: ada.model_weights,
                })
            }
            ModelSpec::GradientBoosting {
                stages,
                learning_rate,
                max_depth,
            } => {
                let mut gb = forust_ml::GradientBooster::default()
                    .set_iterations(*stages)
                    .set_learning_rate(*learning_rate)
                    .set_max_depth(*max_depth)
                    .set_l2(0.0)
                    .set_parallel(false)
                    .set_seed(seed);
                let cols = column_major(x);
                let m = forust_ml::Matrix::new(&cols, x.nrows(), x.ncols());
                let yf: Vec<f64> = y.iter().map(|c| f64::from(*c)).collect();
                gb.fit(&m, &yf, &vec![1.0; y.len()], None)
                    .map_err(|e| err(&e))?;
                FittedModel::GradientBoosting(GbModel {
                    booster: gb.json_dump().map_err(|e| err(&e))?,
                })
            }
            ModelSpec::XGBoost {
                rounds,
                max_depth,
                eta,
            } => FittedModel::XGBoost(XgbModel::fit(x, y, *rounds, *max_depth, *eta, seed)?),
        })
    }
}

/// Labels as smartcore wants them.
fn labels_u32(y: &[u8]) -> Vec<u32> {
    y.iter().map(|c| u32::from(*c)).collect()
}

fn labels_usize(y: &[u8]) -> Array1<usize> {
    Array1::from_iter(y.iter().map(|c| usize::from(*c)))
}

fn dense(x: &Array2<f64>) -> Result<DenseMatrix<f64>> {
    DenseMatrix::new(x.nrows(), x.ncols(), column_major(x), true)
        .map_err(|e| model_err("matrix", e))
}

fn column_major(x: &Array2<f64>) -> Vec<f64> {
    x.t().iter().copied().collect()
}

/// A fitted model of any family (serialisable: `serde`).
#[derive(Serialize, Deserialize)]
pub enum FittedModel {
    Dummy(DummyModel),
    LogisticRegression(LogisticModel),
    DecisionTree(Cart),
    Knn(KnnModel),
    Svc(SvcModel),
    ExtraTrees(ExtraTrees),
    RandomForest(ForestModel),
    GradientBoosting(GbModel),
    AdaBoost(AdaBoostModel),
    XGBoost(XgbModel),
}

impl std::fmt::Debug for FittedModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self {
            FittedModel::Dummy(_) => "Dummy",
            FittedModel::LogisticRegression(_) => "LogisticRegression",
            FittedModel::DecisionTree(_) => "DecisionTree",
            FittedModel::Knn(_) => "Knn",
            FittedModel::Svc(_) => "Svc",
            FittedModel::ExtraTrees(_) => "ExtraTrees",
            FittedModel::RandomForest(_) => "RandomForest",
            FittedModel::GradientBoosting(_) => "GradientBoosting",
            FittedModel::AdaBoost(_) => "AdaBoost",
            FittedModel::XGBoost(_) => "XGBoost",
        };
        write!(f, "FittedModel::{name}")
    }
}

impl FittedModel {
    fn inner(&self) -> &dyn Classifier {
        match self {
            FittedModel::Dummy(m) => m,
            FittedModel::LogisticRegression(m) => m,
            FittedModel::DecisionTree(m) => m,
            FittedModel::Knn(m) => m,
            FittedModel::Svc(m) => m,
            FittedModel::ExtraTrees(m) => m,
            FittedModel::RandomForest(m) => m,
            FittedModel::GradientBoosting(m) => m,
            FittedModel::AdaBoost(m) => m,
            FittedModel::XGBoost(m) => m,
        }
    }
}

impl Classifier for FittedModel {
    fn scores(&self, x: &Array2<f64>) -> Result<Vec<f64>> {
        self.inner().scores(x)
    }
    fn threshold(&self) -> f64 {
        self.inner().threshold()
    }
}

/// scikit-learn's `DummyClassifier(strategy='stratified')`: each row's label is drawn at random
/// with the training share of class 1; the score is that 0/1 draw. The same seed gives the same
/// draws at every call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DummyModel {
    pub prior: f64,
    pub seed: u64,
}

impl Classifier for DummyModel {
    fn scores(&self, x: &Array2<f64>) -> Result<Vec<f64>> {
        let mut rng = Xoshiro256Plus::seed_from_u64(self.seed);
        Ok((0..x.nrows())
            .map(|_| f64::from(u8::from(rng.gen::<f64>() < self.prior)))
            .collect())
    }
}

/// Logistic regression: probability = σ(coef · x + intercept).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticModel {
    pub coef: Vec<f64>,
    pub intercept: f64,
}

impl Classifier for LogisticModel {
    fn scores(&self, x: &Array2<f64>) -> Result<Vec<f64>> {
        if x.ncols() != self.coef.len() {
            return Err(model_err(
                "LogisticRegression",
                format!("{} features, fitted on {}", x.ncols(), self.coef.len()),
            ));
        }
        Ok(x.rows()
            .into_iter()
            .map(|r| sigmoid(r.dot(&Array1::from(self.coef.clone())) + self.intercept))
            .collect())
    }
}

type SmartTree = smartcore::tree::decision_tree_classifier::DecisionTreeClassifier<
    f64,
    u32,
    DenseMatrix<f64>,
    Vec<u32>,
>;
type SmartKnn = smartcore::neighbors::knn_classifier::KNNClassifier<
    f64,
    u32,
    DenseMatrix<f64>,
    Vec<u32>,
    smartcore::metrics::distance::euclidian::Euclidian<f64>,
>;

/// Parameters of smartcore's CART decision tree, usable as a linfa learner so that
/// linfa-ensemble can bag (random forest) and boost (AdaBoost) it. linfa-trees' own tree is not
/// used: it breaks class-count ties through a `HashMap` and sums impurities in f32 in hash
/// order, so its forests differ from run to run.
#[derive(Debug, Clone, PartialEq)]
pub struct CartParams {
    /// Levels of splits, as scikit-learn counts them (a stump has depth 1; smartcore counts
    /// the root as level 1, so it is given depth + 1).
    pub max_depth: Option<u16>,
    pub seed: u64,
}

impl Fit<Array2<f64>, Array1<usize>, linfa::Error> for CartParams {
    type Object = Cart;

    fn fit(
        &self,
        ds: &DatasetBase<Array2<f64>, Array1<usize>>,
    ) -> std::result::Result<Cart, linfa::Error> {
        let p = smartcore::tree::decision_tree_classifier::DecisionTreeClassifierParameters {
            max_depth: self.max_depth.map(|d| d.saturating_add(1)),
            seed: Some(self.seed),
            ..Default::default()
        };
        let y: Vec<u32> = ds.targets.iter().map(|c| *c as u32).collect();
        let x = dense(&ds.records).map_err(|e| linfa::Error::Parameters(e.to_string()))?;
        let tree =
            SmartTree::fit(&x, &y, p).map_err(|e| linfa::Error::Parameters(e.to_string()))?;
        let mut classes = y;
        classes.sort_unstable();
        classes.dedup();
        Ok(Cart {
            tree,
            classes: classes.len(),
        })
    }
}

/// A fitted CART tree (smartcore); score = class-1 share of the leaf.
#[derive(Debug, Serialize, Deserialize)]
pub struct Cart {
    tree: SmartTree,
    /// Classes seen in training (a bootstrap sample may hold one only).
    classes: usize,
}

impl Cart {
    fn labels(&self, x: &Array2<f64>) -> Result<Vec<u32>> {
        self.tree
            .predict(&dense(x)?)
            .map_err(|e| model_err("DecisionTreeClassifier", e))
    }
}

impl Classifier for Cart {
    fn scores(&self, x: &Array2<f64>) -> Result<Vec<f64>> {
        if self.classes < 2 {
            return Ok(self.labels(x)?.into_iter().map(f64::from).collect());
        }
        let p = self
            .tree
            .predict_proba(&dense(x)?)
            .map_err(|e| model_err("DecisionTreeClassifier", e))?;
        Ok((0..x.nrows()).map(|i| *p.get((i, 1))).collect())
    }
}

impl PredictInplace<Array2<f64>, Array1<usize>> for Cart {
    fn predict_inplace(&self, x: &Array2<f64>, y: &mut Array1<usize>) {
        // only called by linfa-ensemble, on matrices shaped as the ones it fitted on
        let labels = self
            .labels(x)
            .expect("a fitted tree predicts its own features");
        for (t, l) in y.iter_mut().zip(labels) {
            *t = l as usize;
        }
    }

    fn default_target(&self, x: &Array2<f64>) -> Array1<usize> {
        Array1::zeros(x.nrows())
    }
}

/// k nearest neighbours (smartcore, Euclidean, uniform weights); score = class-1 share of the k.
#[derive(Debug, Serialize, Deserialize)]
pub struct KnnModel {
    knn: SmartKnn,
}

impl Classifier for KnnModel {
    fn scores(&self, x: &Array2<f64>) -> Result<Vec<f64>> {
        let p = self
            .knn
            .predict_proba(&dense(x)?)
            .map_err(|e| model_err("KNNClassifier", e))?;
        Ok(p.as_slice()
            .iter()
            .map(|row| row.as_slice().get(1).copied().unwrap_or(0.0))
            .collect())
    }
}

/// RBF support-vector classifier (linfa-svm); score = decision value Σ αᵢ K(xᵢ, x) − ρ.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SvcModel {
    svm: linfa_svm::Svm<f64, bool>,
}

impl Classifier for SvcModel {
    fn scores(&self, x: &Array2<f64>) -> Result<Vec<f64>> {
        Ok(x.rows()
            .into_iter()
            .map(|r| self.svm.weighted_sum(&r) - self.svm.rho)
            .collect())
    }
    fn threshold(&self) -> f64 {
        0.0
    }
}

impl Classifier for ExtraTrees {
    fn scores(&self, x: &Array2<f64>) -> Result<Vec<f64>> {
        Ok(self.score(x))
    }
}

/// Random forest (linfa-ensemble's bagging of CART trees); score = mean of the trees' leaf
/// shares of class 1 (soft voting, as scikit-learn's).
#[derive(Debug, Serialize, Deserialize)]
pub struct ForestModel {
    trees: Vec<Cart>,
    features: Vec<Vec<usize>>,
}

impl Classifier for ForestModel {
    fn scores(&self, x: &Array2<f64>) -> Result<Vec<f64>> {
        let mut votes = vec![0.0; x.nrows()];
        for (tree, feats) in self.trees.iter().zip(&self.features) {
            for (v, p) in votes
                .iter_mut()
                .zip(tree.scores(&x.select(Axis(1), feats))?)
            {
                *v += p;
            }
        }
        let n = self.trees.len().max(1) as f64;
        Ok(votes.into_iter().map(|v| v / n).collect())
    }
}

/// AdaBoost (linfa-ensemble, CART stumps); score = weighted share of stumps voting 1.
#[derive(Debug, Serialize, Deserialize)]
pub struct AdaBoostModel {
    stumps: Vec<Cart>,
    weights: Vec<f64>,
}

impl Classifier for AdaBoostModel {
    fn scores(&self, x: &Array2<f64>) -> Result<Vec<f64>> {
        let mut votes = vec![0.0; x.nrows()];
        for (stump, w) in self.stumps.iter().zip(&self.weights) {
            for (v, p) in votes.iter_mut().zip(stump.labels(x)?) {
                *v += w * f64::from(p);
            }
        }
        let total: f64 = self.weights.iter().sum();
        Ok(votes
            .into_iter()
            .map(|v| if total > 0.0 { v / total } else { 0.5 })
            .collect())
    }
}

/// Gradient boosting (forust-ml), kept as forust's own JSON; score = σ(log-odds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GbModel {
    booster: String,
}

impl Classifier for GbModel {
    fn scores(&self, x: &Array2<f64>) -> Result<Vec<f64>> {
        let gb = forust_ml::GradientBooster::from_json(&self.booster)
            .map_err(|e| model_err("GradientBoostingClassifier", e))?;
        let cols = column_major(x);
        let m = forust_ml::Matrix::new(&cols, x.nrows(), x.ncols());
        Ok(gb.predict(&m, false).into_iter().map(sigmoid).collect())
    }
}

/// XGBoost booster, kept as XGBoost's own JSON model; score = its predicted probability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct XgbModel {
    model: String,
}

fn xgb_err(e: impl std::fmt::Display) -> StudyError {
    model_err("XGBClassifier", e)
}

fn dmatrix(x: &Array2<f64>) -> Result<xgb::DMatrix> {
    let data: Vec<f32> = x.iter().map(|v| *v as f32).collect();
    xgb::DMatrix::from_dense(&data, x.nrows()).map_err(xgb_err)
}

impl XgbModel {
    fn fit(
        x: &Array2<f64>,
        y: &[u8],
        rounds: usize,
        max_depth: usize,
        eta: f64,
        seed: u64,
    ) -> Result<Self> {
        let mut train = dmatrix(x)?;
        let labels: Vec<f32> = y.iter().map(|c| f32::from(*c)).collect();
        train.set_labels(&labels).map_err(xgb_err)?;
        let mut booster =
            xgb::Booster::new_with_cached_dmats(&Default::default(), &[&train]).map_err(xgb_err)?;
        for (k, v) in [
            ("objective", "binary:logistic".to_string()),
            ("max_depth", max_depth.to_string()),
            ("eta", eta.to_string()),
            ("seed", seed.to_string()),
            // one thread: identical trees on any machine
            ("nthread", "1".to_string()),
        ] {
            booster.set_param(k, &v).map_err(xgb_err)?;
        }
        for i in 0..rounds {
            booster.update(&train, i as i32).map_err(xgb_err)?;
        }
        let bytes = booster.save_buffer(false).map_err(xgb_err)?;
        Ok(Self {
            model: String::from_utf8(bytes).map_err(xgb_err)?,
        })
    }
}

impl Classifier for XgbModel {
    fn scores(&self, x: &Array2<f64>) -> Result<Vec<f64>> {
        let booster = xgb::Booster::load_buffer(self.model.as_bytes()).map_err(xgb_err)?;
        let p = booster.predict(&dmatrix(x)?).map_err(xgb_err)?;
        Ok(p.into_iter().map(f64::from).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two noisy, overlapping classes in 3-D.
    fn data(n: usize, seed: u64) -> (Array2<f64>, Vec<u8>) {
        let mut rng = Xoshiro256Plus::seed_from_u64(seed);
        let y: Vec<u8> = (0..n).map(|i| u8::from(i % 3 == 0)).collect();
        let x = Array2::from_shape_fn((n, 3), |(i, j)| {
            let shift = if y[i] == 1 && j < 2 { 1.5 } else { 0.0 };
            shift + rng.gen::<f64>() * 2.0 - 1.0 + (rng.gen::<f64>() - 0.5)
        });
        (x, y)
    }

    #[test]
    fn every_model_learns_and_round_trips_through_json() {
        let (x, y) = data(300, 1);
        let (xt, yt) = data(200, 2);
        for spec in ModelSpec::leaderboard() {
            let m = spec.fit(&x, &y, 42).unwrap();
            let s = m.scores(&xt).unwrap();
            assert_eq!(s.len(), 200, "{}", spec.name());
            let auc = crate::metrics::roc_auc(&yt, &s).unwrap();
            if spec == ModelSpec::Dummy {
                assert!((auc - 0.5).abs() < 0.12, "dummy AUC {auc}");
            } else {
                assert!(auc > 0.8, "{} AUC {auc}", spec.name());
            }
            let json = serde_json::to_string(&m).unwrap();
            let back: FittedModel = serde_json::from_str(&json).unwrap();
            assert_eq!(
                back.scores(&xt).unwrap(),
                s,
                "{} after save/load",
                spec.name()
            );
            assert_eq!(back.predict(&xt).unwrap(), m.predict(&xt).unwrap());
            // same seed, same model
            let again = spec.fit(&x, &y, 42).unwrap();
            assert_eq!(
                again.scores(&xt).unwrap(),
                s,
                "{} is not deterministic",
                spec.name()
            );
        }
    }

    #[test]
    fn logistic_regression_matches_its_definition() {
        let (x, y) = data(200, 3);
        let m = ModelSpec::LogisticRegression {
            c: None,
            max_iter: 500,
        }
        .fit(&x, &y, 0)
        .unwrap();
        let FittedModel::LogisticRegression(lr) = &m else {
            panic!()
        };
        // class 1 sits at larger x0, x1: positive coefficients; scores are σ(w·x + b)
        assert!(lr.coef[0] > 0.5 && lr.coef[1] > 0.5, "{:?}", lr.coef);
        let r = x.row(0);
        let z = r[0] * lr.coef[0] + r[1] * lr.coef[1] + r[2] * lr.coef[2] + lr.intercept;
        assert!((m.scores(&x).unwrap()[0] - sigmoid(z)).abs() < 1e-12);
    }

    #[test]
    fn one_class_training_data_is_a_clear_error() {
        let (x, _) = data(20, 4);
        let e = ModelSpec::Knn { k: 5 }.fit(&x, &[0; 20], 0).unwrap_err();
        assert!(e.to_string().contains("one class"), "{e}");
    }
}
