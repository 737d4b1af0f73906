"""Reviews: a person's verdict on a disagreement or a pair — confirmed or rejected — that outlives the scan.

Reviews live in one JSON file (`reviews.json` beside the outputs, or a path given), written by `detector review`
or saved from report.html. A review names its pairs by their claims' document paths and texts, never by claim
ids (a re-scan renumbers them) or offsets (an edit above a claim moves it), so it still applies after a
re-scan, an added document or a moved claim. `apply` gives a scan's result with the reviews applied: rejected
pairs are taken out (listed apart, never counted) and the rest grouped again into disagreements; confirmed ones
are marked; a review whose claims are gone is reported as stale.

    {"schema": "detector/reviews@1",
     "reviews": [{"target": "disagreement", "id": "d-1f2e3d4c5b", "verdict": "rejected",
                  "note": "different populations", "about": "kratom · prolactin",
                  "pairs": [[{"path": "docs/a.txt", "text": "…"}, {"path": "docs/b.txt", "text": "…"}]]}]}
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import disagreements as disagreements_stage
from . import graph as graph_stage
from .disagreements import ClaimKey, claim_key
from .errors import InputError
from .pipeline import ScanResult
from .records import Contradiction

SCHEMA = "detector/reviews@1"
FILE_NAME = "reviews.json"
VERDICTS = ("confirmed", "rejected")
TARGETS = ("disagreement", "pair")


@dataclass(frozen=True)
class Review:
    """One verdict on a disagreement or a pair, with the pairs it covers as (path, text) of each claim."""

    target: str
    id: str
    verdict: str
    pairs: tuple[tuple[tuple[str, str], tuple[str, str]], ...]
    note: str = ""
    # What the reviewed item was about (a subject label), for people reading the file.
    about: str = ""


@dataclass(frozen=True)
class Stale:
    """A review that no longer applies in full, and why."""

    review: Review
    reason: str
    # Pairs of the review still found in the scan (a review can be stale for some of its pairs only).
    applied: int

    def describe(self) -> str:
        """One line: which review, and why it is stale."""
        r = self.review
        about = f", {r.about}" if r.about else ""
        still = f"; still applied to {self.applied} of its pairs" if self.applied else ""
        return f"{r.target} {r.id} ({r.verdict}{about}): {self.reason}{still}"


@dataclass
class Reviewed:
    """What a reviews file did to a scan."""

    reviews: list[Review]
    # Pair id → (verdict, note) of the review that decided it, for the pairs the scan found.
    pairs: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Each rejecting review that matched pairs of this scan, with those pairs (taken out of the result).
    rejected: list[tuple[Review, list[Contradiction]]] = field(default_factory=list)
    stale: list[Stale] = field(default_factory=list)

    def verdict(self, pair_id: str) -> str | None:
        found = self.pairs.get(pair_id)
        return found[0] if found else None

    def note(self, pair_id: str) -> str:
        found = self.pairs.get(pair_id)
        return found[1] if found else ""

    def status(self, pair_ids: Sequence[str]) -> tuple[str, int]:
        """A disagreement's review status from its pairs': ("confirmed" | "partly confirmed" | "", confirmed)."""
        confirmed = sum(1 for p in pair_ids if self.verdict(p) == "confirmed")
        if confirmed == 0:
            return "", 0
        return ("confirmed" if confirmed == len(pair_ids) else "partly confirmed"), confirmed

    @property
    def rejected_pairs(self) -> int:
        return sum(len(pairs) for _, pairs in self.rejected)

    @property
    def confirmed_pairs(self) -> int:
        return sum(1 for verdict, _ in self.pairs.values() if verdict == "confirmed")

    def summary(self) -> str:
        """One line: what the reviews did."""

        def pairs(n: int) -> str:
            return f"{n} pair{'s' * (n != 1)}"

        return (
            f"{len(self.reviews)} read; {pairs(self.rejected_pairs)} rejected (listed apart, not counted); "
            f"{pairs(self.confirmed_pairs)} confirmed; {len(self.stale)} stale"
        )


def default_path(out_dir: str | os.PathLike[str]) -> Path:
    """The reviews file a scan into `out_dir` applies unless told otherwise."""
    return Path(out_dir) / FILE_NAME


def read(path: str | os.PathLike[str]) -> list[Review]:
    """The reviews in `path`; none if the file does not exist."""
    file = Path(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputError(f"{file}: cannot read the reviews ({err}); fix or remove the file") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA or not isinstance(data.get("reviews"), list):
        raise InputError(f'{file}: expected {{"schema": "{SCHEMA}", "reviews": [...]}}')
    return [_review(item, file, number) for number, item in enumerate(data["reviews"], start=1)]


def _review(item: Any, file: Path, number: int) -> Review:
    problem = f"{file}: review {number} needs target ({' or '.join(TARGETS)}), id, verdict ({' or '.join(VERDICTS)})"
    try:
        pairs = tuple(((str(a["path"]), str(a["text"])), (str(b["path"]), str(b["text"]))) for a, b in item["pairs"])
        review = Review(
            target=str(item["target"]),
            id=str(item["id"]),
            verdict=str(item["verdict"]),
            pairs=pairs,
            note=str(item.get("note", "")),
            about=str(item.get("about", "")),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        raise InputError(f"{problem} and pairs of two claims, each a path and a text") from None
    if review.target not in TARGETS or review.verdict not in VERDICTS or not review.pairs:
        raise InputError(f"{problem} and at least one pair")
    return review


def as_json(reviews: Iterable[Review]) -> dict[str, Any]:
    """The reviews file's content."""
    return {
        "schema": SCHEMA,
        "reviews": [
            {
                "target": r.target,
                "id": r.id,
                "verdict": r.verdict,
                "note": r.note,
                "about": r.about,
                "pairs": [[{"path": a[0], "text": a[1]}, {"path": b[0], "text": b[1]}] for a, b in r.pairs],
            }
            for r in reviews
        ],
    }


def write(path: str | os.PathLike[str], reviews: Iterable[Review]) -> Path:
    """Write the reviews file whole (through a temporary file), creating its folder."""
    from .outputs.exports import atomic_write  # exports reads this module (through findings): imported when used

    file = Path(path)
    file.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(as_json(reviews), ensure_ascii=False, indent=2) + "\n"

    def put(temp: Path) -> None:
        temp.write_text(text, encoding="utf-8")

    atomic_write(file, put)
    return file


def record(reviews: Sequence[Review], *new: Review) -> list[Review]:
    """`reviews` with `new` added; a new review of a target already reviewed replaces the earlier one."""
    replaced = {(r.target, r.id) for r in new}
    return [r for r in reviews if (r.target, r.id) not in replaced] + list(new)


def apply(result: ScanResult, reviews: Sequence[Review]) -> ScanResult:
    """The scan with `reviews` applied, in order (a later review of a pair overrides an earlier one): rejected
    pairs out of its contradictions and counts, disagreements grouped again from the pairs kept, the claim graph
    rebuilt. `result.reviewed` says what was done; stale reviews are listed there."""
    find = _ClaimFinder(result)
    current = {frozenset((c.a, c.b)): c for c in result.contradictions}
    decided: dict[frozenset[str], tuple[Review, Contradiction]] = {}
    stale = []
    for review in reviews:
        missing = 0
        applied = 0
        for key_a, key_b in review.pairs:
            found_a, found_b = find(key_a), find(key_b)
            missing += (not found_a) + (not found_b)
            for a in found_a:
                for b in found_b:
                    pair = current.get(frozenset((a, b)))
                    if pair is not None:
                        decided[frozenset((a, b))] = (review, pair)
                        applied += 1
        claims = 2 * len(review.pairs)
        if missing:
            stale.append(Stale(review, f"{missing} of its {claims} claims are no longer in the documents", applied))
        elif not applied:
            reason = "its claims are still there, but the scan no longer finds them contradicting"
            stale.append(Stale(review, reason, 0))
    rejected: dict[Review, list[Contradiction]] = defaultdict(list)
    verdicts = {}
    for review, pair in decided.values():
        verdicts[result.pair_id(pair)] = (review.verdict, review.note)
        if review.verdict == "rejected":
            rejected[review].append(pair)
    out = {frozenset((c.a, c.b)) for pairs in rejected.values() for c in pairs}
    kept = [c for c in result.contradictions if frozenset((c.a, c.b)) not in out]
    grouped = disagreements_stage.group(kept, result.claims, result.paths(), result.same_question)
    order = {frozenset((c.a, c.b)): n for n, c in enumerate(result.contradictions)}
    reviewed = Reviewed(
        reviews=list(reviews),
        pairs=verdicts,
        rejected=[
            (review, sorted(pairs, key=lambda c: order[frozenset((c.a, c.b))]))
            for review, pairs in sorted(rejected.items(), key=lambda item: reviews.index(item[0]))
        ],
        stale=stale,
    )
    return dataclasses.replace(
        result,
        contradictions=kept,
        disagreements=grouped,
        graph=graph_stage.build_graph(result.documents, result.claims, result.subjects, kept, grouped),
        stats=dataclasses.replace(
            result.stats,
            contradictions=len(kept),
            disagreements=len(grouped),
            reviews={
                "read": len(reviews),
                "confirmed_pairs": reviewed.confirmed_pairs,
                "rejected_pairs": len(result.contradictions) - len(kept),
                "stale": len(stale),
            },
        ),
        reviewed=reviewed,
        # The outputs kept with the stored scan were written without these reviews.
        key=None,
    )


class _ClaimFinder:
    """The claim ids of a (path, text) key: the same path and normalised text; a path that is not in this scan
    (the folder was scanned from elsewhere, or moved) matches a document of the same file name if only one has it."""

    def __init__(self, result: ScanResult) -> None:
        paths = result.paths()
        self._by_key: dict[ClaimKey, list[str]] = defaultdict(list)
        self._by_name: dict[tuple[str, str], list[str]] = defaultdict(list)
        names: dict[str, set[str]] = defaultdict(set)
        for path in paths.values():
            names[os.path.basename(path)].add(path)
        self._paths = set(paths.values())
        for claim in result.claims:
            path = paths[claim.doc]
            key = claim_key(path, claim.text)
            self._by_key[key].append(claim.id)
            if len(names[os.path.basename(path)]) == 1:
                self._by_name[(os.path.basename(path), key[1])].append(claim.id)

    def __call__(self, key: tuple[str, str]) -> list[str]:
        path, text = claim_key(*key)
        if path in self._paths:
            return self._by_key.get((path, text), [])
        return self._by_name.get((os.path.basename(path), text), [])


def of_findings(findings: Mapping[str, Any], target_id: str, verdict: str, note: str = "") -> Review:
    """A review of the disagreement or pair `target_id` of a findings.json (as data), as `detector review` makes it.

    The id may be a disagreement's, a pair's, or one of the pairs a review has taken out of the scan."""
    if verdict not in VERDICTS:
        raise InputError(f"a review is {' or '.join(VERDICTS)}, not {verdict!r}")
    if "disagreements" not in findings:
        raise InputError(
            f"these findings are {findings.get('schema', 'of no schema')}, without disagreements or pair ids: "
            "scan again to write detector/findings@2"
        )
    paths = {d["id"]: d["path"] for d in findings["documents"]}
    claims = {c["id"]: (paths[c["doc"]], c["text"]) for c in findings["claims"]}
    labels = {s["id"]: s["label"] for s in findings["subjects"]}
    pairs = list(findings["contradictions"]) + [
        p for group in findings.get("reviews", {}).get("rejected", []) for p in group["pairs"]
    ]
    by_pair = {p["id"]: p for p in pairs}
    for d in findings["disagreements"]:
        if d["id"] == target_id:
            covered = tuple((claims[by_pair[p]["a"]], claims[by_pair[p]["b"]]) for p in d["pairs"])
            return Review("disagreement", target_id, verdict, covered, note, labels.get(d["subject"], ""))
    if target_id in by_pair:
        p = by_pair[target_id]
        about = labels.get(p["subject"], "")
        return Review("pair", target_id, verdict, ((claims[p["a"]], claims[p["b"]]),), note, about)
    known = [d["id"] for d in findings["disagreements"]][:5]
    raise InputError(
        f"no disagreement or pair {target_id!r} in these findings (disagreements: {', '.join(known) or 'none'}"
        f"{', …' if len(findings['disagreements']) > 5 else ''}); `detector review OUT_DIR` lists them"
    )


def read_findings(out_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """The findings.json of a scan's output folder, whose ids a review names."""
    file = Path(out_dir) / "findings.json"
    try:
        data: dict[str, Any] = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{file}: not found; run `detector scan ... --out {out_dir}` first") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as problem:
        raise InputError(f"{file}: cannot read the findings ({problem})") from None
    return data


@dataclass(frozen=True)
class Reviewable:
    """A disagreement of a findings.json that a review can name, by its id or one of its pairs' ids."""

    id: str
    about: str
    pairs: tuple[str, ...]
    pair_count: int
    # The documents on each side.
    sides: tuple[tuple[str, ...], ...]
    # The verdict of the review that applies to it, or "".
    review: str


@dataclass(frozen=True)
class LeftOut:
    """A rejecting review of a findings.json, with the number of pairs it took out of the scan."""

    target: str
    id: str
    pairs: int
    note: str


def reviewable(findings: Mapping[str, Any]) -> tuple[list[Reviewable], list[LeftOut]]:
    """The disagreements a review can name in `findings` (a findings.json, as data), and the rejecting reviews."""
    if "disagreements" not in findings:
        raise InputError(f"these findings are {findings.get('schema')}: scan again to write detector/findings@2")
    listed = [
        Reviewable(
            d["id"],
            d["label"],
            tuple(d["pairs"]),
            d["pair_count"],
            tuple(tuple(side["documents"]) for side in d["sides"]),
            d["review"]["status"] if d.get("review") else "",
        )
        for d in findings["disagreements"]
    ]
    rejected = [
        LeftOut(g["review"]["target"], g["review"]["id"], len(g["pairs"]), g["review"]["note"])
        for g in findings.get("reviews", {}).get("rejected", [])
    ]
    return listed, rejected


def review(
    out_dir: str | os.PathLike[str], target_id: str, verdict: str, note: str = "", *, path: str | os.PathLike[str]
) -> Review:
    """Record a review of the disagreement or pair `target_id` of the scan in `out_dir` in the reviews file `path`."""
    recorded = read(path)
    made = of_findings(read_findings(out_dir), target_id, verdict, note)
    write(path, record(recorded, made))
    return made


def import_reviews(path: str | os.PathLike[str], source: str | os.PathLike[str]) -> list[Review]:
    """Add the reviews of `source` (a file saved from report.html) to the reviews file `path`; returns them."""
    recorded = read(path)
    added = read(source)
    if not added and not Path(source).is_file():
        raise InputError(f"{source}: no such reviews file")
    write(path, record(recorded, *added))
    return added
