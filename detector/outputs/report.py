"""report.md: what contradicts what, grouped by subject, each side quoted with its document and position."""

from __future__ import annotations

import html
import re
from collections import defaultdict

from ..contradictions import by_subject, quote
from ..pipeline import ScanResult
from ..reader.assertions import Assertion
from ..records import Claim, Contradiction, Disagreement
from ..reviews import Reviewed

NLI_ONLY_LISTED = 20
_MARKDOWN_ACTIVE = re.compile(r"([\\`*_{}\[\]()#!|~])")
_LIST_MARKER = re.compile(r"^(\d+)([.)])|^([-+])")


def escape(text: str) -> str:
    """Inline text that Markdown renders literally: no markup, links or HTML survive."""
    flat = " ".join(text.split())
    escaped = _MARKDOWN_ACTIVE.sub(r"\\\1", html.escape(flat, quote=False))
    return _LIST_MARKER.sub(lambda m: f"{m[1]}\\{m[2]}" if m[1] else f"\\{m[3]}", escaped)


def render(result: ScanResult) -> str:
    """The Markdown report for a scan: disagreements first, each with its sides and its pairs."""
    stats = result.stats
    judge = result.models["judge"].get("name", "?")
    lines = [
        "# Contradiction report",
        "",
        f"{stats.documents} documents, {stats.claims} claims, {stats.subjects} subjects: "
        f"**{_plural(stats.contradictions, 'contradiction')} in {_plural(len(result.disagreements), 'disagreement')}"
        f"** with a verdict of at least {result.threshold:g} "
        f"(NLI judge `{escape(judge)}` combined with what is flipped between the claims and the claim reader's "
        "direction, negation, denial and quantity judges). A disagreement is the pairs about one question: pairs that "
        "share a claim, or whose claims say the same thing side to side.",
        "",
        "| documents | claims | subjects | all pairs | candidate pairs | scored pairs | contradictions "
        "| disagreements |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {stats.documents} | {stats.claims} | {stats.subjects} | {stats.all_pairs:,} | "
        f"{stats.candidate_pairs:,} | {stats.scored_pairs:,} | {stats.contradictions} | "
        f"{len(result.disagreements)} |",
        "",
    ]
    chosen = stats.scored_pairs + stats.unreachable_pairs
    if chosen < stats.candidate_pairs or stats.unreachable_pairs:
        unreachable = (
            f" {stats.unreachable_pairs:,} of them were not judged: no score of the judge could bring their verdict to "
            "the threshold."
            if stats.unreachable_pairs
            else ""
        )
        lines += [
            f"The screen chose {chosen:,} of the candidate pairs for the NLI judge (each claim's most promising, "
            f"and every pair in which the claim reader found a conflict; `detector scan --judge-per-claim 0` "
            f"chooses them all).{unreachable} The judge scored {stats.scored_pairs:,}, {stats.judge_inputs:,} "
            "directions in all (b then a only where a then b scored high and b then a could still change the "
            "verdict).",
            "",
        ]
    reviewed = result.reviewed
    if reviewed is not None:
        lines += [f"Reviews: {escape(reviewed.summary())}.", ""]
    if not result.disagreements:
        lines += ["No contradictions reached the threshold.", ""]
    else:
        lines += _overview(result)
    for number, d in enumerate(result.disagreements, start=1):
        lines += _disagreement(result, number, d)
    ordered = by_subject(result.contradictions)
    if ordered:
        lines += ["## Subjects: who says what", ""]
    for subject_id, found in ordered:
        subject = result.subject(subject_id)
        lines += [f"### {escape(subject.label)} ({subject_id}): {_plural(len(found), 'contradiction')}", ""]
        lines += ["| document | claims involved | what it says |", "|---|---:|---|"]
        for doc, (ids, stances) in sorted(_sides(result, found).items()):
            lines.append(f"| {escape(doc)} | {len(ids)} | {escape('; '.join(sorted(stances))) or '—'} |")
        lines.append("")
    if reviewed is not None:
        lines += _reviews(result, reviewed)
    if result.nli_only:
        lines += [
            f"## Flagged by the NLI judge alone: {len(result.nli_only)} (not counted)",
            "",
            "The judge reads each of these pairs as a contradiction both ways, but neither claim states an effect, "
            "absence or amount that the other opposes; between claims that merely share a topic it is usually "
            "wrong. Read them as leads, or count them with `--nli-only`.",
            "",
        ]
        for c in result.nli_only[:NLI_ONLY_LISTED]:
            a, b = result.claim(c.a), result.claim(c.b)
            lines += [f"- {c.score:.3f}: {_inline(a)} vs {_inline(b)}"]
        if len(result.nli_only) > NLI_ONLY_LISTED:
            lines.append(f"- … and {len(result.nli_only) - NLI_ONLY_LISTED} more in findings.json (`nli_only`)")
        lines.append("")
    if result.warnings:
        lines += ["## Warnings", ""] + [f"- {escape(w)}" for w in result.warnings] + [""]
    if stats.dropped:
        lines += ["## Sentences not treated as claims", "", "| reason | sentences |", "|---|---:|"]
        lines += [f"| {escape(reason)} | {count} |" for reason, count in stats.dropped.items()]
        lines.append("")
    return "\n".join(lines)


def _overview(result: ScanResult) -> list[str]:
    """One row per disagreement, the most pairs first: what a reader scans before reading any pair."""
    lines = [
        "## Disagreements",
        "",
        "| | id | subject | pairs | side a | side b | kinds | review |",
        "|---|---|---|---:|---|---|---|---|",
    ]
    for number, d in enumerate(result.disagreements, start=1):
        status = _status(result, d)
        inside = " (within one document)" if d.within_document else ""
        lines.append(
            f"| D{number} | {d.id} | {escape(result.subject(d.subject).label)}{inside} | {len(d.pairs)} | "
            f"{escape(', '.join(d.sides[0].documents))} | {escape(', '.join(d.sides[1].documents))} | "
            f"{escape(', '.join(d.kinds))} | {status or '—'} |"
        )
    lines.append("")
    return lines


def _status(result: ScanResult, d: Disagreement) -> str:
    if result.reviewed is None:
        return ""
    status, confirmed = result.reviewed.status([result.pair_id(c) for c in d.pairs])
    return f"{status} ({confirmed} of {len(d.pairs)} pairs)" if status == "partly confirmed" else status


def _disagreement(result: ScanResult, number: int, d: Disagreement) -> list[str]:
    where = "within one document" if d.within_document else "across documents"
    status = _status(result, d)
    lines = [
        f"### D{number}. {escape(result.subject(d.subject).label)} ({d.id}): {_plural(len(d.pairs), 'pair')} · "
        f"{where}{' · ' + status if status else ''}",
        "",
    ]
    for name, side in zip("ab", d.sides, strict=True):
        claims = [result.claim(i) for i in side.claims]
        lines.append(f"- **side {name}** ({escape(', '.join(side.documents))}):")
        lines += [f"  - {_inline(claim)} {claim.id}" for claim in claims]
    if d.both_sides:
        lines.append(f"- on both sides: {escape(', '.join(d.both_sides))}")
    lines += ["", f"Why one disagreement: {escape(d.explanation)}.", ""]
    for n, c in enumerate(d.pairs, start=1):
        lines += _pair(result, f"D{number}.{n}", c)
    return lines


def _pair(result: ScanResult, label: str, c: Contradiction) -> list[str]:
    a, b = result.claim(c.a), result.claim(c.b)
    where = "within one document" if a.doc == b.doc else "across documents"
    pair_id = result.pair_id(c)
    verdict = result.reviewed.verdict(pair_id) if result.reviewed is not None else None
    note = result.reviewed.note(pair_id) if result.reviewed is not None else ""
    reviewed = f" · {verdict}{': ' + escape(note) if note else ''}" if verdict else ""
    return [
        f"#### {label}. score {c.score:.3f} · {c.kind} · {where} · {pair_id}{reviewed}",
        "",
        _side(a),
        _side(b),
        "",
        f"Why: {escape(c.explanation)}",
        "",
    ]


def _reviews(result: ScanResult, reviewed: Reviewed) -> list[str]:
    """The pairs reviews took out, and the reviews that no longer apply in full."""
    lines: list[str] = []
    if reviewed.rejected:
        lines += [f"## Rejected by review: {_plural(reviewed.rejected_pairs, 'pair')} (not counted)", ""]
        for review, pairs in reviewed.rejected:
            about = f", {escape(review.about)}" if review.about else ""
            note = f": {escape(review.note)}" if review.note else ""
            lines += [f"- {review.target} {review.id}{about}{note}"]
            for c in pairs:
                a, b = result.claim(c.a), result.claim(c.b)
                lines.append(f"  - {result.pair_id(c)} {c.score:.3f}: {_inline(a)} vs {_inline(b)}")
        lines.append("")
    if reviewed.stale:
        lines += ["## Stale reviews", ""]
        lines += [f"- {escape(stale.describe())}" for stale in reviewed.stale]
        lines.append("")
    return lines


def _sides(result: ScanResult, found: list[Contradiction]) -> dict[str, tuple[set[str], set[str]]]:
    """Per document: the claims it has in these contradictions, and the stances they take."""
    sides: dict[str, tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    for c in found:
        for claim_id in (c.a, c.b):
            ids, stances = sides[result.claim(claim_id).doc]
            ids.add(claim_id)
            stances.update(stances_of(result.assertion(claim_id)))
    return sides


def stances_of(assertion: Assertion) -> list[str]:
    """Short stances a claim takes: "raises prolactin", "no addiction", "dose 500mg"."""
    stances = [
        f"{'does not ' if e.negated else ''}{'raise' if e.direction > 0 else 'lower'}"
        f"{'' if e.negated else 's'} {e.target}"
        for e in assertion.effects
    ]
    stances += [f"no {assertion.phrases.get(s, s)}" for s in assertion.absences]
    if assertion.dosing:
        stances += [f"dose {q.text}" for q in assertion.quantities]
    return stances


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' * (count != 1)}"


def _side(claim: Claim) -> str:
    return (
        f"- **{escape(claim.doc)}** {where(claim)}line {claim.line}, column {claim.column} "
        f"(chars {claim.start}–{claim.end}), claim {claim.id}:\n  > {escape(claim.text)}"
    )


def _inline(claim: Claim) -> str:
    page = f", p. {claim.page}" if claim.page is not None else ""
    return f"“{escape(quote(claim.text, 100))}” ({escape(claim.doc)}:{claim.line}{page})"


def where(claim: Claim) -> str:
    """The page of a claim on a PDF ("p. 12, "), or "" for other formats."""
    return f"p. {claim.page}, " if claim.page is not None else ""
