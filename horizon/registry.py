"""One way to build a plug-in registry: the scanners and the writers both use it.

Each listed module of a package is imported; every subclass of ``base`` that
defines ``key`` itself is registered under that key. Two classes with one key
fail at import, so a copy-pasted plug-in can never silently replace another.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import import_module
from typing import TypeVar

T = TypeVar("T", bound=type)


def collect(package: str, modules: Iterable[str], base: T, key: str) -> dict[str, T]:
    """``{cls.<key>: cls}`` for every ``base`` subclass in ``package.<module>`` that sets ``key``."""
    found: dict[str, T] = {}
    for module in modules:
        for obj in vars(import_module(f"{package}.{module}")).values():
            if isinstance(obj, type) and issubclass(obj, base) and obj is not base and key in vars(obj):
                name = getattr(obj, key)
                if name in found:
                    raise ImportError(f"two {package} have {key} {name!r}: {found[name].__module__} and "
                                      f"{obj.__module__}")
                found[name] = obj  # type: ignore[assignment]  # a subclass of base
    return found
