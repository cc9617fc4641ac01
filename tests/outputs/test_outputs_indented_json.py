"""The fast indented encoder writes exactly what ``json.dumps(..., indent=n)`` writes, whatever the value."""

from __future__ import annotations

import enum
import json
from collections import OrderedDict

import pytest

from outputs import indented_json


class Level(enum.IntEnum):
    HIGH = 3


class Word(str):
    pass


VALUES = [
    0, -1.5, "x", None, True, [], {}, [[]], {"a": {}}, (1, 2),
    float("nan"), float("inf"), -float("inf"), 1e300, 0.1 + 0.2,
    {"rank": 1, "sources": ["a", "b"], "extras": {"list": ["c"], "empty": [], "none": None}, "score": 0.64},
    [{"id": 1}, [2, [3, [4, {}]]], "tail"],
    {7: "int key", 2.5: "float key", True: "bool key", None: "none key"},
    {"level": Level.HIGH, "word": Word("w"), "nested": OrderedDict(b=[1], a=(2,))},
    {"quote and NUL": 'a"\x00', "list": ["x"], "alone": "\x00", "also": ['"\x00"', {"k": ["\x00"]}]},
    {"unicode": "é ✓ \u2028 <&>", "escapes": 'tab\t newline\n "quoted" back\\slash', "keys\n\"": [1]},
]


@pytest.mark.parametrize("indent", [0, 2, 4])
@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_same_text_as_json_dumps(value, indent):
    assert indented_json.dumps(value, indent) == json.dumps(value, ensure_ascii=False, indent=indent)


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_lines_set_levels_in_are_json_dumps_lines_shifted(value):
    assert indented_json.dumps(value, 2, 3) == json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n" + " " * 6)


def test_a_value_json_cannot_encode_fails_as_json_dumps_fails():
    with pytest.raises(TypeError, match="set is not JSON serializable"):
        indented_json.dumps({"a": [1, {2}]}, 2)
