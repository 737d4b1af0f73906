"""What reaches the claims from saved web pages with `--html-text all` and with `main`: per page the number of
claims in each mode, then every claim, marked with the mode(s) it came from, for counting by hand which are the
page's own text and which are menus, footers and teasers.

    python scripts/boilerplate_benchmark.py saved-pages/*.html
"""

from __future__ import annotations

import argparse
from pathlib import Path

from detector.claims import extract_claims
from detector.documents import ReadOptions, load_documents


def claims(page: Path, mode: str) -> list[str]:
    return [c.text for c in extract_claims(load_documents([page], options=ReadOptions(html_text=mode))).claims]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="+", type=Path)
    args = parser.parse_args()
    for page in args.pages:
        every, main_text = claims(page, "all"), claims(page, "main")
        print(f"\n== {page.name}: all {len(every)} claims, main {len(main_text)} claims")
        for text in dict.fromkeys(every + main_text):
            mark = "both" if text in every and text in main_text else ("all " if text in every else "main")
            print(f"  {mark} | {text}")


if __name__ == "__main__":
    main()
