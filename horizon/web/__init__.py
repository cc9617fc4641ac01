"""The review workspace (``horizon serve``): triage digests, teach the classifier, keep the register.

``create_app`` is imported on first use, so the weekly flow can call
``horizon.web.jobs.run_training_job`` without loading the web framework.
"""

from __future__ import annotations

__all__ = ["create_app"]


def __getattr__(name: str):
    if name == "create_app":
        from horizon.web.app import create_app

        return create_app
    raise AttributeError(f"module 'horizon.web' has no attribute {name!r}")
