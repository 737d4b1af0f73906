"""URLs as documents, against a local HTTP server on 127.0.0.1: pages, lists of URLs, the cache, and every way a
fetch can fail (404, a redirect loop, a binary, a page too slow or too large) skipped with its reason."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from detector.documents import load_documents
from detector.fetch import USER_AGENT, Fetcher, url_list

from . import makers

ARTICLE = """<html><head><title>Coffee and alertness</title></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
<article><h1>Coffee and alertness</h1>
<p>Coffee increases alertness in adults, a trial of three hundred office workers found last year.</p>
<p>The effect lasted for about four hours after a single cup taken in the morning before work.</p>
<p>Researchers measured reaction times every hour with a simple test on a tablet computer.</p></article>
<footer>Copyright 2024 Example News. All rights reserved. Subscribe to our newsletter today.</footer>
</body></html>"""


class Site(BaseHTTPRequestHandler):
    release = threading.Event()
    agents: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.agents.append(self.headers.get("User-Agent", ""))
        routes = {
            "/article": (200, "text/html; charset=utf-8", ARTICLE.encode()),
            "/notes.txt": (200, "text/plain", b"Tea decreases alertness in adults, one small survey claims.\n"),
            "/paper.pdf": (
                200,
                "application/pdf",
                makers.pdf([["Coffee decreases alertness in adults who drink it every day."]]),
            ),
            "/missing": (404, "text/html", b"<p>Not here</p>"),
            "/picture": (200, "image/png", b"\x89PNG\r\n\x1a\n" + bytes(64)),
            "/huge": (200, "text/html", b"<p>" + b"word " * 4000 + b"</p>"),
        }
        if self.path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.end_headers()
            return
        if self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/article")
            self.end_headers()
            return
        if self.path == "/slow":
            # Answers only once the test is over: any timeout the client sets is reached first.
            self.release.wait(10)
        status, kind, body = routes.get(self.path, (200, "text/html", ARTICLE.encode()))
        try:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client gave up (the slow page)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    Site.release.set()
    server.shutdown()
    server.server_close()


def fetcher(**options: object) -> Fetcher:
    return Fetcher(**({"timeout": 5.0, "host_delay": 0.0} | options))  # type: ignore[arg-type]


def test_a_url_is_a_document_whose_id_is_the_url(site: str) -> None:
    docs = load_documents([f"{site}/article", f"{site}/notes.txt", f"{site}/paper.pdf"], fetcher=fetcher())
    by_id = {d.id: d for d in docs}
    page = by_id[f"{site}/article"]
    assert page.format == "html" and page.skipped is None
    assert "Coffee increases alertness in adults" in page.text and "Copyright" not in page.text
    assert by_id[f"{site}/notes.txt"].format == "text"
    assert by_id[f"{site}/paper.pdf"].pages == (0,)
    assert USER_AGENT in Site.agents and USER_AGENT.startswith("detector/")


def test_a_redirect_is_followed_and_the_page_keeps_the_url_it_was_asked_by(site: str) -> None:
    [doc] = load_documents([f"{site}/moved"], fetcher=fetcher())
    assert doc.id == f"{site}/moved" and doc.path == f"{site}/article" and "Coffee" in doc.text


def test_a_file_listing_urls_is_read_as_those_pages(site: str, tmp_path: Path) -> None:
    listing = tmp_path / "urls.txt"
    listing.write_text(f"# pages to check\n{site}/article\n\n{site}/notes.txt\n", encoding="utf-8")
    docs = load_documents([listing, f"{site}/article"], fetcher=fetcher())
    assert [d.id for d in docs] == [f"{site}/article", f"{site}/notes.txt"]
    assert url_list("A sentence, not a URL.\nhttps://example.org\n") is None


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/missing", "HTTP 404 Not Found"),
        ("/loop", "more than 5 redirects (a redirect loop?)"),
        ("/picture", "not a document (content type image/png)"),
        ("/slow", "timed out after 0.5 s (raise it with --fetch-timeout)"),
        ("/huge", "larger than the 1,000-byte limit (raise it with --max-file-mb)"),
    ],
)
def test_a_page_that_cannot_be_fetched_is_skipped_with_its_reason_and_the_rest_is_read(
    site: str, path: str, reason: str
) -> None:
    docs = load_documents(
        [f"{site}{path}", f"{site}/notes.txt"], max_file_bytes=1000, fetcher=fetcher(timeout=0.5, max_bytes=1000)
    )
    by_id = {d.id: d for d in docs}
    assert by_id[f"{site}{path}"].skipped == reason
    assert by_id[f"{site}/notes.txt"].skipped is None


def test_an_unreachable_host_is_skipped() -> None:
    # Port 9 (discard) on the loopback: nothing listens there, the connection is refused at once.
    [doc] = load_documents(["http://127.0.0.1:9/page"], fetcher=fetcher())
    assert (doc.skipped or "").startswith("cannot be fetched (ConnectError")


def test_requests_to_one_host_wait_for_the_polite_delay(site: str) -> None:
    now = [100.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(round(seconds, 3))
        now[0] += seconds

    polite = Fetcher(host_delay=2.0, clock=lambda: now[0], sleep=sleep)
    for path in ("/article", "/notes.txt", "/article?again"):
        assert polite.fetch(f"{site}{path}").skipped is None
    assert waits == [2.0, 2.0]
    other_host = polite.fetch(site.replace("127.0.0.1", "localhost") + "/article")
    assert other_host.skipped is None and waits == [2.0, 2.0]


def test_fetched_pages_are_kept_in_the_cache_and_read_from_it(site: str, tmp_path: Path) -> None:
    cache = tmp_path / "pages"
    first = fetcher(cache_folder=cache).fetch(f"{site}/article")
    assert len(list(cache.glob("*.body"))) == 1
    before = len(Site.agents)
    again = fetcher(cache_folder=cache).fetch(f"{site}/article")
    assert again == first and len(Site.agents) == before
    fetcher().fetch(f"{site}/notes.txt")  # no cache folder: nothing is written
    assert len(list(cache.glob("*.body"))) == 1


def test_a_scan_keeps_fetched_pages_under_its_cache_folder_and_no_cache_writes_nothing(
    site: str, tmp_path: Path
) -> None:
    from detector import Settings, scan

    from .conftest import BagOfWordsEmbedder, OppositeVerbJudge

    def run(**options: object) -> object:
        return scan(
            [f"{site}/article"],
            settings=Settings(fetch_delay=0.0, **options),  # type: ignore[arg-type]
            embedder=BagOfWordsEmbedder(),
            judge=OppositeVerbJudge(),
        )

    result = run(cache=False, cache_dir=tmp_path / "off")
    assert not (tmp_path / "off").exists()
    assert [d.id for d in result.documents] == [f"{site}/article"]  # type: ignore[attr-defined]
    run(cache_dir=tmp_path / "on")
    assert len(list((tmp_path / "on" / "pages").glob("*.body"))) == 1
