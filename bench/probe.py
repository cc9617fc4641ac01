"""Per-stage wall time, CPU time and peak memory for one in-process ``horizon digest``.

Why wrappers and not a profiler: a profiler slows the run several-fold and blurs what
Prefect costs between tasks. Each stage function is wrapped where the flow looks it up;
whatever the wrapped stages do not account for (task and flow engine, start-up, the
temporary API) is reported as the remainder. Memory is the process's resident set,
sampled every few milliseconds, so a stage's peak is the largest RSS seen while it ran.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections import defaultdict
from dataclasses import dataclass

PAGE = os.sysconf("SC_PAGE_SIZE")
TICK = os.sysconf("SC_CLK_TCK")

# (module, attribute, stage, nested): nested stages run inside another and are not subtracted.
STAGES = (
    ("flows.week", "fetch_week", "fetch (all sources)", False),
    ("horizon.store", "Store.upsert", "store (upsert)", False),
    ("flows.ics_digest", "make_digest", "per-ICS digests (sum, incl. below)", True),
    ("flows.ics_digest", "reusable", "  same-week check", True),
    ("flows.ics_digest", "candidates", "select", False),
    ("flows.stages", "one_per_thing", "dedup", False),
    ("classifiers", "ensure_current", "model (load/train)", False),
    ("classifiers", "AreaClassifier.classify", "classify", False),
    ("classifiers.explain", "Explainer.explain", "  explain (batch)", True),
    ("flows.week", "link_technologies", "link technologies", False),
    ("flows.ics_digest", "read_nice_overviews", "NICE guidance pages", False),
    ("flows.ics_digest", "assemble", "assemble", False),
    ("flows.ics_digest", "with_technologies", "technologies section", False),
    ("steps.pipeline", "rank", "  rank", True),
    ("outputs", "write_all", "write files (the writers stream inside)", False),
    ("flows.publishing", "update_feed", "write feed.atom", False),
    ("horizon.store", "Store.record_digest", "record digest", False),
)
# Measured only on Prefect's engine: importing them imports Prefect.
PREFECT_STAGES = (
    ("flows.publish", "leave_artifacts", "artifacts", False),
)
START_UP = "start-up (imports; Prefect: API, flow run)"


def rss() -> int:
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[1]) * PAGE


@dataclass
class Figure:
    wall: float = 0.0
    cpu: float = 0.0
    peak: int = 0
    calls: int = 0
    nested: bool = False


class Probe:
    """Collects figures per stage; ``install`` wraps the stage functions."""

    def __init__(self, interval: float = 0.005):
        self.figures: dict[str, Figure] = defaultdict(Figure)
        self.started = time.perf_counter()
        self.cpu_started = time.process_time()
        self._active: dict[int, tuple[str, list[int]]] = {}
        self._lock = threading.Lock()
        self._peak = [rss()]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, args=(interval,), daemon=True)
        self._thread.start()

    def _sample(self, interval: float) -> None:
        while not self._stop.wait(interval):
            now = rss()
            self._peak[0] = max(self._peak[0], now)
            with self._lock:
                for _, peak in self._active.values():
                    peak[0] = max(peak[0], now)

    def wrap(self, fn, stage: str, nested: bool):
        probe = self

        @functools.wraps(fn)
        def timed(*args, **kwargs):
            token, peak = object(), [rss()]
            with probe._lock:
                probe._active[id(token)] = (stage, peak)
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                figure = probe.figures[stage]
                with probe._lock:
                    del probe._active[id(token)]
                    figure.wall += time.perf_counter() - wall
                    figure.cpu += time.process_time() - cpu
                    figure.peak = max(figure.peak, peak[0], rss())
                    figure.calls += 1
                    figure.nested = nested

        return timed

    def install(self, prefect: bool = True) -> None:
        """Wrap every stage, plus each scanner's ``parse`` and each writer's ``stream``."""
        import importlib

        import outputs
        import scanners

        for module, attribute, stage, nested in STAGES + (PREFECT_STAGES if prefect else ()):
            owner = importlib.import_module(module)
            *path, name = attribute.split(".")
            for part in path:
                owner = getattr(owner, part)
            if hasattr(owner, name):  # a stage another branch renamed is simply not measured
                setattr(owner, name, self.wrap(getattr(owner, name), stage, nested))
        import flows.week

        opener = flows.week.open_run

        def open_run(*args, **kwargs):
            self.figures[START_UP] = Figure(
                wall=time.perf_counter() - self.started, cpu=time.process_time() - self.cpu_started,
                peak=self._peak[0], calls=1)
            return opener(*args, **kwargs)

        flows.week.open_run = open_run
        for cls in {c for c in scanners.REGISTRY.values()}:
            if "parse" in cls.__dict__:
                cls.parse = self.wrap(cls.parse, "  parse (in fetch, summed over threads)", True)
        for fmt, cls in outputs.REGISTRY.items():  # writers stream into the files: nested in "write files"
            cls.stream = self.wrap(cls.stream, f"  render {fmt}", True)

    def finish(self) -> dict:
        """Every stage's figures, the unaccounted remainder and the process totals, as plain data."""
        self._stop.set()
        wall = time.perf_counter() - self.started
        cpu = time.process_time() - self.cpu_started
        rows = {stage: vars(f) for stage, f in self.figures.items()}
        top = [f for f in self.figures.values() if not f.nested]
        rows["engine, start-up and other (remainder)"] = {
            "wall": wall - sum(f.wall for f in top), "cpu": cpu - sum(f.cpu for f in top),
            "peak": self._peak[0], "calls": 1, "nested": False}
        return {"stages": rows, "wall": wall, "cpu": cpu, "peak": self._peak[0], "children_cpu": children_cpu()}


def children_cpu() -> float:
    """CPU seconds of this process's live child processes (Prefect's temporary API server)."""
    total, me = 0.0, str(os.getpid())
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == me:
            total += (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / TICK
    return total
