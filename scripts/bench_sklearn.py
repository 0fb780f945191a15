"""The scikit-learn original's segmentation, timed on this machine beside this crate's.

    .venv-bench/bin/python scripts/bench_sklearn.py DATA_DIR [--threads N] [--repeats R]

DATA_DIR is a data folder where `campaign-study layers` ran (its silver customers). The timed part
is the original's study as SEED_STUDY.md §6 describes it, the part `examples/bench_case.rs`
times in this crate: read the silver table, the 42-feature ColumnTransformer, KMeans(k,
random_state=42, n_init=10) for k = 2..10 with inertia and silhouette, PCA(2), KMeans(3) in the
plane. Each run is timed whole; the median of R runs is printed, with the k table (the same
work: SEED_STUDY.md's inertias 19,639.45 ... 13,131.54) and the BLAS/OpenMP threads used.
Set-up (a venv of its own): python3 -m venv .venv-bench &&
.venv-bench/bin/pip install -r requirements-bench.txt
"""

import argparse
import statistics
import time
from pathlib import Path

import pandas as pd
from sklearn.cluster import KMeans
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import MinMaxScaler, OneHotEncoder, PowerTransformer, StandardScaler
from threadpoolctl import threadpool_info, threadpool_limits

ONE_HOT = ["Education", "Marital_Status", "AgeGroup", "Children", "HasChildren", "Complain",
           "Years_Since_Enrolled", "AcceptedCmpTotal", "HasAcceptedCmp", "Response"]
STANDARD = ["Income", "Age"]
POWER = ["NumDealsPurchases", "NumWebVisitsMonth", "NumTotalPurchases", "MntRegularProds",
         "MntGoldProds", "MntTotal"]
MIN_MAX = ["Recency", "Dt_Customer_Month", "Dt_Customer_Quarter", "Days_Since_Enrolled"]


def segmentation(silver: Path):
    """The original's study, start to end; returns the k table and the plane's cluster sizes."""
    data = pd.read_parquet(silver)
    transformer = ColumnTransformer([
        ("one_hot_encoder", OneHotEncoder(), ONE_HOT),
        ("standard_scaler", StandardScaler(), STANDARD),
        ("power_transformer", PowerTransformer(), POWER),
        ("min_max_scaler", MinMaxScaler(), MIN_MAX),
    ], sparse_threshold=0)
    x = transformer.fit_transform(data)
    table = []
    for k in range(2, 11):
        model = KMeans(n_clusters=k, random_state=42, n_init=10).fit(x)
        table.append((k, model.inertia_, silhouette_score(x, model.labels_)))
    plane = PCA(n_components=2, random_state=42).fit_transform(x)
    labels = KMeans(n_clusters=3, random_state=42, n_init=10).fit(plane).labels_
    return x.shape, table, sorted(pd.Series(labels).value_counts().tolist())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--threads", type=int, default=1, help="OpenMP/BLAS threads (1: one job)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    silver = args.data_dir / "03_silver" / "customers.parquet"
    times = []
    with threadpool_limits(limits=args.threads):
        pools = sorted({(p["user_api"], p["num_threads"]) for p in threadpool_info()})
        for _ in range(args.repeats):
            start = time.perf_counter()
            shape, table, sizes = segmentation(silver)
            times.append(time.perf_counter() - start)
    print(f"scikit-learn segmentation (the original's study): median {statistics.median(times):.3f} s"
          f" of {args.repeats} (min {min(times):.3f}, max {max(times):.3f}); threads {pools}")
    print(f"matrix {shape[0]} x {shape[1]}; plane clusters {sizes}")
    for k, inertia, silhouette in table:
        print(f"  k = {k:2}: inertia {inertia:10.2f}, silhouette {silhouette:.4f}")


if __name__ == "__main__":
    main()
