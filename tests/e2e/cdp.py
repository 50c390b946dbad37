"""Drive Debian's headless Chromium over the DevTools protocol: load a page, collect console errors, screenshot.

Chosen over Selenium because it needs no new dependency (`websockets` is already installed with Airflow),
no chromedriver handshake and no Selenium Manager (which tries to download drivers), and because the
protocol reports exactly what the test asserts on: console errors, uncaught exceptions and blocked loads.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from websockets.sync.client import connect

#: Flags for this machine's closed network (see the machine notes); --remote-debugging-port=0 picks a free port.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",
    "--remote-debugging-address=127.0.0.1",
    "--window-size=1100,900",
)


class Browser:
    """One Chromium process with a fresh, empty profile; use as a context manager."""

    def __init__(self, binary: str = "chromium"):
        self.binary = shutil.which(binary) or binary
        self.profile = tempfile.mkdtemp(prefix="muster-chromium-")
        self.proc = None
        self.ws = None
        self._id = 0

    def __enter__(self) -> Browser:
        self.proc = subprocess.Popen(
            [self.binary, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            m = re.search(r"DevTools listening on (ws://\S+)", line)
            if m:
                self._conn = connect(m.group(1), max_size=None, open_timeout=10)
                self.ws = self._conn.__enter__()
                return self
            if not line and self.proc.poll() is not None:
                break
        raise RuntimeError("chromium did not start its DevTools endpoint")

    def __exit__(self, *exc) -> None:
        if self.ws is not None:
            self._conn.__exit__(None, None, None)
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)

    def _send(self, method: str, params: dict | None = None, session: str | None = None, events=None) -> dict:
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.ws.send(json.dumps(msg))
        while True:
            reply = json.loads(self.ws.recv(timeout=30))
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if events is not None and "method" in reply:
                events.append(reply)

    def load(self, url: str, screenshot: Path) -> list[str]:
        """Open `url`, wait for load, save a full-page PNG; return console errors and exceptions seen."""
        events: list[dict] = []
        target = self._send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self._send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page.enable", "Runtime.enable", "Log.enable"):
            self._send(domain, session=session, events=events)
        self._send("Page.navigate", {"url": url}, session=session, events=events)
        deadline = time.monotonic() + 30
        while not any(e["method"] == "Page.loadEventFired" for e in events):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not finish loading")
            events.append(json.loads(self.ws.recv(timeout=30)))
        self._send("Runtime.evaluate", {"expression": "1"}, session=session, events=events)  # flush
        shot = self._send(
            "Page.captureScreenshot",
            {"format": "png", "captureBeyondViewport": True},
            session=session,
            events=events,
        )
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        title = self._send(
            "Runtime.evaluate", {"expression": "document.title"}, session=session, events=events
        )
        self.title = title["result"].get("value")
        return _errors(events)


def _errors(events: list[dict]) -> list[str]:
    out = []
    for e in events:
        p = e.get("params", {})
        if e.get("method") == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            out.append(
                "console: " + " ".join(str(a.get("value", a.get("description"))) for a in p.get("args", []))
            )
        elif e.get("method") == "Runtime.exceptionThrown":
            out.append("exception: " + p.get("exceptionDetails", {}).get("text", ""))
        elif e.get("method") == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            out.append(f"log: {p['entry'].get('text')} {p['entry'].get('url', '')}".strip())
    return out
