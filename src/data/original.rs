//! The original study's published numbers (SEED_STUDY.md §7.4-7.7), to set beside ours.

use crate::ml::classifier::Scores;

/// The original's mean CV metrics per model (§7.4; accuracy, precision, recall, ROC AUC, AP).
pub const ORIGINAL_MEANS: [(&str, [f64; 5]); 11] = [
    ("DummyClassifier", [0.5028, 0.1427, 0.4586, 0.4846, 0.1478]),
    (
        "LogisticRegression",
        [0.7687, 0.3651, 0.7175, 0.8409, 0.5548],
    ),
    (
        "DecisionTreeClassifier",
        [0.7058, 0.2972, 0.6953, 0.7026, 0.2533],
    ),
    ("KNNClassifier", [0.7387, 0.3395, 0.7630, 0.8069, 0.4065]),
    ("SVC", [0.7636, 0.3650, 0.7628, 0.8527, 0.5306]),
    (
        "ExtraTreesClassifier",
        [0.7483, 0.3482, 0.7667, 0.8181, 0.4920],
    ),
    (
        "RandomForestClassifier",
        [0.7500, 0.3507, 0.7666, 0.8295, 0.4928],
    ),
    (
        "GradientBoostingClassifier",
        [0.7614, 0.3666, 0.7929, 0.8319, 0.5015],
    ),
    (
        "AdaBoostClassifier",
        [0.7727, 0.3771, 0.7480, 0.8363, 0.4875],
    ),
    ("XGBClassifier", [0.7330, 0.3340, 0.7631, 0.8072, 0.4582]),
    ("MLPClassifier", [0.7562, 0.3601, 0.7778, 0.8538, 0.5647]),
];

/// The original's mean metrics of a model, if it has one.
pub fn original_means(model: &str) -> Option<Scores> {
    ORIGINAL_MEANS
        .iter()
        .find(|(m, _)| *m == model)
        .map(|(_, v)| Scores::from_values(*v))
}

/// The original's tuned logistic regression, CV means (§7.6) and test metrics (§7.7).
pub const ORIGINAL_TUNED_CV: [f64; 5] = [0.7988, 0.4165, 0.7855, 0.8789, 0.6071];

pub const ORIGINAL_TEST: [f64; 5] = [0.8027, 0.4138, 0.7164, 0.8725, 0.6219];

/// The original's test confusion matrix: TN, FP, FN, TP.
pub const ORIGINAL_TEST_CONFUSION: [usize; 4] = [306, 68, 19, 48];

/// One of the original's deployment examples (§8): the 16 lean inputs its notebook asked for,
/// and what it answered (p recomputed for the original's final pipeline).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeanExample {
    pub name: &'static str,
    pub education: &'static str,
    pub marital_status: &'static str,
    pub children: i64,
    pub age: i64,
    pub income: f64,
    pub recency: i64,
    pub complain: i64,
    pub month: i64,
    pub days: i64,
    pub deals: i64,
    pub web_visits: i64,
    pub purchases: i64,
    pub regular: i64,
    pub gold: i64,
    pub accepted: i64,
    pub cluster: i64,
    /// The original's answer: 1 "DEVE aceitar" (will accept), 0 "NÃO DEVE".
    pub predicted: u8,
    /// The original's probability (≈, recomputed; SEED_STUDY.md §8).
    pub probability: f64,
}

/// Example A and Example B of the original's deployment notebook (§8).
pub const ORIGINAL_EXAMPLES: [LeanExample; 2] = [
    LeanExample {
        name: "Example A",
        education: "Graduation",
        marital_status: "Single",
        children: 0,
        age: 31,
        income: 86_850.0,
        recency: 15,
        complain: 0,
        month: 2,
        days: 180,
        deals: 1,
        web_visits: 2,
        purchases: 15,
        regular: 800,
        gold: 200,
        accepted: 2,
        cluster: 0,
        predicted: 1,
        probability: 0.93,
    },
    LeanExample {
        name: "Example B",
        education: "Graduation",
        marital_status: "Single",
        children: 0,
        age: 31,
        income: 16_850.0,
        recency: 15,
        complain: 1,
        month: 2,
        days: 180,
        deals: 1,
        web_visits: 2,
        purchases: 15,
        regular: 100,
        gold: 20,
        accepted: 0,
        cluster: 1,
        predicted: 0,
        probability: 0.42,
    },
];
