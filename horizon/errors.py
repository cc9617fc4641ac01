"""Every exception the project raises on purpose, under one base class.

Library errors are translated at the edge (``raise ... from err``) so a user
sees one line that names the file, field or source and says what to do.
"""


class HorizonError(Exception):
    """Base class: the CLI prints these as one line, without a traceback."""


class ConfigError(HorizonError):
    """A configuration file is missing, unreadable or invalid."""


class SourceError(HorizonError):
    """A source could not be fetched or gave an unusable response."""

    def __init__(self, source: str, reason: str, transient: bool = False):
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason
        self.transient = transient  # worth retrying later: timeouts, refused connections, 5xx, 429


class HttpStatusError(SourceError):
    """A server answered with an error status (4xx or 5xx)."""

    def __init__(self, source: str, reason: str, status: int, transient: bool = False):
        super().__init__(source, reason, transient)
        self.status = status


class AllSourcesFailed(HorizonError):
    """Every source of a run failed: nothing is published over the last digest."""

    def __init__(self, failures: dict[str, str]):
        self.failures = dict(failures)
        self.headline = (f"every source failed ({len(failures)} of {len(failures)}): nothing was published, "
                         "the last digest is left in place")
        # The whole message is what a Failed flow run shows in Prefect's UI: which sources, and why.
        reasons = "; ".join(f"{name}: {reason}" for name, reason in self.failures.items())
        super().__init__(f"{self.headline} ({reasons})" if reasons else self.headline)


class ResponseTooLarge(SourceError):
    """A response body exceeded the configured size cap."""


class MalformedResponse(SourceError):
    """A response body could not be parsed at all (not one bad record)."""


class UnknownName(HorizonError, KeyError):
    """A registry look-up for a name that is not registered."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class StoreError(HorizonError):
    """The item store is missing, corrupt or from another schema version."""


class InputError(HorizonError):
    """A user-supplied data file (items, labels) is invalid."""


class ModelError(HorizonError):
    """A saved classifier model is missing or does not match this configuration."""


class OutputError(HorizonError):
    """A digest could not be rendered or written: unknown option, unwritable directory."""


class DeliveryError(HorizonError):
    """A digest was written but could not be delivered (SMTP, webhook); the files are kept."""


class RunBroken(HorizonError):
    """The orchestration failed mid-run (a task crashed, Prefect's API went away): nothing is published."""


class PrefectStartError(HorizonError):
    """Prefect's local server did not start, even on the second try."""
