"""``json.dumps(value, ensure_ascii=False, indent=n)``, byte for byte, at the speed of the C encoder.

With ``indent`` set, the standard library encodes through generators in Python, the slowest
part of writing a large digest. Its C encoder only writes one line, but it takes any item
separator, and the indented text of a container is its compact text with ``",\\n" + the
indent`` between members, a line break after the opening bracket and one before the closing
bracket. So each container is encoded by C, at its own depth, with its non-empty nested
containers stood in for by a string no JSON string can encode to alone (``"\\u0000"``) and
their own indented texts put in its place. Should the stand-in text be found more often than
it was put in (a string value holding a quote and a NUL), the value is handed to
``json.dumps`` whole, so the bytes never differ.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]  # C when _json is built
from typing import Any

_CONTAINERS = (dict, list, tuple)
_LEAF_TYPES = frozenset({str, int, float, bool, type(None)})
_HOLE = "\x00"
_HOLE_TEXT = encode_basestring(_HOLE)
_encoders: dict[str, Callable[[Any], str]] = {}  # compact encoders, by the text before each member


class _Unexpected(Exception):
    """A value this encoder leaves to ``json.dumps``."""


def dumps(value: Any, indent: int, depth: int = 0) -> str:
    """What ``json.dumps(value, ensure_ascii=False, indent=indent)`` returns, its lines ``depth`` levels in."""
    newline = "\n" + " " * (indent * depth)
    try:
        if isinstance(value, _CONTAINERS) and value:
            return _indented(value, newline, newline + " " * indent)
        return _compact(newline)(value)
    except _Unexpected:
        return json.dumps(value, ensure_ascii=False, indent=indent).replace("\n", newline)  # "\n" in text is escaped


def _refuse(value: Any) -> Any:
    raise _Unexpected


def _compact(inner: str) -> Callable[[Any], str]:
    """The one-line encoder with ``"," + inner`` between members and ``": "`` after keys."""
    encode = _encoders.get(inner)
    if encode is None:
        if c_make_encoder is None:  # no C accelerator: the standard encoder, on one line, is still exact
            encode = json.JSONEncoder(ensure_ascii=False, separators=("," + inner, ": "), default=_refuse).encode
        else:
            c_encode = c_make_encoder(None, _refuse, encode_basestring, None, ": ", "," + inner, False, False, True)
            encode = lambda value: "".join(c_encode(value, 0))  # noqa: E731
        encode = _encoders.setdefault(inner, encode)
    return encode


def _indented(value: Any, newline: str, inner: str) -> str:
    """A non-empty container, with ``newline`` before its closing bracket and ``inner`` before each member."""
    members = value.values() if isinstance(value, dict) else value
    if _LEAF_TYPES.issuperset(map(type, members)):  # nothing nested: one C call
        text = _compact(inner)(value)
    else:
        deeper = inner + inner[len(newline):]
        nested: list[str] = []
        shallow: Any
        if isinstance(value, dict):
            shallow = {}
            for key, member in value.items():
                if isinstance(member, _CONTAINERS) and member:
                    nested.append(_indented(member, inner, deeper))
                    member = _HOLE
                shallow[key] = member
        else:
            shallow = []
            for member in value:
                if isinstance(member, _CONTAINERS) and member:
                    nested.append(_indented(member, inner, deeper))
                    member = _HOLE
                shallow.append(member)
        pieces = _compact(inner)(shallow).split(_HOLE_TEXT)
        if len(pieces) != len(nested) + 1:
            raise _Unexpected
        text = pieces[0] + "".join(n + p for n, p in zip(nested, pieces[1:], strict=True))
    return text[0] + inner + text[1:-1] + newline + text[-1]
