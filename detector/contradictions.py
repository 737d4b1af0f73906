"""Stage 7: turn judged pairs into contradictions, each with a calibrated score, its kind and a checkable
explanation."""

from __future__ import annotations

from collections.abc import Sequence

from .assertions import Assertion
from .records import Claim, Contradiction, Judgement
from .verdicts import Calibration, compare, features, scope_note

QUOTE_CHARS = 80


def find_contradictions(
    judgements: Sequence[Judgement],
    claims: Sequence[Claim],
    assertions: Sequence[Assertion],
    subject_of: Sequence[str],
    *,
    calibration: Calibration,
    threshold: float,
    nli_threshold: float,
    nli_only: bool = False,
) -> tuple[list[Contradiction], list[Contradiction]]:
    """(contradictions, NLI-only conflicts): pairs whose calibrated verdict reaches `threshold`, strongest first.

    The verdict combines the NLI score (both directions) with what the claims assert: opposite effect
    directions, a denied effect or absent concept, amounts that do not overlap, hedges and scope. A pair
    that only the NLI judge flags, with both directions at its threshold, is a contradiction only with
    `nli_only`; otherwise it is returned in the second list. Between claims that merely share a topic the
    judge is confident and wrong: on the seeds, 2 of 31 such pairs scoring ≥ 0.985 both ways are real.
    """
    found: list[Contradiction] = []
    possible: list[Contradiction] = []
    for j in judgements:
        a, b = claims[j.pair.a], claims[j.pair.b]
        sa, sb = assertions[j.pair.a], assertions[j.pair.b]
        signals = compare(sa, sb, _short(a.doc), _short(b.doc))
        scores = (("a→b", j.forward), ("b→a", j.backward))
        directions = tuple(name for name, value in scores if value is not None and value >= nli_threshold)
        if not signals and len(directions) < 2 and not nli_only:
            continue
        inputs = features(j.score, signals, sa, sb)
        score = calibration.score(inputs)
        if score < threshold:
            continue
        kinds = list(dict.fromkeys(s.kind for s in signals))
        if directions:
            kinds.append("nli")
        scope = scope_note(sa, sb)
        hedges = sorted(set(sa.hedges) | set(sb.hedges))
        explanation = "; ".join(s.explanation for s in signals) or (
            f"NLI judge: contradiction {j.forward:.2f} reading a then b, {j.backward or 0:.2f} reading b then a"
        )
        if scope:
            explanation += f"; {scope}"
        if hedges:
            explanation += f"; hedged ({', '.join(hedges)})"
        (found if signals or nli_only else possible).append(
            Contradiction(
                a=a.id,
                b=b.id,
                score=round(score, 4),
                subject=subject_of[j.pair.a],
                kind="+".join(kinds) or "nli",
                directions=directions,
                explanation=explanation,
                signals={
                    "nli_forward": round(j.forward, 4),
                    "nli_backward": round(j.backward or 0.0, 4),
                    "similarity": round(j.pair.similarity, 4),
                }
                | {name: round(value, 4) for name, value in inputs.items() if name != "nli"},
            )
        )

    def strongest_first(items: list[Contradiction]) -> list[Contradiction]:
        return sorted(items, key=lambda c: (-c.score, c.a, c.b))

    return strongest_first(found), strongest_first(possible)


def _short(doc_id: str) -> str:
    # "000_ac6c5d8dacf27aa2.txt" reads as "000" in an explanation; other ids stay whole.
    head = doc_id.split("_", 1)[0]
    return head if head.isdigit() and head != doc_id else doc_id


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """`text` shortened to about `limit` characters at a word boundary."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[:limit].rsplit(" ", 1)[0] + "…"


def by_subject(contradictions: Sequence[Contradiction]) -> list[tuple[str, list[Contradiction]]]:
    """Contradictions grouped by subject, as the reports show them: the subject with the most first (then the
    strongest, then by id), each group in the order given (strongest first, as a scan returns them)."""
    groups: dict[str, list[Contradiction]] = {}
    for c in contradictions:
        groups.setdefault(c.subject, []).append(c)
    return sorted(groups.items(), key=lambda item: (-len(item[1]), -item[1][0].score, item[0]))
