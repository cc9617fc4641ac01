"""Names that recur across sources but belong to no technology record: proposals for the team.

A product name looks like ``HeartFlow``, ``KardiaMobile`` (capitals inside a word) or
``DERM`` (a word in capitals); common acronyms of the field (NHS, NICE, ECG...) are
not products. A name must appear in items from at least two sources to be proposed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence

from horizon.items import Item
from horizon.tech.aliases import AliasIndex

_CANDIDATE = re.compile(r"\b(?:[A-Z][a-z]+[A-Z][A-Za-z]*|[A-Z]{3,}\d*)\b")
# Acronyms of health and research that name organisations, tests or study designs, not products.
COMMON = frozenset("""
NHS NICE MHRA NIHR HRA AHSN ICS ICB ICSS CCG GP GPS UK USA EU WHO FDA CE UKCA BMJ JAMA NEJM PLOS JMIR
COVID SARS HIV AIDS COPD CVD CKD ECG EKG MRI PET CT CTCA FFR AI ML IT APP API RCT RCTS PPI PCR DNA RNA
ISRCTN NCT IRAS CPMS EUDRACT CTIS PMID DOI PDF HTML URL SMS ICU ED A&E BMI HBA1C LDL QOF NG TA DG MTG HTE
MRC CRUK BHF NHSX NHSE DHSC ONS PHE UKHSA NSCLC SCLC AF ADHD ASD PTSD CBT IAPT OCD BTS SIGN RSV ACE CAMHS
THE AND FOR WITH NEW NOT
""".split())
MIN_SOURCES = 2


def candidates(text: str) -> set[str]:
    return {m for m in _CANDIDATE.findall(text) if m.upper() not in COMMON}


def recurring(items: Sequence[Item], known: AliasIndex, min_sources: int = MIN_SOURCES) -> dict[str, list[str]]:
    """{name: [item ids]} for names seen in items of ``min_sources`` or more sources and known to no record."""
    sources: dict[str, set[str]] = defaultdict(set)
    things: dict[str, set[str]] = defaultdict(set)  # one trial registered twice is one thing, not two
    found: dict[str, list[str]] = defaultdict(list)
    for item in items:
        thing = min([item.id, *item.extras.xrefs])
        for name in candidates(f"{item.title}\n{item.summary}"):
            sources[name].add(item.source)
            things[name].add(thing)
            found[name].append(item.id)
    return {name: sorted(set(ids)) for name, ids in sorted(found.items())
            if len(sources[name]) >= min_sources and len(things[name]) >= min_sources and not known.match(name)}
