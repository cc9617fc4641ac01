"""A quiet terminal without ``--debug``: the run's own progress and summary, not library chatter.

urllib3 logs every retry as a warning (the source's report already says what failed),
and BeautifulSoup warns when a page that is really XML is parsed as HTML (the scanner
copes; the warning is for developers). ``--debug`` shows both again.
"""

from __future__ import annotations

import logging
import warnings

_XML_AS_HTML = r"It looks like you're using an HTML parser to parse an XML document"


def quiet() -> None:
    """Silence what a user cannot act on; importing nothing heavy (this runs before every command)."""
    logging.getLogger("urllib3").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message=_XML_AS_HTML)
