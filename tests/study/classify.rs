//! The classification stages on the study data: the original's split and fold sizes, the
//! leaderboard's golden values (SEED_STUDY.md §7.4), leak-proof pipelines, the valid grid, the
//! final evaluation (§7.7) and the saved model.

use crate::common;

use campaign_study::data::features::{classifier_data, original_pipeline, split};
use campaign_study::data::original::{original_means, ORIGINAL_TEST, ORIGINAL_TEST_CONFUSION};
use campaign_study::ml::classifier::{
    cross_validate, cv_folds, ClassifierData, FittedPipeline, PipelineSpec,
};
use campaign_study::ml::models::ModelSpec;
use campaign_study::ml::preprocessing::Column;
use campaign_study::{leaderboard, training, StudyConfig};
use common::{built, bytes_of};
use std::sync::OnceLock;

/// Layers and segmentation built once; the classifier data read from them.
fn data() -> &'static (StudyConfig, ClassifierData) {
    static DATA: OnceLock<(StudyConfig, ClassifierData)> = OnceLock::new();
    DATA.get_or_init(|| {
        let config = built().1.clone();
        campaign_study::segmentation::run(&config).expect("segmentation");
        let data = classifier_data(&config).expect("classifier data");
        (config, data)
    })
}

fn selection() -> &'static leaderboard::Selection {
    static SEL: OnceLock<leaderboard::Selection> = OnceLock::new();
    SEL.get_or_init(|| leaderboard::run(&data().0).expect("model selection"))
}

fn training() -> &'static training::Training {
    static T: OnceLock<training::Training> = OnceLock::new();
    T.get_or_init(|| {
        selection();
        training::run(&data().0).expect("training")
    })
}

#[test]
fn split_and_folds_have_the_original_sizes() {
    let (config, data) = data();
    assert_eq!(data.x.0.len(), 22, "21 silver features + Cluster");
    assert_eq!(data.y.len(), 2205);
    let (train, test) = split(data, config.seed);
    let pos = |rows: &[usize]| rows.iter().filter(|&&i| data.y[i] == 1).count();
    assert_eq!((train.len(), pos(&train)), (1764, 266));
    assert_eq!((test.len(), pos(&test)), (441, 67));
    let folds = cv_folds(data, &train, 5, config.seed);
    let mut sizes: Vec<(usize, usize)> = folds.iter().map(|(_, v)| (v.len(), pos(v))).collect();
    sizes.sort_unstable();
    // §7.3: 353/353/353/353/352 rows with 53/53/53/54/53 positives
    assert_eq!(
        sizes,
        vec![(352, 53), (353, 53), (353, 53), (353, 53), (353, 54)]
    );
    for (tr, va) in &folds {
        assert!(va.iter().all(|v| !tr.contains(v)));
        assert!(
            va.iter().chain(tr).all(|r| train.contains(r)),
            "no test row in CV"
        );
    }
}

/// (training rows, validation rows) of each fold.
type Folds = Vec<(Vec<usize>, Vec<usize>)>;

/// Fold 0's validation rows poisoned (an absurd Income, flipped labels) for the checks below.
fn poisoned_fold() -> (ClassifierData, Folds, PipelineSpec) {
    let (config, data) = data();
    let (train, _) = split(data, config.seed);
    let folds = cv_folds(data, &train, 5, config.seed);
    let mut poisoned = data.clone();
    for (name, col) in poisoned.x.0.iter_mut() {
        if let (true, Column::Numeric(v)) = (name == "Income", col) {
            for &r in &folds[0].1 {
                v[r] = 1e12;
            }
        }
    }
    for &r in &folds[0].1 {
        poisoned.y[r] = 1 - poisoned.y[r];
    }
    let spec = original_pipeline(
        ModelSpec::LogisticRegression {
            c: Some(1.0),
            max_iter: 100,
        },
        false,
    );
    (poisoned, folds, spec)
}

#[test]
fn cross_validation_fits_each_fold_on_its_training_rows_only() {
    let (_, data) = data();
    let (poisoned, folds, spec) = poisoned_fold();
    let (tr, va) = &folds[0];
    // cross_validate on the poisoned data must score fold 0 exactly as a pipeline fitted on the
    // clean training rows alone: the poison sits in rows no step of that fold may fit on
    let e = cross_validate(&spec, &poisoned, &folds, 42).unwrap();
    let clean = FittedPipeline::fit(&spec, &data.x.take(tr), &data.labels(tr), 42).unwrap();
    let expected = clean.scores(&poisoned.x.take(va)).unwrap();
    assert_eq!(e.folds[0].rows, *va);
    assert_eq!(e.folds[0].oof, expected);
    // undersampling happened inside the training fold: as many negatives as positives
    let pos = data.labels(tr).iter().filter(|c| **c == 1).count();
    assert_eq!(clean.model_rows, 2 * pos);
}

#[test]
fn the_poison_is_visible_to_a_pipeline_that_fits_on_validation_rows() {
    // the control of the test above: had fold 0 been fitted on its validation rows too (the
    // leak the test guards against), its scores would differ from the clean pipeline's
    let (_, data) = data();
    let (poisoned, folds, spec) = poisoned_fold();
    let (tr, va) = &folds[0];
    let clean = FittedPipeline::fit(&spec, &data.x.take(tr), &data.labels(tr), 42).unwrap();
    let all: Vec<usize> = tr.iter().chain(va).copied().collect();
    let leaky =
        FittedPipeline::fit(&spec, &poisoned.x.take(&all), &poisoned.labels(&all), 42).unwrap();
    let x = poisoned.x.take(va);
    assert_ne!(leaky.scores(&x).unwrap(), clean.scores(&x).unwrap());
    assert_ne!(leaky.transformer, clean.transformer);
}

#[test]
fn cross_validation_scores_every_training_row_exactly_once() {
    let (config, data) = data();
    let (train, _) = split(data, config.seed);
    let folds = cv_folds(data, &train, 5, config.seed);
    let spec = original_pipeline(ModelSpec::Dummy, false);
    let e = cross_validate(&spec, data, &folds, 42).unwrap();
    let mut seen: Vec<usize> = e.folds.iter().flat_map(|f| f.rows.clone()).collect();
    seen.sort_unstable();
    let mut want = train.clone();
    want.sort_unstable();
    assert_eq!(seen, want);
}

/// Appendix A: per-fold accuracy, precision, recall, ROC AUC, AP of the original.
const LR_FOLDS: [[f64; 5]; 5] = [
    [0.756374, 0.356522, 0.773585, 0.851101, 0.517501],
    [0.801700, 0.408602, 0.716981, 0.860000, 0.641582],
    [0.779037, 0.349398, 0.547170, 0.788962, 0.460684],
    [0.750708, 0.365079, 0.851852, 0.859284, 0.559060],
    [0.755682, 0.345794, 0.698113, 0.845081, 0.594987],
];
const KNN_FOLDS: [[f64; 5]; 5] = [
    [0.747875, 0.354839, 0.830189, 0.835377, 0.402585],
    [0.781870, 0.384615, 0.754717, 0.824119, 0.420739],
    [0.705382, 0.285714, 0.641509, 0.721667, 0.310161],
    [0.705382, 0.318841, 0.814815, 0.827976, 0.438114],
    [0.752841, 0.353448, 0.773585, 0.825393, 0.460771],
];
const SVC_FOLDS: [[f64; 5]; 5] = [
    [0.787535, 0.400000, 0.830189, 0.873994, 0.526222],
    [0.779037, 0.385321, 0.792453, 0.870692, 0.653344],
    [0.779037, 0.352941, 0.566038, 0.780220, 0.371224],
    [0.736544, 0.353383, 0.870370, 0.877679, 0.552874],
    [0.735795, 0.333333, 0.754717, 0.861046, 0.549189],
];

const DUMMY_FOLDS: [[f64; 5]; 5] = [
    [0.484419, 0.122807, 0.396226, 0.448113, 0.139311],
    [0.507082, 0.146199, 0.471698, 0.492516, 0.148282],
    [0.490085, 0.128655, 0.415094, 0.459214, 0.141223],
    [0.509915, 0.152047, 0.481481, 0.498266, 0.152528],
    [0.522727, 0.163743, 0.528302, 0.525021, 0.157528],
];
const DT_FOLDS: [[f64; 5]; 5] = [
    [0.694051, 0.290076, 0.716981, 0.703491, 0.250472],
    [0.691218, 0.291045, 0.735849, 0.709591, 0.253825],
    [0.728045, 0.302752, 0.622642, 0.690440, 0.248058],
    [0.719547, 0.320000, 0.740741, 0.728230, 0.276697],
    [0.696023, 0.282258, 0.660377, 0.681359, 0.237533],
];
const ET_FOLDS: [[f64; 5]; 5] = [
    [0.773371, 0.386555, 0.867925, 0.842044, 0.478558],
    [0.773371, 0.378378, 0.792453, 0.850943, 0.556269],
    [0.711048, 0.279279, 0.584906, 0.715755, 0.335281],
    [0.719547, 0.330827, 0.814815, 0.844017, 0.524405],
    [0.764205, 0.366071, 0.773585, 0.837919, 0.565449],
];
const RF_FOLDS: [[f64; 5]; 5] = [
    [0.762040, 0.373984, 0.867925, 0.843396, 0.469252],
    [0.764873, 0.361111, 0.735849, 0.854874, 0.546976],
    [0.716714, 0.288288, 0.603774, 0.736981, 0.371575],
    [0.719547, 0.335766, 0.851852, 0.867614, 0.542890],
    [0.786932, 0.394231, 0.773585, 0.844545, 0.533279],
];
const MLP_FOLDS: [[f64; 5]; 5] = [
    [0.764873, 0.372881, 0.830189, 0.858585, 0.526793],
    [0.801700, 0.412371, 0.754717, 0.874214, 0.643642],
    [0.708215, 0.291667, 0.660377, 0.802107, 0.499952],
    [0.747875, 0.366412, 0.888889, 0.874520, 0.574123],
    [0.758523, 0.357143, 0.754717, 0.859406, 0.578848],
];

/// Fold metrics within `labels` (accuracy, precision, recall) and `scores` (ROC AUC, AP).
fn assert_folds(model: &str, want: &[[f64; 5]; 5], labels: f64, scores: f64) {
    let e = selection()
        .faithful
        .evaluations
        .iter()
        .find(|e| e.spec.model.name() == model)
        .unwrap();
    for (f, w) in e.folds.iter().zip(want) {
        for (i, (got, w)) in f.scores.values().iter().zip(w).enumerate() {
            let tol = if i < 3 { labels } else { scores };
            assert!(
                (got - w).abs() <= tol,
                "{model} fold {} metric {i}: {got} vs {w}",
                f.fold
            );
        }
    }
}

#[test]
fn the_original_folds_are_drawn_exactly() {
    // NumPy-compatible splits give the original's rows: the KNN's labels agree to the 6 digits
    // of Appendix A (its scores up to the order of equidistant neighbours, as the data hold
    // duplicate customers); the logistic regression's and SVC's within a customer or two and
    // their ROC AUC and AP within the optimisers' differences.
    assert_folds("KNNClassifier", &KNN_FOLDS, 1e-6, 5e-3);
    assert_folds("LogisticRegression", &LR_FOLDS, 5e-3, 2e-3);
    assert_folds("SVC", &SVC_FOLDS, 5e-3, 2e-3);
    // scikit-learn's own trees (feature order from its generator, first of equal-gain splits,
    // float32 thresholds), forests (seeds and bootstrap rows from NumPy's generator), MLP
    // (NumPy's Glorot draws and epoch shuffles) and dummy (NumPy's multinomial draws): every
    // fold's five metrics to Appendix A's six digits
    assert_folds("DummyClassifier", &DUMMY_FOLDS, 1e-6, 1e-6);
    assert_folds("DecisionTreeClassifier", &DT_FOLDS, 1e-6, 1e-6);
    assert_folds("RandomForestClassifier", &RF_FOLDS, 1e-6, 1e-6);
    assert_folds("ExtraTreesClassifier", &ET_FOLDS, 1e-6, 1e-6);
    assert_folds("MLPClassifier", &MLP_FOLDS, 1e-6, 1e-6);
    // SelectKBest on the whole training split keeps the original's ten features (§7.3)
    let (config, data) = data();
    let (train, _) = split(data, config.seed);
    let spec = original_pipeline(ModelSpec::Dummy, false);
    let f = FittedPipeline::fit(&spec, &data.x.take(&train), &data.labels(&train), 42).unwrap();
    let want = [
        "one_hot_encoder__HasChildren_0",
        "one_hot_encoder__AcceptedCmpTotal_0",
        "one_hot_encoder__AcceptedCmpTotal_2",
        "one_hot_encoder__AcceptedCmpTotal_3",
        "one_hot_encoder__HasAcceptedCmp_0",
        "one_hot_encoder__HasAcceptedCmp_1",
        "power_transformer__MntRegularProds",
        "power_transformer__MntTotal",
        "min_max_scaler__Recency",
        "min_max_scaler__Days_Since_Enrolled",
    ];
    assert_eq!(f.feature_names(), want);
}

#[test]
fn leaderboard_matches_the_original() {
    let s = selection();
    assert_eq!(
        s.faithful.evaluations.len(),
        11,
        "the original's eleven models"
    );
    let lr = s.faithful.mean_of("LogisticRegression").unwrap();
    assert!(
        (lr.roc_auc - 0.841).abs() <= 0.03,
        "LR mean ROC AUC {}",
        lr.roc_auc
    );
    assert!(
        (lr.roc_auc - 0.8409).abs() <= 0.001,
        "LR mean ROC AUC {}",
        lr.roc_auc
    );
    let dummy = s.faithful.mean_of("DummyClassifier").unwrap();
    assert!(
        (dummy.roc_auc - 0.5).abs() <= 0.05,
        "dummy ROC AUC {}",
        dummy.roc_auc
    );
    // the dummy's AP is the base rate (15 %), its recall the training prior after undersampling
    assert!(
        (dummy.average_precision - 0.15).abs() < 0.03,
        "{}",
        dummy.average_precision
    );
    for e in &s.faithful.evaluations {
        let m = e.mean();
        assert!(
            m.values().iter().all(|v| v.is_finite()),
            "{}",
            e.spec.model.name()
        );
        if e.spec.model != ModelSpec::Dummy {
            assert!(
                m.roc_auc > 0.65,
                "{} ROC AUC {}",
                e.spec.model.name(),
                m.roc_auc
            );
        }
    }
    // the gold table has the original's columns and one row per model and fold
    let text = std::fs::read_to_string(data().0.gold_models_metrics()).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "Model,Fold,Accuracy,Precision,Recall,ROC AUC,Average Precision"
    );
    assert_eq!(lines.count(), 55);
    // the fit times, which change from run to run, are a report beside it
    let times = std::fs::read_to_string(data().0.fit_times(false)).unwrap();
    assert_eq!(times.lines().next().unwrap(), "Model,Fold,Time");
    assert_eq!(times.lines().count(), 56);
    let means = campaign_study::data::layers::read_means(&data().0.gold_models_metrics()).unwrap();
    let back = means
        .iter()
        .find(|m| m.0 == "LogisticRegression")
        .unwrap()
        .1;
    assert!((back.roc_auc - lr.roc_auc).abs() < 1e-9);
}

#[test]
fn tuning_uses_a_valid_grid_and_the_final_model_is_evaluated_on_the_test_rows() {
    let t = training();
    let lr = t
        .faithful
        .grids
        .iter()
        .find(|g| g.family == "LogisticRegression")
        .unwrap();
    assert_eq!(lr.results.len(), 32, "4 k × (7 C + no penalty)");
    for g in t.faithful.grids.iter().chain(&t.leak_free.grids) {
        for e in &g.results {
            assert!(
                e.mean().values().iter().all(|v| v.is_finite()),
                "{} {:?}",
                g.family,
                e.spec
            );
        }
    }
    assert_eq!(t.faithful.grids.len(), 3, "LR and the best two others");
    // the tuned LR keeps the original's k (SEED_STUDY.md §7.6: k 25) and, refit on AP over a
    // grid that converges, chooses C 1 where the original's non-converged saga chose C 1000
    let tuned = t.faithful.final_of("LogisticRegression").unwrap();
    assert_eq!(tuned.pipeline.spec.k, 25);
    assert_eq!(
        tuned.pipeline.spec.model,
        ModelSpec::LogisticRegression {
            c: Some(1.0),
            max_iter: 1000
        }
    );
    assert!(
        (tuned.cv.roc_auc - 0.879).abs() < 0.04,
        "tuned CV ROC AUC {}",
        tuned.cv.roc_auc
    );
    // test: the original's 441 rows with 67 responders; the tuned LR within a few customers of
    // the original's confusion matrix (TN 306, FP 68, FN 19, TP 48) and ROC AUC 0.8725
    let c = tuned.confusion;
    assert_eq!(c.tn + c.fp + c.fn_ + c.tp, 441);
    assert_eq!(c.fn_ + c.tp, 67);
    let [tn, fp, fn_, tp] = ORIGINAL_TEST_CONFUSION;
    // the same 441 rows and k; a different C moves a few customers across the 0.5 threshold
    for (ours, theirs) in [(c.tn, tn), (c.fp, fp), (c.fn_, fn_), (c.tp, tp)] {
        assert!(
            ours.abs_diff(theirs) <= 3,
            "{c:?} vs the original's {ORIGINAL_TEST_CONFUSION:?}"
        );
    }
    // every test metric within 0.035 of the original's: one responder of 67 is 0.015 of recall
    for (i, (ours, theirs)) in tuned.test.values().iter().zip(ORIGINAL_TEST).enumerate() {
        assert!(
            (ours - theirs).abs() < 0.035,
            "metric {i}: {ours} vs {theirs}"
        );
    }
    assert!(
        (tuned.test.roc_auc - 0.8725).abs() < 0.01,
        "test ROC AUC {}",
        tuned.test.roc_auc
    );
    assert!(!t.faithful.chosen().verdict().is_empty());
    // gold tables and saved models
    let config = &data().0;
    assert!(config.gold_grid_search().exists() && config.gold_final_metrics().exists());
    let saved = FittedPipeline::load(&config.final_model(false)).unwrap();
    let test = split(&data().1, config.seed).1;
    let x = data().1.x.take(&test);
    assert_eq!(saved.scores(&x).unwrap(), t.faithful.chosen().test_scores);
    assert_eq!(
        saved.predict(&x).unwrap(),
        t.faithful.chosen().pipeline.predict(&x).unwrap()
    );
    let leak_free = FittedPipeline::load(&config.final_model(true)).unwrap();
    assert!(!leak_free
        .spec
        .roles
        .one_hot
        .contains(&"Cluster".to_string()));
}

#[test]
fn a_missing_model_file_is_a_clear_error() {
    let (_dir, config) = common::temp_config();
    let e = campaign_study::data::layers::load_model(&config, false).unwrap_err();
    let message = e.to_string();
    assert!(message.contains("run the `train` stage first"), "{message}");
    assert!(message.contains("classifier.json"), "{message}");
    let e = FittedPipeline::load(std::path::Path::new("/nonexistent/classifier.json")).unwrap_err();
    assert_eq!(e.to_string(), "/nonexistent/classifier.json: no such file");
}

#[test]
fn segmentation_selection_and_training_run_again_give_byte_identical_gold_files_and_models() {
    training();
    let config = &data().0;
    let files = [
        config.clustered_parquet(),
        config.gold_agg("Cluster"),
        config.gold_k_table(),
        config.gold_models_metrics(),
        config.gold_models_metrics_leak_free(),
        config.gold_grid_search(),
        config.gold_final_metrics(),
        config.final_model(false),
        config.final_model(true),
        config.original_model(),
    ];
    let first = bytes_of(&files);
    campaign_study::segmentation::run(config).expect("segmentation, again");
    leaderboard::run(config).expect("model selection, again");
    training::run(config).expect("training, again");
    let second = bytes_of(&files);
    for ((path, a), b) in files.iter().zip(&first).zip(&second) {
        assert!(a == b, "{} changed between two runs", path.display());
    }
}

#[test]
fn every_leaderboard_model_is_within_its_stated_tolerance_of_the_original_mean_roc_auc() {
    // SEED_STUDY.md §7.4 (data::original::ORIGINAL_MEANS); the dummy, logistic regression, KNN,
    // SVC, the decision tree, both forests and the MLP match fold by fold (tested above). The
    // three boosting models differ by implementation, each tolerance with why:
    let tolerances = [
        (
            "GradientBoostingClassifier",
            0.01,
            "forust-ml: Newton leaf values where scikit-learn fits residuals",
        ),
        (
            "AdaBoostClassifier",
            0.01,
            "linfa-ensemble's SAMME resamples by weight where scikit-learn reweights",
        ),
        (
            "XGBClassifier",
            0.01,
            "XGBoost 3.4.1 with its defaults, as the original's XGBoost",
        ),
    ];
    let s = selection();
    for (name, tol, why) in tolerances {
        let ours = s.faithful.mean_of(name).unwrap().roc_auc;
        let theirs = original_means(name).unwrap().roc_auc;
        assert!(
            (ours - theirs).abs() <= tol,
            "{name}: {ours:.4} vs the original's {theirs:.4} (tolerance {tol}: {why})"
        );
    }
}

#[test]
fn the_saved_original_pipeline_answers_the_original_deployment_examples() {
    // SEED_STUDY.md §8: Example A "will accept" (p ≈ 0.93), Example B "will not" (p ≈ 0.42)
    training();
    let scores = campaign_study::deployment::original_examples(&data().0).unwrap();
    assert_eq!(scores.len(), 2);
    // Within 0.05: the original's final model (C 1000, saga stopped at 100 iterations before
    // converging) has run-dependent coefficients (§7.5), so its p ≈ is a sanity value; here
    // A comes out at 0.897 and B at 0.446.
    for s in &scores {
        assert_eq!(s.predicted, s.example.predicted, "{}", s.example.name);
        assert!(
            (s.probability - s.example.probability).abs() < 0.05,
            "{}: p {} against the original's ≈ {}",
            s.example.name,
            s.probability,
            s.example.probability
        );
    }
}
