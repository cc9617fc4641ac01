"""Classifier speed: items/s for the `horizon classify` path, training time, peak memory.

Synthetic items recombine titles and summaries of the bundled dev set, so the
vocabulary is realistic. Prints figures; asserts nothing.

    uv run python bench/classifier.py [--items 100000] [--train 10000]
"""

from __future__ import annotations

import argparse
import random
import resource
import time

import numpy as np

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

    texts, Y = synthetic(args.train, seed=1)
    start = time.perf_counter()
    new_model(priorities).fit(texts, Y)
    print(f"training on {args.train} labelled items: {time.perf_counter() - start:.1f} s")

    model = new_model(priorities).fit(training_set(priorities).texts, training_set(priorities).Y)
    items, _ = synthetic(args.items, seed=2)
    score_texts(model, items[:2000])  # warm up the worker processes
    start = time.perf_counter()
    scores = score_texts(model, items)
    took = time.perf_counter() - start
    print(f"classify {args.items} items: {took:.1f} s, {args.items / took:,.0f} items/s "
          f"({int((scores > 0.5).any(axis=1).sum())} with an area)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MB (largest worker process {children:.0f} MB)")


if __name__ == "__main__":
    main()
