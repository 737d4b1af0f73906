"""Caps on how much a scan reads and compares. Hitting one is reported (warnings, stats, dropped sentences), never
silent; each has an option to raise it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from .claims import ClaimSet, set_aside
from .documents import DEFAULT_MAX_FILE_BYTES, TOO_LARGE
from .errors import InputError
from .records import Document

__all__ = ["DEFAULT_MAX_CLAIMS", "DEFAULT_MAX_CLAIMS_PER_DOC", "DEFAULT_MAX_FILE_BYTES", "cap_claims", "cut_files"]

# About the sentences of a book (a 1 MB novel has ~10,000; a long report ~2,000): more than this in one file is
# almost always a log, a dump or a data file, and would crowd every other document out of the total below.
DEFAULT_MAX_CLAIMS_PER_DOC = 5_000
# Subjects are found by average-linkage clustering, which holds all n²/2 claim distances in memory:
# 20,000 claims take 1.6 GB there (50,000 would take 10 GB). The judge, at ~50 pairs/s on a laptop CPU and
# ~5 candidate pairs per claim, needs about an hour for 20,000 claims.
DEFAULT_MAX_CLAIMS = 20_000

PER_DOC_REASON = "over the claims-per-document limit"
TOTAL_REASON = "over the total claims limit"


def cut_files(documents: Sequence[Document]) -> list[str]:
    """Ids of the documents skipped for being larger than the file size limit."""
    return [d.id for d in documents if d.skipped and d.skipped.startswith(TOO_LARGE)]


Cut = dict[str, dict[str, int]]


def cap_claims(claim_set: ClaimSet, *, per_doc: int, total: int) -> tuple[ClaimSet, Cut, list[str]]:
    """Keep each document's first `per_doc` claims, then the first `total` claims in document order.

    Returns the capped set (claims past a cap become dropped sentences with the cap as their reason), how many
    claims each cap cut per document, and one warning per document cut.
    """
    if per_doc < 1 or total < 1:
        raise InputError(f"claim limits must be at least 1, got {per_doc} per document and {total} in all")
    seen: Counter[str] = Counter()
    kept = 0
    reasons: list[str] = []
    for claim in claim_set.claims:
        seen[claim.doc] += 1
        if seen[claim.doc] > per_doc:
            reasons.append(PER_DOC_REASON)
        elif kept >= total:
            reasons.append(TOTAL_REASON)
        else:
            reasons.append("")
            kept += 1
    cut: Cut = {
        "claims_per_doc": _per_doc(claim_set, reasons, PER_DOC_REASON),
        "claims": _per_doc(claim_set, reasons, TOTAL_REASON),
    }
    if not any(cut.values()):
        return claim_set, cut, []
    capped, _ = set_aside(claim_set, reasons)
    warnings = [
        f"{doc}: only its first {per_doc:,} claims are compared, {n:,} more are not "
        f"(raise the limit with --max-claims-per-doc)"
        for doc, n in cut["claims_per_doc"].items()
    ]
    warnings += [
        f"{doc}: {n:,} claims are not compared: the scan reached its limit of {total:,} claims "
        f"(raise it with --max-claims)"
        for doc, n in cut["claims"].items()
    ]
    return capped, cut, warnings


def _per_doc(claim_set: ClaimSet, reasons: list[str], reason: str) -> dict[str, int]:
    return dict(sorted(Counter(c.doc for c, r in zip(claim_set.claims, reasons) if r == reason).items()))
