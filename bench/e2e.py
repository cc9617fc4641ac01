"""End to end: a synthetic week of N items through the real ``horizon digest``, stage by stage.

    uv run python bench/e2e.py                      # N = 1,000, 10,000 and 100,000
    uv run python bench/e2e.py --items 1000 10000   # only these sizes
    uv run python bench/e2e.py --sample             # `horizon digest --sample`, fresh and warm, on both engines
    uv run python bench/e2e.py --engine prefect     # the N-item weeks on Prefect's engine (default: plain)

For each N the week (bench/synth.py) is served from a local HTTP server in this
process; the digest runs twice in a child process each (the first run on an empty
store, then the same week again: nothing new, conditional requests), with its own
store, output folder and Prefect home. Each child measures its stages (bench/probe.py)
and this process prints wall, CPU and peak memory per stage. Figures, not assertions:
the machine's load is printed with them. ``--sample`` runs `horizon digest --sample`
fresh (new folder, no trained model; on Prefect also a new Prefect home) and warm (the
model and Prefect home of the fresh run), on the plain engine and on Prefect's.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def child(args: argparse.Namespace) -> None:
    """Run ``horizon digest`` in this process under the probe; write the figures to ``--result``."""
    from bench.probe import Probe

    probe = Probe()
    from apps.cli import app
    from apps.cli.digest import prepare_prefect

    prefect = args.engine == "prefect"
    if prefect:
        prepare_prefect()  # the CLI's own Prefect settings, before the probe's imports load Prefect
    probe.install(prefect=prefect)
    argv = ["digest", "--engine", args.engine, *(["--sample"] if args.sample_run else ["--config", args.config])]
    try:
        app(argv, standalone_mode=False)
        error = None
    except BaseException as err:  # noqa: BLE001 - reported by the parent with the child's log
        error = f"{type(err).__name__}: {err}"
    figures = probe.finish()
    figures["error"] = error
    Path(args.result).write_text(json.dumps(figures), encoding="utf-8")


def run_child(work: Path, name: str, env: dict[str, str], *extra: str) -> dict:
    result, log = work / f"{name}.json", work / f"{name}.log"
    started = time.perf_counter()
    with log.open("w") as out:
        subprocess.run([sys.executable, __file__, "--child", "--result", str(result), *extra],
                       env=env, stdout=out, stderr=subprocess.STDOUT, cwd=work, check=False)
    figures = json.loads(result.read_text()) if result.exists() else {"error": "no result", "stages": {}}
    figures["process_wall"] = time.perf_counter() - started
    if figures.get("error"):
        print(f"{name}: FAILED {figures['error']}\n{log.read_text()[-3000:]}", file=sys.stderr)
    return figures


def write_config(work: Path, url: str) -> Path:
    import yaml

    from bench.synth import sources_yaml
    from horizon.config import DEFAULT_DIR

    config = work / "config"
    config.mkdir()
    shutil.copy(DEFAULT_DIR / "priorities.yaml", config / "priorities.yaml")
    (config / "sources.yaml").write_text(yaml.safe_dump(sources_yaml(url)))
    settings = {"store_url": f"sqlite:///{work / 'store.db'}", "output_dir": str(work / "digests"),
                "http": {"requests_per_second": 100, "retries": 0, "source_retries": 0, "read_timeout": 120}}
    (config / "settings.yaml").write_text(yaml.safe_dump(settings))
    return config


def environment(work: Path, prefect_home: Path, models: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API_URL", "HORIZON_STORE_URL",
                                                                    "HORIZON_ENGINE"))}
    env.update(PREFECT_HOME=str(prefect_home), HORIZON_MODEL_DIR=str(models or work.parent / "models"),
               PREFECT_SERVER_ANALYTICS_ENABLED="false", PYTHONPATH=str(ROOT))
    return env


def bench_items(n: int, base: Path, prefect_home: Path, engine: str) -> list[tuple[str, dict, dict]]:
    from bench.synth import serve, synthesise
    from steps.pipeline import today_in_london

    work = base / f"n{n}"
    work.mkdir()
    week = synthesise(n, today_in_london())
    with serve(week) as (url, served):
        config = write_config(work, url)
        env = environment(work, prefect_home)
        runs = []
        for name in ("first", "second"):
            before = dict(served)
            figures = run_child(work, f"{name}", env, "--config", str(config), "--engine", engine)
            figures["requests"] = {k: v - before.get(k, 0) for k, v in served.items() if v - before.get(k, 0)}
            runs.append((f"{n:,} items, {name} run, {engine} engine", figures, {}))
    return runs


def bench_sample(base: Path) -> list[tuple[str, dict, dict]]:
    runs = []
    for engine in ("plain", "prefect"):
        home, models = base / f"prefect-home-{engine}", base / f"models-{engine}"
        for state in ("fresh", "warm"):
            work = base / f"sample-{engine}-{state}"
            work.mkdir()
            figures = run_child(work, "sample", environment(work, home, models), "--sample-run", "--engine", engine)
            runs.append((f"--sample, {engine} engine, {state}" + (" Prefect home" if engine == "prefect" else ""),
                         figures, {}))
    return runs


def table(title: str, figures: dict) -> str:
    lines = [f"\n{title}", f"{'stage':44} {'wall s':>8} {'CPU s':>8} {'peak MB':>8} {'calls':>6}"]
    for stage, f in figures["stages"].items():
        lines.append(f"{stage:44} {f['wall']:8.2f} {f['cpu']:8.2f} {f['peak'] / 2**20:8.0f} {f['calls']:6}")
    lines.append(f"{'total in process':44} {figures.get('wall', 0):8.2f} {figures.get('cpu', 0):8.2f} "
                 f"{figures.get('peak', 0) / 2**20:8.0f}")
    lines.append(f"{'whole child process (start to exit)':44} {figures['process_wall']:8.2f}")
    lines.append(f"{'child processes CPU (Prefect API server)':44} {'':8} {figures.get('children_cpu', 0):8.2f}")
    if figures.get("requests"):
        lines.append(f"requests served: {figures['requests']}")
    return "\n".join(lines)


def machine() -> str:
    load = os.getloadavg()
    return (f"machine: {os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, "
            f"Python {sys.version.split()[0]}, {date.today().isoformat()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--sample", action="store_true", help="measure `horizon digest --sample`, fresh and warm")
    parser.add_argument("--engine", choices=["plain", "prefect"], default="plain",
                        help="the engine of the N-item runs (--sample measures both)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (stores, digests, logs)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--sample-run", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    base = Path(tempfile.mkdtemp(prefix="horizon-bench-e2e-"))
    print(machine())
    try:
        batches = [lambda: bench_sample(base)] if args.sample else [
            (lambda n=n: bench_items(n, base, base / "prefect-home", args.engine)) for n in args.items]
        done = []
        for batch in batches:
            for title, figures, _ in batch():
                print(table(title, figures), flush=True)
                done.append((title, figures))
        print("\nwhole process, wall (CPU in process):")
        for title, figures in done:
            print(f"  {title:52} {figures['process_wall']:7.1f} s ({figures.get('cpu', 0):.1f} CPU-s)")
    finally:
        print(machine())
        if args.keep:
            print(f"work folder kept: {base}", file=sys.stderr)
        else:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
