"""XML from sources, parsed with defusedxml: entity tricks are refused, never expanded.

A billion-laughs payload or an external entity (``file:///etc/passwd``) raises
``MalformedResponse`` before anything is expanded or read, and so does an HTML error
page served where XML was expected. Shared by the ISRCTN and PubMed scanners.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

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
        raise MalformedResponse(source, f"response is not well-formed XML ({snippet(raw)}): {err}") from err


def snippet(raw: bytes) -> str:
    """The first few characters of a body, to say what came back instead."""
    text = raw[:80].decode("utf-8", "replace").strip()
    return "empty body" if not text else f"starts {text[:40]!r}"


def text_of(element: Element | None) -> str:
    """All the text inside an element, inline markup (``<i>``, ``<sup>``) included."""
    return "" if element is None else "".join(element.itertext())
