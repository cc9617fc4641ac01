"""XML from sources, parsed with defusedxml: entity tricks are refused, never expanded.

A billion-laughs payload or an external entity (``file:///etc/passwd``) raises
``MalformedResponse`` before anything is expanded or read, and so does an HTML error
page served where XML was expected. Shared by the ISRCTN and PubMed scanners.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from io import BytesIO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring, iterparse

from horizon.errors import MalformedResponse


def parse_xml(source: str, raw: bytes) -> Element:
    """The root element of ``raw``, or a one-line ``MalformedResponse`` naming ``source``."""
    if not raw.strip():
        raise MalformedResponse(source, "response is empty where XML was expected")
    try:
        # PubMed's efetch carries a DOCTYPE, so a bare DTD is allowed; any entity declaration is not.
        return fromstring(raw, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as err:
        raise MalformedResponse(source, f"response refused: XML declares entities ({type(err).__name__})") from err
    except ParseError as err:
        if bad_utf8(raw):  # one bad byte should not lose a page: mark it U+FFFD and parse again
            return parse_xml(source, raw.decode("utf-8", "replace").encode("utf-8"))
        raise MalformedResponse(source, f"response is not well-formed XML ({snippet(raw)}): {err}") from err


def iter_records(source: str, raw: bytes, root: str, record: str, where: str = "",
                 others: Counter[str] | None = None, alone: bool = False) -> Iterator[Element]:
    """Each ``record`` child of the document element ``root``, streamed and freed once used.

    For responses of thousands of records (ISRCTN answers a whole window at once), the
    tree is never held whole, so memory stays flat. Same refusals and errors as ``parse_xml``.
    Children of ``root`` that are not records are counted by name in ``others``: a renamed
    record element is then rows not understood, not an empty window. With ``alone``, a
    document that is one ``record`` (a registry's single-record endpoint) yields that record.
    """
    if not raw.strip():
        raise MalformedResponse(source, "response is empty where XML was expected")
    if bad_utf8(raw):  # one bad byte should not lose a page: mark it U+FFFD
        raw = raw.decode("utf-8", "replace").encode("utf-8")
    events = iterparse(BytesIO(raw), events=("start", "end"), forbid_dtd=False, forbid_entities=True,
                       forbid_external=True)
    try:
        _, top = next(events)
        if alone and top.tag == record:
            for _ in events:  # read it whole: one record is small
                pass
            yield top
            return
        if top.tag != root:
            raise MalformedResponse(source, f"expected <{_local(root)}>{where}, got <{_local(top.tag)}> "
                                            f"({snippet(raw)})")
        depth = 0  # below the document element
        for event, element in events:
            depth += 1 if event == "start" else -1
            if event == "end" and element.tag == record:
                yield element
                element.clear()
                if len(top) and top[-1] is element:
                    top.remove(element)  # drop the emptied shell as well
            elif event == "end" and depth == 0 and others is not None:
                others[_local(element.tag)] += 1
                element.clear()
    except DefusedXmlException as err:
        raise MalformedResponse(source, f"response refused: XML declares entities ({type(err).__name__})") from err
    except ParseError as err:
        raise MalformedResponse(source, f"response is not well-formed XML ({snippet(raw)}): {err}") from err


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def bad_utf8(raw: bytes) -> bool:
    """True for a body that declares UTF-8 (or nothing) but is not valid UTF-8."""
    declared = re.match(rb"\s*<\?xml[^>]*encoding=[\"']([A-Za-z0-9._-]+)", raw[:200])
    if declared and declared.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
        return False
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def snippet(raw: bytes) -> str:
    """The first few characters of a body, to say what came back instead."""
    text = raw[:80].decode("utf-8", "replace").strip()
    return "empty body" if not text else f"starts {text[:40]!r}"


def text_of(element: Element | None) -> str:
    """All the text inside an element, inline markup (``<i>``, ``<sup>``) included."""
    return "" if element is None else "".join(element.itertext())
