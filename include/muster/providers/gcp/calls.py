"""Every GCP request Muster makes goes through `Caller`: call accounting, the one retry policy, errors.

The collection table must say what each population cost (requests, pages, retries, throttles), so a request
is executed here and counted into the `EntityResult` it belongs to. Retries: HTTP 429 and 5xx are retried
with exponential backoff (honouring ``Retry-After``) up to ``MAX_ATTEMPTS``; the client library's own
``num_retries`` is off so that nothing retries uncounted. Any other HTTP error becomes `ApiError`, which
names the status (``PERMISSION_DENIED``), the reason (``SERVICE_DISABLED``) and Google's message.

Requests are executed with a per-thread authorised ``httplib2.Http``: httplib2 is not thread-safe, while the
discovery-built service objects are shared.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator

from googleapiclient.errors import HttpError

from ...collected import EntityResult

MAX_ATTEMPTS = 6
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_BACKOFF = 20.0


class ApiError(Exception):
    """A GCP API answered with an error that retrying does not cure (403, 404, 400, ...)."""

    def __init__(self, code: int, status: str | None, reason: str | None, message: str):
        super().__init__(f"HTTP {code} {status or ''}{f' ({reason})' if reason else ''}: {message}".strip())
        self.code, self.status, self.reason, self.message = code, status, reason, message

    @property
    def forbidden(self) -> bool:
        return self.code == 403

    @property
    def not_found(self) -> bool:
        return self.code == 404

    @property
    def service_disabled(self) -> bool:
        return self.reason == "SERVICE_DISABLED" or "has not been used" in self.message


class MalformedResponse(ApiError):
    """A 200 answer that cannot be read: not a JSON object, a listing field that is not a list, a page token
    that is not text. An ApiError, so that a reader that does not tell them apart records it as unreadable;
    the readers of paged listings keep the items of the earlier pages and record the listing as partial."""

    def __init__(self, message: str):
        super().__init__(200, None, "MALFORMED", message)
        self.args = (message,)


def api_error(e: HttpError) -> ApiError:
    """Google's error body ``{"error": {"code", "message", "status", "details": [{"reason"}]}}`` as ApiError."""
    code = int(getattr(e.resp, "status", 0) or 0)
    try:
        body = json.loads(e.content.decode("utf-8", "replace")).get("error", {})
    except (ValueError, AttributeError):
        body = {}
    if not isinstance(body, dict):
        body = {}
    reason = next(
        (d.get("reason") for d in body.get("details") or [] if isinstance(d, dict) and d.get("reason")), None
    )
    if reason is None:
        errors = body.get("errors") or []
        reason = errors[0].get("reason") if errors and isinstance(errors[0], dict) else None
    return ApiError(code, body.get("status"), reason, str(body.get("message") or e.reason or "no message"))


class Caller:
    """Executes requests of discovery-built clients with accounting and retries."""

    def __init__(self, http_factory: Callable[[], object], *, sleep: Callable[[float], None] = time.sleep):
        self._factory = http_factory
        self._local = threading.local()
        self._sleep = sleep

    def _http(self) -> object:
        http = getattr(self._local, "http", None)
        if http is None:
            http = self._local.http = self._factory()
        return http

    def execute(self, request: object, entity: EntityResult) -> dict:
        """Run one request (retrying 429/5xx); count it into ``entity``; raise ApiError on other errors and
        MalformedResponse when the answer is not a JSON object (the client hands text over as it came)."""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            entity.api_calls += 1
            try:
                response = request.execute(http=self._http(), num_retries=0)
            except HttpError as e:
                status = int(getattr(e.resp, "status", 0) or 0)
                if status not in RETRY_STATUSES or attempt == MAX_ATTEMPTS:
                    raise api_error(e) from None
                entity.retries += 1
                entity.throttles += status == 429
                self._sleep(_backoff(e, attempt))
                continue
            entity.pages += 1
            if not isinstance(response, dict):  # read as {}, it would say "no bindings", "no keys"
                raise MalformedResponse(f"the response is {_kind(response)}, not a JSON object")
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def pages(self, make: Callable[[str | None], object], field: str, entity: EntityResult) -> Iterator[dict]:
        """Items of ``field`` over every page; ``make(page_token)`` builds the request of one page.

        MalformedResponse when a page cannot be read (its items are not a list: after the items of the pages
        before it; its nextPageToken is not text, or is the token of an earlier page: after its own items): the
        listing is incomplete from there. A repeated token is refused because sent again it asks for pages
        already read, and an API that keeps answering so would be paged for ever."""
        token = None
        sent: set[str] = set()
        number = 0
        while True:
            number += 1
            page = self.execute(make(token), entity)
            items = listed(page, field)
            if not isinstance(items, list):
                raise MalformedResponse(f"page {number}: field {field} is not a list")
            entity.items += len(items)
            yield from items
            token = page.get("nextPageToken")
            if not isinstance(token, str | None):  # sent back as str(token), it would ask for a made-up page
                raise MalformedResponse(f"page {number}: field nextPageToken is not a string")
            if not token:
                return
            if token in sent:
                raise MalformedResponse(f"page {number}: nextPageToken repeats the token of an earlier page")
            sent.add(token)


def listed(answer: dict, field: str) -> object:
    """``answer[field]``, [] when absent or null (the API leaves out empty lists); any other value as it is,
    for the caller to refuse when it is not a list ({} or "" is not "none")."""
    value = answer.get(field)
    return [] if value is None else value


def _kind(value: object) -> str:
    """What a response that is not a JSON object is, for messages (text is not quoted: it may be long)."""
    return "text" if isinstance(value, str) else "a list" if isinstance(value, list) else type(value).__name__


def _backoff(e: HttpError, attempt: int) -> float:
    retry_after = getattr(e.resp, "get", lambda *_: None)("retry-after")
    try:
        return min(float(retry_after), MAX_BACKOFF)
    except (TypeError, ValueError):
        return min(0.25 * 2 ** (attempt - 1), MAX_BACKOFF)
