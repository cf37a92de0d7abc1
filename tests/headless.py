"""Headless Chromium for the page tests, driven over its DevTools protocol on a pipe.

No package beyond the standard library: Chromium is started with ``--remote-debugging-pipe`` and
reads commands (JSON, each ended by a NUL byte) from its file descriptor 3 and writes answers and
events to its descriptor 4, so no port is opened. Every page opens with the network off: a proxy
at a closed loopback port takes any request to a host, and every request the page makes is
recorded (``Page.requests``), so a test can ask that a page needed nothing but itself.

:func:`chromium` finds the browser. Where it is absent the tests skip, saying why, except in CI
(``CI`` set), where they fail: there ``.ci/run`` has installed it.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

#: The flags the page tests run Chromium with: headless, no sandbox (CI runs as root), no GPU,
#: nothing of its own fetched in the background, and no way out to the network.
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
    "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
)
#: A phone's viewport (an iPhone 12 to 15 is 390 CSS pixels wide) and a desktop's.
PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": True}
DESKTOP = {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}
TIMEOUT = 60.0  # seconds for any one answer of the browser


def chromium() -> str:
    """The Chromium executable, or the test is skipped (outside CI) or failed (in CI)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed, and CI must run the browser checks "
                        "(.ci/run installs it: apt-get install -y chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return found


class BrowserError(RuntimeError):
    """The browser answered a command with an error, or did not answer in time."""


class Browser:
    """One headless Chromium process and the DevTools commands sent to it."""

    def __init__(self, executable: str, profile: Path) -> None:
        to_browser_r, to_browser_w = os.pipe()
        from_browser_r, from_browser_w = os.pipe()
        # the browser reads fd 3 and writes fd 4: copies numbered above both, so the shell's
        # redirections cannot overwrite one with the other
        keep_r = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
        keep_w = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self.process = subprocess.Popen(
            ["/bin/bash", "-c", f'exec "$0" "$@" 3<&{keep_r} 4>&{keep_w}', executable, *FLAGS,
             "--remote-debugging-pipe", f"--user-data-dir={profile}", "about:blank"],
            pass_fds=(keep_r, keep_w), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        os.close(keep_r)
        os.close(keep_w)
        self._write = to_browser_w
        self._read = from_browser_r
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def _message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._read], [], [], left)[0]:
                raise BrowserError("the browser did not answer in time")
            chunk = os.read(self._read, 1 << 20)
            if not chunk:
                raise BrowserError("the browser closed its pipe (it stopped)")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return dict(json.loads(message))

    def send(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        """Send one command and wait for its answer; events meanwhile go to ``events``."""
        self._next_id += 1
        command: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session is not None:
            command["sessionId"] = session
        os.write(self._write, json.dumps(command).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            message = self._message(deadline)
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))
            self.events.append(message)

    def wait_for(self, method: str, session: str) -> dict[str, Any]:
        """The first event ``method`` of a session not yet seen (taken from ``events``)."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            for i, event in enumerate(self.events):
                if event.get("method") == method and event.get("sessionId") == session:
                    return dict(self.events.pop(i).get("params", {}))
            self.events.append(self._message(deadline))

    def open(self, url: str, viewport: dict[str, Any] = DESKTOP,
             bypass_csp: bool = False) -> Page:
        """A new tab showing ``url`` at ``viewport``, its load event fired.

        ``bypass_csp``: let a test's own script (axe-core) run in a page whose policy forbids
        scripts; the page's requests are recorded all the same.
        """
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        page = Page(self, target, session)
        self.send("Emulation.setDeviceMetricsOverride", session, **viewport)
        if bypass_csp:
            self.send("Page.setBypassCSP", session, enabled=True)
        self.send("Network.enable", session)
        self.send("Page.enable", session)
        self.send("Page.navigate", session, url=url)
        self.wait_for("Page.loadEventFired", session)
        return page

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (BrowserError, OSError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._write)
        os.close(self._read)


class Page:
    """One tab of a :class:`Browser`."""

    def __init__(self, browser: Browser, target: str, session: str) -> None:
        self.browser = browser
        self.target = target
        self.session = session

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (a promise is awaited)."""
        result = self.browser.send("Runtime.evaluate", self.session, expression=expression,
                                   returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise BrowserError(f"script failed: {text}")
        return result["result"].get("value")

    @property
    def requests(self) -> list[str]:
        """The URL of every request the page has made so far (the page itself included)."""
        return [e["params"]["request"]["url"] for e in self.browser.events
                if e.get("method") == "Network.requestWillBeSent"
                and e.get("sessionId") == self.session]

    def screenshot(self, path: Path) -> Path:
        """The whole page as a PNG, for a person to look at."""

        data = self.browser.send("Page.captureScreenshot", self.session, format="png",
                                 captureBeyondViewport=True)["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        self.browser.send("Target.closeTarget", targetId=self.target)
        self.browser.events = [e for e in self.browser.events
                               if e.get("sessionId") != self.session]


@contextmanager
def browser(profile: Path) -> Iterator[Browser]:
    """A headless Chromium for the block's length (skipped or failed where there is none)."""
    started = Browser(chromium(), profile)
    try:
        yield started
    finally:
        started.close()
