"""``wres metrics``: a readable table, the JSON records of the data contract, and suppression in
published mode - checked against the published worked examples in metrics.md and issue 3."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from wres_tools.cli import app
from wres_tools.contract import RESULT_COLUMNS
from wres_tools.disclosure import check_published
from wres_tools.returns.writer import write_return

runner = CliRunner()
AUTHORITY = "testshire"


def _data(tmp_path: Path) -> Path:
    """A council's recruitment (10 minority shortlisted, 2 appointed; 389 white, 117 appointed;
    4 unknown, none appointed) and a trust's disciplinary figures (9 of 725 minority, 17 of
    2,505 white), no service split."""
    tables = {
        "workforce": pd.DataFrame({
            "ethnicity": ["Indian", "White British", "Not stated"],
            "pay_band": ["Band 1"] * 3, "headcount": [725, 2505, 40],
        }),
        "recruitment": pd.DataFrame({
            "ethnicity": ["Indian", "White British", "Not stated"],
            "shortlisted": [10, 389, 4], "appointed": [2, 117, 0],
        }),
        "disciplinary": pd.DataFrame({
            "ethnicity": ["Indian", "White British", "Not stated"], "entered": [9, 17, 0],
        }),
    }
    root = tmp_path / "data"
    write_return(tables, root, AUTHORITY, 2023, "csv")
    (root / "parameters").mkdir()
    (root / "parameters" / f"{AUTHORITY}.yml").write_text(
        "display_name: Testshire\npay_bands: [Band 1]\n", encoding="utf-8")
    return root


def _invoke(*args: str):
    result = runner.invoke(app, ["metrics", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def _json(root: Path, *extra: str) -> list[dict]:
    result = _invoke("-a", AUTHORITY, "-y", "2023", "-d", str(root), "--json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _record(records: list[dict], metric: str, group: str = "minority") -> dict:
    (found,) = [r for r in records if r["metric"] == metric and r["group"] == group
                and r["service"] == "all"]
    return found


def test_json_carries_every_contract_key_and_the_worked_examples(tmp_path: Path) -> None:
    records = _json(_data(tmp_path))
    assert all(set(r) == set(RESULT_COLUMNS) for r in records)
    m2 = _record(records, "M2")
    # (2 / 10) / (117 / 389) = 0.2 / 0.300771 = 0.664957; NHS direction 1 / 0.664957 = 1.50385
    assert m2["rl"] == pytest.approx(0.664957, rel=1e-5)
    assert m2["rl_nhs_direction"] == pytest.approx(1.50385, rel=1e-5)
    assert (m2["n_group"], m2["events_group"], m2["n_reference"], m2["events_reference"]) == (
        10, 2, 389, 117)
    assert m2["unknown_count"] == 4 and m2["disclosure"] == "internal"
    m3 = _record(records, "M3")
    # (9 / 725) / (17 / 2505) = 0.0124138 / 0.00678643 = 1.82920
    assert m3["rl"] == pytest.approx(1.82920, rel=1e-5)
    # not collected metrics are records too, with nulls, not errors
    m4 = _record(records, "M4")
    assert m4["status"] == "not_collected" and m4["rl"] is None


def test_published_json_suppresses_small_counts(tmp_path: Path) -> None:
    records = _json(_data(tmp_path), "--disclosure", "published")
    m2 = _record(records, "M2")
    # 2 appointed is under the threshold of 5: the count and everything resting on it go
    assert m2["events_group"] is None and m2["rl"] is None and m2["suppressed"] is True
    assert m2["reason"] == "not published: small numbers"
    assert check_published(pd.DataFrame(records), 5) == []


def test_table_shows_the_figures_and_the_internal_banner(tmp_path: Path) -> None:
    result = _invoke("-a", AUTHORITY, "-y", "2023", "-d", str(_data(tmp_path)))
    assert result.exit_code == 0
    assert "Internal use only" in result.stdout
    m2 = next(line for line in result.stdout.splitlines() if "M2" in line and "all" in line)
    assert "2 / 10" in m2 and "117 / 389" in m2 and "0.66 (" in m2


def test_published_table_prints_the_symbols_not_the_counts(tmp_path: Path) -> None:
    result = _invoke("-a", AUTHORITY, "-y", "2023", "-d", str(_data(tmp_path)),
                     "--disclosure", "published")
    m2 = next(line for line in result.stdout.splitlines() if "M2" in line and "all" in line)
    # 2 of 10 appointed: the 2 is withheld as "[c]", the one symbol for every withheld count
    assert "[c] / " in m2 and "not published: small numbers" in m2 and "<5" not in result.stdout


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    root = _data(tmp_path)
    assert _invoke("-a", AUTHORITY, "-y", "2019", "-d", str(root)).exit_code == 2
    assert _invoke("-a", AUTHORITY, "-y", "2023", "-d", str(root),
                   "--disclosure", "public").exit_code == 2


def test_bad_return_exits_1_with_the_place(tmp_path: Path) -> None:
    root = _data(tmp_path)
    path = root / AUTHORITY / "2023" / "recruitment.csv"
    path.write_text("ethnicity,shortlisted,appointed\nIndian,10,12\n", encoding="utf-8")
    result = _invoke("-a", AUTHORITY, "-y", "2023", "-d", str(root))
    assert result.exit_code == 1
    assert "recruitment" in result.stderr and "appointed" in result.stderr


@pytest.mark.parametrize("disclosure", ["internal", "published"])
def test_json_is_the_reports_records_and_the_batchs_metrics_json(tmp_path: Path,
                                                                disclosure: str) -> None:
    """``--json`` computes the year alone (for speed); it must give exactly what report.load
    gives the reports and the batch writes to metrics.json."""
    from wres_tools.batch.state import results_json
    from wres_tools.reporting.report import load

    root = _data(tmp_path)
    write_return({"recruitment": pd.DataFrame({
        "ethnicity": ["Indian", "White British"], "shortlisted": [8, 300], "appointed": [1, 90],
    }), "workforce": pd.DataFrame({"ethnicity": ["Indian"], "pay_band": ["Band 1"],
                                   "headcount": [3]})}, root, AUTHORITY, 2022, "csv")
    result = _invoke("-a", AUTHORITY, "-y", "2023", "-d", str(root), "--json",
                     "--disclosure", disclosure)
    assert result.exit_code == 0, result.output
    expected = results_json(load(AUTHORITY, 2023, root, disclosure_mode=disclosure).results)
    assert result.stdout == expected + "\n"  # as before: echo ends the JSON's own last line


def test_json_for_a_year_without_a_return_is_a_usage_error(tmp_path: Path) -> None:
    result = _invoke("-a", AUTHORITY, "-y", "2019", "-d", str(_data(tmp_path)), "--json")
    assert result.exit_code == 2
    assert "no return for authority 'testshire' and year 2019" in " ".join(result.output.split())


def _imported_by(args: list[str], packages: tuple[str, ...]) -> tuple[str, list[str]]:
    """Run ``wres <args>`` in a fresh Python: what it printed and which of the packages (or
    modules: each with its submodules) it imported."""
    import subprocess
    import sys

    code = ("import sys; from wres_tools.cli import app\n"
            "try:\n"
            f"    app({args!r})\n"
            "except SystemExit as stop:\n"
            "    assert not stop.code, stop.code\n"
            f"print('IMPORTED', sorted(m for m in sys.modules if any(\n"
            f"    m == p or m.startswith(p + '.') for p in {packages!r})))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120).stdout
    printed, imported = out.rsplit("IMPORTED", 1)
    return printed, ast.literal_eval(imported)


def test_json_does_not_import_the_report_machinery(tmp_path: Path) -> None:
    """The speed of ``wres metrics --json`` is its imports: no charts, notebooks or report."""
    heavy = ("matplotlib", "papermill", "nbconvert", "nbformat", "wres_tools.reporting.report",
             "wres_tools.batch", "wres_tools.reporting.charts", "openpyxl")
    args = ["metrics", "-a", AUTHORITY, "-y", "2023", "-d", str(_data(tmp_path))]
    assert _imported_by([*args, "--json"], heavy)[1] == []


def test_json_for_a_demo_return_imports_neither_scipy_stats_nor_statsmodels(
        tmp_path: Path) -> None:
    """Their imports alone take about 0.7 s of the 2 s ``wres metrics`` may take for one return
    (issue 12): statistics.py has the same figures from scipy.special, and nothing else on the
    path may bring them back. The return is the one ``python -m benchmarks cli`` times."""
    from benchmarks.bench_cli import write_demo_return

    printed, imported = _imported_by([*write_demo_return(tmp_path), "--json"],
                                     ("scipy.stats", "statsmodels"))
    assert imported == []
    assert any(r["rl"] is not None for r in json.loads(printed))  # it computed its figures


def test_the_table_for_a_demo_return_imports_no_charts_and_no_scipy_stats(tmp_path: Path) -> None:
    """The table (``report.load`` and the terminal layout) needs no report section, chart or
    template: matplotlib and Jinja are imported where a report is built."""
    from benchmarks.bench_cli import write_demo_return

    printed, imported = _imported_by(write_demo_return(tmp_path), (
        "scipy.stats", "statsmodels", "matplotlib", "jinja2", "wres_tools.reporting.charts",
        "wres_tools.reporting.sections"))
    assert imported == []
    assert "Ashbury" in printed and "M2" in printed
