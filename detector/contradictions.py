"""Stage 7: turn judged pairs into contradictions, each with its evidence and a checkable explanation."""

from __future__ import annotations

from collections.abc import Sequence

from .records import Claim, Contradiction, Judgement

QUOTE_CHARS = 80


def find_contradictions(
    judgements: Sequence[Judgement],
    claims: Sequence[Claim],
    subject_of: Sequence[str],
    *,
    threshold: float,
) -> list[Contradiction]:
    """Contradictions among `judgements` whose score in either direction reaches `threshold`, strongest first."""
    found: list[Contradiction] = []
    for j in judgements:
        directions = tuple(name for name, score in (("a→b", j.forward), ("b→a", j.backward)) if score >= threshold)
        if not directions:
            continue
        a, b = claims[j.pair.a], claims[j.pair.b]
        found.append(
            Contradiction(
                a=a.id,
                b=b.id,
                score=round(j.score, 4),
                subject=subject_of[j.pair.a],
                kind="nli",
                directions=directions,
                explanation=(
                    f"NLI judge: {_where(a)} and {_where(b)} cannot both hold "
                    f"(contradiction {j.forward:.2f} reading a then b, {j.backward:.2f} reading b then a)"
                ),
                signals={
                    "nli_forward": round(j.forward, 4),
                    "nli_backward": round(j.backward, 4),
                    "similarity": round(j.pair.similarity, 4),
                },
            )
        )
    return sorted(found, key=lambda c: (-c.score, c.a, c.b))


def _where(claim: Claim) -> str:
    return f"{claim.doc} line {claim.line}"


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """`text` shortened to about `limit` characters at a word boundary."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[:limit].rsplit(" ", 1)[0] + "…"
