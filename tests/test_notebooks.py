"""The report notebooks: thin, output-free, on the project kernel, and each runs through papermill
on a small fixture authority to a report that holds its headline sentence."""

from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
import pytest
from report_data import AUTHORITY, write_fixture

from wres_tools import disclosure
from wres_tools.paths import KERNEL_NAME, NOTEBOOKS_DIR
from wres_tools.reporting import narrative, report
from wres_tools.reporting.data import NOTEBOOKS, SYNTHETIC_BANNER
from wres_tools.reporting.report import load

#: The report notebooks (the folder may hold others, e.g. benchmarking, tested by their owners).
NOTEBOOK_FILES = [NOTEBOOKS_DIR / f"{stem}.ipynb" for stem in NOTEBOOKS]
PARAMETERS = ("authority", "year", "data_dir", "parameters_dir", "disclosure", "with_charts")


def read(path: Path) -> nbformat.NotebookNode:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    return notebook


def code_cells(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in notebook.cells if c.cell_type == "code"]


def test_there_is_a_notebook_for_every_report() -> None:
    missing = [p.name for p in NOTEBOOK_FILES if not p.is_file()]
    assert not missing, f"report notebooks missing from notebooks/: {missing}"


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.stem)
def test_notebook_is_committed_clean_on_the_project_kernel(path: Path) -> None:
    notebook = read(path)
    assert notebook.metadata.kernelspec.name == KERNEL_NAME
    for cell in code_cells(notebook):
        assert cell.outputs == [] and cell.execution_count is None, "strip outputs before commit"
    tagged = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0].cell_type == "code"
    names = re.findall(r"^(\w+) = ", tagged[0].source, re.M)
    assert tuple(names) == PARAMETERS


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.stem)
def test_notebook_holds_no_logic_and_asks_for_its_own_metrics(path: Path) -> None:
    notebook = read(path)
    source = "\n".join(c.source for c in code_cells(notebook))
    assert not re.findall(r"^\s*(for |while |def |class |if )|\.groupby\(|\.merge\(|\.pivot",
                          source, re.M)
    body = [c for c in code_cells(notebook) if "parameters" not in c.metadata.get("tags", [])
            and c.get("id") != "numbers"]
    assert all(re.fullmatch(r"(from wres_tools\.reporting import report\n\n"
                            r"view = report\.\w+\((.|\n)*\)\n)?"
                            r"view\.show\(.*\)", c.source) for c in body)
    if path.stem == "summary":
        assert "report.summary_view(" in source
    else:
        asked = re.search(r"data_dir, ((?:\"M\w+\", )+)disclosure", source).group(1)
        assert tuple(re.findall(r'"(M\w+)"', asked)) == NOTEBOOKS[path.stem]


def numbers_source(stem: str) -> str:
    """The last cell of a metric notebook: the frames of its metrics, for the analyst."""
    return ("data = report.load(authority, year, data_dir, disclosure_mode=disclosure,\n"
            "                   parameters_dir=parameters_dir)\n"
            + "\n".join(f'{m.lower()} = data.metric("{m}")'
                        for m in NOTEBOOKS[stem]))


METRIC_NOTEBOOKS = [p for p in NOTEBOOK_FILES if p.stem != "summary"]


@pytest.mark.parametrize("path", METRIC_NOTEBOOKS, ids=lambda p: p.stem)
def test_a_metric_notebook_ends_with_how_to_get_the_numbers(path: Path) -> None:
    notebook = read(path)
    how, numbers = notebook.cells[-2:]
    assert (how.cell_type, how.id, numbers.cell_type, numbers.id) == (
        "markdown", "numbers-how", "code", "numbers")
    assert how.metadata.tags == numbers.metadata.tags == ["remove-cell"]  # not in the report
    assert numbers.source == numbers_source(path.stem)
    first = NOTEBOOKS[path.stem][0]
    assert f'disclosure_mode="internal").metric("{first}")' in how.source


@pytest.fixture(scope="module")
def fixture_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_fixture(tmp_path_factory.mktemp("notebooks") / "data")


def expected_headline(stem: str, data_dir: Path) -> str:
    published = load(AUTHORITY, 2025, data_dir)
    if stem == "summary":
        return narrative.headline(published.metric("M2"))
    metric = NOTEBOOKS[stem][0]
    records = published.metric(metric)
    if (records["status"] == "not_collected").all():
        return narrative.not_collected(metric)
    return narrative.headline(records)


def run(path: Path, data_dir: Path, out_dir: Path, **parameters: object) -> str:
    """Execute a notebook with papermill on the project kernel; the HTML it displayed."""
    import papermill

    output = out_dir / path.name
    papermill.execute_notebook(
        str(path), str(output), kernel_name=KERNEL_NAME, progress_bar=False, cwd=str(out_dir),
        parameters={"authority": AUTHORITY, "year": 2025, "data_dir": str(data_dir),
                    **parameters},
    )
    executed = read(output)
    assert not [o for c in code_cells(executed) for o in c.outputs if o.output_type == "error"]
    return "".join(o.get("data", {}).get("text/html", "") for c in code_cells(executed)
                   for o in c.outputs)


def table_counts(markup: str) -> list[int]:
    """Every whole number standing alone in a table cell ("12", "1,234", "18 / 122", "9 of 45")."""
    numbers = []
    for cell in re.findall(r"<t[dh][^>]*>([^<]*)</t[dh]>", markup):
        for part in re.split(r" / | of ", html.unescape(cell)):
            if re.fullmatch(r"[\d,]+", part.strip()):
                numbers.append(int(part.strip().replace(",", "")))
    return numbers


#: Headlines worked out by hand from tests/report_data.py (all services, 2025), Katz interval
#: exp(ln RL +/- 1.96 * sqrt(1/a - 1/n1 + 1/c - 1/n2)):
#: M2: 10 of 40 minority appointed (0.25), 60 of 150 white (0.40): RL 0.625, printed 0.62;
#:     SE = sqrt(1/10 - 1/40 + 1/60 - 1/150) = sqrt(0.085) = 0.2916; exp(1.96 * 0.2916) = 1.771:
#:     0.625 / 1.771 = 0.353 and 0.625 * 1.771 = 1.107; 0.625 is nearest 3/5 of the fractions.
#:     Fisher's p on [[10, 30], [60, 90]] = 0.098 (scipy's fisher_exact): not significant, and
#:     the sentence says so.
#: M3: 9 of 45 minority (0.20), 12 of 180 white (0.0667): RL 3.00;
#:     SE = sqrt(1/9 - 1/45 + 1/12 - 1/180) = sqrt(0.1667) = 0.4082; exp(1.96 * 0.4082) = 2.226:
#:     3 / 2.226 = 1.35 and 3 * 2.226 = 6.68. Fisher's p on [[9, 36], [12, 168]] = 0.018.
HAND_HEADLINES = {
    "m2_appointment": "Minority ethnic applicants were 0.62 times as likely as white applicants "
                      "to be appointed from shortlisting (95% CI 0.35 to 1.11): about three "
                      "fifths as likely, but the difference is not statistically significant.",
    "m3_disciplinary": "Minority ethnic staff were 3.00 times as likely as white staff to enter "
                       "the formal disciplinary process (95% CI 1.35 to 6.68): about three times "
                       "as likely.",
}


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.stem)
def test_notebook_runs_through_papermill(path: Path, fixture_dir: Path, tmp_path: Path) -> None:
    shown = run(path, fixture_dir, tmp_path)
    assert html.escape(expected_headline(path.stem, fixture_dir)) in shown
    if path.stem in HAND_HEADLINES:
        assert f"<strong>{html.escape(HAND_HEADLINES[path.stem])}</strong>" in shown
    assert html.escape(SYNTHETIC_BANNER) in shown  # the fixture says synthetic: true
    assert html.escape(disclosure.BANNER_INTERNAL) not in shown
    counts = table_counts(shown)
    assert not [n for n in counts if 1 <= n < 5], "a published table shows a small count"


@pytest.mark.slow
def test_internal_mode_shows_the_small_counts_under_a_banner(fixture_dir: Path,
                                                             tmp_path: Path) -> None:
    shown = run(NOTEBOOKS_DIR / "m2_appointment.ipynb", fixture_dir, tmp_path,
                disclosure="internal", with_charts=False)
    assert html.escape(disclosure.BANNER_INTERNAL) in shown
    assert "<img" not in shown
    # children's Mixed group: 1 of 2 appointed, shown exactly in internal mode only
    assert 1 in table_counts(shown) and 2 in table_counts(shown)


def test_the_numbers_cell_gives_the_reports_records_with_numeric_columns(
        fixture_dir: Path) -> None:
    namespace = {"report": report, "authority": AUTHORITY, "year": 2025,
                 "data_dir": fixture_dir, "disclosure": None, "parameters_dir": None}
    exec(numbers_source("m2_appointment"), namespace)
    m2 = namespace["m2"]
    published = load(AUTHORITY, 2025, fixture_dir).metric("M2")
    assert m2.shape == published.shape and (m2["metric"] == "M2").all()
    assert {c: str(m2[c].dtype) for c in ("year", "n_reference", "rl", "p_value")} == {
        "year": "Int64", "n_reference": "Int64", "rl": "Float64", "p_value": "Float64"}
    minority = m2[(m2["service"] == "all") & (m2["group"] == "minority")]
    assert minority["rl"].round(3).tolist() == [0.625]  # 10 of 40 against 60 of 150
