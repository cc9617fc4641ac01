"""Alias matching: word boundaries, acronyms by their case, an alias that is also an ordinary word."""

from __future__ import annotations

import pytest

from horizon.tech.aliases import AliasIndex

INDEX = AliasIndex({
    "derm": ["DERM", "Skin Analytics"],
    "ecg": ["KardiaMobile", "lead-I ECG"],
    "feno": ["FeNO"],
    "liberate": ["Liberate Pro", "Liberate"],
})


@pytest.mark.parametrize("text, expected", [
    ("Skin lesions were triaged by DERM before referral", {"derm": "DERM"}),
    ("DERM-003: a study of the device", {"derm": "DERM"}),  # a hyphen ends a word
    ("Dermatology services face a backlog", {}),  # "DERM" is not inside "dermatology"
    ("Derm nurses and derm clinics", {}),  # the acronym only in its own case
    ("skin analytics raised funding", {"derm": "Skin Analytics"}),  # an ordinary phrase: any case
    ("FeNO and FENO both name the test", {"feno": "FeNO"}),  # all capitals is the same acronym
    ("feno in lower case is not the acronym", {}),
    ("Lead-I ECG devices for atrial fibrillation", {"ecg": "lead-I ECG"}),  # ordinary word case-free, ECG strict
    ("lead I ecg", {}),
    ("KardiaMobiles are not one KardiaMobile", {"ecg": "KardiaMobile"}),
])
def test_acronyms_match_in_their_case_at_word_boundaries(text, expected):
    assert INDEX.match(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Digital tools help liberate clinicians from paperwork", {}),  # the ordinary verb
    ("Liberate clinicians from paperwork, say nurses", {}),  # capitalised only because it opens a sentence
    ("Burnout. Liberate staff first", {}),
    ("Patients using Liberate reported fewer admissions", {"liberate": "Liberate"}),  # a name mid-sentence
    ("Liberate Pro goes live in Suffolk", {"liberate": "Liberate Pro"}),  # a longer alias says it
])
def test_an_alias_that_is_an_ordinary_word_needs_to_be_a_name(text, expected):
    assert INDEX.match(text) == expected
