"""Learning curve: macro F1 on held-back bundled items as a simulated team reviews k more.

For each seed the bundled labelled set (classifiers/data/dev.jsonl) is cut into
4 test parts; for each part the model trains on 40 other items (the "bundled"
labels) plus k reviewed items from the remaining pool, and scores the part.
Reviewed items weigh what the product gives a reviewer's judgement. Printed beside a plain TF-IDF + one-vs-rest logistic regression trained on the
same items, and the keyword rules alone (which need no training). Prints
figures; asserts nothing.

    uv run python bench/learning.py [--seeds 0 1 2 3 4] [--ks 0 25 50 100 150]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from classifiers.curve import model_fit, plain_fit, simulate
from classifiers.features import keyword_hits
from classifiers.metrics import f1_scores
from classifiers.records import read_records
from classifiers.training import BUNDLED, REVIEWER_WEIGHT, label_matrix, new_model
from horizon.config import load_config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--ks", type=int, nargs="+", default=[0, 25, 50, 100, 150])
    parser.add_argument("--base", type=int, default=40, help="items every run starts from (the 'bundled' part)")
    args = parser.parse_args()
    priorities = load_config().priorities
    records = read_records(BUNDLED)
    texts, Y = [r.text for r in records], label_matrix(records, priorities, priorities.ids)
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
          f"{len(texts)} labelled items, seeds {args.seeds}, 4 test parts each, base {args.base} items")
    start = time.perf_counter()
    curves = simulate(texts, Y, {"this model": model_fit(lambda: new_model(priorities, n_jobs=1)),
                                 "plain TF-IDF + LR": plain_fit}, ks=args.ks, seeds=args.seeds, base=args.base,
                      reviewer_weight=REVIEWER_WEIGHT)
    keywords = f1_scores(Y, (keyword_hits(priorities.areas, texts) > 0).astype(int))["macro"]
    print(f"({time.perf_counter() - start:.0f} s)\n")
    print("macro F1 on held-back items, mean over seeds (min-max)")
    print(f"{'reviewed items k':<20}" + "".join(f"{k:>18}" for k in args.ks))
    for curve in curves:
        cells = [f"{m:.3f} ({lo:.2f}-{hi:.2f})" for m, lo, hi in
                 zip(curve.mean, curve.f1.min(axis=0), curve.f1.max(axis=0))]
        print(f"{curve.name:<20}" + "".join(f"{c:>18}" for c in cells))
    print(f"{'keyword rules':<20}" + "".join(f"{keywords:>18.3f}" for _ in args.ks))
    ours, plain = curves
    rises = bool(np.all(np.diff(ours.mean) > 0))
    above = bool(np.all(ours.f1 > plain.f1))
    print(f"\nthis model rises with k at every step: {rises}; above plain at every k and seed: {above}")


if __name__ == "__main__":
    main()
