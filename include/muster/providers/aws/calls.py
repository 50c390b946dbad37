"""API call accounting and the one retry policy for every AWS client Muster builds.

The collection table must say how much each population cost (requests, pages, retries, throttles), because
an auditor asks how a population was produced and an operator asks why a night was slow. Counting hooks into
botocore's event system (https://boto3.amazonaws.com/v1/documentation/api/latest/guide/events.html) instead
of wrapping each call, so nothing in extract.py can forget to count:

* ``after-call`` / ``after-call-error`` fire once per operation invocation, whatever answered it (the real
  endpoint, moto, or a botocore ``Stubber``); ``after-call`` with HTTP status < 300 is one page read;
* ``needs-retry`` fires after every HTTP attempt (all handlers run, so this one never changes the retry
  decision) and carries the attempt number and the error code, from which retries and throttles follow.

Calls are attributed to the entity set with ``CallCounter.entity``; calls outside any entity are not counted.

The end of the module holds what every extraction step shares (split out of extract.py for module size, so
that extract.py and user_calls.py both import it from here): ``_Ctx``, the account being collected, and how an
IAM answer is read (Marker paging, what counts as unparseable, a one-line description of an error).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.parsers import ResponseParserError

from ...collected import EntityResult
from ...config import Tenant
from .raw import ENTITY_FEEDS, RawAccount

#: Error codes AWS uses for throttling (botocore's standard retry mode treats these as throttles too).
THROTTLE_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "RequestThrottled",
        "RequestLimitExceeded",
        "TooManyRequests",
        "TooManyRequestsException",
        "SlowDown",
        "BandwidthLimitExceeded",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)

#: Attempts per request (first try included). Standard mode backs off exponentially with jitter, capped at
#: 20 s, and retries throttling, 5xx and connection errors; Airflow task retries sit on top of this.
MAX_ATTEMPTS = 8


def retry_config(max_attempts: int = MAX_ATTEMPTS) -> Config:
    """The botocore client Config every AWS client in Muster is built with."""
    return Config(
        retries={"mode": "standard", "max_attempts": max_attempts},
        connect_timeout=10,
        read_timeout=60,
        user_agent_appid="muster",
    )


def _error_code(response: object) -> str | None:
    """The error code of a (http_response, parsed) pair as passed to needs-retry, if any."""
    if not isinstance(response, tuple) or len(response) != 2 or not isinstance(response[1], dict):
        return None
    return response[1].get("Error", {}).get("Code")


class CallCounter:
    """Counts API calls of the clients attached to it into the current EntityResult."""

    def __init__(self) -> None:
        self._current: EntityResult | None = None
        self._attempts = 0

    def attach(self, client: object) -> object:
        """Register the counting handlers on one boto3 client; returns the client for chaining."""
        events = client.meta.events
        uid = f"muster-calls-{id(self)}"
        events.register("needs-retry", self._on_attempt, unique_id=f"{uid}-attempt")
        events.register("after-call", self._on_call, unique_id=f"{uid}-call")
        events.register("after-call-error", self._on_call_error, unique_id=f"{uid}-error")
        return client

    @contextlib.contextmanager
    def entity(self, result: EntityResult) -> Iterator[EntityResult]:
        """Attribute calls made inside the block to ``result``."""
        previous, self._current = self._current, result
        try:
            yield result
        finally:
            self._current = previous

    def _on_attempt(self, attempts: int = 1, response: object = None, **_: object) -> None:
        self._attempts = max(self._attempts, attempts)
        if self._current is not None and _error_code(response) in THROTTLE_CODES:
            self._current.throttles += 1

    def _finish(self, ok: bool) -> None:
        retries = max(self._attempts - 1, 0)
        self._attempts = 0
        if self._current is None:
            return
        self._current.api_calls += 1 + retries
        self._current.retries += retries
        self._current.pages += 1 if ok else 0

    def _on_call(self, http_response: object = None, **_: object) -> None:
        self._finish(ok=getattr(http_response, "status_code", 500) < 300)

    def _on_call_error(self, **_: object) -> None:
        self._finish(ok=False)


#: How an endpoint says it does not implement an operation: moto answers HTTP 500 (server mode, botocore
#: cannot parse it) or raises NotImplementedError (in-process). A truncated payload is a parser error too.
class MalformedPage(ValueError):
    """A page that parsed but contradicts itself (IsTruncated without a Marker) or the paging (a Marker an
    earlier page gave)."""


UNPARSEABLE = (ResponseParserError, NotImplementedError, MalformedPage)


@dataclass
class _Ctx:
    tenant: Tenant
    iam: object
    counter: CallCounter
    raw: RawAccount

    def start(self, entity: str) -> EntityResult:
        result = EntityResult(entity=entity, feeds=ENTITY_FEEDS[entity])
        self.raw.entities.append(result)
        return result

    def message(self, entity: str, what: str) -> str:
        return f"account {self.tenant.id}: {entity}: {what}"


def describe(error: BaseException) -> str:
    """A one-line description of an API error: code and message, never the payload."""
    if isinstance(error, ClientError):
        err = error.response.get("Error", {})
        return f"{err.get('Code', 'error')}: {err.get('Message', '')}".rstrip(": ")
    first_line = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {first_line[:200]}".rstrip(": ")


def error_code(error: ClientError) -> str | None:
    return error.response.get("Error", {}).get("Code")


def _pages(call: Callable[..., dict], **params) -> Iterator[dict]:
    """Every page of a Marker-paged IAM operation.

    MalformedPage after a page whose Marker an earlier page already gave: sent again, it would ask for pages
    already read, and a server that keeps answering so would be paged for ever."""
    sent: set[str] = set()
    while True:
        page = call(**params)
        yield page
        if not page.get("IsTruncated"):
            return
        marker = page.get("Marker")
        if not marker:
            raise MalformedPage("IsTruncated is true but the page has no Marker")
        if marker in sent:
            raise MalformedPage("Marker repeats an earlier page's Marker")
        sent.add(marker)
        params["Marker"] = marker


def _list_all(call: Callable[..., dict], key: str, **params) -> list[dict]:
    return [item for page in _pages(call, **params) for item in page.get(key, [])]
