"""A two-year fixture authority for the report and notebook tests, built by code.

``testshire`` holds 2024 and 2025 returns with adults' and children's services. The counts are
chosen so the headline figures can be worked out by hand:

- M2 (recruitment), all services, minority: 6 + 4 = 10 appointed of 30 + 10 = 40 shortlisted
  (rate 0.25); white: 40 + 20 = 60 of 100 + 50 = 150 (rate 0.40); RL = 0.25 / 0.40 = 0.625.
  Children's services minority: 4 of 10 appointed; the Mixed group there: 1 of 2 (a small count:
  withheld in published mode).
- M3 (disciplinary) 2025, all services, minority: 9 of 45 staff (0.20); white 12 of 180 (0.0667);
  RL = 0.20 / 0.0667 = 3.0. In 2024 minority 6 of 45, white 12 of 180: RL = 2.0.
- M4 (fitness to practise) is not collected: the table is absent.
- M9: 2 minority senior managers of 10 with ethnicity known (a count under 5: withheld).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from wres_tools.contract import RESULT_COLUMNS
from wres_tools.returns.writer import write_return

AUTHORITY = "testshire"
YEARS = (2024, 2025)
BANDS = ["less than £30,000", "£30,000 to £69,000", "£70,000 and over"]
WHITE = "English, Welsh, Scottish, Northern Irish or British"
PARAMETERS = f"""display_name: Testshire County Council
pay_bands:
  - {BANDS[0]}
  - {BANDS[1]}
  - {BANDS[2]}
population:
  White: 0.8
  Asian or Asian British: 0.1
  Black, Black British, Caribbean or African: 0.05
  Mixed or multiple: 0.03
  Other ethnic group: 0.02
"""


def _rows(columns: list[str], rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


def tables(year: int) -> dict[str, pd.DataFrame]:
    """The aggregate tables of one year (M3's minority entries change between years)."""
    entered_indian = 5 if year == 2025 else 3  # 2025: 5 + 4 = 9 minority; 2024: 3 + 3 = 6
    workforce = []
    # adults: per band white, Indian, African, Not stated (minority share falls as bands rise)
    for band, counts in zip(BANDS, ((60, 15, 10, 4), (25, 5, 3, 1), (15, 1, 1, 0)), strict=True):
        white, indian, african, unknown = counts
        workforce += [("adults", WHITE, band, white), ("adults", "Indian", band, indian),
                      ("adults", "African", band, african), ("adults", "Not stated", band, unknown)]
    for band, counts in zip(BANDS, ((50, 8, 4), (20, 2, 1), (10, 0, 1)), strict=True):
        white, indian, african = counts
        workforce += [("children", WHITE, band, white), ("children", "Indian", band, indian),
                      ("children", "African", band, african)]
    return {
        # workforce totals: adults white 100, minority 35; children white 80, minority 16
        "workforce": _rows(["service", "ethnicity", "pay_band", "headcount"], workforce),
        "recruitment": _rows(["service", "ethnicity", "shortlisted", "appointed"], [
            ("adults", WHITE, 100, 40), ("adults", "Indian", 30, 6),
            ("children", WHITE, 50, 20), ("children", "African", 8, 3),
            ("children", "White and Asian", 2, 1), ("children", "Not stated", 5, 1),
        ]),
        # own headcount so the minority denominators are round: 25 + 20 = 45, white 100 + 80
        "disciplinary": _rows(["service", "ethnicity", "entered", "headcount"], [
            ("adults", WHITE, 8, 100), ("adults", "Indian", entered_indian, 25),
            ("children", WHITE, 4, 80), ("children", "African", 4, 20),
        ]),
        "cpd": _rows(["service", "ethnicity", "accessed", "headcount"], [
            ("adults", WHITE, 60, 100), ("adults", "Indian", 12, 25),
            ("children", WHITE, 40, 80), ("children", "African", 10, 20),
        ]),
        "survey": _rows(["service", "ethnicity", "question", "respondents", "yes"], [
            (service, label, question, n, yes)
            for service in ("adults", "children")
            for question in ("public", "colleagues", "managers")
            for label, n, yes in ((WHITE, 80, 16), ("Indian", 20, 8))
        ]),
        "leavers": _rows(["service", "ethnicity", "left", "headcount"], [
            ("adults", WHITE, 10, 100), ("adults", "Indian", 5, 25),
            ("children", WHITE, 8, 80), ("children", "African", 4, 20),
        ]),
        "senior_management": _rows(["service", "ethnicity", "headcount"], [
            ("adults", WHITE, 5, ), ("adults", "Indian", 1), ("children", WHITE, 3),
            ("children", "African", 1),
        ]),
        "metadata": _rows(["key", "value"], [("synthetic", "true")]),
    }


def write_fixture(data_dir: Path, years: tuple[int, ...] = YEARS) -> Path:
    """Write testshire's returns and parameter file under ``data_dir``; returns ``data_dir``."""
    for year in years:
        write_return(tables(year), data_dir, AUTHORITY, year, "csv")
    (data_dir / "parameters").mkdir(parents=True, exist_ok=True)
    (data_dir / "parameters" / f"{AUTHORITY}.yml").write_text(PARAMETERS, encoding="utf-8")
    return data_dir


def record(**values: object) -> dict[str, object]:
    """One result record with every RESULT_COLUMNS key: None unless given (minority, ok)."""
    row = dict.fromkeys(RESULT_COLUMNS)
    row.update(authority=AUTHORITY, year=2025, reference="white", status="ok",
               suppressed=False, disclosure="published", group="minority")
    row.update(values)
    return row


def frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    """Result records as the metric engine gives them: object columns, None for missing."""
    return pd.DataFrame(rows, columns=list(RESULT_COLUMNS), dtype=object)
