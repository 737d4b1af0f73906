"""The `detector` command: a thin layer over `detector.scan`, `detector.evaluation` and `detector.models.lock`."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from . import bench, evaluation
from . import corpus as corpus_stage
from . import reviews as review_stage
from .contradictions import quote
from .errors import DetectorError, InputError, ModelError
from .fetch import is_url
from .models import lock as models
from .models.load import keep_loaded
from .outputs.exports import FORMATS, prepare_output, scan_into
from .pipeline import ScanResult, Settings
from .pipeline import scan as run_scan
from .progress import Advance
from .records import Claim
from .runtime.engines import ENGINES, RayOptions
from .runtime.watch import Rescan, Watcher, describe, rescans, terminate_as_interrupt

app = typer.Typer(
    help="Find where documents contradict each other (or themselves).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
models_app = typer.Typer(help="List, verify and lock the models in models.lock.", invoke_without_command=True)
app.add_typer(models_app, name="models")

out = Console()
err = Console(stderr=True)

ModelsLockOption = Annotated[
    Path | None,
    typer.Option("--models-lock", help="models.lock to use [env: DETECTOR_MODELS_LOCK; default: ./models.lock]"),
]
JudgeOption = Annotated[str | None, typer.Option("--judge", help="judge model name from models.lock")]
JudgePerClaimOption = Annotated[
    int,
    typer.Option(
        min=0, help="judge each claim's N most promising candidate pairs, by the screen (0: judge every candidate)"
    ),
]
EmbedderOption = Annotated[str | None, typer.Option("--embedder", help="embedder model name from models.lock")]
NeighboursOption = Annotated[int, typer.Option(min=0, help="each claim's nearest claims in other documents to compare")]
NeighboursWithinOption = Annotated[
    int, typer.Option(min=0, help="each claim's nearest claims in its own document to compare")
]
MinSimilarityOption = Annotated[
    float, typer.Option(min=-1.0, max=1.0, help="least cosine similarity of a candidate pair")
]
SubjectSimilarityOption = Annotated[
    float,
    typer.Option(
        min=0.0,
        max=1.0,
        help="average similarity that holds a subject together, once the topic every claim shares is taken out",
    ),
]
NoCacheOption = Annotated[
    bool, typer.Option("--no-cache", help="run the models on everything; neither read nor write the cache")
]
CacheDirOption = Annotated[
    Path | None,
    typer.Option(
        "--cache-dir",
        envvar="DETECTOR_CACHE_DIR",
        show_envvar=False,
        help="folder of the embeddings and scores cache [env: DETECTOR_CACHE_DIR; default: ~/.cache/detector]",
    ),
]


def _threshold(help_text: str) -> Any:
    """The --threshold option: a score between 0 and 1."""
    return typer.Option("--threshold", min=0.0, max=1.0, help=help_text)


class BarProgress:
    """Rich progress bars on stderr, one per pipeline stage."""

    def __init__(self, enabled: bool) -> None:
        self._enabled = enabled

    @contextmanager
    def task(self, description: str, total: int) -> Iterator[Advance]:
        if not self._enabled or total == 0:
            yield lambda n: None
            return
        columns = (
            TextColumn("{task.description:<16}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=err, transient=False) as bars:
            task = bars.add_task(description, total=total)
            yield lambda n: bars.advance(task, n)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn errors into one line on stderr and a non-zero exit code, never a traceback."""
    try:
        yield
    except DetectorError as problem:
        err.print(f"[bold red]error:[/] {escape(str(problem))}", highlight=False, soft_wrap=True)
        raise typer.Exit(problem.exit_code) from None
    except KeyboardInterrupt:
        err.print("interrupted: earlier outputs are left as they were")
        raise typer.Exit(130) from None
    except Exception as problem:
        if os.environ.get("DETECTOR_DEBUG"):
            raise
        err.print(
            f"[bold red]internal error:[/] {type(problem).__name__}: {escape(str(problem))} "
            "(set DETECTOR_DEBUG=1 for the traceback)",
            soft_wrap=True,
        )
        raise typer.Exit(70) from None


def _engine(name: str) -> str:
    if name not in ENGINES:
        raise InputError(f"unknown --engine {name!r}; choose from {', '.join(ENGINES)}")
    return name


def _formats(values: list[str]) -> list[str]:
    chosen = [f.strip().lower() for value in values for f in value.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown:
        raise InputError(f"unknown --format {', '.join(unknown)}; choose from {', '.join(FORMATS)}")
    return list(dict.fromkeys(chosen)) or list(FORMATS)


@app.command()
def scan(
    paths: Annotated[
        list[str],
        typer.Argument(
            help="files or folders of .txt, .md, .html, .jsonl, .pdf, .docx, .csv, .tsv documents; URLs of web "
            "pages; .txt files listing URLs, one a line",
            show_default=False,
        ),
    ],
    out_dir: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="folder for report.md, report.html, findings.json, graph.gexf, graph.graphml, graph.png"
        ),
    ] = Path("out"),
    formats: Annotated[
        list[str],
        typer.Option(
            "--format", "-f", help="outputs to write: md, html, json, gexf, graphml, png (repeat or comma-separate)"
        ),
    ] = [],  # noqa: B006
    threshold: Annotated[
        float | None,
        _threshold("verdict score a contradiction must reach [default: detector/verdict/calibration.json's threshold]"),
    ] = None,
    judge: JudgeOption = None,
    embedder: EmbedderOption = None,
    neighbours: NeighboursOption = Settings.neighbours,
    neighbours_within: NeighboursWithinOption = Settings.neighbours_within,
    judge_per_claim: JudgePerClaimOption = Settings.judge_per_claim,
    min_similarity: MinSimilarityOption = Settings.min_similarity,
    subject_similarity: SubjectSimilarityOption = Settings.subject_similarity,
    max_file_mb: Annotated[
        float, typer.Option(min=0.000001, help="skip (and report) files larger than this many megabytes")
    ] = Settings.max_file_bytes / 1_000_000,
    max_claims_per_doc: Annotated[
        int, typer.Option(min=1, help="compare at most this many claims of one document (the rest are reported)")
    ] = Settings.max_claims_per_doc,
    max_claims: Annotated[
        int, typer.Option(min=1, help="compare at most this many claims in all (the rest are reported)")
    ] = Settings.max_claims,
    html_text: Annotated[
        str,
        typer.Option(
            "--html-text", help="web pages: main (title and main text; menus, footers, teasers left out) or all"
        ),
    ] = Settings.html_text,
    max_pdf_pages: Annotated[
        int, typer.Option(min=1, help="read at most this many pages of a PDF (the rest are reported)")
    ] = Settings.max_pdf_pages,
    text_column: Annotated[
        str | None, typer.Option(help="CSV/TSV: the column holding each row's text [default: text]")
    ] = None,
    id_column: Annotated[
        str | None, typer.Option(help="CSV/TSV: the column holding each row's id [default: the row number]")
    ] = None,
    fetch_timeout: Annotated[
        float, typer.Option(min=0.001, help="URLs: seconds to wait for a page before skipping it")
    ] = Settings.fetch_timeout,
    fetch_delay: Annotated[
        float, typer.Option(min=0.0, help="URLs: least seconds between two requests to the same host")
    ] = Settings.fetch_delay,
    engine: Annotated[
        str, typer.Option(help="where embedding and judging run: local, or ray (Ray Data jobs; cluster: RAY_ADDRESS)")
    ] = Settings.engine,
    ray_actors: Annotated[
        int | None, typer.Option(min=1, help="Ray actors per stage [default: as many as the cluster has room for]")
    ] = None,
    ray_gpus: Annotated[float, typer.Option(min=0.0, help="GPUs per Ray actor (0: run on CPUs)")] = 0.0,
    nli_screen: Annotated[
        bool,
        typer.Option(
            "--nli-screen",
            help="also list, apart, judged pairs that the NLI judge alone flags (both directions at its "
            "threshold) and the verdict does not report",
        ),
    ] = False,
    nli_only: Annotated[
        bool,
        typer.Option(
            "--nli-only",
            help="also count pairs only the NLI judge flags (both directions at its threshold) as contradictions; "
            "implies --nli-screen",
        ),
    ] = False,
    models_lock: ModelsLockOption = None,
    no_cache: NoCacheOption = False,
    cache_dir: CacheDirOption = None,
    reviews: Annotated[
        Path | None,
        typer.Option(
            "--reviews",
            help="reviews file to apply: rejected pairs left out, confirmed ones marked [default: OUT/reviews.json]",
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bars or summary")] = False,
    watch: Annotated[
        bool,
        typer.Option(
            "--watch",
            help="after the scan, keep watching PATHS and scan again (models kept loaded) whenever a document is "
            "added, changed or removed; Ctrl-C stops",
        ),
    ] = False,
) -> None:
    """Scan documents for contradictions; write a report, findings and a claim graph."""
    with user_errors():
        chosen = _formats(formats)
        prepare_output(out_dir)
        settings = Settings(
            threshold=threshold,
            neighbours=neighbours,
            neighbours_within=neighbours_within,
            judge_per_claim=judge_per_claim,
            min_similarity=min_similarity,
            subject_similarity=subject_similarity,
            max_file_bytes=round(max_file_mb * 1_000_000),
            max_claims_per_doc=max_claims_per_doc,
            max_claims=max_claims,
            html_text=html_text,
            max_pdf_pages=max_pdf_pages,
            text_column=text_column,
            id_column=id_column,
            fetch_timeout=fetch_timeout,
            fetch_delay=fetch_delay,
            nli_screen=nli_screen,
            nli_only=nli_only,
            engine=_engine(engine),
            ray=RayOptions(actors=ray_actors, gpus=ray_gpus),
            cache=not no_cache,
            cache_dir=cache_dir,
        )

        def scan_and_write() -> tuple[ScanResult, list[Path]]:
            return scan_into(
                out_dir,
                paths,
                formats=chosen,
                reviews=reviews,
                scan=run_scan,
                settings=settings,
                models_lock=models_lock,
                embedder=embedder,
                judge=judge,
                progress=BarProgress(enabled=not quiet and err.is_terminal),
            )

        # A watch keeps the models loaded, and starts before the first scan, so a document changed while that
        # scan runs is scanned after it.
        if watch and not _local(paths):
            raise InputError("--watch watches files and folders: name one (web pages are not watched)")
        watching = Watcher(_local(paths), exclude=[out_dir]) if watch else None
        with keep_loaded() if watch else nullcontext(), watching or nullcontext():
            result, written = scan_and_write()
            _warnings(result)
            _stale(result)
            if not quiet:
                _summary(result)
                out.print("Wrote " + ", ".join(str(p) for p in written), soft_wrap=True, markup=False)
            if watching is not None:
                _watch(watching, _local(paths), out_dir, lambda: scan_and_write()[0], result, quiet)


def _local(paths: list[str]) -> list[Path]:
    """The files and folders among the scan's arguments (a watch sees those, not web pages)."""
    return [Path(p) for p in paths if not is_url(p)]


def _warnings(result: ScanResult) -> None:
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}", soft_wrap=True)


def _watch(
    watcher: Watcher,
    paths: list[Path],
    out_dir: Path,
    scan_again: Callable[[], ScanResult],
    last: ScanResult,
    quiet: bool,
) -> None:
    """Print each re-scan of a watch, until Ctrl-C or SIGTERM."""
    try:
        # SIGTERM ends the watch as Ctrl-C does from the moment it says it is watching, not a moment after.
        with terminate_as_interrupt():
            if not quiet:
                err.print(
                    f"Watching {', '.join(map(str, paths))} for changes to documents; Ctrl-C stops.", soft_wrap=True
                )
            for rescan in rescans(watcher, scan_again, last):
                _rescanned(rescan, out_dir, quiet)
    except KeyboardInterrupt:
        # Ctrl-C is how a watch ends: outputs are written whole or not at all, so they are the last scan's.
        err.print("Stopped watching; the outputs are those of the last scan that finished.")


def _rescanned(rescan: Rescan, out_dir: Path, quiet: bool) -> None:
    if rescan.result is None:
        err.print(
            f"[red]error:[/] {escape(str(rescan.problem))} (after: {escape(describe(rescan.changes))})", soft_wrap=True
        )
        return
    result = rescan.result
    _warnings(result)
    _stale(result)
    if not quiet:
        s = result.stats
        out.print(
            f"{datetime.now():%H:%M:%S} {escape(describe(rescan.changes))}: {s.documents} documents · "
            f"{s.claims} claims · [bold red]{s.contradictions}[/] contradictions "
            f"({rescan.new} new, {rescan.gone} gone) in {s.disagreements} disagreements · "
            f"{rescan.seconds:.1f}s · wrote {escape(str(out_dir))}",
            soft_wrap=True,
        )


def _summary(result: ScanResult) -> None:
    s = result.stats
    out.print(
        f"[bold]{s.documents}[/] documents · [bold]{s.claims}[/] claims · [bold]{s.subjects}[/] subjects · "
        f"{s.candidate_pairs:,} candidate pairs of {s.all_pairs:,} · "
        f"[bold red]{s.contradictions}[/] contradiction{'s' * (s.contradictions != 1)} in "
        f"[bold red]{s.disagreements}[/] disagreement{'s' * (s.disagreements != 1)} · "
        f"{result.seconds['total']:.1f}s"
    )
    if result.cache and result.cache["scans"]["hits"]:
        out.print("cache: nothing changed since an earlier scan of these documents; its results were reused")
    elif result.cache:
        found = {table: f"{c['hits']:,} of {c['hits'] + c['misses']:,}" for table, c in result.cache.items()}
        out.print(
            f"cache: {found['readings']} claim readings, {found['embeddings']} embeddings and "
            f"{found['scores']} judge scores were there already"
        )
    _review_summary(result)
    if not result.disagreements:
        return
    table = Table(title="Disagreements, the most pairs first", show_lines=True)
    for column in ("disagreement", "side a", "side b"):
        table.add_column(column, overflow="fold")
    for number, d in enumerate(result.disagreements[:10], start=1):
        a, b = result.claim(d.strongest.a), result.claim(d.strongest.b)
        where = " · within one document" if d.within_document else ""
        table.add_row(
            f"D{number} [bold]{escape(result.subject(d.subject).label)}[/]\n{d.id}\n"
            f"{len(d.pairs)} pair{'s' * (len(d.pairs) != 1)} · {escape(', '.join(d.kinds[:2]))}{where}",
            f"{escape(', '.join(d.sides[0].documents))}\n[cyan]{escape(a.doc)}[/]:{a.line}{_page(a)} "
            f"{escape(quote(a.text, 90))}",
            f"{escape(', '.join(d.sides[1].documents))}\n[cyan]{escape(b.doc)}[/]:{b.line}{_page(b)} "
            f"{escape(quote(b.text, 90))}",
        )
    out.print(table)
    if len(result.disagreements) > 10:
        out.print(f"… and {len(result.disagreements) - 10} more in the report")


def _review_summary(result: ScanResult) -> None:
    if result.reviewed is not None:
        out.print(f"reviews: {result.reviewed.summary()}", markup=False, soft_wrap=True)


def _stale(result: ScanResult) -> None:
    """One line on stderr per stale review, as warnings are: none is dropped silently."""
    for stale in result.reviewed.stale if result.reviewed is not None else []:
        err.print(f"[yellow]stale review:[/] {escape(stale.describe())}", soft_wrap=True)


def _page(claim: Claim) -> str:
    return f" (p. {claim.page})" if claim.page is not None else ""


@app.command("bench")
def bench_command(
    benchmarks: Annotated[
        Path, typer.Option("--benchmarks", help="folder holding scifact/ and covidfact/ (the text of the corpora)")
    ] = bench.DEFAULT_BENCHMARKS,
    sizes: Annotated[str, typer.Option(help="corpus sizes in documents, comma-separated")] = ",".join(
        map(str, bench.DEFAULT_SIZES)
    ),
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="folder for bench.json and bench.png")] = Path("bench"),
    corpus: Annotated[
        Path | None, typer.Option(help="keep the built documents in this folder [default: a temporary folder]")
    ] = None,
    engine: Annotated[str, typer.Option(help="engine the scans run on: local or ray")] = Settings.engine,
    nli_screen: Annotated[
        bool, typer.Option("--nli-screen", help="scan as `detector scan --nli-screen` does: judge every candidate pair")
    ] = False,
    judge_per_claim: JudgePerClaimOption = Settings.judge_per_claim,
    judge_speed: Annotated[
        bool,
        typer.Option(help="also time the padded judge against the lock's default judge on the seeds' judge inputs"),
    ] = True,
    seeds: Annotated[Path, typer.Option(help="the corpus whose judge inputs time the judges")] = Path("seeds"),
    judge_inputs: Annotated[
        int | None, typer.Option(min=1, help="time the judges on this many of those inputs [default: all]")
    ] = None,
    models_lock: ModelsLockOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bars or summary")] = False,
) -> None:
    """Time scans of 10, 100 and 1,000 documents of real text; write bench.json and a plot, bench.png."""
    with user_errors():
        chosen = _sizes(sizes)
        prepare_output(out_dir)
        show = not quiet
        report = bench.run(
            benchmarks,
            chosen,
            settings=Settings(engine=_engine(engine), nli_screen=nli_screen, judge_per_claim=judge_per_claim),
            corpus_dir=corpus,
            scan_options={"models_lock": models_lock},
            progress=BarProgress(enabled=show and err.is_terminal),
            on_size=_bench_line if show else None,
        )
        if judge_speed:
            report["judge_speed"] = bench.compare_judges(seeds, models_lock=models_lock, limit=judge_inputs)
        written = bench.write(report, out_dir)
    if show:
        _bench_summary(report)
        out.print("Wrote " + ", ".join(str(p) for p in written), soft_wrap=True, markup=False)


def _sizes(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise InputError(f"--sizes takes whole numbers separated by commas, got {text!r}") from None
    if not values or min(values) < 1:
        raise InputError(f"--sizes needs corpus sizes of at least 1 document, got {text!r}")
    return values


def _bench_line(run: dict[str, Any]) -> None:
    out.print(
        f"{run['documents']:>6,} documents · {run['claims']:,} claims · {run['scored_pairs']:,} pairs scored · "
        f"{run['seconds']['total']:.1f}s · peak {run['peak_rss_mb']:,.0f} MB · "
        f"{run['judge_inputs_per_s'] or 0:.1f} judge inputs/s · "
        f"{run['claims_per_s'] or 0:.1f} claims/s",
        markup=False,
    )


def _bench_summary(report: dict[str, Any]) -> None:
    for step in report["growth"]:
        out.print(
            f"{step['from']:,} → {step['to']:,} documents: time ×{step['time']}, "
            f"pairs scored ×{step['scored_pairs']}, peak memory ×{step['peak_rss']}",
            markup=False,
        )
    for row in report.get("judge_speed", {}).get("judges", []):
        versus = f" (×{row['vs_baseline']} the padded judge)" if row["vs_baseline"] else ""
        out.print(
            f"judge {row['judge']}: {row['inputs_per_s']} inputs/s on {row['inputs']:,} seeds inputs{versus}",
            markup=False,
        )


@app.command("eval")
def evaluate(
    pairs_file: Annotated[
        Path | None, typer.Argument(help="JSON Lines of {premise, hypothesis, label}; or use --corpus")
    ] = None,
    corpus: Annotated[
        Path | None,
        typer.Option(
            "--corpus", help="a labelled corpus (docs/ and gold.json): scan it and score the contradictions found"
        ),
    ] = None,
    threshold: Annotated[
        float | None,
        _threshold(
            "the judge's score counted as a contradiction [default: models.lock's]; with --corpus, the verdict's, "
            "as scan --threshold"
        ),
    ] = None,
    judge: JudgeOption = None,
    limit: Annotated[int | None, typer.Option(min=1, help="score only the first N pairs")] = None,
    nli_only: Annotated[
        bool, typer.Option("--nli-only", help="--corpus: count pairs the NLI judge alone flags, as scan --nli-only")
    ] = False,
    judge_per_claim: JudgePerClaimOption = Settings.judge_per_claim,
    embedder: EmbedderOption = None,
    neighbours: NeighboursOption = Settings.neighbours,
    neighbours_within: NeighboursWithinOption = Settings.neighbours_within,
    min_similarity: MinSimilarityOption = Settings.min_similarity,
    subject_similarity: SubjectSimilarityOption = Settings.subject_similarity,
    no_cache: NoCacheOption = False,
    cache_dir: CacheDirOption = None,
    show_fp: Annotated[int, typer.Option(min=0, help="--corpus: list this many false positives")] = 10,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="--corpus: also write the scan's outputs to this folder")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the metrics as JSON")] = False,
    models_lock: ModelsLockOption = None,
) -> None:
    """Measure detection on a labelled corpus (--corpus DIR), or the judge on labelled pairs (PAIRS_FILE)."""
    if (pairs_file is None) == (corpus is None):
        err.print("error: give either a pairs file or --corpus DIR", soft_wrap=True)
        raise typer.Exit(2)
    # Options of one mode given to the other would be ignored: say so rather than measure something else.
    if corpus is None:
        misplaced = [
            name
            for name, given in (
                ("--nli-only", nli_only),
                ("--judge-per-claim", judge_per_claim != Settings.judge_per_claim),
                ("--embedder", embedder is not None),
                ("--neighbours", neighbours != Settings.neighbours),
                ("--neighbours-within", neighbours_within != Settings.neighbours_within),
                ("--min-similarity", min_similarity != Settings.min_similarity),
                ("--subject-similarity", subject_similarity != Settings.subject_similarity),
                ("--no-cache", no_cache),
                ("--out", out_dir is not None),
            )
            if given
        ]
        needs = f"need{'s' if len(misplaced) == 1 else ''} --corpus DIR: a pairs file is scored by the judge alone"
    else:
        misplaced = ["--limit"] if limit is not None else []
        needs = "scores a pairs file, not --corpus"
    if misplaced:
        err.print(f"error: {', '.join(misplaced)} {needs}", soft_wrap=True)
        raise typer.Exit(2)
    bars = BarProgress(enabled=not as_json and err.is_terminal)
    if corpus is not None:
        settings = Settings(
            threshold=threshold,
            nli_only=nli_only,
            judge_per_claim=judge_per_claim,
            neighbours=neighbours,
            neighbours_within=neighbours_within,
            min_similarity=min_similarity,
            subject_similarity=subject_similarity,
            cache=not no_cache,
            cache_dir=cache_dir,
        )
        with user_errors():
            labelled, score = corpus_stage.evaluate_corpus(
                corpus,
                out_dir=out_dir,
                settings=settings,
                judge=judge,
                embedder=embedder,
                models_lock=models_lock,
                progress=bars,
            )
        _corpus_score(corpus, labelled, score, show_fp, as_json)
        return
    assert pairs_file is not None
    with user_errors():
        result, judge_name = evaluation.evaluate_judge(
            pairs_file, judge=judge, threshold=threshold, limit=limit, models_lock=models_lock, progress=bars
        )
    if as_json:
        out.print_json(json.dumps(result.as_dict() | {"judge": judge_name}))
        return
    table = Table(title=f"{judge_name} on {pairs_file} ({result.pairs} pairs, {result.contradictions} contradictions)")
    for column in ("threshold", "precision", "recall", "F1", "ROC AUC", "best F1 (at threshold)"):
        table.add_column(column, justify="right")
    auc = f"{result.roc_auc:.3f}" if result.roc_auc is not None else "n/a"
    table.add_row(
        f"{result.threshold:.2f}",
        f"{result.precision:.3f}",
        f"{result.recall:.3f}",
        f"{result.f1:.3f}",
        auc,
        f"{result.best_f1:.3f} ({result.best_threshold:.3f})",
    )
    out.print(table)


def _corpus_score(
    root: Path, labelled: corpus_stage.Corpus, score: corpus_stage.CorpusScore, show_fp: int, as_json: bool
) -> None:
    if as_json:
        out.print_json(json.dumps(score.as_dict()))
        return
    why = {f.id: f for f in labelled.findings}
    table = Table(title=f"{root}: {score.pairs} contradictions reported")
    for column in ("core found", "stretch found", "reported pairs", "false positives", "precision"):
        table.add_column(column, justify="right")
    table.add_row(
        f"{score.core_found} of {score.core_total}",
        f"{score.stretch_found} of {score.stretch_total}",
        str(score.pairs),
        str(score.false_positives),
        f"{score.precision:.3f}",
    )
    out.print(table)
    grouped = score.disagreements
    if grouped is not None:
        out.print(
            f"disagreements: {grouped.disagreements} (from {score.pairs} pairs) · core found "
            f"{grouped.core_found} of {score.core_total} · stretch found {grouped.stretch_found} of "
            f"{score.stretch_total} · false positives {grouped.false_positives} · precision {grouped.precision:.3f}",
            markup=False,
            soft_wrap=True,
        )
    stages = {loss.finding: loss for loss in score.lost}
    for finding_id in score.missed:
        loss = stages.get(finding_id)
        at = f" (lost at the {loss.stage}{_best(loss.best, loss.exact)})" if loss else ""
        out.print(
            f"missed {why[finding_id].tier} {finding_id}{at}: {why[finding_id].why}", markup=False, soft_wrap=True
        )
    for value, a, b in score.false_positive_pairs[:show_fp]:
        out.print(f"false positive {value:.3f}: {quote(a)}  <>  {quote(b)}", markup=False, soft_wrap=True)


def _best(verdict: float | None, exact: bool) -> str:
    if verdict is None:
        return ""
    return f": best verdict {verdict:.3f}" if exact else f": not judged, its verdict at most {verdict:.3f}"


@app.command("review")
def review(
    out_dir: Annotated[Path, typer.Argument(help="a scan's output folder (its findings.json names the ids)")],
    target: Annotated[
        str | None,
        typer.Argument(help="a disagreement id (d-…) or a pair id (p-…) from the reports", show_default=False),
    ] = None,
    confirm: Annotated[bool, typer.Option("--confirm", help="mark it a real contradiction")] = False,
    reject: Annotated[
        bool, typer.Option("--reject", help="mark it no contradiction: later scans leave it out")
    ] = False,
    note: Annotated[str, typer.Option("--note", help="why, in a few words")] = "",
    reviews: Annotated[
        Path | None, typer.Option("--reviews", help="reviews file [default: OUT_DIR/reviews.json]")
    ] = None,
    import_file: Annotated[
        Path | None,
        typer.Option("--import", help="add the reviews of this file (one saved from report.html) to the reviews file"),
    ] = None,
) -> None:
    """Confirm or reject a disagreement or a pair; the next scan applies it. Without an id: list them."""
    with user_errors():
        path = reviews or review_stage.default_path(out_dir)
        if import_file is not None:
            if target is not None or confirm or reject:
                raise InputError("--import adds a file's reviews; give no id, --confirm or --reject with it")
            added = review_stage.import_reviews(path, import_file)
            out.print(f"imported {len(added)} reviews from {import_file} into {path}", markup=False, soft_wrap=True)
            return
        if target is None:
            recorded = review_stage.read(path)
            found = review_stage.read_findings(out_dir)
            if confirm or reject:
                raise InputError("name the disagreement or pair to review (`detector review OUT_DIR` lists them)")
            _list_reviewable(*review_stage.reviewable(found), len(recorded), path)
            return
        if confirm == reject:
            raise InputError("say --confirm or --reject")
        verdict = "confirmed" if confirm else "rejected"
        made = review_stage.review(out_dir, target, verdict, note, path=path)
    pairs = f"{len(made.pairs)} pair{'s' * (len(made.pairs) != 1)}"
    out.print(
        f"{verdict} {made.target} {made.id} ({made.about + ', ' if made.about else ''}{pairs}) in {path}; "
        "the next scan applies it",
        markup=False,
        soft_wrap=True,
    )


def _list_reviewable(
    listed: list[review_stage.Reviewable], rejected: list[review_stage.LeftOut], recorded: int, path: Path
) -> None:
    table = Table(title=f"Disagreements ({len(listed)}); review one, or one of its pairs, by id")
    for column in ("id", "subject", "pairs", "sides", "review"):
        table.add_column(column, overflow="fold")
    for d in listed:
        sides = " vs ".join(", ".join(documents) for documents in d.sides)
        pairs = ", ".join(d.pairs[:3]) + (f" … ({d.pair_count})" if d.pair_count > 3 else "")
        table.add_row(d.id, escape(d.about), pairs, escape(sides), d.review)
    out.print(table)
    for r in rejected:
        out.print(
            f"rejected {r.target} {r.id}: {r.pairs} pairs left out{' (' + r.note + ')' if r.note else ''}",
            markup=False,
            soft_wrap=True,
        )
    out.print(f"{recorded} reviews in {path}", markup=False, soft_wrap=True)


@models_app.callback()
def list_models(ctx: typer.Context, models_lock: ModelsLockOption = None) -> None:
    """List the models in models.lock and verify every file's sha256."""
    if ctx.invoked_subcommand is not None:
        return
    with user_errors():
        lock = models.read_lock(models_lock)
    rows = models.statuses(lock)
    table = Table(title=f"Models in {lock.path}")
    for column in ("name", "role", "source", "status"):
        table.add_column(column, overflow="fold")
    for row in rows:
        name = escape(row.name)
        state = {
            "not locked": f"[yellow]not locked[/]: run `detector models lock {name}` with hub access",
            "not built": f"[yellow]not built yet[/]: `detector models build {name}`, or the first scan builds it",
            "ok": f"[green]ok[/]: {escape(row.message)}",
            "failed": f"[red]FAILED[/]: {escape(row.message)}",
        }[row.state]
        table.add_row(escape(row.name + " (default)" * row.default), row.role, escape(row.source), state)
    out.print(table)
    failures = sum(row.state == "failed" for row in rows)
    if failures:
        err.print(f"[bold red]error:[/] {failures} model(s) failed verification; see the fix in the table above")
        raise typer.Exit(3)


@models_app.command("lock")
def lock_model(
    name: Annotated[str, typer.Argument(help="a hub model's name in models.lock")],
    revision: Annotated[str | None, typer.Option(help="commit or branch to pin [default: main]")] = None,
    models_lock: ModelsLockOption = None,
) -> None:
    """Pin a Hugging Face hub model: write its revision and file sha256s into models.lock (needs hub access)."""
    with user_errors():
        path = models.find_lock(models_lock)
        spec = models.lock_hub_model(path, name, revision=revision)
    out.print(f"locked {name} at {spec.settings['revision']} ({len(spec.files)} files) in {path}", markup=False)


@models_app.command("build")
def build_model(
    name: Annotated[
        str | None, typer.Argument(help="a built model's name in models.lock [default: the default judge]")
    ] = None,
    models_lock: ModelsLockOption = None,
) -> None:
    """Build a model that models.lock builds from another (the default judge), and verify its sha256."""
    with user_errors():
        spec = models.read_lock(models_lock).spec("judge", name)
        if spec.source != "built":
            raise ModelError(f"model {spec.name!r} comes from a {spec.source}; only built models are built")
        with BarProgress(enabled=err.is_terminal).task(f"Building {spec.name}", 1) as advance:
            folder = models.build(spec)
            advance(1)
    out.print(f"built {spec.name} in {folder}: {len(spec.files)} files verified", markup=False)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
