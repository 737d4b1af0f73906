"""Fetching web pages for a scan: timeouts, a size cap, a content-type check, a limit on redirects, a polite
pause between requests to one host, a User-Agent naming detector, and a folder cache of what was fetched."""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from .errors import InputError

DEFAULT_TIMEOUT = 20.0
# Seconds between two requests to the same host: a scan of a list of URLs from one site should not hammer it.
DEFAULT_HOST_DELAY = 1.0
MAX_REDIRECTS = 5
# A page fetched within this many seconds is read from the cache instead of fetched again.
CACHE_SECONDS = 24 * 3600
USER_AGENT = "detector/0.1 (contradiction scanner; +https://pypi.org/project/detector/)"

# What a fetched page can be read as, by its Content-Type.
CONTENT_TYPES = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/plain": "text",
    "text/markdown": "markdown",
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
}


def is_url(value: str | os.PathLike[str]) -> bool:
    """Whether a scan argument names a web page rather than a file."""
    return isinstance(value, str) and value.lower().startswith(("http://", "https://"))


@dataclass(frozen=True)
class Page:
    """What a URL gave: the body and how to read it, or why it was skipped."""

    url: str
    final_url: str
    format: str
    body: bytes
    skipped: str | None = None


class Fetcher:
    """Fetches pages one at a time, waiting `host_delay` seconds between requests to the same host."""

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        host_delay: float = DEFAULT_HOST_DELAY,
        max_bytes: int = 10_000_000,
        cache_folder: str | os.PathLike[str] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if timeout <= 0 or host_delay < 0:
            raise InputError(
                f"--fetch-timeout must be above 0 and --fetch-delay at least 0, got {timeout} and {host_delay}"
            )
        self.timeout = timeout
        self.host_delay = host_delay
        self.max_bytes = max_bytes
        self.cache_folder = Path(cache_folder) if cache_folder is not None else None
        self._clock = clock
        self._sleep = sleep
        self._last: dict[str, float] = {}

    def fetch(self, url: str) -> Page:
        """The page at `url`, from the cache if it was fetched in the last day; never raises for a bad page."""
        cached = self._cached(url)
        if cached is not None:
            return cached
        page = self._download(url)
        if page.skipped is None:
            self._store(page)
        return page

    def _download(self, url: str) -> Page:
        import httpx

        host = urlsplit(url).netloc.lower()
        if not host:
            return Page(url, url, "", b"", "not a URL with a host")
        wait = self._last.get(host, -float("inf")) + self.host_delay - self._clock()
        if wait > 0:
            self._sleep(wait)
        try:
            with (
                httpx.Client(
                    timeout=httpx.Timeout(self.timeout),
                    follow_redirects=True,
                    max_redirects=MAX_REDIRECTS,
                    headers={"User-Agent": USER_AGENT, "Accept": ", ".join(CONTENT_TYPES) + ";q=0.9, */*;q=0.1"},
                ) as client,
                client.stream("GET", url) as response,
            ):
                return self._read(url, response)
        except httpx.TooManyRedirects:
            return Page(url, url, "", b"", f"more than {MAX_REDIRECTS} redirects (a redirect loop?)")
        except httpx.TimeoutException:
            return Page(url, url, "", b"", f"timed out after {self.timeout:g} s (raise it with --fetch-timeout)")
        except (httpx.HTTPError, httpx.InvalidURL, OSError) as err:
            return Page(url, url, "", b"", f"cannot be fetched ({type(err).__name__}: {err})"[:300])
        finally:
            self._last[host] = self._clock()

    def _read(self, url: str, response: object) -> Page:
        final = str(response.url)  # type: ignore[attr-defined]
        status = response.status_code  # type: ignore[attr-defined]
        if status >= 400:
            return Page(url, final, "", b"", f"HTTP {status} {response.reason_phrase}".rstrip())  # type: ignore[attr-defined]
        kind = response.headers.get("content-type", "").split(";")[0].strip().lower()  # type: ignore[attr-defined]
        fmt = CONTENT_TYPES.get(kind)
        if fmt is None:
            return Page(url, final, "", b"", f"not a document (content type {kind or 'missing'})")
        declared = response.headers.get("content-length", "")  # type: ignore[attr-defined]
        too_large = f"larger than the {self.max_bytes:,}-byte limit (raise it with --max-file-mb)"
        if declared.isdigit() and int(declared) > self.max_bytes:
            return Page(url, final, fmt, b"", too_large)
        body = bytearray()
        for chunk in response.iter_bytes():  # type: ignore[attr-defined]
            body += chunk
            if len(body) > self.max_bytes:
                return Page(url, final, fmt, b"", too_large)
        return Page(url, final, fmt, bytes(body))

    def _paths(self, url: str) -> tuple[Path, Path] | None:
        if self.cache_folder is None:
            return None
        name = hashlib.sha256(url.encode("utf-8")).hexdigest()
        return self.cache_folder / f"{name}.json", self.cache_folder / f"{name}.body"

    def _cached(self, url: str) -> Page | None:
        paths = self._paths(url)
        if paths is None:
            return None
        meta_path, body_path = paths
        try:
            if time.time() - meta_path.stat().st_mtime > CACHE_SECONDS:
                return None
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            body = body_path.read_bytes()
        except (OSError, ValueError):
            return None
        if meta.get("url") != url or hashlib.sha256(body).hexdigest() != meta.get("sha256"):
            return None
        return Page(url, meta["final_url"], meta["format"], body)

    def _store(self, page: Page) -> None:
        paths = self._paths(page.url)
        if paths is None:
            return
        meta_path, body_path = paths
        meta = {
            "url": page.url,
            "final_url": page.final_url,
            "format": page.format,
            "sha256": hashlib.sha256(page.body).hexdigest(),
        }
        try:
            meta_path.parent.mkdir(parents=True, exist_ok=True)
            for path, data in ((body_path, page.body), (meta_path, json.dumps(meta).encode("utf-8"))):
                temp = path.with_suffix(path.suffix + ".tmp")
                temp.write_bytes(data)
                os.replace(temp, path)
        except OSError:
            pass  # a cache that cannot be written only costs a fetch next time


def url_list(text: str) -> list[str] | None:
    """The URLs of a list of URLs (one a line; blank lines and # comments allowed), or None if `text` is not one."""
    lines = [line.strip() for line in text.splitlines()]
    urls = [line for line in lines if line and not line.startswith("#")]
    return urls if urls and all(is_url(u) and " " not in u for u in urls) else None
