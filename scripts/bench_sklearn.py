"""The scikit-learn original's three timed parts, run on this machine beside this crate's.

    .venv-bench/bin/python scripts/bench_sklearn.py DATA_DIR [--threads N] [--repeats R]
        [--parts segmentation,selection,grid]

DATA_DIR is a data folder where `campaign-study segment` ran (its silver customers, with and
without `Cluster`). The parts are the original's study as SEED_STUDY.md describes it, the parts
`examples/bench_case.rs` times in this crate:
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
import time
from pathlib import Path

import warnings

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

ONE_HOT = ["Education", "Marital_Status", "AgeGroup", "Children", "HasChildren", "Complain",
           "Years_Since_Enrolled", "AcceptedCmpTotal", "HasAcceptedCmp", "Response"]
STANDARD = ["Income", "Age"]
POWER = ["NumDealsPurchases", "NumWebVisitsMonth", "NumTotalPurchases", "MntRegularProds",
         "MntGoldProds", "MntTotal"]
MIN_MAX = ["Recency", "Dt_Customer_Month", "Dt_Customer_Quarter", "Days_Since_Enrolled"]
SCORING = ["accuracy", "precision", "recall", "roc_auc", "average_precision"]


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
    return (f"scikit-learn {name}: median {statistics.median(times):.3f} s of {len(times)}"
            f" (min {min(times):.3f}, max {max(times):.3f})")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--threads", type=int, default=1, help="OpenMP/BLAS threads (1: one job)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--parts", default="segmentation",
                        help="comma-separated: segmentation, selection, grid")
    args = parser.parse_args()
    silver = args.data_dir / "03_silver" / "customers.parquet"
    clustered = args.data_dir / "03_silver" / "customers_clustered.parquet"
    parts = args.parts.split(",")
    unknown = set(parts) - {"segmentation", "selection", "grid"}
    if unknown:
        parser.error(f"unknown parts {sorted(unknown)}: segmentation, selection, grid")
    # The original suppressed them (§7.5): the invalid candidates' failures, saga's convergence.
    warnings.filterwarnings("ignore")
    with threadpool_limits(limits=args.threads):
        print(f"threads {sorted({(p['user_api'], p['num_threads']) for p in threadpool_info()})}")
        if "segmentation" in parts:
            times, (shape, table, sizes) = timed(lambda: segmentation(silver), args.repeats)
            print(summary("segmentation (the original's study)", times))
            print(f"matrix {shape[0]} x {shape[1]}; plane clusters {sizes}")
            for k, inertia, silhouette in table:
                print(f"  k = {k:2}: inertia {inertia:10.2f}, silhouette {silhouette:.4f}")
        if "selection" in parts:
            times, aucs = timed(lambda: selection(clustered, args.threads), args.repeats)
            print(summary("model selection (11 models x 5 folds)", times))
            for name, auc in aucs:
                print(f"  {name:27} mean ROC AUC {auc:.4f}")
        if "grid" in parts:
            times, (best, ap) = timed(lambda: grid(clustered), args.repeats)
            print(summary("logistic grid (336 candidates x 5 folds)", times))
            print(f"  best {best}, mean AP {ap:.4f}")


if __name__ == "__main__":
    main()
