//! Stage 9 — campaign profit (the business question of SEED_STUDY.md §1, which the original
//! never answered; ANCHORS.md): honest out-of-fold probabilities under repeated stratified CV,
//! calibration fitted inside the folds, expected profit at 3 MU a contact and 11 MU a response
//! with the threshold chosen inside CV, gains and lift, and the plan for the next campaign.
//!
//! The honest model is leak-free by construction: no `Cluster`, every transform, selection and
//! calibrator fitted inside the training folds, on features engineered from the wide silver
//! table (raw spends and campaigns the lean table aggregates away, shares and rates).
//!
//! The stage in files: [`customers`] (the wide table, engineered features, duplicate profiles),
//! [`evaluation`] (repeated, grouped and nested CV), [`ablation`] (one change at a time, and the
//! test split), [`policies`] (contact policies and their profit), [`report`]
//! (tables and charts), [`plan`] (importance, the campaign plan, the gold tables) and [`model`]
//! (the honest model fitted on every customer, saved for deployment).

pub mod ablation;
pub mod customers;
pub mod evaluation;
pub mod model;
pub mod plan;
pub mod policies;
pub mod report;

pub use customers::{
    feature_names, honest_candidates, honest_roles, honest_spec, Customers, ENGINEERED,
    RAW_FEATURES,
};
pub use evaluation::{nested, nested_oof, Calibration, NestedFold, Repeated};
pub use policies::Policy;

use crate::config::StudyConfig;
use crate::data::features::{classifier_data, original_pipeline};
use crate::error::{Result, StudyError};
use crate::ml::calibration::log_loss;
use crate::ml::classifier::ClassifierData;
use crate::ml::models::ModelSpec;
use crate::ml::profit::Economics;

/// Repetitions and folds of the repeated stratified CV.
pub const REPEATS: usize = 5;
pub const FOLDS: usize = 5;

/// The business case: 3 MU a contact, 11 MU a response.
pub const ECONOMICS: Economics = Economics {
    cost: crate::config::COST_PER_CONTACT,
    revenue: crate::config::REVENUE_PER_RESPONSE,
};

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
    /// The chosen honest model under repeated CV with grouped folds (copies of a customer in one
    /// fold): the headline, since random folds put copies on both sides and flatter the scores.
    pub grouped: Repeated,
    /// The original's tuned pipeline changed one thing at a time (after [`Targeting::original`]).
    pub ablation: Vec<Repeated>,
    /// The chosen honest model once on the untouched test split of notebook 08.
    pub test_split: crate::ml::classifier::Scores,
    /// Profile of every customer (see [`Customers::profiles`]).
    pub profiles: Vec<usize>,
    /// (copies, profiles with copies, of those disagreeing on Response).
    pub duplicates: (usize, usize, usize),
}

/// Run the stage's computations: every model under repeated CV, the honest model chosen, its
/// nested CV, the calibration chosen, and the contact policies.
pub fn target(config: &StudyConfig) -> Result<Targeting> {
    let econ = ECONOMICS;
    let customers = Customers::load(config)?;
    let clustered = classifier_data(config)?;
    let seed = config.seed;
    let leaderboard = leaderboard_under_repeated_cv(&clustered, seed)?;
    let (candidates, all_kept) = candidates_under_repeated_cv(&customers.data, seed)?;
    let truth = customers.data.y.clone();
    let chosen = lowest_log_loss(&candidates, &truth);
    let original = original_under_repeated_cv(&clustered, seed)?;
    let nested = nested(
        &honest_spec(honest_candidates()[chosen].clone()),
        &customers.data,
        seed,
        &econ,
    )?;
    let calibration = choose_calibration(&nested, &truth);
    let grouped = Repeated::run_grouped(
        &candidates[chosen].name,
        &honest_spec(honest_candidates()[chosen].clone()),
        &customers.data,
        &customers.profiles,
        seed,
    )?;
    let duplicates = customers.duplicates();
    let chosen_model = honest_candidates()[chosen].clone();
    let ablation = ablation::steps(
        &clustered,
        &chosen_model,
        all_kept,
        candidates[chosen].clone(),
        seed,
    )?;
    let test_split = ablation::test_split(&clustered, &customers.data, &chosen_model, seed)?;
    let policies = policies::all(&truth, &original, &nested, calibration, &econ);
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
        policies,
        grouped,
        ablation,
        test_split,
        profiles: customers.profiles,
        duplicates,
    })
}

/// The leaderboard's models in the original's leak-free pipeline, under repeated CV (the
/// pipeline's steps fitted once per fold for all of them).
fn leaderboard_under_repeated_cv(clustered: &ClassifierData, seed: u64) -> Result<Vec<Repeated>> {
    let models = ModelSpec::leaderboard();
    let names: Vec<String> = models.iter().map(|m| m.name().to_string()).collect();
    Repeated::run_models(
        &names,
        &original_pipeline(ModelSpec::Dummy, true),
        &models,
        clustered,
        seed,
    )
}

/// The honest candidates on the engineered features, under repeated CV (one pipeline: its
/// steps fitted once per fold for every candidate), and, in the same folds, the ablation's
/// logistic regression with the original's C ([`ablation::ALL_KEPT`]): the candidates, then
/// that run.
fn candidates_under_repeated_cv(
    customers: &ClassifierData,
    seed: u64,
) -> Result<(Vec<Repeated>, Repeated)> {
    let mut models = honest_candidates();
    let mut names: Vec<String> = models
        .iter()
        .map(|m| format!("{} ({})", m.name(), m.describe()))
        .collect();
    models.push(ablation::original_lr());
    names.push(ablation::ALL_KEPT.to_string());
    let mut runs = Repeated::run_models(
        &names,
        &honest_spec(ModelSpec::Dummy),
        &models,
        customers,
        seed,
    )?;
    let all_kept = runs
        .pop()
        .ok_or_else(|| StudyError::Invalid("the ablation's run is missing".into()))?;
    Ok((runs, all_kept))
}

/// The candidate with the lowest out-of-fold log loss.
fn lowest_log_loss(candidates: &[Repeated], truth: &[u8]) -> usize {
    (0..candidates.len())
        .min_by(|a, b| {
            candidates[*a]
                .log_loss(truth)
                .total_cmp(&candidates[*b].log_loss(truth))
        })
        .unwrap_or(0)
}

/// The original's tuned pipeline (k 25, undersampling, with `Cluster`), under repeated CV.
fn original_under_repeated_cv(clustered: &ClassifierData, seed: u64) -> Result<Repeated> {
    Repeated::run(
        "original tuned LR (k 25, undersampled, Cluster)",
        &ablation::original_tuned(false, true),
        clustered,
        seed,
    )
}

/// The calibration with the lowest nested out-of-fold log loss, summed over the repeats. The
/// identity competes too: a model fitted without undersampling may need no calibrator.
fn choose_calibration(nested: &[NestedFold], truth: &[u8]) -> Calibration {
    let n = truth.len();
    let ll = |c: Calibration| {
        (0..REPEATS)
            .map(|r| log_loss(truth, &nested_oof(nested, r, c, n)))
            .sum::<f64>()
    };
    [Calibration::Raw, Calibration::Platt, Calibration::Isotonic]
        .into_iter()
        .min_by(|a, b| ll(*a).total_cmp(&ll(*b)))
        .unwrap_or(Calibration::Raw)
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

    /// The threshold the plan uses: break-even (cost / revenue = 3/11). Below it a contact has a
    /// negative expected value by the model's own calibrated probability, so the plan stops there
    /// (the thresholds chosen inside the folds sit a little lower, where the profit curve is flat:
    /// see [`Targeting::fold_threshold`] and [`Targeting::below_break_even`]).
    pub fn plan_threshold(&self) -> f64 {
        self.economics.break_even()
    }

    /// The median of the thresholds chosen inside the 25 training folds.
    pub fn fold_threshold(&self) -> f64 {
        let mut t: Vec<f64> = self
            .nested
            .iter()
            .map(|f| self.calibration.threshold(f))
            .collect();
        t.sort_by(f64::total_cmp);
        t[t.len() / 2]
    }
}

/// Run the stage: compute, write the gold tables and save the deployable model.
pub fn run(config: &StudyConfig) -> Result<Targeting> {
    let t = target(config)?;
    t.write_gold(config)?;
    t.save_model(config)?;
    Ok(t)
}
