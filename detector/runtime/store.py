"""A persistent cache of what the models computed — claim readings, embeddings and judge scores — so a
re-scan only runs the models on what is new; and of whole scans and their outputs, so a re-scan of documents
that did not change at all runs nothing.

One SQLite file per cache folder. Entries are keyed by the model (a digest of its pinned files, settings and
the code that runs it, see `keys.model_key`) and the sha256 of the text, so a changed claim, model, setting or
detector version never reads a stale entry. Whole scans are keyed by everything a scan reads (`keys.scan_key`).
A file that is not a readable cache of this version is moved aside and a new one started, with a warning;
errors while the scan runs turn the cache off for the rest of the scan, with a warning, never a crash.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sqlite3
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

FILE_NAME = "cache.sqlite3"
SCHEMA_VERSION = 2
# Wait this long for another scan's write to finish before giving up on the cache.
BUSY_SECONDS = 60.0
# SQLite's word for a file that is damaged or not a database at all; other errors (busy, locked, read-only,
# disk full) say nothing against the file, so it is left alone.
_BROKEN = frozenset({"SQLITE_CORRUPT", "SQLITE_NOTADB"})
_LOCKED = frozenset({"SQLITE_BUSY", "SQLITE_LOCKED"})
# Cache files this process checked with `PRAGMA quick_check` (half a second for a 57 MB cache) and left as they
# were when it closed them: path → `_identity`. One that still matches is not
# checked again, so `detector scan --watch` and writing a scan's outputs do not pay for it on every open; any
# change since (another process's writes, damage) means a new check.
_CHECKED: dict[str, tuple[int, ...]] = {}
_LOOKUP_CHUNK = 500
# Batches handed to the engine at a time when only part of the work is cached; each chunk is stored as it
# finishes, so a scan stopped midway loses at most this much work.
_RUN_BATCHES = 8

_SCHEMA = (
    "CREATE TABLE embeddings (model BLOB NOT NULL, text BLOB NOT NULL, vector BLOB NOT NULL,"
    " PRIMARY KEY (model, text)) WITHOUT ROWID",
    "CREATE TABLE scores (model BLOB NOT NULL, premise BLOB NOT NULL, hypothesis BLOB NOT NULL, score REAL NOT NULL,"
    " PRIMARY KEY (model, premise, hypothesis)) WITHOUT ROWID",
    "CREATE TABLE readings (model BLOB NOT NULL, text BLOB NOT NULL, reading TEXT NOT NULL,"
    " PRIMARY KEY (model, text)) WITHOUT ROWID",
)
# Version 2 added whole scans and their outputs; a version 1 cache gains the two tables and keeps the rest.
_SCHEMA_2 = (
    "CREATE TABLE scans (scan BLOB PRIMARY KEY NOT NULL, result BLOB NOT NULL, used REAL NOT NULL) WITHOUT ROWID",
    "CREATE TABLE outputs (scan BLOB NOT NULL, format TEXT NOT NULL, data BLOB NOT NULL,"
    " PRIMARY KEY (scan, format)) WITHOUT ROWID",
    f"PRAGMA user_version = {SCHEMA_VERSION}",
)
_TABLES_1 = frozenset({"readings", "embeddings", "scores"})
_TABLES = _TABLES_1 | {"scans", "outputs"}
# Whole scans kept (the most recently used): each holds a scan's every claim and its outputs, a few MB for a
# corpus of a thousand documents, so only the last few scans are worth keeping.
KEPT_SCANS = 8
T = TypeVar("T")


def _write_ahead(db: sqlite3.Connection, busy_seconds: float) -> None:
    """Put the file in write-ahead-log mode, waiting for other scans as long as a write would.

    Switching modes needs the whole file to itself, and SQLite answers "database is locked" at once, without
    its busy wait, while another scan is reading it; so wait here instead.
    """
    deadline = time.monotonic() + busy_seconds
    while True:
        try:
            db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as err:
            if getattr(err, "sqlite_errorname", "") not in _LOCKED or time.monotonic() >= deadline:
                raise
        time.sleep(0.01)


def _identity(path: Path) -> tuple[int, ...] | None:
    """The file and its write-ahead log as they stand: device, inode, sizes and modification times."""
    try:
        stat = path.stat()
    except OSError:
        return None
    try:
        log = Path(f"{path}-wal").stat()
    except OSError:
        log = None
    # Opening the file makes an empty log; only one with frames in it says something was written.
    logged = (log.st_size, log.st_mtime_ns) if log is not None and log.st_size > 0 else (0, 0)
    return stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, *logged


def _quick_check(db: sqlite3.Connection) -> str:
    return str(db.execute("PRAGMA quick_check").fetchone()[0])


class Cache:
    """Embeddings and pair scores in one SQLite file; `warnings` says what went wrong, if anything did."""

    def __init__(self, folder: str | os.PathLike[str], *, busy_seconds: float = BUSY_SECONDS) -> None:
        self.path = Path(folder) / FILE_NAME
        self._busy_seconds = busy_seconds
        self.warnings: list[str] = []
        self.hits = {"scans": 0, "readings": 0, "embeddings": 0, "scores": 0}
        self.misses = {"scans": 0, "readings": 0, "embeddings": 0, "scores": 0}
        self._db: sqlite3.Connection | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            self._give_up(f"cannot create the cache folder {self.path.parent} ({err.strerror or err})")
            return
        try:
            problem = self._open()
            if problem is None:
                return
            self._close_quietly()
            aside = self._move_aside()
            if aside is None:
                self._give_up(f"the cache {self.path} is unusable ({problem}) and cannot be moved aside")
                return
            self.warnings.append(
                f"the cache {self.path} was unusable ({problem}); moved it to {aside.name}, started anew"
            )
            problem = self._open()
            if problem is not None:
                self._give_up(f"cannot start a cache at {self.path} ({problem})")
        except sqlite3.Error as err:
            self._give_up(f"cannot open the cache {self.path} ({err})")

    @property
    def enabled(self) -> bool:
        return self._db is not None

    def _open(self) -> str | None:
        """Open (or create) the file and check it; returns what is wrong with it, or None."""
        try:
            self._db = sqlite3.connect(self.path, timeout=self._busy_seconds, isolation_level=None)
            db = self._db
            version, tables = _layout(db)
            if version == 0 and not tables:
                _write_ahead(db, self._busy_seconds)
                db.execute("BEGIN IMMEDIATE")
                version, tables = _layout(db)
                if version == 0 and not tables:  # not made meanwhile by another scan
                    for statement in _SCHEMA + _SCHEMA_2:
                        db.execute(statement)
                    version, tables = SCHEMA_VERSION, set(_TABLES)
                db.execute("COMMIT")
            if version == 1 and tables == _TABLES_1:
                db.execute("BEGIN IMMEDIATE")
                version, tables = _layout(db)
                if version == 1 and tables == _TABLES_1:  # not upgraded meanwhile by another scan
                    for statement in _SCHEMA_2:
                        db.execute(statement)
                    version, tables = SCHEMA_VERSION, set(_TABLES)
                db.execute("COMMIT")
            if version != SCHEMA_VERSION:
                return f"schema version {version}, this detector needs {SCHEMA_VERSION}"
            if tables != _TABLES:
                return f"tables {', '.join(sorted(tables)) or 'none'}, not {', '.join(sorted(_TABLES))}"
            known = _CHECKED.get(str(self.path))
            if known is None or known != _identity(self.path):
                check = _quick_check(db)
                if check != "ok":
                    return f"integrity check: {check}"
            _write_ahead(db, self._busy_seconds)
            return None
        except sqlite3.Error as err:
            if getattr(err, "sqlite_errorname", "") in _BROKEN:
                return str(err)
            raise

    def _move_aside(self) -> Path | None:
        aside = self.path.with_name(self.path.name + ".broken")
        try:
            os.replace(self.path, aside)
            for suffix in ("-wal", "-shm", "-journal"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        except OSError:
            return None
        return aside

    def _give_up(self, reason: str) -> None:
        self.warnings.append(f"{reason}; scanning without the cache")
        self._close_quietly()

    def _close_quietly(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
        self._db = None

    def close(self) -> None:
        checked = self.enabled
        self._close_quietly()
        identity = _identity(self.path)
        if checked and identity is not None:  # still on: nothing went wrong with the file while it was open
            _CHECKED[str(self.path)] = identity

    def __enter__(self) -> Cache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _safely(self, action: Callable[[sqlite3.Connection], T], fallback: T) -> T:
        """Run `action` on the database; on any SQLite error turn the cache off and return `fallback`."""
        if self._db is None:
            return fallback
        try:
            return action(self._db)
        except sqlite3.Error as err:
            self._give_up(f"the cache {self.path} failed ({err})")
            return fallback

    def _by_text(self, table: str, column: str, model: bytes, texts: Sequence[bytes]) -> dict[bytes, Any]:
        """`column` of the rows of `table` stored for these texts (by `text_key`)."""

        def read(db: sqlite3.Connection) -> dict[bytes, Any]:
            found: dict[bytes, Any] = {}
            for chunk in chunks(list(dict.fromkeys(texts)), _LOOKUP_CHUNK):
                marks = ",".join("?" * len(chunk))
                query = f"SELECT text, {column} FROM {table} WHERE model = ? AND text IN ({marks})"
                found.update(db.execute(query, [model, *chunk]).fetchall())
            return found

        return self._safely(read, {})

    def vectors(self, model: bytes, texts: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        """The stored vectors of the texts (by `text_key`) that have one."""
        found = self._by_text("embeddings", "vector", model, texts)
        return {text: np.frombuffer(vector, dtype=np.float32) for text, vector in found.items()}

    def put_vectors(self, model: bytes, texts: Sequence[bytes], vectors: np.ndarray) -> None:
        rows = [(model, t, np.ascontiguousarray(v, dtype=np.float32).tobytes()) for t, v in zip(texts, vectors)]
        self._safely(lambda db: _write(db, "INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)", rows), None)

    def readings(self, model: bytes, texts: Sequence[bytes]) -> dict[bytes, str]:
        """The stored readings (JSON) of the texts that have one."""
        return self._by_text("readings", "reading", model, texts)

    def put_readings(self, model: bytes, texts: Sequence[bytes], readings: Sequence[str]) -> None:
        rows = [(model, t, r) for t, r in zip(texts, readings)]
        self._safely(lambda db: _write(db, "INSERT OR REPLACE INTO readings VALUES (?, ?, ?)", rows), None)

    def scores(self, model: bytes, pairs: Sequence[tuple[bytes, bytes]]) -> list[float | None]:
        """The stored score of each (premise, hypothesis) pair, None where there is none."""

        def read(db: sqlite3.Connection) -> list[float | None]:
            query = "SELECT score FROM scores WHERE model = ? AND premise = ? AND hypothesis = ?"
            found: list[float | None] = []
            for premise, hypothesis in pairs:
                row = db.execute(query, (model, premise, hypothesis)).fetchone()
                found.append(None if row is None else float(row[0]))
            return found

        return self._safely(read, [None] * len(pairs))

    def put_scores(self, model: bytes, pairs: Sequence[tuple[bytes, bytes]], scores: Iterable[float]) -> None:
        # SQLite REAL is an IEEE double: a score comes back bit for bit as it went in.
        rows = [(model, p, h, float(s)) for (p, h), s in zip(pairs, scores)]
        self._safely(lambda db: _write(db, "INSERT OR REPLACE INTO scores VALUES (?, ?, ?, ?)", rows), None)

    def scan(self, key: bytes) -> Any | None:
        """The result stored for the scan with this `scan_key`, or None; counts as a hit or a miss."""

        def read(db: sqlite3.Connection) -> bytes | None:
            row = db.execute("SELECT result FROM scans WHERE scan = ?", (key,)).fetchone()
            if row is not None:
                db.execute("UPDATE scans SET used = ? WHERE scan = ?", (time.time(), key))
            return None if row is None else bytes(row[0])

        blob = self._safely(read, None)
        result = None
        if blob is not None:
            try:
                result = pickle.loads(zlib.decompress(blob))
            except Exception:  # written by a detector whose classes have changed since: scan anew
                result = None
        which = self.hits if result is not None else self.misses
        which["scans"] += 1
        return result

    def put_scan(self, key: bytes, result: Any) -> None:
        """Store a scan's result; only the KEPT_SCANS most recently used scans (and their outputs) stay."""
        blob = zlib.compress(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL), 1)

        def put(db: sqlite3.Connection) -> None:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute("INSERT OR REPLACE INTO scans VALUES (?, ?, ?)", (key, blob, time.time()))
                db.execute(
                    "DELETE FROM scans WHERE scan NOT IN (SELECT scan FROM scans ORDER BY used DESC LIMIT ?)",
                    (KEPT_SCANS,),
                )
                db.execute("DELETE FROM outputs WHERE scan NOT IN (SELECT scan FROM scans)")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

        self._safely(put, None)

    def output(self, key: bytes, fmt: str) -> bytes | None:
        """The bytes of one output format written for the scan with this key, if they were kept."""
        row = self._safely(
            lambda db: db.execute("SELECT data FROM outputs WHERE scan = ? AND format = ?", (key, fmt)).fetchone(),
            None,
        )
        return None if row is None else bytes(row[0])

    def put_output(self, key: bytes, fmt: str, data: bytes) -> None:
        """Keep an output's bytes, for a scan still in the cache (its outputs go when it does)."""
        self._safely(
            lambda db: _write(
                db,
                "INSERT OR REPLACE INTO outputs SELECT scan, ?, ? FROM scans WHERE scan = ?",
                [(fmt, data, key)],
            ),
            None,
        )

    def stats(self) -> dict[str, Any]:
        """Hits and misses per table, for the scan's stats."""
        return {table: {"hits": self.hits[table], "misses": self.misses[table]} for table in self.hits}


def _layout(db: sqlite3.Connection) -> tuple[int, set[str]]:
    """The schema version and table names, read in one transaction so another scan's commit cannot fall between."""
    started = not db.in_transaction
    if started:
        db.execute("BEGIN")
    try:
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        if started:
            db.execute("COMMIT")
    return version, tables


def _write(db: sqlite3.Connection, statement: str, rows: list[tuple[Any, ...]]) -> None:
    # One transaction per model batch: a scan killed midway keeps every batch it finished.
    db.execute("BEGIN IMMEDIATE")
    try:
        db.executemany(statement, rows)
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def chunks(items: list[T], size: int) -> Iterator[list[T]]:
    """`items` in lists of `size` (the last may be shorter)."""
    for i in range(0, len(items), size):
        yield items[i : i + size]
