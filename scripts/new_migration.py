"""Write the store's next schema revision: ``uv run python scripts/new_migration.py "add the widgets table"``.

Change the tables on ``horizon.store.metadata`` first; this writes what the revisions
lack as ``horizon/alembic/versions/NNNN_<message>.py`` (see docs/store.md).
"""

from __future__ import annotations

import sys

from horizon import migrations
from horizon.store import metadata

if __name__ == "__main__":
    if len(sys.argv) != 2 or not sys.argv[1].strip():
        sys.exit('usage: uv run python scripts/new_migration.py "what the change does"')
    print(migrations.new_revision(sys.argv[1], metadata))
