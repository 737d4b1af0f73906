"""What the claim reader makes of public text: sentences set aside as beliefs reported rather than stated, and
sentences read as accounts of what was or was not studied (see candidates.on_one_footing).

    python scripts/reader_on_public_text.py ../shared/benchmarks [--show 40]

Reads the texts `detector bench` builds its corpora from (SciFact's claims and evidence, COVID-Fact's claims and
evidence: `bench.read_topics`), splits them into sentences as a scan does (`claims.sentences`), reads each with
the claim reader and prints how many of them each reading takes, with the first `--show` of each in sorted
order, to read what the rules catch. The sets' texts are read in place (their licences are non-commercial);
nothing is fitted.
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
    parser.add_argument("--show", type=int, default=40, help="how many sentences of each reading to print")
    args = parser.parse_args()
    texts = public_sentences(args.benchmarks)
    readings = load_parser(read_lock().spec("parser")).read(texts)
    reported = [t for t, a in zip(texts, readings, strict=True) if a.kind == "reported"]
    procedures = [t for t, a in zip(texts, readings, strict=True) if a.kind == "claim" and a.research == "done"]
    gaps = [t for t, a in zip(texts, readings, strict=True) if a.kind == "claim" and a.research == "denied"]
    print(f"{len(texts):,} sentences")
    readings_found = (
        ("set aside as reported beliefs", reported),
        ("read as what was studied", procedures),
        ("read as what was not studied", gaps),
    )
    for title, found in readings_found:
        print(f"{len(found)} {title}")
        for text in found[: args.show]:
            print(f"  - {text}")


if __name__ == "__main__":
    main()
