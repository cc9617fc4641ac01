"""``horizon classify / evaluate / train / label``: the area classifier from the command line."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import typer

from apps.cli import app
from apps.cli.terminal import SAMPLE
from horizon.caps import MAX_FILE_BYTES, MAX_LINE_BYTES
from horizon.config import load_config
from horizon.errors import HorizonError, InputError
from horizon.icss import find

CONFIG = typer.Option(None, "--config", help="Config directory (default: the bundled defaults).")
MODEL = typer.Option(None, "--model-dir", help="Saved model folder (default: a per-user cache).")
ICS = typer.Option(None, "--ics", help="With icss.yaml: the ICS whose labels and model these are.")


def _one_line_errors(command):
    """Print project errors as one line and exit 1, also when run through CliRunner."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except HorizonError as err:
            typer.secho(f"error: {err}", err=True, fg=typer.colors.RED)
            raise typer.Exit(1) from err
    return wrapper


@app.command()
@_one_line_errors
def classify(file: Path = typer.Argument(..., help="Items as JSON lines or CSV with id, title, summary."),
             out: Path | None = typer.Option(None, "--out", help="Write JSON lines here instead of stdout."),
             config: Path | None = CONFIG, model_dir: Path | None = MODEL,
             max_bytes: int = typer.Option(MAX_FILE_BYTES, "--max-bytes", min=1, help="Refuse a larger input file."),
             max_line_bytes: int = typer.Option(MAX_LINE_BYTES, "--max-line-bytes", min=1,
                                                help="Refuse an input line longer than this."),
             why: bool = typer.Option(False, "--why", help="Also give, per assigned area, the terms that decided "
                                                           "it (about four times the time of scores alone).")) -> None:
    """Assign priority areas to items: one JSON line per item with its areas and scores (and why)."""
    from classifiers import load_classifier, score_texts
    from classifiers.records import read_records

    cfg = load_config(config)
    priorities = cfg.priorities
    records = read_records(file, max_bytes=max_bytes, max_line_bytes=max_line_bytes)
    classifier = load_classifier(priorities, model_dir, cfg.settings.store_url)
    if why:
        lines = [json.dumps({"id": v.item_id, "areas": list(v.areas), "scores": v.scores,
                             "why": {a: list(terms) for a, terms in v.why.items()}})
                 for v in classifier.classify(records)]
    else:
        ids, lines = priorities.ids, []
        for record, row in zip(records, score_texts(classifier.estimator, [r.text for r in records]).tolist()):
            lines.append(json.dumps({"id": record.id, "areas": [a for a, s in zip(ids, row) if s > 0.5],
                                     "scores": {a: round(s, 4) for a, s in zip(ids, row)}}))
    text = "\n".join(lines) + "\n"
    if out:
        out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


@app.command()
@_one_line_errors
def evaluate(file: Path = typer.Argument(..., help="Labelled items: JSON lines or CSV with an 'areas' field."),
             cv: int | None = typer.Option(None, "--cv", help="K-fold cross-validation on FILE (thresholds "
                                              "tuned inside each fold)."),
             repeats: int = typer.Option(1, "--repeats", min=1, help="With --cv: draw the K-fold split this "
                                         "many times (seeds 0..R-1) and report the mean."),
             config: Path | None = CONFIG, model_dir: Path | None = MODEL) -> None:
    """Per-area precision, recall and F1, micro/macro F1 and WSS@95, beside plain TF-IDF + LR and keyword rules."""
    from classifiers.evaluation import evaluate_file, render

    cfg = load_config(config)
    render(evaluate_file(cfg.priorities, file, cv, model_dir, repeats, cfg.settings.store_url))


@app.command()
@_one_line_errors
def train(labels: Path | None = typer.Option(None, "--labels", help="Labelled items (default: bundled dev set)."),
          cv: int = typer.Option(5, "--cv", help="Folds for the reported cross-validated F1 (0: skip)."),
          config: Path | None = CONFIG, model_dir: Path | None = MODEL, sample: bool = SAMPLE,
          ics: str | None = ICS) -> None:
    """Fit the classifier on the labels plus the store's reviewer judgements, and save it.

    With ``--ics`` it fits that ICS's model (its areas, its reviewers' labels), in the folder its
    weekly digest and the workspace use.
    """
    from classifiers import persist, training
    from flows.training_job import ics_model_dir
    from horizon.store import Store
    from horizon.store_icss import IcsStore

    cfg = load_config(config)
    chosen = find(cfg, ics) if ics else None
    priorities = chosen.config.priorities if chosen else cfg.priorities
    store = Store(cfg.store_for(sample))
    try:
        own = IcsStore(store, chosen.id, chosen.first) if chosen and not chosen.single else store
        data = training.training_set(priorities, labels, own)
    finally:
        store.close()
    default = ics_model_dir(chosen, cfg.settings.store_url) if chosen \
        else persist.default_model_dir(cfg.priorities, cfg.settings.store_url)
    target = model_dir or Path(default)
    training.train(priorities, data, target, cv=cv or None)
    info = persist.read_info(target)
    f1 = f", cross-validated macro F1 {info['cv_macro_f1']:.3f}" if info.get("cv_macro_f1") is not None else ""
    typer.echo(f"trained on {len(data.texts)} items ({data.store_labels} reviewer labels){f1}; saved to {target}")


@app.command()
@_one_line_errors
def label(item_id: str = typer.Argument(..., help="Store id of the item, e.g. ctgov:NCT01234567."),
          area: str | None = typer.Option(None, "--area", help="Area id the judgement is about."),
          not_relevant: bool = typer.Option(False, "--not-relevant", help="The item does not belong to AREA "
                                            "(without --area: to no area at all)."),
          reviewer: str = typer.Option("cli", "--reviewer", help="Who judged."),
          config: Path | None = CONFIG, sample: bool = SAMPLE, ics: str | None = ICS) -> None:
    """Record a reviewer's judgement; the next training run (of that ICS, with --ics) learns from it."""
    from horizon.store import Store, store_label
    from horizon.store_scopes import add_label

    cfg = load_config(config)
    chosen = find(cfg, ics) if ics else None  # one-line error listing the configured ICSs
    if area is not None:
        (chosen.config if chosen else cfg).priorities.area(area)  # one-line error listing the valid ids
    elif not not_relevant:
        raise InputError("give --area AREA, or --not-relevant on its own for 'no area at all'")
    store = Store(cfg.store_for(sample))
    try:
        if not store.get([item_id]):
            where = "the sample store; run `horizon digest --sample` first?" if sample else store_label(store.url)
            raise InputError(f"{item_id}: no such item in {where}")
        if chosen:
            add_label(store, chosen, item_id, area, not not_relevant, reviewer)
        else:
            store.add_label(item_id, area, not not_relevant, reviewer)
    finally:
        store.close()
    verdict = "not relevant" if not_relevant else "relevant"
    where = f" in {chosen.id}" if chosen and not chosen.single else ""
    typer.echo(f"{item_id}: {verdict} to {area or 'any area'} (by {reviewer}){where}")
