"""A small JSON-over-HTTPS client for Microsoft Graph and Azure Resource Manager, with call accounting.

Why not msgraph-sdk: it spends ~5 ms of CPU per object deserialising models (about ten minutes per 100k
service principals, API-NOTES.md §3); plain ``requests`` lists the same in about a second. This module is the
one place that knows the wire conventions:

* paging: Graph answers ``@odata.nextLink``, ARM answers ``nextLink``; both are absolute URLs that already
  carry every query parameter, so the original parameters are dropped once a next link is followed. A next
  link that is not text, or that an earlier page of the listing gave, is a malformed answer (followed, a
  repeated link pages for ever);
* origin: requests go to the scheme, host and port of the client's base URL only, whatever a next link
  says, because each carries the bearer token (real Graph and ARM next links stay on the origin asked);
* retries: 429 and 503 (and 502 / 504) are retried, waiting the ``Retry-After`` seconds the service asks
  for (https://learn.microsoft.com/graph/throttling), else an exponential backoff; capped per request;
* errors: ``{"error": {"code", "message"}}`` bodies become ``ApiError`` carrying the status and code only.

Every request, page, retry and throttle is counted into the ``EntityResult`` passed in, so the collection
table says what each population cost. Tokens come from a callable (azure-identity or a static sandbox token);
they are sent in the Authorization header and never logged.
"""

from __future__ import annotations

import email.utils
import json
import logging
import time
from collections.abc import Callable, Iterator
from urllib.parse import urljoin, urlsplit

import requests

from ...collected import EntityResult

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 502, 503, 504})
THROTTLE_STATUSES = frozenset({429})
#: Attempts per request, first try included; Airflow task retries sit on top of this.
MAX_ATTEMPTS = 6
#: Longest single wait, whatever Retry-After asks for: a longer pause is better left to an Airflow retry.
MAX_WAIT_S = 60.0
#: Where a page names the next one: Graph's field, then ARM's.
NEXT_LINK_FIELDS = ("@odata.nextLink", "nextLink")
DEFAULT_PORTS = {"http": 80, "https": 443}


class ApiError(Exception):
    """A non-2xx answer: HTTP status, the service's error code and message, and the path asked for."""

    def __init__(self, status: int, code: str, message: str, path: str):
        self.status, self.code, self.message, self.path = status, code, message, path
        super().__init__(f"HTTP {status} {code}: {message[:200]}".rstrip(": "))


class MalformedResponse(ValueError):
    """A 2xx answer that is not the JSON shape the API documents (not JSON, no ``value`` list), or whose next
    link cannot be followed (not text, repeated, or on another origin)."""


def retry_after(header: str | None, attempt: int) -> float:
    """Seconds to wait before the next attempt: Retry-After (seconds or HTTP date), else 2**attempt."""
    if header:
        try:
            return min(max(float(header), 0.0), MAX_WAIT_S)
        except ValueError:
            when = email.utils.parsedate_to_datetime(header) if header else None
            if when is not None:
                return min(max(when.timestamp() - time.time(), 0.0), MAX_WAIT_S)
    return min(2.0**attempt, MAX_WAIT_S)


def _error_of(response: requests.Response) -> tuple[str, str]:
    """(code, message) from an error body; both services wrap them in ``{"error": {...}}``."""
    try:
        body = json.loads(response.content or b"{}")
    except ValueError:
        return f"HTTP{response.status_code}", response.reason or ""
    err = body.get("error") if isinstance(body, dict) else None
    if isinstance(err, dict):
        return str(err.get("code") or f"HTTP{response.status_code}"), str(err.get("message") or "")
    return f"HTTP{response.status_code}", response.reason or ""


class Client:
    """GET JSON from one service (``base_url``) with a bearer token, retrying throttled requests."""

    def __init__(
        self,
        base_url: str,
        token: Callable[[], str],
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = MAX_ATTEMPTS,
        timeout: float = 60.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._origin = _origin(self.base_url)
        self._token = token
        self._session = session or requests.Session()
        self._sleep = sleep
        self._max_attempts = max_attempts
        self._timeout = timeout

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}{path}"

    def get(self, path: str, params: dict | None, result: EntityResult) -> dict:
        """One JSON object from ``path`` (relative to the base URL, or an absolute next link)."""
        url = self.url(path)
        self._refuse_other_origin(url, path)
        for attempt in range(1, self._max_attempts + 1):
            response = self._session.get(
                url,
                params=params,
                headers={"Authorization": f"Bearer {self._token()}", "Accept": "application/json"},
                timeout=self._timeout,
            )
            result.api_calls += 1
            status = response.status_code
            if status < 300:
                return self._json(response, path)
            if status in THROTTLE_STATUSES:
                result.throttles += 1
            if status not in RETRY_STATUSES or attempt == self._max_attempts:
                code, message = _error_of(response)
                raise ApiError(status, code, message, _path_only(path))
            result.retries += 1
            wait = retry_after(response.headers.get("Retry-After"), attempt)
            log.info("HTTP %s on %s; retry %d in %.1f s", status, _path_only(path), attempt, wait)
            self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _refuse_other_origin(self, url: str, path: str) -> None:
        """MalformedResponse, before anything is sent, when ``url`` is not on the base URL's scheme, host and
        port: the request would carry the bearer token there. Names the origin, never the query."""
        try:
            origin = _origin(url)
        except ValueError:  # requests' InvalidURL, MissingSchema and urlsplit's port errors are ValueErrors
            origin = None
        if origin != self._origin:
            where = "an unreadable origin" if origin is None else _show(origin)
            raise MalformedResponse(
                f"{_path_only(path)}: refused: {where} is not {_show(self._origin)}, the token is not sent there"
            )

    @staticmethod
    def _json(response: requests.Response, path: str) -> dict:
        try:
            body = json.loads(response.content)
        except ValueError:
            raise MalformedResponse(f"{_path_only(path)}: answer is not JSON") from None
        if not isinstance(body, dict):
            raise MalformedResponse(f"{_path_only(path)}: answer is not a JSON object")
        return body

    def pages(self, path: str, params: dict | None, result: EntityResult) -> Iterator[list]:
        """The ``value`` list of every page, following ``@odata.nextLink`` (Graph) or ``nextLink`` (ARM)."""
        url: str | None = path
        followed: set[str] = set()
        number = 0
        while url:
            number += 1
            body = self.get(url, params, result)
            value = body.get("value")
            if not isinstance(value, list):
                raise MalformedResponse(f"{_path_only(url)}: page has no 'value' list")
            result.pages += 1
            result.items += len(value)
            yield value
            url = self._next_link(body, url, number, followed)
            params = None  # a next link already carries the query

    def _next_link(self, body: dict, url: str, number: int, followed: set[str]) -> str | None:
        """The URL of the page after page ``number`` (read from ``url``), resolved against that page's URL as
        a browser resolves a link (RFC 3986: ``/v1.0/users?...`` keeps the origin and replaces the path, where
        appending it to the base URL ``…/v1.0`` would ask for ``/v1.0/v1.0/users``); None after the last page
        (no link, null or ""). MalformedResponse for a link that is not text (read as "no link", the listing
        would look complete) or that an earlier page gave (``followed``, which the link is added to). Its
        origin is checked in `get`, where every request is sent."""
        for field in NEXT_LINK_FIELDS:
            link = body.get(field)
            if link is None or link == "":
                continue
            if not isinstance(link, str):
                raise MalformedResponse(f"{_path_only(url)}: page {number}: field {field} is not a string")
            resolved = urljoin(self.url(url), link)
            if resolved in followed:
                raise MalformedResponse(
                    f"{_path_only(url)}: page {number}: {field} repeats the link of an earlier page"
                )
            followed.add(resolved)
            return resolved
        return None

    def list(self, path: str, params: dict | None, result: EntityResult) -> list:
        """Every item of a paged collection."""
        out: list = []
        for page in self.pages(path, params, result):
            out.extend(page)
        return out


def _origin(url: str) -> tuple[str, str | None, int | None]:
    """(scheme, host, port) that requests connects to for ``url``, the scheme's default port made explicit.

    Read from the URL as requests prepares it, because parsers disagree on odd URLs: urlsplit reads
    ``http://evil.example\\@graph.microsoft.com/`` as graph.microsoft.com, while requests (urllib3) sends it
    to evil.example; prepared, it reads ``http://evil.example/%5C@graph.microsoft.com/`` for both. ValueError
    when requests refuses the URL or its port is not a number."""
    parts = urlsplit(requests.Request("GET", url).prepare().url)
    port = parts.port
    return parts.scheme, parts.hostname, DEFAULT_PORTS.get(parts.scheme) if port is None else port


def _show(origin: tuple[str, str | None, int | None]) -> str:
    return "{}://{}:{}".format(*origin)


def _path_only(url: str) -> str:
    """The path of a URL without host or query (skip tokens are opaque and long)."""
    if "://" in url:
        url = "/" + url.split("://", 1)[1].split("/", 1)[-1]
    return url.split("?", 1)[0]
