"""The batch's index page: every authority-year with its reports, headline figures and failures."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from wres_tools.batch.export import (
    INDEX_FILE,
    INDEX_INTERNAL_BANNER,
    INDEX_SYNTHETIC_BANNER,
    Banner,
    IndexFailure,
    IndexRow,
    index_html,
)
from wres_tools.batch.plan import Failure, report_label, report_order
from wres_tools.batch.state import STATE_FILE, read_state
from wres_tools.contract import is_missing
from wres_tools.evidence.manifest import METRICS_FILE
from wres_tools.files import write_atomic
from wres_tools.metrics import METRICS
from wres_tools.publish import is_withheld
from wres_tools.reporting.formats import ADVERSE_WORDS
from wres_tools.reporting.methods import INDEX_LINK, METHODS_FILE, METHODS_LINK
from wres_tools.reporting.templating import NavLink

#: Files of the evidence (``evidence.write_evidence``) the index links when they are there.
EVIDENCE_DOCUMENTS: tuple[tuple[str, str], ...] = (
    ("How every figure is made (methods)", METHODS_FILE),
    ("Every published figure, one row each (results.csv)", "results.csv"),
    ("What each column of results.csv means", "results_dictionary.csv"),
    ("What went in and what ran it (manifest.json)", "manifest.json"),
)

#: Headline figures of the index: (column label, metric), minority against white, all services.
HEADLINES: tuple[tuple[str, str], ...] = (
    ("M2 appointed from shortlisting (RL)", "M2"),
    ("M3 entering disciplinary (RL)", "M3"),
    ("M8 leaving (RL)", "M8"),
)
#: Under each headline label, the metric's adverse side of 1 (``METRICS[m].adverse_when``):
#: an arrow for the eye (low points down, high up; not ▲, the action tables' Amber) and the
#: words, which do not need it.
ADVERSE_MARKS: dict[str, tuple[str, str]] = {
    "low": ("↓", "adverse if below 1"),
    "high": ("↑", "adverse if above 1"),
}


def headline_marks() -> list[tuple[str, str]]:
    """(symbol, words) of each headline column's adverse side."""
    return [ADVERSE_MARKS[METRICS[metric].adverse_when] for _, metric in HEADLINES]


def headline_key() -> str:
    """The key line under the index's caption: which side is adverse, column by column."""
    parts = []
    for side, (symbol, _) in ADVERSE_MARKS.items():
        ids = [metric for _, metric in HEADLINES if METRICS[metric].adverse_when == side]
        if ids:
            joined = ids[0] if len(ids) == 1 else ", ".join(ids[:-1]) + " and " + ids[-1]
            parts.append(f"{symbol} {ADVERSE_WORDS[side]} for {joined}")
    return "Adverse side of 1: " + "; ".join(parts) + "."


# -- the index ---------------------------------------------------------------------------------


def _headline(records: Sequence[Mapping[str, Any]], metric: str) -> str:
    """The all-services minority RL of one metric, or in words why there is none."""
    for record in records:
        if (record.get("metric"), record.get("service"), record.get("group")) != (
            metric, "all", "minority"
        ):
            continue
        if record.get("status") == "not_collected":
            return "not collected"
        rl = record.get("rl")
        if is_missing(rl):
            if is_withheld(record, "rl"):
                return "not published: small numbers"
            return "not computable"
        low, high = record.get("rl_ci_low"), record.get("rl_ci_high")
        if is_missing(low) or is_missing(high):
            return f"{rl:.2f}"
        return f"{rl:.2f} ({low:.2f} to {high:.2f})"
    return "—"


def _pages(folder: Path, state: Mapping[str, Any], out_dir: Path) -> tuple[tuple[str, str], ...]:
    """(link text, href from the index) of each page the state records and the folder holds."""
    names = [n for n in state.get("fingerprints", {}) if n.endswith(".html")]
    pages = sorted((folder / n for n in names if (folder / n).exists()),
                   key=lambda p: report_order(p.stem))
    return tuple((report_label(p), p.relative_to(out_dir).as_posix()) for p in pages)


def _quoted(pages: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """The hrefs percent-encoded: an authority folder "Hash #1 ?x %41" is a path, not a
    fragment, a query and an escape."""
    return tuple((label, urllib.parse.quote(href)) for label, href in pages)


def build_index(out_dir: Path, failures: Sequence[Failure] = ()) -> Path:
    """Write ``<out>/index.html`` from every authority-year and year found under ``out_dir``."""
    out_dir = Path(out_dir)
    rows: list[IndexRow] = []
    states = sorted(
        (read_state(p.parent) for p in out_dir.glob(f"*/*/{STATE_FILE}")),
        key=lambda s: (str(s.get("display_name", "")).lower(), s.get("year", 0)),
    )
    states = [s for s in states if s.get("authority") and s.get("year")]
    for state in states:
        folder = out_dir / str(state["year"]) / state["authority"]
        try:
            records = json.loads((folder / METRICS_FILE).read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            records = []
        rows.append(IndexRow(
            authority=state["authority"],
            display_name=str(state.get("display_name") or state["authority"]),
            year=int(state["year"]),
            reports=_quoted(_pages(folder, state, out_dir)),
            headlines=tuple(_headline(records, metric) for _, metric in HEADLINES),
            synthetic=bool(state.get("synthetic")),
        ))
    year_states = sorted(
        (s for s in (read_state(p.parent) for p in out_dir.glob(f"*/{STATE_FILE}"))
         if s.get("year") and not s.get("authority")),
        key=lambda s: s["year"],
    )
    years = [(int(s["year"]), _quoted(_pages(out_dir / str(s["year"]), s, out_dir)))
             for s in year_states]
    everything = [*states, *year_states]
    banners: list[Banner] = []
    if any(s.get("disclosure") == "internal" for s in everything):
        banners.append(INDEX_INTERNAL_BANNER)
    if everything and all(s.get("synthetic") for s in everything):
        banners.append(INDEX_SYNTHETIC_BANNER)
    page = index_html(
        rows,
        headline_labels=[label for label, _ in HEADLINES],
        headline_marks=headline_marks(),
        headline_key=headline_key(),
        years=[(year, pages) for year, pages in years if pages],
        documents=[(label, name) for label, name in EVIDENCE_DOCUMENTS
                   if (out_dir / name).is_file()],
        failures=[IndexFailure(f.authority, f.year, f.notebook, f.message) for f in failures],
        banners=banners,
        nav=[NavLink(INDEX_LINK, INDEX_FILE, current=True),
             *([NavLink(METHODS_LINK, METHODS_FILE)] if (out_dir / METHODS_FILE).is_file()
               else [])],
    )
    path = out_dir / INDEX_FILE
    write_atomic(path, page)
    return path


def year_synthetic(out_dir: Path, year: int) -> bool:
    """Whether every authority-year of the year that the outputs hold is synthetic."""
    states = [read_state(p.parent) for p in (Path(out_dir) / str(year)).glob(f"*/{STATE_FILE}")]
    return bool(states) and all(state.get("synthetic") for state in states)
