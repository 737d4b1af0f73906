"""Open report.html in headless Chromium and record what it did: console errors, requests, dialogs. Test-only."""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
VIEWPORT = {"width": 1280, "height": 800}
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")


def find_chromium() -> str | None:
    """The system Chromium: $DETECTOR_CHROMIUM, else the first of CHROMIUM_NAMES on PATH."""
    named = os.environ.get("DETECTOR_CHROMIUM")
    if named:
        return named if Path(named).is_file() else None
    return next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)


def why_no_browser() -> str | None:
    """Why the browser tests cannot run here, or None if they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    if find_chromium() is None:
        return "no Chromium found: apt-get install chromium (as .ci/run does), or set DETECTOR_CHROMIUM"
    return None


@dataclass
class Visit:
    """What happened while a page was open."""

    page: Any
    errors: list[str] = field(default_factory=list)  # console errors and warnings, uncaught exceptions
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def remote_requests(self) -> list[str]:
        return [url for url in self.requests if not url.startswith(LOCAL_SCHEMES)]


def visit(browser: Any, report: Path, *, viewport: dict[str, int] | None = None, timeout_s: float = 120) -> Visit:
    """Load `report` from file:// and wait until its graph has drawn; `seconds` is the time that took."""
    page = browser.new_page(viewport=viewport or VIEWPORT)
    seen = Visit(page)
    page.on("console", lambda m: seen.errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: seen.errors.append(f"uncaught: {e}"))
    page.on("requestfailed", lambda r: seen.errors.append(f"request failed: {r.url}"))
    page.on("request", lambda r: seen.requests.append(r.url))

    def on_dialog(dialog: Any) -> None:
        seen.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    started = time.perf_counter()
    page.goto(report.resolve().as_uri(), wait_until="load", timeout=timeout_s * 1000)
    page.wait_for_selector("html[data-graph=ready]", state="attached", timeout=timeout_s * 1000)
    seen.seconds = time.perf_counter() - started
    return seen


def launch(playwright: Any) -> Any:
    """Headless Chromium from the system, never a browser build downloaded by playwright."""
    return playwright.chromium.launch(executable_path=find_chromium(), headless=True)
