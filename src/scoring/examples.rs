//! The original study's two deployment examples (SEED_STUDY.md §8) in the raw schema the
//! deployed model reads. The original typed 16 lean inputs; the raw form needs choices the
//! lean one leaves open, made here once and shown wherever the examples are:
//!
//! - age 31 → born 1983 (ages count from the reference year, 2014);
//! - 180 days as a customer → enrolled 2013-12-31, 180 days before the reference date (the
//!   original's "month 2" contradicts its 180 days; tenure is kept);
//! - regular spend split across the five regular products about as the case file's customers
//!   split theirs (wine half, meat a third, the rest fish, fruit and sweets);
//! - the 15 purchases split web 5, catalogue 3, store 7, in both examples;
//! - accepted campaigns: Example A's two are the two most recent (4 and 5).

/// A raw record: (column, value as text).
pub type RawRecord = Vec<(&'static str, String)>;

fn record(pairs: &[(&'static str, &str)]) -> RawRecord {
    pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
}

/// Example A: expected to accept.
pub fn example_a() -> RawRecord {
    record(&[
        ("Year_Birth", "1983"),
        ("Education", "Graduation"),
        ("Marital_Status", "Single"),
        ("Income", "86850"),
        ("Kidhome", "0"),
        ("Teenhome", "0"),
        ("Dt_Customer", "2013-12-31"),
        ("Recency", "15"),
        ("MntWines", "400"),
        ("MntFruits", "40"),
        ("MntMeatProducts", "260"),
        ("MntFishProducts", "60"),
        ("MntSweetProducts", "40"),
        ("MntGoldProds", "200"),
        ("NumDealsPurchases", "1"),
        ("NumWebPurchases", "5"),
        ("NumCatalogPurchases", "3"),
        ("NumStorePurchases", "7"),
        ("NumWebVisitsMonth", "2"),
        ("AcceptedCmp3", "0"),
        ("AcceptedCmp4", "1"),
        ("AcceptedCmp5", "1"),
        ("AcceptedCmp1", "0"),
        ("AcceptedCmp2", "0"),
        ("Complain", "0"),
    ])
}

/// Example B: Example A with a low income, a complaint, little spend and no campaign accepted;
/// expected not to accept.
pub fn example_b() -> RawRecord {
    let mut r = example_a();
    for (k, v) in r.iter_mut() {
        let new = match *k {
            "Income" => "16850",
            "Complain" => "1",
            "MntWines" => "50",
            "MntFruits" => "5",
            "MntMeatProducts" => "33",
            "MntFishProducts" => "7",
            "MntSweetProducts" => "5",
            "MntGoldProds" => "20",
            "AcceptedCmp4" | "AcceptedCmp5" => "0",
            _ => continue,
        };
        *v = new.to_string();
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum(r: &RawRecord, keys: &[&str]) -> i64 {
        r.iter()
            .filter(|(k, _)| keys.contains(k))
            .map(|(_, v)| v.parse::<i64>().unwrap())
            .sum()
    }

    #[test]
    fn the_raw_examples_add_up_to_the_original_lean_inputs() {
        let regular = [
            "MntWines",
            "MntFruits",
            "MntMeatProducts",
            "MntFishProducts",
            "MntSweetProducts",
        ];
        let purchases = [
            "NumWebPurchases",
            "NumCatalogPurchases",
            "NumStorePurchases",
        ];
        let cmps = [
            "AcceptedCmp1",
            "AcceptedCmp2",
            "AcceptedCmp3",
            "AcceptedCmp4",
            "AcceptedCmp5",
        ];
        let a = example_a();
        assert_eq!(sum(&a, &regular), 800);
        assert_eq!(sum(&a, &["MntGoldProds"]), 200);
        assert_eq!(sum(&a, &purchases), 15);
        assert_eq!(sum(&a, &cmps), 2);
        let b = example_b();
        assert_eq!(sum(&b, &regular), 100);
        assert_eq!(sum(&b, &["MntGoldProds"]), 20);
        assert_eq!(sum(&b, &cmps), 0);
        assert_eq!(sum(&b, &["Complain"]), 1);
    }
}
