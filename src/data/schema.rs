//! The raw customer table's contract: its 29 columns, their types, and which may be missing.

use polars::prelude::DataType;

/// Logical type of a raw column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RawType {
    /// Whole number (stored as Int64).
    Int,
    /// Real number (stored as Float64).
    Float,
    /// Free text or category (stored as String).
    Text,
    /// ISO date `YYYY-MM-DD` (stored as Date).
    Date,
    /// 0/1 indicator (stored as Int64, checked to be 0 or 1).
    Flag,
}

impl RawColumn {
    /// What a valid value looks like, for error messages.
    pub fn expected(&self) -> String {
        if self.categories.is_empty() {
            self.kind.expected().to_string()
        } else {
            format!("one of {}", self.categories.join(", "))
        }
    }
}

impl RawType {
    pub fn dtype(self) -> DataType {
        match self {
            RawType::Int | RawType::Flag => DataType::Int64,
            RawType::Float => DataType::Float64,
            RawType::Text => DataType::String,
            RawType::Date => DataType::Date,
        }
    }

    /// What a valid value looks like, for error messages.
    pub fn expected(self) -> &'static str {
        match self {
            RawType::Int => "a whole number",
            RawType::Float => "a number",
            RawType::Text => "text",
            RawType::Date => "a date YYYY-MM-DD",
            RawType::Flag => "0 or 1",
        }
    }
}

/// One raw column: name, type, and whether it may be empty.
#[derive(Debug, Clone, Copy)]
pub struct RawColumn {
    pub name: &'static str,
    pub kind: RawType,
    pub nullable: bool,
    /// Allowed values of a categorical text column (empty: any text).
    pub categories: &'static [&'static str],
}

const fn c(name: &'static str, kind: RawType) -> RawColumn {
    RawColumn {
        name,
        kind,
        nullable: false,
        categories: &[],
    }
}

const fn cat(name: &'static str, categories: &'static [&'static str]) -> RawColumn {
    RawColumn {
        name,
        kind: RawType::Text,
        nullable: false,
        categories,
    }
}

/// Education levels of the case file.
pub const EDUCATION_LEVELS: [&str; 5] = ["2n Cycle", "Basic", "Graduation", "Master", "PhD"];
/// Marital statuses of the case file (merged into Partner/Single in processing).
/// The six spend columns (MU in the last two years), in the raw file's order.
pub const SPEND_COLUMNS: [&str; 6] = [
    "MntWines",
    "MntFruits",
    "MntMeatProducts",
    "MntFishProducts",
    "MntSweetProducts",
    "MntGoldProds",
];

pub const MARITAL_STATUSES: [&str; 8] = [
    "Married", "Together", "Single", "Divorced", "Widow", "Alone", "Absurd", "YOLO",
];

/// The 29 columns of `ml_project1_data.csv`, in file order (SEED_STUDY.md §2.1).
pub const RAW_COLUMNS: [RawColumn; 29] = [
    c("ID", RawType::Int),
    c("Year_Birth", RawType::Int),
    cat("Education", &EDUCATION_LEVELS),
    cat("Marital_Status", &MARITAL_STATUSES),
    RawColumn {
        name: "Income",
        kind: RawType::Float,
        nullable: true,
        categories: &[],
    },
    c("Kidhome", RawType::Int),
    c("Teenhome", RawType::Int),
    c("Dt_Customer", RawType::Date),
    c("Recency", RawType::Int),
    c("MntWines", RawType::Int),
    c("MntFruits", RawType::Int),
    c("MntMeatProducts", RawType::Int),
    c("MntFishProducts", RawType::Int),
    c("MntSweetProducts", RawType::Int),
    c("MntGoldProds", RawType::Int),
    c("NumDealsPurchases", RawType::Int),
    c("NumWebPurchases", RawType::Int),
    c("NumCatalogPurchases", RawType::Int),
    c("NumStorePurchases", RawType::Int),
    c("NumWebVisitsMonth", RawType::Int),
    c("AcceptedCmp3", RawType::Flag),
    c("AcceptedCmp4", RawType::Flag),
    c("AcceptedCmp5", RawType::Flag),
    c("AcceptedCmp1", RawType::Flag),
    c("AcceptedCmp2", RawType::Flag),
    c("Complain", RawType::Flag),
    c("Z_CostContact", RawType::Int),
    c("Z_Revenue", RawType::Int),
    c("Response", RawType::Flag),
];

/// SHA-256 of the published case file (`ml_project1_data.csv`), to tell users whether their copy
/// is the one the golden numbers were computed on.
pub const PUBLISHED_SHA256: &str =
    "674bba0f4ac8ff53be0258485e612006e164141e985241d2a22338ce1ed1c919";

/// The 22 silver columns, in the stored order of §2.3.
pub const SILVER_COLUMNS: [&str; 22] = [
    "Education",
    "Marital_Status",
    "Children",
    "HasChildren",
    "Age",
    "AgeGroup",
    "Income",
    "Recency",
    "Complain",
    "Dt_Customer_Month",
    "Dt_Customer_Quarter",
    "Days_Since_Enrolled",
    "Years_Since_Enrolled",
    "NumDealsPurchases",
    "NumWebVisitsMonth",
    "NumTotalPurchases",
    "MntRegularProds",
    "MntGoldProds",
    "MntTotal",
    "AcceptedCmpTotal",
    "HasAcceptedCmp",
    "Response",
];

/// The text (categorical) silver columns; every other silver column is numeric.
pub const TEXT_COLUMNS: [&str; 3] = ["Education", "Marital_Status", "AgeGroup"];
