"""The original study's parts in pandas, seaborn and scikit-learn, run on this machine beside this
crate's.

    .venv-bench/bin/python scripts/bench_sklearn.py DATA_DIR [--threads N] [--repeats R]
        [--parts layers,eda,segmentation,selection,grid] [--raw FILE]

DATA_DIR is a data folder where `campaign-study segment` ran (its silver customers, with and
without `Cluster`). The parts are the original's study as SEED_STUDY.md describes it, the parts
`examples/bench_case.rs` times in this crate:
- layers (§3-4, §9): the raw customers (`--raw`, default the shared case file) left-joined to
  the calendar table on the enrolment date, written as the raw CSV and the gzip-compressed bronze
  CSV, read back, cleaned and engineered by §4's rules, written as the silver parquet, and the
  gold tables of counts and percentages (all but Cluster's, as this crate's `layers`); printed
  with the silver layer's rows, class balance and mean income (SEED_STUDY.md: 2,205; 1,872 /
  333; 51,622.09). The calendar file (25,933 days from 2000-01-01, `;`-separated, its date,
  month and quarter) is written before the timing;
- eda (§5.1): seaborn charts of the silver layer as PNG (dpi 75, transparent): the histograms of
  every numeric column, the seven hue analyses, box plots by five columns, the three scatter
  grids, the correlation heatmap of the one-hot table, the correlations with Response, the
  response rates by value, and notebook 05's six bar-and-donut charts; 25 charts, where this
  crate's `eda` writes 26, each as SVG and PNG (the extra one: the features ranked by their
  association with Response);
- segmentation (§6): read the silver table, the 42-feature ColumnTransformer, KMeans(k,
  random_state=42, n_init=10) for k = 2..10 with inertia and silhouette, PCA(2), KMeans(3) in
  the plane; printed with the k table (the same work: SEED_STUDY.md's inertias 19,639.45 ...
  13,131.54);
- selection (§7.3): the eleven models in the imblearn pipeline (43-feature transformer,
  SelectKBest(k=10), RandomUnderSampler) cross-validated in StratifiedKFold(5, shuffle, 42) on the
  1,764 train/validation rows with the five metrics; printed with each model's mean ROC AUC;
- grid (§7.5): GridSearchCV of the logistic pipeline over the original's 336 candidates (the
  invalid ones fail and score NaN, as in the original), cv=5, refit on average precision;
  printed with the best parameters.
Each run is timed whole, one job (n_jobs=1) and `--threads` OpenMP/BLAS threads; the median of R
runs is printed with the threads used. Set-up (a venv of its own): python3 -m venv .venv-bench &&
.venv-bench/bin/pip install -r requirements-bench.txt
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import warnings

import matplotlib
import numpy as np
import pandas as pd
from imblearn.pipeline import Pipeline
from imblearn.under_sampling import RandomUnderSampler
from sklearn.cluster import KMeans
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import (AdaBoostClassifier, ExtraTreesClassifier, GradientBoostingClassifier,
                              RandomForestClassifier)
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import silhouette_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate, train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import MinMaxScaler, OneHotEncoder, PowerTransformer, StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier
from threadpoolctl import threadpool_info, threadpool_limits
from xgboost import XGBClassifier

matplotlib.use("agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)
import seaborn as sns  # noqa: E402

ONE_HOT = ["Education", "Marital_Status", "AgeGroup", "Children", "HasChildren", "Complain",
           "Years_Since_Enrolled", "AcceptedCmpTotal", "HasAcceptedCmp", "Response"]
STANDARD = ["Income", "Age"]
POWER = ["NumDealsPurchases", "NumWebVisitsMonth", "NumTotalPurchases", "MntRegularProds",
         "MntGoldProds", "MntTotal"]
MIN_MAX = ["Recency", "Dt_Customer_Month", "Dt_Customer_Quarter", "Days_Since_Enrolled"]
SCORING = ["accuracy", "precision", "recall", "roc_auc", "average_precision"]
SILVER = ["Education", "Marital_Status", "Children", "HasChildren", "Age", "AgeGroup", "Income",
          "Recency", "Complain", "Dt_Customer_Month", "Dt_Customer_Quarter", "Days_Since_Enrolled",
          "Years_Since_Enrolled", "NumDealsPurchases", "NumWebVisitsMonth", "NumTotalPurchases",
          "MntRegularProds", "MntGoldProds", "MntTotal", "AcceptedCmpTotal", "HasAcceptedCmp",
          "Response"]
SPENDS = ["MntWines", "MntFruits", "MntMeatProducts", "MntFishProducts", "MntSweetProducts",
          "MntGoldProds"]
CAMPAIGNS = ["AcceptedCmp1", "AcceptedCmp2", "AcceptedCmp3", "AcceptedCmp4", "AcceptedCmp5"]
PURCHASES = ["NumWebPurchases", "NumCatalogPurchases", "NumStorePurchases"]
TEXT = ["Education", "Marital_Status", "AgeGroup"]
HUES = ["AgeGroup", "Education", "HasAcceptedCmp", "HasChildren", "Marital_Status", "Response",
        "Years_Since_Enrolled"]
BOX_HUES = ["Response", "HasAcceptedCmp", "AgeGroup", "Education", "HasChildren"]
CONTINUOUS = ["Income", "Age", "Recency", "Days_Since_Enrolled", "NumDealsPurchases",
              "NumWebVisitsMonth", "NumTotalPurchases", "MntRegularProds", "MntGoldProds",
              "MntTotal"]
RATE_COLUMNS = ["HasAcceptedCmp", "AcceptedCmpTotal", "HasChildren", "Marital_Status", "Education",
                "Years_Since_Enrolled"]
AGG_COLUMNS = ["Education", "Marital_Status", "Children", "AgeGroup", "AcceptedCmpTotal",
               "Response"]


def write_calendar(path: Path):
    """§2.2's calendar table, the columns the original uses (written before the timing)."""
    days = pd.date_range("2000-01-01", periods=25_933, freq="D")
    pd.DataFrame({"Data": days.strftime("%Y-%m-%d"), "Mês": days.month,
                  "Trimestre": days.quarter}).to_csv(path, sep=";", index=False)


def layers(raw: Path, calendar: Path, out: Path):
    """§3-4: raw → bronze (gzip CSV) → silver (parquet); returns the silver table."""
    customers = pd.read_csv(raw)
    dates = pd.read_csv(calendar, sep=";")[["Data", "Mês", "Trimestre"]]
    data = (customers.merge(dates, how="left", left_on="Dt_Customer", right_on="Data")
            .drop(columns="Data")
            .rename(columns={"Mês": "Dt_Customer_Month", "Trimestre": "Dt_Customer_Quarter"}))
    data.to_csv(out / "dataset_raw_pandas.csv", index=False)
    data.to_csv(out / "dataset_raw_compressed_pandas.csv.gz", index=False, compression="gzip")
    df = pd.read_csv(out / "dataset_raw_compressed_pandas.csv.gz")
    df["Dt_Customer"] = pd.to_datetime(df["Dt_Customer"], format="%Y-%m-%d")
    df = df.dropna(subset=["Income"])
    ref = df["Dt_Customer"].max()
    df["Days_Since_Enrolled"] = (ref - df["Dt_Customer"]).dt.days
    df["Years_Since_Enrolled"] = df["Days_Since_Enrolled"] // 365
    df["Age"] = ref.year - df["Year_Birth"]
    df["AgeGroup"] = pd.cut(df["Age"], bins=[18, 30, 45, 60, df["Age"].max()],
                            labels=["18-30", "31-45", "46-60", "61+"], include_lowest=True)
    df["Marital_Status"] = df["Marital_Status"].replace(
        {"Married": "Partner", "Together": "Partner", "Divorced": "Single", "Widow": "Single",
         "Alone": "Single", "Absurd": "Single", "YOLO": "Single"})
    df["Children"] = df["Kidhome"] + df["Teenhome"]
    df["MntTotal"] = df[SPENDS].sum(axis=1)
    df["AcceptedCmpTotal"] = df[CAMPAIGNS].sum(axis=1)
    df["NumTotalPurchases"] = df[PURCHASES].sum(axis=1)
    df["HasChildren"] = (df["Children"] > 0).astype(int)
    df["MntRegularProds"] = df["MntTotal"] - df["MntGoldProds"]
    df["HasAcceptedCmp"] = (df["AcceptedCmpTotal"] > 0).astype(int)
    for column in ["Age", "Income"]:  # Tukey's rule, one column after the other (§4.8)
        q1, q3 = df[column].quantile([0.25, 0.75])
        low, high = q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)
        df = df[(df[column] >= low) & (df[column] <= high)]
    silver = df[SILVER]
    silver.to_parquet(out / "dataset_clean_pandas.parquet", index=False)
    for column in AGG_COLUMNS:  # the gold tables of notebook 05 (§9), but Cluster's
        counts = silver[column].value_counts().sort_index()
        pd.DataFrame({column: counts.index, "Percentage": (100 * counts / len(silver)).round(1),
                      "Count": counts.values}).to_csv(out / f"agg_{column.lower()}_pandas.csv",
                                                      index=False)
    return silver


def save(fig, out: Path, name: str):
    fig.tight_layout()
    fig.savefig(out / f"{name}.png", dpi=75, transparent=True)
    plt.close(fig)


def panels(out: Path, name: str, columns, draw, ncols=4):
    """One panel a column, `ncols` to a row, as the original's chart helpers lay them out."""
    nrows = -(-len(columns) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(20, 4 * nrows), squeeze=False)
    for ax, column in zip(axes.flat, columns):
        draw(ax, column)
    for ax in axes.flat[len(columns):]:
        ax.set_visible(False)
    save(fig, out, name)


def eda(silver: Path, out: Path):
    """§5.1's charts of the silver layer and notebook 05's; returns how many were written."""
    data = pd.read_parquet(silver)
    numeric = [c for c in data.columns if c not in TEXT]
    panels(out, "nb04_histplot", numeric, lambda ax, c: sns.histplot(data=data, x=c, ax=ax))
    for hue in HUES:
        panels(out, f"nb04_histplot_{hue.lower()}", [c for c in numeric if c != hue],
             lambda ax, c: sns.histplot(data=data, x=c, hue=hue, palette="tab10", alpha=0.5,
                                        ax=ax))
    for hue in BOX_HUES:
        panels(out, f"nb04_boxplot_{hue.lower()}", [c for c in numeric if c != hue],
             lambda ax, c: sns.boxplot(data=data, x=hue, y=c, showmeans=True, ax=ax))
    for y in ["Income", "MntTotal", "Age"]:
        panels(out, f"nb04_scatterplot_{y.lower()}", [c for c in CONTINUOUS if c != y],
             lambda ax, c: sns.scatterplot(data=data, x=c, y=y, hue="Response", ax=ax), ncols=3)
    correlations = pd.get_dummies(data, columns=TEXT, dtype=int).corr()
    fig, ax = plt.subplots(figsize=(24, 20))
    sns.heatmap(correlations, cmap="coolwarm_r", annot=True, fmt=".1f", ax=ax)
    save(fig, out, "nb04_heatmap")
    with_response = correlations["Response"].drop("Response").sort_values()
    fig, ax = plt.subplots(figsize=(12, 10))
    sns.barplot(x=with_response.values, y=with_response.index, hue=with_response.values,
                palette="coolwarm_r", legend=False, ax=ax)
    save(fig, out, "nb04_barplot_correlation_response")

    def rates(ax, column):
        rate = data.groupby(column, observed=True)["Response"].mean() * 100
        sns.barplot(x=rate.index.astype(str), y=rate.values, ax=ax)
        ax.bar_label(ax.containers[0], fmt="%.1f")

    panels(out, "nb04_barplot_response_rates", RATE_COLUMNS, rates, ncols=3)
    for column in AGG_COLUMNS:
        counts = data[column].value_counts().sort_index()
        fig, (bars, donut) = plt.subplots(1, 2, figsize=(16, 6))
        sns.barplot(x=counts.index.astype(str), y=counts.values, ax=bars)
        bars.bar_label(bars.containers[0])
        donut.pie(counts.values, labels=counts.index.astype(str), autopct="%1.1f%%",
                  wedgeprops={"width": 0.4})
        save(fig, out, f"nb05_barplot_donutplot_{column.lower()}")
    return len(list(out.glob("*.png")))


def transformer(one_hot):
    """The original's ColumnTransformer (§6.2 and §7.1: the same roles, `Response` or `Cluster`)."""
    return ColumnTransformer([
        ("one_hot_encoder", OneHotEncoder(), one_hot),
        ("standard_scaler", StandardScaler(), STANDARD),
        ("power_transformer", PowerTransformer(), POWER),
        ("min_max_scaler", MinMaxScaler(), MIN_MAX),
    ], sparse_threshold=0)


def segmentation(silver: Path):
    """The original's study, start to end; returns the k table and the plane's cluster sizes."""
    data = pd.read_parquet(silver)
    x = transformer(ONE_HOT).fit_transform(data)
    table = []
    for k in range(2, 11):
        model = KMeans(n_clusters=k, random_state=42, n_init=10).fit(x)
        table.append((k, model.inertia_, silhouette_score(x, model.labels_)))
    plane = PCA(n_components=2, random_state=42).fit_transform(x)
    labels = KMeans(n_clusters=3, random_state=42, n_init=10).fit(plane).labels_
    return x.shape, table, sorted(pd.Series(labels).value_counts().tolist())


def train_validation(clustered: Path):
    """§7.1-7.2: X (the clustered silver table without `Response`), y, and the stratified 80 %."""
    data = pd.read_parquet(clustered)
    x, y = data.drop(columns="Response"), data["Response"]
    x_train, _, y_train, _ = train_test_split(x, y, test_size=0.2, random_state=42, stratify=y)
    return x_train, y_train


def pipeline(model, k=10):
    """§7.3: transformer (with `Cluster`), SelectKBest(f_classif), RandomUnderSampler, model."""
    one_hot = [c for c in ONE_HOT if c != "Response"] + ["Cluster"]
    return Pipeline([
        ("pre_processing", transformer(one_hot)),
        ("feature_selection", SelectKBest(score_func=f_classif, k=k)),
        ("resampling", RandomUnderSampler(random_state=42)),
        ("models", model),
    ])


def models(threads):
    """§7.3's eleven models, each made fresh; XGBoost's own threads (by default every core) held
    to the OpenMP limit, as the rest."""
    return [
        ("DummyClassifier", DummyClassifier(strategy="stratified", random_state=42)),
        ("LogisticRegression", LogisticRegression(random_state=42)),
        ("DecisionTreeClassifier", DecisionTreeClassifier(random_state=42)),
        ("KNNClassifier", KNeighborsClassifier(n_neighbors=5)),
        ("SVC", SVC(random_state=42)),
        ("ExtraTreesClassifier", ExtraTreesClassifier(random_state=42)),
        ("RandomForestClassifier", RandomForestClassifier(random_state=42)),
        ("GradientBoostingClassifier", GradientBoostingClassifier(random_state=42)),
        ("AdaBoostClassifier", AdaBoostClassifier(random_state=42)),
        ("XGBClassifier", XGBClassifier(random_state=42, n_jobs=threads)),
        ("MLPClassifier", MLPClassifier(random_state=42)),
    ]


def selection(clustered: Path, threads):
    """§7.3: the eleven models cross-validated; returns each model's mean ROC AUC."""
    x, y = train_validation(clustered)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=42)
    return [(name, cross_validate(pipeline(model), x, y, cv=folds, scoring=SCORING,
                                  n_jobs=1)["test_roc_auc"].mean())
            for name, model in models(threads)]


GRID = {
    "feature_selection__k": [10, 15, 20, 25],
    "models__C": np.logspace(-3, 3, 7),
    "models__solver": ["liblinear", "lbfgs", "saga"],
    "models__penalty": ["l1", "l2", "elasticnet", "none"],
}


def grid(clustered: Path):
    """§7.5: the original's grid search; returns its best parameters and mean AP."""
    x, y = train_validation(clustered)
    search = GridSearchCV(pipeline(LogisticRegression(random_state=42)), GRID, scoring=SCORING,
                          refit="average_precision", cv=5, n_jobs=1)
    search.fit(x, y)
    return search.best_params_, search.best_score_


def timed(part, repeats):
    """Runs `part` `repeats` times; returns the times and the last result."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = part()
        times.append(time.perf_counter() - start)
    return times, result


def summary(name, times):
    return (f"the original's {name}: median {statistics.median(times):.3f} s of {len(times)}"
            f" (min {min(times):.3f}, max {max(times):.3f})")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--threads", type=int, default=1, help="OpenMP/BLAS threads (1: one job)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--parts", default="segmentation",
                        help="comma-separated: layers, eda, segmentation, selection, grid")
    parser.add_argument("--raw", type=Path,
                        default=Path(__file__).resolve().parents[2] / "shared/data/ifood_crm.csv",
                        help="the raw customer file (layers)")
    args = parser.parse_args()
    silver = args.data_dir / "03_silver" / "customers.parquet"
    clustered = args.data_dir / "03_silver" / "customers_clustered.parquet"
    parts = args.parts.split(",")
    known = ["layers", "eda", "segmentation", "selection", "grid"]
    unknown = set(parts) - set(known)
    if unknown:
        parser.error(f"unknown parts {sorted(unknown)}: {', '.join(known)}")
    # The original suppressed them (§7.5): the invalid candidates' failures, saga's convergence.
    warnings.filterwarnings("ignore")
    with threadpool_limits(limits=args.threads):
        print(f"threads {sorted({(p['user_api'], p['num_threads']) for p in threadpool_info()})}")
        if "layers" in parts:
            with tempfile.TemporaryDirectory() as tmp:
                calendar = Path(tmp) / "dim_calender_raw.csv"
                write_calendar(calendar)
                times, silver_table = timed(lambda: layers(args.raw, calendar, Path(tmp)),
                                            args.repeats)
            print(summary("layers (pandas: raw, bronze, silver, gold)", times))
            balance = silver_table["Response"].value_counts().sort_index().tolist()
            print(f"  silver {len(silver_table)} rows, Response 0 / 1 {balance}, mean income"
                  f" {silver_table['Income'].mean():.2f}")
        if "eda" in parts:
            with tempfile.TemporaryDirectory() as tmp:
                times, charts = timed(lambda: eda(silver, Path(tmp)), args.repeats)
            print(summary("charts (seaborn, PNG)", times))
            print(f"  {charts} charts")
        if "segmentation" in parts:
            times, (shape, table, sizes) = timed(lambda: segmentation(silver), args.repeats)
            print(summary("segmentation (scikit-learn)", times))
            print(f"matrix {shape[0]} x {shape[1]}; plane clusters {sizes}")
            for k, inertia, silhouette in table:
                print(f"  k = {k:2}: inertia {inertia:10.2f}, silhouette {silhouette:.4f}")
        if "selection" in parts:
            times, aucs = timed(lambda: selection(clustered, args.threads), args.repeats)
            print(summary("model selection (scikit-learn: 11 models x 5 folds)", times))
            for name, auc in aucs:
                print(f"  {name:27} mean ROC AUC {auc:.4f}")
        if "grid" in parts:
            times, (best, ap) = timed(lambda: grid(clustered), args.repeats)
            print(summary("logistic grid (scikit-learn: 336 candidates x 5 folds)", times))
            print(f"  best {best}, mean AP {ap:.4f}")


if __name__ == "__main__":
    main()
