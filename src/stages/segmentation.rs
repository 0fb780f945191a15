//! Stage 6 — segmentation (SEED_STUDY.md §6): the clustering inputs and their preprocessing.
//! The original's protocol reproduced (42 features including `Response`, PCA to 2-D, K-Means
//! k = 3) beside a sound one (no `Response`, full feature space), the elbow/silhouette study,
//! cluster profiles and the agreement of the two segmentations.

use crate::config::StudyConfig;
use crate::data::features::{faithful_roles, sound_roles};
use crate::data::gold::{agg_chart, group_count};
use crate::data::layers::{scan_silver, silver_columns};
use crate::error::{PolarsContext, Result};
use crate::ml::clustering::{adjusted_rand_index, k_scan, kmeans, silhouette_scaled, KRow};
use crate::ml::decomposition::{pca, Projection};
use crate::ml::preprocessing::Column;
use polars::prelude::*;

// ---- K-Means study ----

use crate::error::StudyError;

/// Renumber k = 3 clusters by the mean of `by` (Income): highest → 0, lowest → 1, middle → 2,
/// the original's numbering. Other k: descending mean order.
pub fn relabel_by_mean(labels: &[usize], by: &[f64], k: usize) -> Vec<usize> {
    let mut sums = vec![(0.0, 0usize); k];
    for (&l, v) in labels.iter().zip(by) {
        sums[l].0 += v;
        sums[l].1 += 1;
    }
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|a, b| {
        let ma = sums[*a].0 / sums[*a].1.max(1) as f64;
        let mb = sums[*b].0 / sums[*b].1.max(1) as f64;
        mb.total_cmp(&ma)
    });
    // order[r] = old label with rank r (0 = highest mean)
    let new_of_rank: Vec<usize> = if k == 3 {
        vec![0, 2, 1]
    } else {
        (0..k).collect()
    };
    let mut map = vec![0; k];
    for (rank, old) in order.iter().enumerate() {
        map[*old] = new_of_rank[rank];
    }
    labels.iter().map(|l| map[*l]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relabelling_orders_clusters_high_low_medium_by_mean() {
        let labels = [0, 1, 2, 0, 1, 2];
        let income = [50.0, 90.0, 10.0, 50.0, 90.0, 10.0];
        assert_eq!(relabel_by_mean(&labels, &income, 3), vec![2, 0, 1, 2, 0, 1]);
    }
}

// ---- The segmentation stage ----

/// k values of the elbow and silhouette study.
pub const K_RANGE: std::ops::RangeInclusive<usize> = 2..=10;
/// The original's chosen number of clusters.
pub const K_CHOSEN: usize = 3;

/// One segmentation variant: its clusters and how well separated they are.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    pub name: String,
    pub features: Vec<String>,
    /// Cluster of every silver row (relabelled by mean income: 0 high, 1 low, 2 medium).
    pub labels: Vec<usize>,
    pub sizes: Vec<usize>,
    /// Silhouette in the space the clusters were fitted in, and in the full feature space.
    pub silhouette_fitted: f64,
    pub silhouette_full: f64,
    /// K-Means inertia in the space the clusters were fitted in.
    pub inertia: f64,
    /// Customers the silhouettes were computed on (all of them up to 20,000, else a seeded
    /// sample: `ml::clustering::SILHOUETTE_EXACT_MAX`).
    pub silhouette_rows: usize,
    /// 2-D PCA of the full feature space (for the scatter).
    pub projection: Projection,
}

impl Variant {
    /// Centroid of every cluster on the variant's two principal components (for the faithful
    /// variant, the K-Means centroids themselves: it was fitted in that plane).
    pub fn centroids_2d(&self) -> Vec<(f64, f64)> {
        let mut acc = [(0.0, 0.0, 0usize); K_CHOSEN];
        for (l, r) in self.labels.iter().zip(self.projection.scores.outer_iter()) {
            acc[*l].0 += r[0];
            acc[*l].1 += r[1];
            acc[*l].2 += 1;
        }
        acc.iter()
            .map(|(x, y, n)| (x / (*n).max(1) as f64, y / (*n).max(1) as f64))
            .collect()
    }
}

/// What the segmentation stage computed.
#[derive(Debug, Clone, PartialEq)]
pub struct Segmentation {
    /// Elbow and silhouette per k on the original's 42-feature matrix.
    pub k_table: Vec<KRow>,
    /// The original's protocol: 42 features incl. Response → PCA(2) → K-Means k = 3.
    pub faithful: Variant,
    /// Without Response, full feature space, no PCA, k = 3.
    pub sound: Variant,
    pub adjusted_rand_index: f64,
    /// Customers segmented.
    pub rows: usize,
}

fn sizes(labels: &[usize], k: usize) -> Vec<usize> {
    let mut s = vec![0; k];
    for &l in labels {
        s[l] += 1;
    }
    s
}

/// Fit both variants and the k study on the silver layer.
pub fn segment(config: &StudyConfig) -> Result<Segmentation> {
    let data = silver_columns(config)?;
    let income = match data.get("Income")? {
        Column::Numeric(v) => v.clone(),
        Column::Categorical(_) => return Err(StudyError::Invalid("Income is not numeric".into())),
    };

    let faithful_ct = crate::ml::preprocessing::ColumnTransformer::fit(&faithful_roles(), &data)?;
    let x42 = faithful_ct.transform(&data)?;
    let k_table = k_scan(&x42, K_RANGE, config.seed)?;

    // faithful: PCA(2) then K-Means in the plane
    let proj42 = pca(&x42, 2)?;
    let c = kmeans(&proj42.scores, K_CHOSEN, config.seed)?;
    let labels = relabel_by_mean(&c.labels, &income, K_CHOSEN);
    let full42 = silhouette_scaled(&x42, &labels, config.seed)?;
    let faithful = Variant {
        name: "faithful (Response included, PCA 2-D)".into(),
        features: faithful_ct.feature_names(),
        sizes: sizes(&labels, K_CHOSEN),
        silhouette_fitted: silhouette_scaled(&proj42.scores, &labels, config.seed)?.0,
        silhouette_full: full42.0,
        inertia: c.inertia,
        silhouette_rows: full42.1,
        labels,
        projection: proj42,
    };
    // the 42-feature matrix is done with: free it before the sound one is built (at millions
    // of customers each is gigabytes)
    let customers = x42.nrows();
    drop(x42);

    // sound: no Response, full space
    let sound_ct = crate::ml::preprocessing::ColumnTransformer::fit(&sound_roles(), &data)?;
    let x40 = sound_ct.transform(&data)?;
    let c = kmeans(&x40, K_CHOSEN, config.seed)?;
    let labels = relabel_by_mean(&c.labels, &income, K_CHOSEN);
    let (s, rows) = silhouette_scaled(&x40, &labels, config.seed)?;
    let sound = Variant {
        name: "sound (no Response, full space)".into(),
        features: sound_ct.feature_names(),
        sizes: sizes(&labels, K_CHOSEN),
        silhouette_fitted: s,
        silhouette_full: s,
        inertia: c.inertia,
        silhouette_rows: rows,
        labels,
        projection: pca(&x40, 2)?,
    };
    let adjusted_rand_index = adjusted_rand_index(&faithful.labels, &sound.labels);
    Ok(Segmentation {
        rows: customers,
        k_table,
        faithful,
        sound,
        adjusted_rand_index,
    })
}

/// Run the stage: fit, then write the clustered silver layer (silver + `Cluster`, the faithful
/// labels, as the original), `04_gold/agg_cluster.csv` and `04_gold/kmeans_k_table.csv`.
pub fn run(config: &StudyConfig) -> Result<Segmentation> {
    let seg = segment(config)?;
    let mut clustered = scan_silver(config)?
        .collect()
        .ctx(|| "reading the silver layer".to_string())?;
    let cluster: Vec<i32> = seg.faithful.labels.iter().map(|l| *l as i32).collect();
    clustered
        .with_column(Column_::new("Cluster".into(), cluster))
        .ctx(|| "adding the Cluster column".to_string())?;
    crate::io::write_parquet(&mut clustered, &config.clustered_parquet())?;
    let mut agg = group_count(clustered.lazy(), "Cluster")?;
    crate::io::write_csv(&mut agg, &config.gold_agg("Cluster"))?;
    let mut k = DataFrame::new_infer_height(vec![
        Column_::new(
            "k".into(),
            seg.k_table.iter().map(|r| r.k as i64).collect::<Vec<_>>(),
        ),
        Column_::new(
            "inertia".into(),
            seg.k_table.iter().map(|r| r.inertia).collect::<Vec<_>>(),
        ),
        Column_::new(
            "silhouette".into(),
            seg.k_table.iter().map(|r| r.silhouette).collect::<Vec<_>>(),
        ),
        Column_::new(
            "silhouette_rows".into(),
            seg.k_table
                .iter()
                .map(|r| r.silhouette_rows as i64)
                .collect::<Vec<_>>(),
        ),
    ])
    .ctx(|| "building the k table".to_string())?;
    crate::io::write_csv(&mut k, &config.gold_k_table())?;
    Ok(seg)
}

use crate::report::table::{fmt_num, Table};
use polars::prelude::Column as Column_;

/// How a silhouette was computed, for captions.
fn silhouette_basis(rows: usize, of: usize) -> String {
    if rows >= of {
        format!("silhouettes over all {of} customers")
    } else {
        format!("silhouettes over a seeded sample of {rows} of {of} customers")
    }
}

impl Segmentation {
    /// Inertia and silhouette per k.
    pub fn k_table(&self) -> Table {
        Table::new(
            vec!["k".into(), "inertia".into(), "silhouette".into()],
            self.k_table
                .iter()
                .map(|r| {
                    vec![
                        r.k.to_string(),
                        format!("{:.2}", r.inertia),
                        format!("{:.4}", r.silhouette),
                    ]
                })
                .collect(),
        )
        .with_caption(format!(
            "K-Means on the 42-feature matrix: elbow and silhouette ({})",
            silhouette_basis(
                self.k_table.first().map_or(0, |r| r.silhouette_rows),
                self.rows
            )
        ))
    }

    /// Elbow and silhouette line charts.
    pub fn k_chart(&self) -> crate::report::charts::Chart {
        let pts = |f: fn(&KRow) -> f64| {
            self.k_table
                .iter()
                .map(|r| (r.k as f64, f(r)))
                .collect::<Vec<_>>()
        };
        crate::report::charts::line_chart(
            "Choosing k",
            vec![
                crate::report::charts::line_panel(
                    "Elbow method",
                    "k",
                    "inertia",
                    vec![("inertia".into(), pts(|r| r.inertia))],
                ),
                crate::report::charts::line_panel(
                    "Silhouette method",
                    "k",
                    "silhouette",
                    vec![("silhouette".into(), pts(|r| r.silhouette))],
                ),
            ],
        )
    }

    /// Sizes, inertia and silhouettes of both variants beside the original's (SEED_STUDY.md
    /// §6.4-6.5; "—" where it reported none), and the variants' agreement.
    pub fn comparison(&self) -> Table {
        let row = |v: &Variant| {
            let mut r = vec![v.name.clone(), v.features.len().to_string()];
            r.extend(v.sizes.iter().map(|s| s.to_string()));
            r.push(format!("{:.2}", v.inertia));
            r.push(format!("{:.4}", v.silhouette_fitted));
            r.push(format!("{:.4}", v.silhouette_full));
            r
        };
        let original = [
            "the original (§6.4-6.5, scikit-learn)",
            "42",
            "550",
            "910",
            "745",
            "3149.7",
            "0.5176",
            "—",
        ];
        Table::new(
            [
                "variant",
                "features",
                "cluster 0",
                "cluster 1",
                "cluster 2",
                "inertia (fitted space)",
                "silhouette (fitted space)",
                "silhouette (full space)",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            vec![
                original.iter().map(|s| s.to_string()).collect(),
                row(&self.faithful),
                row(&self.sound),
            ],
        )
        .with_caption(format!(
            "Two segmentations and the original's (adjusted Rand index of the two {:.3}; {})",
            self.adjusted_rand_index,
            silhouette_basis(self.faithful.silhouette_rows, self.rows)
        ))
    }

    /// Customers of each faithful cluster (rows) by sound cluster (columns).
    pub fn contingency(&self) -> Table {
        let mut t = [[0usize; K_CHOSEN]; K_CHOSEN];
        for (a, b) in self.faithful.labels.iter().zip(&self.sound.labels) {
            t[*a][*b] += 1;
        }
        Table::new(
            ["faithful \\ sound", "0", "1", "2"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            (0..K_CHOSEN)
                .map(|i| {
                    let mut r = vec![i.to_string()];
                    r.extend(t[i].iter().map(|n| n.to_string()));
                    r
                })
                .collect(),
        )
        .with_caption("Contingency of the two segmentations")
    }

    /// PCA scatter of one variant, coloured by cluster.
    pub fn scatter(&self, sound: bool) -> crate::report::charts::Chart {
        let v = if sound { &self.sound } else { &self.faithful };
        let groups = (0..K_CHOSEN)
            .map(|k| {
                let pts = v
                    .labels
                    .iter()
                    .zip(v.projection.scores.outer_iter())
                    .filter(|(l, _)| **l == k)
                    .map(|(_, r)| (r[0], r[1]))
                    .collect();
                (format!("cluster {k}"), pts)
            })
            .collect();
        let marks = v
            .centroids_2d()
            .into_iter()
            .enumerate()
            .map(|(k, (x, y))| (k.to_string(), x, y))
            .collect();
        crate::report::charts::Chart::single(
            format!(
                "{} clusters on the first two principal components",
                if sound { "Sound" } else { "Faithful" }
            ),
            crate::report::charts::Panel {
                title: "centroids marked with their cluster number".into(),
                x_label: "PC1".into(),
                y_label: "PC2".into(),
                kind: crate::report::charts::PanelKind::Scatter { groups, marks },
            },
        )
        .with_panel_size(640, 460)
    }
}

/// Means of the §6.6 columns and the response rate per cluster of `labels`.
pub fn profile(config: &StudyConfig, labels: &[usize]) -> Result<Table> {
    let data = silver_columns(config)?;
    let cols = [
        "Income",
        "MntTotal",
        "MntRegularProds",
        "MntGoldProds",
        "NumTotalPurchases",
        "NumDealsPurchases",
        "NumWebVisitsMonth",
        "Children",
        "HasChildren",
        "Age",
        "Days_Since_Enrolled",
        "AcceptedCmpTotal",
        "HasAcceptedCmp",
        "Response",
    ];
    let mut header = vec!["mean".to_string()];
    header.extend((0..K_CHOSEN).map(|k| format!("cluster {k}")));
    let mut rows = Vec::new();
    let n = sizes(labels, K_CHOSEN);
    rows.push({
        let mut r = vec!["customers".to_string()];
        r.extend(n.iter().map(|x| x.to_string()));
        r
    });
    for c in cols {
        let Column::Numeric(v) = data.get(c)? else {
            continue;
        };
        let mut sum = [0.0; K_CHOSEN];
        for (l, x) in labels.iter().zip(v) {
            sum[*l] += x;
        }
        // the response rate in %, one decimal; other means with two decimals
        let (label, scale, digits) = if c == "Response" {
            ("Response rate %".to_string(), 100.0, 10.0)
        } else {
            (c.to_string(), 1.0, 100.0)
        };
        let mut r = vec![label];
        r.extend(
            (0..K_CHOSEN)
                .map(|k| fmt_num((scale * sum[k] / n[k].max(1) as f64 * digits).round() / digits)),
        );
        rows.push(r);
    }
    let Column::Categorical(edu) = data.get("Education")? else {
        return Err(StudyError::Invalid("Education is not categorical".into()));
    };
    let mut basic = [0usize; K_CHOSEN];
    for (l, e) in labels.iter().zip(edu.iter()) {
        if e == "Basic" {
            basic[*l] += 1;
        }
    }
    let mut r = vec!["Education Basic share".to_string()];
    r.extend(
        (0..K_CHOSEN)
            .map(|k| fmt_num((basic[k] as f64 / n[k].max(1) as f64 * 1000.0).round() / 1000.0)),
    );
    rows.push(r);
    Ok(Table::new(header, rows).with_caption("Cluster profiles (means)"))
}

/// Box plots of the key numeric columns by cluster.
pub fn boxplots(
    config: &StudyConfig,
    labels: &[usize],
    title: &str,
) -> Result<crate::report::charts::Chart> {
    let data = silver_columns(config)?;
    let cols = [
        "Income",
        "MntTotal",
        "NumTotalPurchases",
        "NumDealsPurchases",
        "NumWebVisitsMonth",
        "Age",
        "Days_Since_Enrolled",
        "Recency",
    ];
    let mut panels = Vec::new();
    for c in cols {
        let Column::Numeric(v) = data.get(c)? else {
            continue;
        };
        let groups = (0..K_CHOSEN)
            .map(|k| {
                crate::report::charts::Group::new(
                    format!("{k}"),
                    v.iter()
                        .zip(labels)
                        .filter(|(_, l)| **l == k)
                        .map(|(x, _)| *x)
                        .collect(),
                )
            })
            .collect();
        panels.push((c.to_string(), groups));
    }
    Ok(crate::report::charts::box_grid(title, "Cluster", panels, 4))
}

/// Every chart of notebook 06, with its file name (without extension).
pub fn figures(
    config: &StudyConfig,
    seg: &Segmentation,
) -> Result<Vec<(String, crate::report::charts::Chart)>> {
    Ok(vec![
        ("nb06_lineplot_elbow_silhouette".into(), seg.k_chart()),
        ("nb06_scatterplot_clusters_2d".into(), seg.scatter(false)),
        (
            "nb06_scatterplot_clusters_2d_sound".into(),
            seg.scatter(true),
        ),
        (
            "nb06_boxplot_cluster".into(),
            boxplots(
                config,
                &seg.faithful.labels,
                "Key columns by faithful cluster",
            )?,
        ),
        (
            "nb06_boxplot_cluster_sound".into(),
            boxplots(config, &seg.sound.labels, "Key columns by sound cluster")?,
        ),
        (
            "nb06_barplot_donutplot_cluster".into(),
            agg_chart(config, "Cluster")?,
        ),
    ])
}

/// Write [`figures`] to `dir` as SVG and PNG; returns the files written.
pub fn write_figures(
    config: &StudyConfig,
    seg: &Segmentation,
    dir: &std::path::Path,
) -> Result<Vec<std::path::PathBuf>> {
    Ok(crate::report::charts::save_all(
        &figures(config, seg)?,
        dir,
    )?)
}
