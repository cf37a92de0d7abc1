"""Write environment.yml (for conda users) from requirements.lock, so the two cannot drift."""

from __future__ import annotations

import re
import sys
from pathlib import Path

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)")


def pins(lock_text: str) -> dict[str, str]:
    """Package name -> pinned version, from a pip/uv lock file."""
    found = {}
    for line in lock_text.splitlines():
        match = PIN.match(line.strip())
        if match:
            found[match.group(1).lower()] = match.group(2)
    return found


def render(lock_pins: dict[str, str]) -> str:
    lines = [
        "# Generated from requirements.lock by scripts/lock_to_environment.py: do not edit by hand.",
        "name: wres-tools",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        "  - python=3.11",
        "  - pip",
        "  - pip:",
    ]
    lines += [f"      - {name}=={version}" for name, version in sorted(lock_pins.items())]
    lines.append("      - -e .")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    lock, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.write_text(render(pins(lock.read_text())))
