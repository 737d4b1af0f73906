"""How often the claim reader sets a sentence aside as a belief reported rather than stated, on public text.

    python scripts/reported_beliefs.py ../shared/benchmarks [--show 40]

Reads the texts `detector bench` builds its corpora from (SciFact's claims and evidence, COVID-Fact's claims and
evidence: `bench.read_topics`), splits them into sentences as a scan does (`claims.sentences`), reads each with
the claim reader and prints how many it calls "reported", and those sentences. The sets' texts are read in
place (their licences are non-commercial); nothing is fitted.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from detector.bench import read_topics
from detector.claims import sentences
from detector.models.load import load_parser
from detector.models.lock import read_lock


def public_sentences(benchmarks: Path) -> list[str]:
    """The distinct sentences of the bench's public texts, sorted."""
    texts = {text for topic in read_topics(benchmarks) for text in topic.sentences}
    return sorted({text[start:end] for text in texts for start, end in sentences(text, 0, len(text))})


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
