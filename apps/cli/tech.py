"""``horizon tech``: the live database of innovations from the terminal (results on stdout, JSON lines)."""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

import typer

from apps.cli import app
from apps.cli.terminal import SAMPLE as SAMPLE_OPTION
from horizon.config import load_config

tech_app = typer.Typer(help="Tracked technologies: list, show a dossier, add, link evidence.", no_args_is_help=True)
app.add_typer(tech_app, name="tech")
CONFIG_OPTION = typer.Option(None, "--config", help="Config directory (default: the bundled one).")


@contextmanager
def _techs(config: Path | None, sample: bool):
    from horizon.store import Store
    from horizon.store_tech import Technologies

    cfg = load_config(config)
    store = Store(cfg.store_for(sample))
    try:
        yield cfg, Technologies(store)
    finally:
        store.close()


@tech_app.command("list")
def list_(sample: bool = SAMPLE_OPTION, config: Path | None = CONFIG_OPTION) -> None:
    """One JSON line per tracked technology: id, name, stage, areas, evidence counts, linked item ids."""
    from horizon.tech.dossier_data import summary

    with _techs(config, sample) as (cfg, techs):
        if sample:  # the sample's technologies, even before the first sample digest
            from horizon.tech import seed
            from horizon.tech.link import link_store
            from scanners.replay import SAMPLE_DIR

            added = seed.apply(techs, seed.read(SAMPLE_DIR / seed.FILENAME, cfg.priorities.ids))
            if added:
                link_store(techs, only=added)
        for record in techs.all():
            typer.echo(json.dumps(summary(techs, record), ensure_ascii=False))


@tech_app.command("show")
def show(tech_id: str = typer.Argument(..., help="The technology's id (see `horizon tech list`)."),
         sample: bool = SAMPLE_OPTION, config: Path | None = CONFIG_OPTION) -> None:
    """The technology's dossier as Markdown, fit to paste into a board paper."""
    from horizon.tech.dossier_data import dossier
    from outputs.dossier import markdown

    with _techs(config, sample) as (cfg, techs):
        typer.echo(markdown(dossier(techs, techs.require(tech_id), cfg.priorities)), nl=False)


@tech_app.command("add")
def add(name: str = typer.Argument(..., help="The technology's name, e.g. 'HeartFlow FFRCT'."),
        alias: list[str] = typer.Option([], "--alias", help="Another name it goes by (repeatable)."),
        area: list[str] = typer.Option([], "--area", help="A priority area id (repeatable)."),
        kind: str = typer.Option("other", "--kind", help="device, diagnostic, digital, ai, medicine, pathway, other."),
        developer: str = typer.Option("", "--developer", help="Who makes it."),
        sample: bool = SAMPLE_OPTION, config: Path | None = CONFIG_OPTION) -> None:
    """Track a new technology and link every stored item that names it; prints its JSON line."""
    from horizon.errors import InputError
    from horizon.tech.dossier_data import summary
    from horizon.tech.link import link_store

    with _techs(config, sample) as (cfg, techs):
        unknown = [a for a in area if a not in cfg.priorities.ids]
        if unknown:
            raise InputError(f"--area: unknown area '{unknown[0]}'; valid areas: {', '.join(cfg.priorities.ids)}")
        tech_id = techs.add(name, alias, kind=kind, developer=developer, areas=area, by="cli")
        made = link_store(techs, only=[tech_id])
        typer.echo(json.dumps(summary(techs, techs.require(tech_id)), ensure_ascii=False))
        typer.echo(f"added {tech_id}; linked {made} stored items by alias", err=True)


@tech_app.command("link")
def link(tech_id: str = typer.Argument(..., help="The technology's id."),
         item_id: str = typer.Argument(..., help="A stored item's id, e.g. nice:DG35."),
         reject: bool = typer.Option(False, "--reject", help="Record that the item is NOT about it."),
         sample: bool = SAMPLE_OPTION, config: Path | None = CONFIG_OPTION) -> None:
    """Link an item to a technology by hand (a confirmed link), or reject a link; kept across re-runs."""
    from horizon.tech.dossier_data import summary

    with _techs(config, sample) as (_, techs):
        techs.decide(tech_id, item_id, "rejected" if reject else "confirmed", by="cli")
        typer.echo(json.dumps(summary(techs, techs.require(tech_id)), ensure_ascii=False))
