"""A technology's dossier, as Markdown and as HTML, fit to paste into a board paper.

Every piece of text from a source or a user is escaped for its format (the digest's
own Markdown escaping; Jinja autoescape for HTML) and only http(s) links are emitted.
"""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from horizon.tech.dossier_data import Dossier
from horizon.tech.profile import EVIDENCE_KINDS, day_of
from horizon.text import safe_url
from outputs.markdown import escape, item_link
from outputs.words import flagged_title, item_type, phase, publisher, status

KIND_TITLES = {"guidance": "Guidance", "trials": "Trials", "safety": "Safety notices", "literature": "Literature",
               "news": "News and adoption"}
_ENV = Environment(loader=PackageLoader("outputs", "templates"), autoescape=select_autoescape(default=True),
                   undefined=StrictUndefined)
_ENV.filters["safe_url"] = safe_url


def _when(item) -> str:
    day = day_of(item)
    return day.isoformat() if day else "undated"


def facts(item, kind: str) -> list[str]:
    """What a board paper says of one piece of evidence, in words: "ClinicalTrials.gov · 2026-11-02 · Phase 3"."""
    found = [publisher(item), _when(item), item.extras.programme or "", phase(item.extras.phase),
             status(item.extras.status), "UK sites" if item.uk and kind == "trials" else ""]
    return [f for f in found if f]


def trial_mix(counts: dict[tuple[str, str], int]) -> str:
    """ "Phase 3, recruiting: 2; phase and status not given: 1"."""
    return "; ".join(f"{', '.join(w for w in (phase(p), status(s)) if w) or 'phase and status not given'}: {n}"
                     for (p, s), n in counts.items())


def markdown(d: Dossier) -> str:
    r, p = d.record, d.profile
    areas = ", ".join(d.area_names.get(a, a) for a in r.areas) or "none"
    out = [f"# {escape(r.name)}", "", f"**{escape(p.readiness())}**", "",
           "| | |", "| --- | --- |",
           f"| Stage | {escape(r.stage)} |", f"| Kind | {escape(r.kind)} |",
           f"| Developer | {escape(r.developer or '—')} |", f"| Priority areas | {escape(areas)} |",
           f"| Also known as | {escape(', '.join(r.aliases) or '—')} |", f"| Owner | {escape(r.owner or '—')} |",
           f"| Next review | {r.next_review.isoformat() if r.next_review else '—'} |", ""]
    if r.description:
        out += [escape(r.description), ""]
    out += ["## Evidence", "", "| Guidance | Trials | Safety | Literature | News |",
            "| ---: | ---: | ---: | ---: | ---: |",
            "| " + " | ".join(str(p.counts[k]) for k in EVIDENCE_KINDS) + " |", ""]
    for kind in EVIDENCE_KINDS:
        found = p.by_kind[kind]
        if not found:
            continue
        out += [f"### {KIND_TITLES[kind]}", ""]
        for item in sorted(found, key=lambda i: (day_of(i) is None, _when(i)), reverse=False):
            out.append(f"- {item_link(item)} — {escape(' · '.join(facts(item, kind)))}")
        out.append("")
    if p.trials:
        out += ["Trials by phase and status: " + escape(trial_mix(p.trials)), ""]
    out += ["## Timeline", ""]
    out += [f"- {_when(i)}: {item_link(i)} \\({escape(item_type(i))}, {escape(publisher(i))}\\)"
            for i in p.timeline] or ["- nothing yet"]
    out += ["", "## Stage history", "", "| When | Stage | By | Why |", "| --- | --- | --- | --- |"]
    out += [f"| {h.at:%Y-%m-%d} | {escape(h.stage)} | {escape(h.by)} | {escape(h.why or '—')} |"
            for h in d.history]
    if r.notes or r.outcome:
        out += ["", "## Evaluation", ""]
        out += [f"**Notes:** {escape(r.notes)}", ""] if r.notes else []
        out += [f"**Outcome:** {escape(r.outcome)}", ""] if r.outcome else []
    return "\n".join(out).rstrip("\n") + "\n"


def html(d: Dossier) -> str:
    """A self-contained page (inline CSS, no scripts) that pastes cleanly into a document."""
    return _ENV.get_template("dossier.html.j2").render(d=d, p=d.profile, kinds=EVIDENCE_KINDS, titles=KIND_TITLES,
                                                      when=_when, facts=facts, trial_mix=trial_mix,
                                                      publisher=publisher, item_type=item_type,
                                                      flagged_title=flagged_title)
