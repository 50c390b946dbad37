"""What the in-process Azure tests put in place of ``requests.Session``: the sandbox fake answering a request
as requests would send it, so the tests see every URL and header the real ``Client`` sends, on any host."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests
from muster.sandbox.azure_fake import Api


@dataclass
class Response:
    """What `Client` reads of a requests.Response."""

    status_code: int
    content: bytes
    headers: dict = field(default_factory=dict)
    reason: str = ""


def prepared(url: str, params=None, headers=None) -> requests.PreparedRequest:
    """The request exactly as requests would send it (query joined, URL normalised)."""
    return requests.Request("GET", url, params=params, headers=headers).prepare()


def origin_of(url: str) -> str:
    """scheme://netloc of a URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def answer(api: Api, request: requests.PreparedRequest) -> tuple[int, dict, dict]:
    """(status, body, headers) of the fake for a prepared request."""
    parts = urlsplit(request.url)
    target = f"{parts.path}?{parts.query}" if parts.query else parts.path
    return api.handle(target, request.headers.get("Authorization"))


def response(status: int, body: object, headers: dict | None = None) -> Response:
    return Response(status, json.dumps(body).encode(), headers or {})
