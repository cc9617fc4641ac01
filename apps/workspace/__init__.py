"""The review workspace (``horizon serve``): triage digests, teach the classifier, keep the register."""

from apps.workspace.app import create_app

__all__ = ["create_app"]
