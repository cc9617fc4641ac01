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
import pickle
import random
import resource
import time

import numpy as np
from joblib import Parallel, delayed

from classifiers import AreaClassifier, score_texts
from classifiers.records import read_records
from classifiers.training import BUNDLED, label_matrix, new_model, training_set
from horizon.config import load_config
from horizon.items import Item


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
    wall, _, extra, _ = measured(lambda: new_model(priorities, n_jobs=2).fit(texts, Y), pooled=False)
    print(f"training on {args.train} labelled items, 2 processes: {wall:.1f} s wall")
    _, cpu, extra, _ = measured(lambda: new_model(priorities, n_jobs=1).fit(texts, Y), pooled=False)
    print(f"training on {args.train} labelled items, 1 process: {cpu:.1f} s of CPU, extra memory {extra:.0f} MB")

    data = training_set(priorities)
    model = new_model(priorities).fit(data.texts, data.Y)
    plain = plain_pipeline(data.texts, data.Y)
    texts, _ = synthetic(args.items, seed=2)
    items = [Item(id=f"bench:{i}", source="bench", type="news", title=text) for i, text in enumerate(texts)]
    classifier = AreaClassifier(priorities, model)
    paths = [("plain scikit-learn pipeline, predict_proba", lambda: plain.predict_proba(texts), False),
             ("this model, predict_proba (horizon classify)", lambda: model.predict_proba(texts), False),
             ("this model, classify with why (weekly flow)", lambda: classifier.classify(items), False),
             ("this model, 2 processes (score_texts n_jobs=2)", lambda: score_texts(model, texts, n_jobs=2), True)]
    print(f"{args.items:,} items; each path runs in a fresh fork of this process; extra memory is its peak RSS "
          "over the RSS at the fork")
    for name, run, pooled in paths:
        wall, cpu, extra, workers = measured(run, pooled)
        shown = f"; workers {' + '.join(f'{w:.0f}' for w in workers)} MB" if workers else ""
        print(f"  {name:<48} {wall:5.1f} s wall ({args.items / wall:>7,.0f} items/s), {cpu:5.1f} s CPU here, "
              f"extra memory {extra:4.0f} MB{shown}", flush=True)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


def measured(run, pooled: bool) -> tuple[float, float, float, list[float]]:
    """(wall s, CPU s of this process, extra peak RSS MB, peak RSS MB of the joblib workers if pooled) of run().

    Run in a fork, so each path's peak memory is its own and not the high-water mark of an earlier one
    (and every joblib pool starts fresh: this process never starts one, a fork could not reuse it).
    """
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: run, report, and leave without the parent's clean-up
        os.close(read)
        before = _rss_mb()
        start, cpu = time.perf_counter(), time.process_time()
        run()
        wall, used = time.perf_counter() - start, time.process_time() - cpu
        workers = Parallel(n_jobs=2)(delayed(_peak_mb)() for _ in range(2)) if pooled else []  # the same workers
        with os.fdopen(write, "wb") as out:
            pickle.dump((wall, used, _peak_mb() - before, workers), out)
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as got:
        figures = pickle.load(got)
    os.waitpid(pid, 0)
    return figures


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


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
