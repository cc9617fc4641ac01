"""Word tokens of a whole batch in a few C-level passes: exactly ``re.findall(r"\\w+")``, as UTF-8 bytes.

A word token is a maximal run of word characters (``str.isalnum()`` or "_", which
is what ``\\w`` means to ``re``). Instead of one regular-expression scan per
text, the batch is joined into one string, every other character becomes a
space (non-ASCII ones by one ``re.sub`` over the few distinct such characters
the batch holds, ASCII ones by ``bytes.translate``) and ``bytes.split`` cuts it:
about twice as fast, and the tokens come out as one flat list.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

SEPARATOR = b"\x00"  # the token between two texts of a batch (never a word character, never in a text)
_ASCII = bytes(range(128))
_KEEP = bytes(b if chr(b).isalnum() or chr(b) in "_\x00" else ord(" ") for b in range(128)) + bytes(range(128, 256))


def batch_tokens(texts: Sequence[str], lower: bool = True) -> list[bytes]:
    """Word tokens of every text (lower-cased unless not ``lower``), texts separated by one ``SEPARATOR`` token."""
    joined = " \x00 ".join(texts)
    if joined.count("\x00") != max(len(texts) - 1, 0):  # a text holds NUL itself: not a word character
        joined = " \x00 ".join(text.replace("\x00", " ") for text in texts)
    # One call: lower() is per character but for the final sigma, which the spaces around NUL end as a text's end does.
    lowered = joined.lower() if lower else joined
    if not lowered.isascii():
        others = lowered.encode("utf-8", "surrogatepass").translate(None, _ASCII).decode("utf-8", "surrogatepass")
        breaking = sorted({c for c in set(others) if not c.isalnum()})
        if len(breaking) > 100:  # a class that large compiles slowly: translate character by character
            lowered = lowered.translate(dict.fromkeys(map(ord, breaking), " "))
        elif breaking:
            lowered = re.sub("[" + re.escape("".join(breaking)) + "]", " ", lowered)
    return lowered.encode("utf-8", "surrogatepass").translate(_KEEP).split()  # a lone surrogate is no word: gone
