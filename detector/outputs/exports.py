"""Write a scan's outputs — report.md, report.html, findings.json, graph.gexf, graph.graphml, graph.png — atomically."""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import networkx as nx

from .. import pipeline
from .. import reviews as review_stage
from ..errors import OutputError
from ..graph import with_visuals
from ..pipeline import ScanResult
from ..runtime.store import Cache
from .findings import findings
from .html_report import render_html
from .layout import positions
from .picture import draw
from .report import render

FORMATS = {
    "md": "report.md",
    "html": "report.html",
    "json": "findings.json",
    "gexf": "graph.gexf",
    "graphml": "graph.graphml",
    "png": "graph.png",
}
# Characters XML 1.0 forbids: one of them in a label makes Gephi refuse the whole file.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def prepare_output(out_dir: str | os.PathLike[str]) -> Path:
    """Create `out_dir` if needed and prove it is writable, before any expensive work."""
    folder = Path(out_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".detector-check-"):
            pass
    except OSError as err:
        raise OutputError(f"{folder}: cannot write the output folder ({err.strerror or err})") from None
    return folder


def scan_into(
    out_dir: str | os.PathLike[str],
    paths: Sequence[str | os.PathLike[str]],
    *,
    formats: Iterable[str] = FORMATS,
    reviews: str | os.PathLike[str] | None = None,
    scan: Callable[..., ScanResult] = pipeline.scan,
    **options: Any,
) -> tuple[ScanResult, list[Path]]:
    """What `detector scan` does: `scan(paths, **options)` with `out_dir` left out of it, the reviews file applied
    (`reviews`, else OUT/reviews.json, if there is one), and the outputs written; the result and the files."""
    result = scan(paths, exclude=[out_dir], **options)
    # Read on every scan of a watch: a review recorded meanwhile applies to the next scan.
    recorded = review_stage.read(reviews or review_stage.default_path(out_dir))
    if recorded:
        result = review_stage.apply(result, recorded)
    return result, write_outputs(result, out_dir, formats)


def write_outputs(result: ScanResult, out_dir: str | os.PathLike[str], formats: Iterable[str] = FORMATS) -> list[Path]:
    """Write the chosen formats into `out_dir`; each file appears whole or not at all.

    A cached scan's outputs are kept in its cache as they are written, and copied from there the next time
    the same scan is written (rendering graph.png and the layout is most of a re-scan's time otherwise).
    """
    folder = prepare_output(out_dir)
    store = Cache(result.cache_folder) if result.key is not None and result.cache_folder is not None else None
    try:
        return _write_outputs(result, folder, formats, store)
    finally:
        if store is not None:
            store.close()


def _write_outputs(result: ScanResult, folder: Path, formats: Iterable[str], store: Cache | None) -> list[Path]:
    # One layout for the GEXF positions, the HTML graph and graph.png, computed only if one of them is written.
    where = cache(lambda: positions(result.graph))
    writers: dict[str, Callable[[Path], None]] = {
        "md": lambda path: _write_text(path, render(result)),
        "html": lambda path: _write_text(path, render_html(result, where())),
        "json": lambda path: _write_text(path, json.dumps(findings(result), ensure_ascii=False, indent=2) + "\n"),
        "gexf": lambda path: write_gexf(xml_safe(with_visuals(result.graph, where())), path),
        # networkx's plain XML writer, always: nx.write_graphml switches to lxml where lxml happens to be
        # installed, which formats the file differently, and the same scan must give the same bytes everywhere.
        "graphml": lambda path: nx.write_graphml_xml(xml_safe(result.graph), path),
        "png": lambda path: draw(result.graph, where(), path, title=_title(result)),
    }
    written = []
    for fmt in formats:
        if fmt not in FORMATS:
            raise OutputError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
        target = folder / FORMATS[fmt]
        kept = store.output(result.key, fmt) if store is not None and result.key is not None else None
        if kept is not None:
            atomic_write(target, lambda path, data=kept: path.write_bytes(data))  # type: ignore[misc]
        else:
            atomic_write(target, writers[fmt])
            if store is not None and result.key is not None:
                store.put_output(result.key, fmt, target.read_bytes())
        written.append(target)
    return written


def _title(result: ScanResult) -> str:
    s = result.stats
    counts = ("documents", "subjects", "claims", "contradictions")
    return " · ".join(f"{getattr(s, name)} {name if getattr(s, name) != 1 else name[:-1]}" for name in counts)


def write_gexf(graph: nx.DiGraph, path: Path) -> None:
    """GEXF without the date networkx stamps into <meta>, so the same scan writes the same bytes on any day."""
    writer = nx.readwrite.gexf.GEXFWriter(encoding="utf-8", prettyprint=True)
    writer.add_graph(graph)
    for meta in writer.xml.iter("meta"):
        meta.attrib.pop("lastmodifieddate", None)
    with path.open("wb") as handle:
        writer.write(handle)


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def atomic_write(target: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file in the same folder, then rename over `target`."""
    handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(handle)
    temp = Path(temp_name)
    try:
        write(temp)
        with temp.open("rb") as written:
            os.fsync(written.fileno())
        # mkstemp makes the file private (0600); outputs get the usual permissions of a new file.
        temp.chmod(0o666 & ~_umask())
        os.replace(temp, target)
    except OSError as err:
        raise OutputError(f"{target}: cannot write ({err.strerror or err})") from None
    finally:
        temp.unlink(missing_ok=True)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def xml_safe(graph: nx.DiGraph) -> nx.DiGraph:
    """A copy whose string attributes hold only characters XML 1.0 allows."""
    clean = graph.copy()
    for _node, data in clean.nodes(data=True):
        _clean_attributes(data)
    for _a, _b, data in clean.edges(data=True):
        _clean_attributes(data)
    return nx.relabel_nodes(clean, {n: _XML_INVALID.sub("\ufffd", n) for n in clean.nodes}, copy=True)


def _clean_attributes(data: dict[str, object]) -> None:
    for key, value in data.items():
        if isinstance(value, str):
            data[key] = _XML_INVALID.sub("\ufffd", value)
