"""Classifier speed: items/s for the `horizon classify` path beside a plain scikit-learn pipeline.

Synthetic items recombine titles and summaries of the bundled dev set, so the
vocabulary is realistic. The plain pipeline (TfidfVectorizer + one-vs-rest
LogisticRegression, the learning bench's baseline) is trained on the same
labels and scores the same items in the same run. Prints figures; asserts nothing.

    uv run python bench/classifier.py [--items 100000] [--train 10000]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import time

import numpy as np
from joblib import Parallel, delayed

from classifiers import score_texts
from classifiers.records import read_records
from classifiers.training import BUNDLED, label_matrix, new_model, training_set
from horizon.config import load_config


def synthetic(n: int, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """n texts made from one dev title and another dev summary, labelled with the union of their areas."""
    priorities = load_config().priorities
    records = read_records(BUNDLED)
    Y = label_matrix(records, priorities, priorities.ids)
    rng = random.Random(seed)
    texts, rows = [], []
    for _ in range(n):
        a, b = rng.randrange(len(records)), rng.randrange(len(records))
        texts.append(f"{records[a].title}\n{records[b].summary}")
        rows.append(Y[a] | Y[b])
    return texts, np.array(rows, dtype=np.int8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--train", type=int, default=10_000)
    args = parser.parse_args()
    priorities = load_config().priorities

    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
          "(wall-clock figures assume the machine is otherwise idle)")
    texts, Y = synthetic(args.train, seed=1)
    start = time.perf_counter()
    new_model(priorities, n_jobs=2).fit(texts, Y)
    print(f"training on {args.train} labelled items, 2 processes: {time.perf_counter() - start:.1f} s wall")
    cpu = time.process_time()
    new_model(priorities, n_jobs=1).fit(texts, Y)
    print(f"training on {args.train} labelled items, 1 process: {time.process_time() - cpu:.1f} s of CPU")

    data = training_set(priorities)
    model = new_model(priorities).fit(data.texts, data.Y)
    plain = plain_pipeline(data.texts, data.Y)
    items, _ = synthetic(args.items, seed=2)
    start, cpu = time.perf_counter(), time.process_time()
    plain.predict_proba(items)
    plain_wall, plain_cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"plain scikit-learn pipeline, {args.items} items in one process: {plain_wall:.1f} s wall "
          f"({args.items / plain_wall:,.0f} items/s), {plain_cpu:.1f} s CPU")
    start, cpu = time.perf_counter(), time.process_time()
    model.predict_proba(items)
    wall, used = time.perf_counter() - start, time.process_time() - cpu
    print(f"this model, {args.items} items in one process: {wall:.1f} s wall ({args.items / wall:,.0f} items/s), "
          f"{used:.1f} s CPU")
    cpu = time.process_time()
    model.predict_proba(items[:10_000])
    one_core = 10_000 / (time.process_time() - cpu)
    print(f"classify, one process: {one_core:,.0f} items/s of CPU time")
    start = time.perf_counter()
    scores = score_texts(model, items)
    took = time.perf_counter() - start
    print(f"classify {args.items} items on 2 processes: {took:.1f} s wall, {args.items / took:,.0f} items/s "
          f"({int((scores > 0.5).any(axis=1).sum())} with an area)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = Parallel(n_jobs=2)(delayed(_peak_mb)() for _ in range(2))  # the same (reused) worker processes
    print(f"peak RSS: main {peak:.0f} MB, workers {', '.join(f'{w:.0f}' for w in workers)} MB")


def plain_pipeline(texts: list[str], Y: np.ndarray):
    """TfidfVectorizer + one-vs-rest logistic regression, fitted on the same labels (unknown as 0)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline

    pipeline = make_pipeline(TfidfVectorizer(), OneVsRestClassifier(LogisticRegression(class_weight="balanced")))
    return pipeline.fit(texts, np.where(Y < 0, 0, Y))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
