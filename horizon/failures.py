"""Failures said in words: what a reader of the digest or the terminal can act on.

Library exception names (``IncompleteRead``, ``RecursionError``) mean nothing to the
innovation team; the source's report says what happened instead. ``--debug`` still
shows the original traceback.
"""

from __future__ import annotations

import re

WORDS: dict[str, str] = {
    "IncompleteRead": "the connection was cut off",
    "ProtocolError": "the connection was cut off",
    "ChunkedEncodingError": "the connection was cut off",
    "RemoteDisconnected": "the server closed the connection without answering",
    "ConnectionResetError": "the server reset the connection",
    "ConnectionRefusedError": "the server refused the connection",
    "NewConnectionError": "the server refused the connection",
    "NameResolutionError": "the host name could not be found",
    "gaierror": "the host name could not be found",
    "SSLCertVerificationError": "the server's certificate could not be verified",
    "SSLError": "the secure (TLS) connection failed",
    "ReadTimeoutError": "the server stopped answering",
    "ConnectTimeoutError": "the server did not answer the connection",
    "TimeoutError": "the server stopped answering",
    "RecursionError": "the response is nested too deeply",
    "MemoryError": "the response is too large to process",
    "UnicodeDecodeError": "the response is not valid text",
}
# A name, with the message Python attaches to it ("RecursionError: maximum recursion depth ...").
_NAME = re.compile(r"\b(" + "|".join(sorted(WORDS, key=len, reverse=True)) + r")\b(?:\([^)]*\))?(?::[^;]*)?")


def in_words(reason: str) -> str:
    """``reason`` with every library exception name replaced by what it means."""
    return _NAME.sub(lambda m: WORDS[m.group(1)], reason)


def describe(err: BaseException) -> str:
    """One line for an exception no part of the program translated."""
    name = type(err).__name__
    return WORDS.get(name) or in_words(f"{name}: {err}")
