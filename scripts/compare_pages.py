"""Two batch output folders, compared as a reader sees them: every page's text (images aside),
every metrics.json and results.csv must be the same.

    python scripts/compare_pages.py BEFORE_OUT AFTER_OUT

Used for refactors that must change nothing a user sees (issue 10): run the demo batch on main
and on the change, then compare. Text is the file with every ``data:`` URI and inline ``<svg>``
replaced by ``[image]``; manifest.json and .batch.json (hashes, times) are left out. Prints the
first differences of each file that differs and exits 1 when any does.
"""

from __future__ import annotations

import difflib
import re
import sys
from pathlib import Path

IMAGES = re.compile(r"data:[a-z/+.-]+;base64,[A-Za-z0-9+/=]+|<svg\b.*?</svg>", re.S)
KINDS = (".html", ".csv", ".json")
LEFT_OUT = ("manifest.json", ".batch.json")


def text(path: Path) -> str:
    return IMAGES.sub("[image]", path.read_text(encoding="utf-8"))


def files(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*")
            if p.is_file() and p.suffix in KINDS and p.name not in LEFT_OUT}


def main(before: Path, after: Path) -> int:
    old, new = files(before), files(after)
    bad = 0
    for rel in sorted(old ^ new):
        print("only in", before if rel in old else after, rel)
        bad += 1
    for rel in sorted(old & new):
        a, b = text(before / rel), text(after / rel)
        if a != b:
            bad += 1
            if bad <= 15:
                print("DIFFERS", rel)
                diff = difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm="", n=0)
                for line in list(diff)[2:10]:
                    print("   ", line[:300])
    print(f"{len(old & new)} files compared, {bad} differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
