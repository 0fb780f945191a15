//! The one-customer form: its fields come from the model's input schema (categories and ranges
//! seen in training), so the form cannot offer a value the model never saw.

use super::{model_line, query_example, render, AppState, ExampleQuery, ScoredCustomer};
use crate::data::schema::RawType;
use crate::scoring::examples::{example_a, example_b};
use crate::scoring::score::explain_records;
use crate::scoring::{InputColumn, ModelArtifact, Records};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;

/// Fieldsets of the form: (title, inputs). An input of the model in no group goes to "Other".
const GROUPS: [(&str, &[&str]); 4] = [
    (
        "Customer",
        &[
            "Year_Birth",
            "Education",
            "Marital_Status",
            "Income",
            "Kidhome",
            "Teenhome",
            "Dt_Customer",
            "Recency",
            "Complain",
        ],
    ),
    (
        "Spend in the last two years (MU)",
        &crate::data::schema::SPEND_COLUMNS,
    ),
    (
        "Purchases",
        &[
            "NumDealsPurchases",
            "NumWebPurchases",
            "NumCatalogPurchases",
            "NumStorePurchases",
            "NumWebVisitsMonth",
        ],
    ),
    (
        "Earlier campaigns",
        &[
            "AcceptedCmp1",
            "AcceptedCmp2",
            "AcceptedCmp3",
            "AcceptedCmp4",
            "AcceptedCmp5",
        ],
    ),
];

fn label(name: &str) -> &str {
    match name {
        "Year_Birth" => "Year of birth",
        "Education" => "Education",
        "Marital_Status" => "Marital status",
        "Income" => "Yearly household income",
        "Kidhome" => "Children at home",
        "Teenhome" => "Teenagers at home",
        "Dt_Customer" => "Customer since",
        "Recency" => "Days since the last purchase",
        "Complain" => "Complained in the last two years",
        "MntWines" => "Wine",
        "MntFruits" => "Fruit",
        "MntMeatProducts" => "Meat",
        "MntFishProducts" => "Fish",
        "MntSweetProducts" => "Sweets",
        "MntGoldProds" => "Gold products",
        "NumDealsPurchases" => "With a discount",
        "NumWebPurchases" => "On the website",
        "NumCatalogPurchases" => "From the catalogue",
        "NumStorePurchases" => "In a store",
        "NumWebVisitsMonth" => "Website visits last month",
        "AcceptedCmp1" => "Accepted campaign 1",
        "AcceptedCmp2" => "Accepted campaign 2",
        "AcceptedCmp3" => "Accepted campaign 3",
        "AcceptedCmp4" => "Accepted campaign 4",
        "AcceptedCmp5" => "Accepted campaign 5",
        other => other,
    }
}

pub(super) struct Option_ {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub(super) struct Field {
    pub name: String,
    pub label: String,
    pub hint: String,
    pub input_type: &'static str,
    pub step: &'static str,
    pub min: Option<String>,
    pub max: Option<String>,
    pub value: String,
    pub options: Vec<Option_>,
}

pub(super) struct Group {
    pub title: String,
    pub fields: Vec<Field>,
}

pub(super) struct ResultView {
    pub contact: bool,
    pub probability: String,
    pub expected_value: String,
    pub threshold: String,
    pub baseline: String,
    pub reasons: Vec<ReasonView>,
}

pub(super) struct ReasonView {
    pub feature: String,
    pub value: String,
    pub log_odds: String,
    pub up: bool,
}

#[derive(askama::Template)]
#[template(path = "form.html")]
struct FormPage {
    model_line: String,
    groups: Vec<Group>,
    result: Option<ResultView>,
    error: Option<String>,
}

fn field(input: &InputColumn, value: &str) -> Field {
    let options = if !input.categories.is_empty() {
        input
            .categories
            .iter()
            .map(|c| Option_ {
                value: c.clone(),
                label: c.clone(),
                selected: c == value,
            })
            .collect()
    } else if input.kind == RawType::Flag {
        [("0", "no"), ("1", "yes")]
            .iter()
            .map(|(v, l)| Option_ {
                value: v.to_string(),
                label: l.to_string(),
                selected: *v == value,
            })
            .collect()
    } else {
        Vec::new()
    };
    let (input_type, step) = match input.kind {
        RawType::Date => ("date", "1"),
        RawType::Float => ("number", "any"),
        _ => ("number", "1"),
    };
    let hint = match (&input.lower, &input.upper) {
        (Some(l), Some(u)) if input.kind != RawType::Flag => format!("{l} to {u}"),
        _ => String::new(),
    };
    Field {
        name: input.name.clone(),
        label: label(&input.name).to_string(),
        hint,
        input_type,
        step,
        min: input.lower.clone(),
        max: input.upper.clone(),
        value: value.to_string(),
        options,
    }
}

fn groups(model: &ModelArtifact, values: &[(String, String)]) -> Vec<Group> {
    let value = |name: &str| {
        values
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let mut out: Vec<Group> = GROUPS
        .iter()
        .map(|(title, names)| Group {
            title: title.to_string(),
            fields: names
                .iter()
                .filter_map(|n| model.input(n))
                .map(|i| field(i, value(&i.name)))
                .collect(),
        })
        .collect();
    let other: Vec<Field> = model
        .inputs
        .iter()
        .filter(|i| {
            !GROUPS
                .iter()
                .any(|(_, names)| names.contains(&i.name.as_str()))
        })
        .map(|i| field(i, value(&i.name)))
        .collect();
    if !other.is_empty() {
        out.push(Group {
            title: "Other".into(),
            fields: other,
        });
    }
    out.retain(|g| !g.fields.is_empty());
    out
}

fn view(c: ScoredCustomer, model: &ModelArtifact, baseline: f64) -> ResultView {
    ResultView {
        contact: c.decision == crate::scoring::score::CONTACT,
        probability: format!("{:.3}", c.probability),
        expected_value: format!("{:+.2}", c.expected_value),
        threshold: format!("{:.3}", model.decision.threshold),
        baseline: format!("{baseline:+.2}"),
        reasons: c
            .reasons
            .into_iter()
            .map(|r| ReasonView {
                up: r.log_odds > 0.0,
                feature: r.feature,
                value: r.value,
                log_odds: format!("{:+.2}", r.log_odds),
            })
            .collect(),
    }
}

/// `GET /`: the form, prefilled with Example A (or B: `?example=b`).
pub(super) async fn page(State(state): State<AppState>, q: Query<ExampleQuery>) -> Response {
    let example = if query_example(&q) {
        example_b()
    } else {
        example_a()
    };
    let values: Vec<(String, String)> = example
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    render(
        &FormPage {
            model_line: model_line(&state.model),
            groups: groups(&state.model, &values),
            result: None,
            error: None,
        },
        StatusCode::OK,
    )
}

/// `POST /`: score the submitted customer; the form comes back with the answer (or the reason it
/// cannot be scored, with a 422) and the values as typed.
pub(super) async fn submit(
    State(state): State<AppState>,
    Form(values): Form<Vec<(String, String)>>,
) -> Response {
    let model = state.model.clone();
    let pairs = values.clone();
    let result = super::blocking(move || {
        let records = Records::from_pairs(&pairs, "form")?;
        explain_records(&model, &records)
    })
    .await;
    let (result, error, status) = match result {
        Ok(mut e) => match e.pop() {
            Some(one) => {
                let baseline = one.baseline;
                (
                    Some(view(ScoredCustomer::from(one), &state.model, baseline)),
                    None,
                    StatusCode::OK,
                )
            }
            None => (
                None,
                Some("no customer".to_string()),
                StatusCode::BAD_REQUEST,
            ),
        },
        Err(e) => (None, Some(e.error), e.status),
    };
    render(
        &FormPage {
            model_line: model_line(&state.model),
            groups: groups(&state.model, &values),
            result,
            error,
        },
        status,
    )
}
