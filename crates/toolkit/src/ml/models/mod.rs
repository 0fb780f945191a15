//! The classifiers of the leaderboard behind one trait. Each model is fitted by the crate that
//! has it — linfa (logistic regression, SVC, the boosting of AdaBoost), smartcore (AdaBoost's
//! CART stumps and KNN, with class probabilities), forust-ml (gradient boosting), the XGBoost
//! C++ library through `xgb` — except what no crate has: the dummy, extra trees (see
//! `extra_trees`) and scikit-learn's own decision tree and random forest (see `tree`).
//! Every fitted model gives a score for class 1 (a probability, or the SVC's decision value),
//! not only labels, so ROC AUC and average precision are computed from scores.
//!
//! One file per family, as scikit-learn lays them out: [`dummy`], [`linear`], [`tree`],
//! [`neighbors`], [`svm`], [`ensemble`] (with [`extra_trees`]) and [`boosting`].

pub mod boosting;
pub mod dummy;
pub mod ensemble;
pub mod extra_trees;
pub mod linear;
pub mod neighbors;
pub mod neural;
pub mod svm;
pub mod tree;

pub use boosting::{GbModel, XgbModel};
pub use dummy::DummyModel;
pub use ensemble::{AdaBoostModel, Cart, CartParams, ForestModel};
pub use extra_trees::{ExtraTrees, ExtraTreesParams};
pub use linear::LogisticModel;
pub use neighbors::KnnModel;
pub use neural::{MlpModel, MlpParams};
pub use svm::SvcModel;
pub use tree::{DecisionTree, TreeParams};

use crate::error::{Error, Result};
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};
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

pub(crate) fn model_err(model: &str, e: impl std::fmt::Display) -> Error {
    Error::Model {
        model: model.to_string(),
        message: e.to_string(),
    }
}

pub(crate) fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// A model family and its hyper-parameters (an unfitted estimator).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ModelSpec {
    /// Random labels drawn with the training class shares (scikit-learn's 'stratified').
    Dummy,
    /// L2-penalised logistic regression (Newton; `c: None` = no penalty, L-BFGS).
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
    /// scikit-learn's random forest: bootstrap rows, ⌊√p⌋ candidate features per split.
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
    /// scikit-learn's multilayer perceptron (ReLU hidden layers, Adam, log loss).
    Mlp(MlpParams),
}

impl ModelSpec {
    /// A leaderboard of every family with scikit-learn's default parameters, in the order of a
    /// classic model comparison (dummy first), the original's eleven.
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
            ModelSpec::Mlp(MlpParams::default()),
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
            ModelSpec::Mlp(_) => "MLPClassifier",
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
            ModelSpec::Mlp(p) => format!(
                "hidden {:?} ReLU, adam lr {}, alpha {}, {} epochs",
                p.hidden, p.learning_rate, p.alpha, p.max_iter
            ),
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
        Ok(match self {
            ModelSpec::Dummy => FittedModel::Dummy(DummyModel::fit(y, seed)),
            ModelSpec::LogisticRegression { c, max_iter } => {
                FittedModel::LogisticRegression(LogisticModel::fit(x, y, *c, *max_iter)?)
            }
            ModelSpec::DecisionTree { max_depth } => {
                FittedModel::DecisionTree(DecisionTree::fit_seeded(
                    x,
                    y,
                    None,
                    &TreeParams {
                        max_depth: max_depth.map(usize::from),
                        ..TreeParams::default()
                    },
                    seed as u32,
                ))
            }
            ModelSpec::Knn { k } => FittedModel::Knn(KnnModel::fit(x, y, *k)?),
            ModelSpec::Svc { c } => FittedModel::Svc(SvcModel::fit(x, y, *c)?),
            ModelSpec::ExtraTrees(p) => FittedModel::ExtraTrees(ExtraTrees::fit(p, x, y, seed)),
            ModelSpec::RandomForest { trees, max_depth } => {
                FittedModel::RandomForest(ForestModel::fit(x, y, *trees, *max_depth, seed)?)
            }
            ModelSpec::AdaBoost {
                stumps,
                learning_rate,
            } => FittedModel::AdaBoost(AdaBoostModel::fit(x, y, *stumps, *learning_rate, seed)?),
            ModelSpec::GradientBoosting {
                stages,
                learning_rate,
                max_depth,
            } => FittedModel::GradientBoosting(GbModel::fit(
                x,
                y,
                *stages,
                *learning_rate,
                *max_depth,
                seed,
            )?),
            ModelSpec::XGBoost {
                rounds,
                max_depth,
                eta,
            } => FittedModel::XGBoost(XgbModel::fit(x, y, *rounds, *max_depth, *eta, seed)?),
            ModelSpec::Mlp(p) => FittedModel::Mlp(MlpModel::fit(x, y, p, seed as u32)),
        })
    }
}

/// Labels as smartcore wants them.
pub(crate) fn labels_u32(y: &[u8]) -> Vec<u32> {
    y.iter().map(|c| u32::from(*c)).collect()
}

pub(crate) fn labels_usize(y: &[u8]) -> Array1<usize> {
    Array1::from_iter(y.iter().map(|c| usize::from(*c)))
}

pub(crate) fn dense(x: &Array2<f64>) -> Result<DenseMatrix<f64>> {
    DenseMatrix::new(x.nrows(), x.ncols(), column_major(x), true)
        .map_err(|e| model_err("matrix", e))
}

pub(crate) fn column_major(x: &Array2<f64>) -> Vec<f64> {
    x.t().iter().copied().collect()
}

/// A fitted model of any family (serialisable: `serde`).
#[derive(Serialize, Deserialize)]
pub enum FittedModel {
    Dummy(DummyModel),
    LogisticRegression(LogisticModel),
    DecisionTree(DecisionTree),
    Knn(KnnModel),
    Svc(SvcModel),
    ExtraTrees(ExtraTrees),
    RandomForest(ForestModel),
    GradientBoosting(GbModel),
    AdaBoost(AdaBoostModel),
    XGBoost(XgbModel),
    Mlp(MlpModel),
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
            FittedModel::Mlp(_) => "Mlp",
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
            FittedModel::Mlp(m) => m,
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

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;
    use rand_xoshiro::rand_core::SeedableRng;
    use rand_xoshiro::Xoshiro256Plus;

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
            let auc = crate::ml::metrics::roc_auc(&yt, &s).unwrap();
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
