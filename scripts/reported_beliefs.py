"""How often the claim reader sets a sentence aside as a belief reported rather than stated, on public text.

    python scripts/reported_beliefs.py ../shared/benchmarks [--show 40]

Reads the sentences of SciFact's claims and evidence (dev), COVID-Fact's claims and evidence and ANLI R1's
contexts (split at sentence ends), reads each with the claim reader, and prints how many it calls "reported"
and those sentences. The sets' texts are read in place (their licences are non-commercial); nothing is fitted.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from detector.models.load import load_parser
from detector.models.lock import read_lock

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
MIN_WORDS = 4


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text) if len(s.split()) >= MIN_WORDS]


def public_sentences(root: Path) -> list[str]:
    """The distinct sentences of the public sets named above, sorted."""
    found: set[str] = set()
    for r in rows(root / "scifact" / "scifact_pairs_dev.jsonl"):
        found.add(r["claim"])
        found.update(sentences(r["evidence"]))
    for r in rows(root / "covidfact" / "COVIDFACT_dataset.jsonl"):
        found.add(r["claim"])
        found.update(r.get("evidence", [])[:3])
    for r in rows(root / "anli" / "R1_dev.jsonl"):
        found.update(sentences(r["context"]))
    return sorted(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("benchmarks", type=Path, help="../shared/benchmarks")
    parser.add_argument("--show", type=int, default=40, help="how many of the sentences set aside to print")
    args = parser.parse_args()
    texts = public_sentences(args.benchmarks)
    reader = load_parser(read_lock().spec("parser"))
    reported = [t for t, a in zip(texts, reader.read(texts), strict=True) if a.kind == "reported"]
    print(f"{len(texts):,} sentences; {len(reported)} set aside as reported beliefs")
    for text in reported[: args.show]:
        print(f"  - {text}")


if __name__ == "__main__":
    main()
