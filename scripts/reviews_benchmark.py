"""Reviews across re-scans, measured on a copy of a folder (default: seeds/) through the `detector` command.

Scans the copy, rejects one pair (the strongest pair of the last disagreement) with `detector review`, scans
again, then adds a document and moves the rejected pair's first claim down its document, and scans again.
Prints the pairs and disagreements each scan reports and whether the rejected pair is among them.

    python scripts/reviews_benchmark.py [FOLDER]
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# A document written for this measurement (not taken from anywhere): it restates one side of a question.
ADDED = "A reader wrote in to say that kratom raises prolactin, and that it did so for him.\n"


def detector(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "detector.cli", *args], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return done.stdout + done.stderr


def scan(folder: Path, out: Path) -> dict[str, Any]:
    detector("scan", str(folder), "--out", str(out), "--quiet")
    found: dict[str, Any] = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    return found


def texts(found: dict[str, Any]) -> list[frozenset[str]]:
    claims = {c["id"]: c["text"] for c in found["claims"]}
    return [frozenset((claims[p["a"]], claims[p["b"]])) for p in found["contradictions"]]


def line(name: str, found: dict[str, Any], rejected: frozenset[str]) -> str:
    reviews = found["reviews"]
    return (
        f"{name}: {len(found['contradictions'])} pairs in {len(found['disagreements'])} disagreements; "
        f"rejected pair reported: {rejected in texts(found)}; pairs rejected by review: {reviews['rejected_pairs']}; "
        f"stale reviews: {len(reviews['stale'])}"
    )


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "seeds"
    with tempfile.TemporaryDirectory() as temp:
        folder, out = Path(temp) / "docs", Path(temp) / "out"
        shutil.copytree(source, folder)
        first = scan(folder, out)
        last = first["disagreements"][-1]
        pair = next(p for p in first["contradictions"] if p["id"] == last["strongest"])
        claims = {c["id"]: c for c in first["claims"]}
        rejected = frozenset((claims[pair["a"]]["text"], claims[pair["b"]]["text"]))
        print(line("first scan", first, rejected))
        print(detector("review", str(out), pair["id"], "--reject", "--note", "measured").strip())
        print(line("re-scan after rejecting it", scan(folder, out), rejected))
        (folder / "zz_added.txt").write_text(ADDED, encoding="utf-8")
        moved = folder / claims[pair["a"]]["doc"]
        moved.write_text("A new first line, added above every claim.\n\n" + moved.read_text("utf-8"), "utf-8")
        print(line("re-scan after adding a document and moving a claim", scan(folder, out), rejected))


if __name__ == "__main__":
    main()
