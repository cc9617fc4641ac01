"""Run the weekly digest flow, optionally killing itself with SIGKILL at a chosen point.

Used by test_faults_crash.py as a subprocess. ``HORIZON_CRASH_AT`` picks the point:

- ``store-mid-transaction:N``: inside the N-th upsert's transaction, rows written, not committed
- ``store-between-sources:N``: at the start of the N-th upsert (earlier sources committed)
- ``render-mid-file:N``: half-way through writing the N-th digest file's temporary copy
- ``render-before-rename:N``: the N-th file fully written to its temporary name, not yet renamed
- ``record-digest``: files written, the digest not yet recorded in the store

The points are patched in here, in the test driver, so product code carries no test hook.
A kill during fetch needs no patch: the hostile server holds a response and the test kills.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import types


def die() -> None:
    # The whole process group, as a supervisor kills a job: the classifier's worker processes too.
    os.killpg(os.getpgid(0), signal.SIGKILL)


def install(point: str) -> None:
    name, _, nth = point.partition(":")
    target = int(nth or 1)
    calls = [0]

    def hit() -> bool:
        calls[0] += 1
        return calls[0] == target

    import outputs.base
    from horizon.store import Store

    if name == "store-mid-transaction":
        original = Store._upsert_rows

        def upsert_rows(self, conn, rows):  # type: ignore[no-untyped-def]
            original(self, conn, rows)
            if hit():
                die()
        Store._upsert_rows = upsert_rows  # type: ignore[method-assign]
    elif name == "store-between-sources":
        original_upsert = Store.upsert

        def upsert(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            if hit():
                die()
            return original_upsert(self, *args, **kwargs)
        Store.upsert = upsert  # type: ignore[method-assign]
    elif name == "record-digest":
        Store.record_digest = lambda *a, **k: die()  # type: ignore[method-assign]
    elif name in ("render-mid-file", "render-before-rename"):
        real = outputs.base.os
        proxy = types.SimpleNamespace(**{k: getattr(real, k) for k in dir(real) if not k.startswith("__")})
        if name == "render-before-rename":
            def replace(src, dst):  # type: ignore[no-untyped-def]
                if hit():
                    die()
                real.replace(src, dst)
            proxy.replace = replace
        else:
            def fdopen(fd, mode="r", *args, **kwargs):  # type: ignore[no-untyped-def]
                handle = real.fdopen(fd, mode, *args, **kwargs)
                if not hit():
                    return handle
                write = handle.write

                def half_then_die(data):  # type: ignore[no-untyped-def]
                    write(data[: len(data) // 2])
                    handle.flush()
                    die()
                handle.write = half_then_die
                return handle
            proxy.fdopen = fdopen
        outputs.base.os = proxy  # type: ignore[attr-defined]
    else:
        raise SystemExit(f"unknown crash point {point!r}")


def main() -> None:
    config_dir, out = sys.argv[1], sys.argv[2]
    if point := os.environ.get("HORIZON_CRASH_AT"):
        install(point)
    from flows.weekly_digest import weekly_digest

    result = weekly_digest(config_dir=config_dir, out=out)
    print(json.dumps({"failed": result["failed_sources"], "entries": result["entries"]}))


if __name__ == "__main__":
    main()
