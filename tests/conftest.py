"""Shared fixture builders: small returns built by code (never real data), written with
:mod:`wres_tools.returns.writer` in either form of the contract.

- :func:`record_tables` / :func:`aggregate_from_records`: a seeded record-level return and the same
  data aggregated by plain Python counting (independent of the pandas code under test).
- :func:`small_aggregate`: a hand-sized aggregate return whose numbers tests can reason about.
- :func:`write`: write tables as ``<tmp>/<authority>/<year>.xlsx`` or ``.../<year>/*.csv``.
- :func:`make_params`: Parameters for a test authority without touching any YAML.
- :func:`file_hashes`: sha256 of every file under a path, to prove inputs are never modified.
"""

from __future__ import annotations

import hashlib
import os
import random
from collections import Counter
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import pytest
from hypothesis import settings
from nbformat.v4 import new_code_cell, new_notebook

from wres_tools.parameters import Parameters
from wres_tools.paths import KERNEL_NAME
from wres_tools.returns.find import ReturnRef
from wres_tools.returns.writer import Form, write_return

# CI runs every property test on a fixed sequence of examples, so a run cannot fail at random;
# locally they draw afresh (and keep a failing example in .hypothesis/ to replay).
settings.register_profile("ci", derandomize=True, print_blob=True)
# `make test-fast`: the same properties on fewer, fixed examples (CI and `make test` draw more).
settings.register_profile("fast", max_examples=10, derandomize=True)


def examples(n: int) -> int:
    """A property test's number of examples: ``n``, or the fast profile's fewer."""
    return min(n, settings.default.max_examples) if settings.default.max_examples < 100 else n


if os.environ.get("CI"):
    settings.load_profile("ci")


AUTHORITY = "testshire"
YEAR = 2023
BANDS = ["less than £30,000", "£30,000 to £69,000", "£70,000 and over"]
#: A spread of the label styles a return may use: categories, prefixed, groups, NHS codes, unknown.
LABELS = ["English, Welsh, Scottish, Northern Irish or British", "White: Irish", "Indian", "H",
          "Black African", "Caribbean", "White and Asian", "Arab", "Not stated", ""]
QUESTIONS = ("public", "colleagues", "managers")


def make_params(**overrides: Any) -> Parameters:
    """Parameters for the test authority: Skills for Care bands, no population unless given."""
    values: dict[str, Any] = {"authority": AUTHORITY, "display_name": "Testshire",
                              "pay_bands": list(BANDS)}
    values.update(overrides)
    return Parameters.model_validate(values)


def write(tmp_path: Path, tables: dict[str, pd.DataFrame], form: Form,
          authority: str = AUTHORITY, year: int = YEAR) -> ReturnRef:
    """Write the tables as one return under ``tmp_path`` and give its reference."""
    path = write_return(tables, tmp_path, authority, year, form)
    return ReturnRef.from_path(path)


def file_hashes(path: Path) -> dict[str, str]:
    """sha256 of every file at or under ``path``."""
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def record_tables(seed: int = 7, staff: int = 400, applications: int = 300,
                  responses: int = 200) -> dict[str, pd.DataFrame]:
    """A seeded record-level return: staff, applications and survey_responses, both services."""
    rng = random.Random(seed)
    services = ["Adults", "Children's services"]

    def flag(p: float) -> int:
        return int(rng.random() < p)

    staff_rows = []
    for i in range(staff):
        staff_rows.append({
            "staff_id": f"S{i:05d}", "service": rng.choice(services),
            "ethnicity": rng.choice(LABELS), "pay_band": rng.choice(BANDS),
            "senior_manager": flag(0.1), "registered": 0, "disciplinary": flag(0.05),
            "ftp": 0, "cpd": flag(0.4), "left": flag(0.12),
        })
        if rng.random() < 0.6:
            staff_rows[-1]["registered"] = 1
            staff_rows[-1]["ftp"] = flag(0.05)
    app_rows = []
    for i in range(applications):
        shortlisted = flag(0.5)
        app_rows.append({
            "application_id": f"A{i:05d}", "service": rng.choice(services),
            "ethnicity": rng.choice(LABELS), "shortlisted": shortlisted,
            "appointed": flag(0.3) if shortlisted else 0,
        })
    survey_rows = []
    for i in range(responses):
        row: dict[str, Any] = {"respondent_id": f"R{i:05d}", "service": rng.choice(services),
                               "ethnicity": rng.choice(LABELS)}
        for q in QUESTIONS:
            row[q] = rng.choice(["yes", "No", "", "YES", "no"])
        survey_rows.append(row)
    return {"staff": pd.DataFrame(staff_rows), "applications": pd.DataFrame(app_rows),
            "survey_responses": pd.DataFrame(survey_rows)}


_SERVICE = {"Adults": "adults", "Children's services": "children"}


def aggregate_from_records(records: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The aggregate tables the contract says the records build, counted with plain Python.

    Written the way an authority would write them (service spelt as in the records); the
    disciplinary, cpd and leavers tables carry no headcount (denominator from workforce).
    """
    staff = records["staff"].to_dict("records")
    groups = sorted({(_SERVICE[r["service"]], r["ethnicity"]) for r in staff})
    back = {v: k for k, v in _SERVICE.items()}

    def per_group(column: str) -> Counter:
        counts: Counter = Counter()
        for r in staff:
            counts[(_SERVICE[r["service"]], r["ethnicity"])] += r[column]
        return counts

    workforce: Counter = Counter()
    for r in staff:
        workforce[(_SERVICE[r["service"]], r["ethnicity"], r["pay_band"])] += 1
    tables = {"workforce": pd.DataFrame(
        [{"service": back[s], "ethnicity": e, "pay_band": b, "headcount": n}
         for (s, e, b), n in sorted(workforce.items())])}
    for name, columns in {
        "fitness_to_practise": {"registered": "registered", "entered": "ftp"},
        "disciplinary": {"entered": "disciplinary"},
        "cpd": {"accessed": "cpd"},
        "leavers": {"left": "left"},
        "senior_management": {"headcount": "senior_manager"},
    }.items():
        sums = {new: per_group(old) for new, old in columns.items()}
        tables[name] = pd.DataFrame(
            [{"service": back[s], "ethnicity": e, **{c: sums[c][(s, e)] for c in columns}}
             for s, e in groups])
    apps = records["applications"].to_dict("records")
    rec: dict[tuple[str, str], list[int]] = {}
    for r in apps:
        pair = rec.setdefault((_SERVICE[r["service"]], r["ethnicity"]), [0, 0])
        pair[0] += r["shortlisted"]
        pair[1] += r["appointed"]
    tables["recruitment"] = pd.DataFrame(
        [{"service": back[s], "ethnicity": e, "shortlisted": a, "appointed": b}
         for (s, e), (a, b) in sorted(rec.items())])
    answers = records["survey_responses"].to_dict("records")
    survey: dict[tuple[str, str, str], list[int]] = {}
    for r in answers:
        for q in QUESTIONS:
            pair = survey.setdefault((_SERVICE[r["service"]], r["ethnicity"], q), [0, 0])
            answer = str(r[q]).strip().lower()
            pair[0] += answer != ""
            pair[1] += answer == "yes"
    tables["survey"] = pd.DataFrame(
        [{"service": back[s], "ethnicity": e, "question": q, "respondents": n, "yes": y}
         for (s, e, q), (n, y) in sorted(survey.items())])
    return tables


def small_aggregate() -> dict[str, pd.DataFrame]:
    """A hand-sized aggregate return for one department (no service column)."""
    return {
        "workforce": pd.DataFrame({
            "ethnicity": ["White British", "White British", "Indian", "Indian", "Not stated"],
            "pay_band": [BANDS[0], BANDS[2], BANDS[0], BANDS[2], BANDS[0]],
            "headcount": [60, 10, 20, 2, 3],
        }),
        "recruitment": pd.DataFrame({
            "ethnicity": ["White British", "Indian"], "shortlisted": [40, 30],
            "appointed": [10, 4],
        }),
        "disciplinary": pd.DataFrame({
            "ethnicity": ["White British", "Indian"], "entered": [2, 3],
        }),
        "survey": pd.DataFrame({
            "ethnicity": ["White British", "Indian"] * 3,
            "question": ["public", "public", "colleagues", "colleagues", "managers", "managers"],
            "respondents": [50, 15, 50, 15, 49, 14], "yes": [10, 5, 8, 4, 3, 2],
        }),
    }


@pytest.fixture
def params() -> Parameters:
    return make_params()


def notebook_file(path: Path, *sources: str, parameters: str = "authority = 'none'\nyear = 0"
                  ) -> Path:
    """Write a test notebook: a parameters-tagged cell, then one code cell per source, with the
    project kernelspec and fixed cell ids (so two writes give the same file)."""
    cells = [new_code_cell(parameters, metadata={"tags": ["parameters"]})]
    cells += [new_code_cell(source) for source in sources]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": "Python (wres-tools)",
                                 "language": "python"}
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{path.stem}-{i}"
    nbformat.write(nb, path)
    return path
