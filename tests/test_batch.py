"""The batch: reports, metrics.json and index for a data folder; failures isolated; unchanged work
skipped; parallel workers give the same bytes. Test notebooks are tiny ones made here."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from conftest import notebook_file
from nbformat.v4 import new_code_cell, new_notebook
from papermill.exceptions import PapermillExecutionError
from typer.testing import CliRunner

from wres_tools.batch.export import outside_references
from wres_tools.batch.index import _headline
from wres_tools.batch.plan import (
    Failure,
    plan_batch,
    report_label,
    report_notebooks,
    report_title,
    short_message,
    takes_authority,
)
from wres_tools.batch.run import run_batch, shared_folder
from wres_tools.batch.state import STATE_FILE, digest_paths, results_json
from wres_tools.evidence.manifest import METRICS_FILE
from wres_tools.paths import CACHE_DIR_ENV, KERNEL_NAME
from wres_tools.returns.writer import write_return

COUNT_COLUMNS = ("n_group", "events_group", "n_reference", "events_reference")
ASIAN = "Asian or Asian British"
BLACK = "Black, Black British, Caribbean or African"


def find(records: list[dict], metric: str, group: str, service: str = "all") -> dict:
    """The one result record of a metric, comparison group and service."""
    [record] = [r for r in records if (r["metric"], r["group"], r["service"]) == (metric, group,
                                                                                  service)]
    return record


# -- fixtures: a data folder of two small authorities and three notebooks -------------------------


def tables(minority_appointed: int = 12) -> dict[str, pd.DataFrame]:
    """One aggregate return: workforce, recruitment and disciplinary, no service split."""
    workforce = pd.DataFrame({
        "ethnicity": ["White", "White", ASIAN, ASIAN, BLACK, "Not stated"],
        "pay_band": ["Band A", "Band B", "Band A", "Band B", "Band A", "Band A"],
        "headcount": [400, 200, 80, 20, 60, 30],
    })
    recruitment = pd.DataFrame({
        "ethnicity": ["White", ASIAN, BLACK],
        "shortlisted": [100, 40, 30],
        "appointed": [30, minority_appointed, 3],  # Black: 3 appointed, a small number
    })
    disciplinary = pd.DataFrame({
        "ethnicity": ["White", ASIAN, BLACK],
        "entered": [6, 2, 4],
    })
    metadata = pd.DataFrame({"key": ["synthetic"], "value": ["true"]})
    return {"workforce": workforce, "recruitment": recruitment, "disciplinary": disciplinary,
            "metadata": metadata}


PARAMETERS = {
    "ashbury": "display_name: Ashbury Borough Council\npay_bands: [Band A, Band B]\n",
    "brockley": "display_name: Brockley City Council\npay_bands: [Band A, Band B]\n",
}


def make_notebook(path: Path, *sources: str, authority: bool = True) -> Path:
    params = ("authority = ''\n" if authority else "") + (
        "year = 0\ndata_dir = ''\nparameters_dir = ''\ndisclosure = 'published'")
    return notebook_file(path, *sources, parameters=params)


@pytest.fixture
def project(tmp_path):
    data = tmp_path / "data"
    for authority in ("ashbury", "brockley"):
        write_return(tables(), data, authority, 2023, "csv")
    write_return(tables(minority_appointed=10), data, "ashbury", 2022, "xlsx")
    (data / "parameters").mkdir()
    for authority, text in PARAMETERS.items():
        (data / "parameters" / f"{authority}.yml").write_text(text, encoding="utf-8")
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    make_notebook(notebooks / "summary.ipynb",
                  "print(f'Summary for {authority} {year} ({disclosure})')")
    make_notebook(notebooks / "m2_recruitment.ipynb",
                  "import matplotlib.pyplot as plt\n"
                  "fig, ax = plt.subplots(figsize=(2, 2)); ax.bar(['a', 'b'], [year % 7, 3])\n"
                  "plt.show()",
                  "if authority == 'brockley':\n"
                  "    raise ValueError('no recruitment table for ' + authority)")
    make_notebook(notebooks / "m10_extra.ipynb", "print('extra', year)")
    return {"data": data, "notebooks": notebooks, "out": tmp_path / "outputs"}


def run(project, **kwargs):
    kwargs.setdefault("notebooks", report_notebooks(project["notebooks"]))
    return run_batch(project["data"], project["out"], progress=False, **kwargs)


def pages(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and not any(part.startswith(".")  # no hidden state (.evidence)
                                       for part in p.relative_to(out).parts)}


# -- small pure parts -----------------------------------------------------------------------------


def test_report_order_labels_and_titles(tmp_path):
    for name in ("m9_senior.ipynb", "summary.ipynb", "m10_extra.ipynb", "m7b_managers.ipynb",
                 "m7a_colleagues.ipynb", "m1_pay_bands.ipynb", ".hidden.ipynb", "notes.ipynb"):
        make_notebook(tmp_path / name, "print(year)")
    make_notebook(tmp_path / "benchmarking.ipynb", "print(year)", authority=False)
    explore = tmp_path / "explore.ipynb"  # a notebook without a year is not a report
    nbformat.write(new_notebook(cells=[new_code_cell("data_dir = None",
                                                     metadata={"tags": ["parameters"]})]),
                   explore)
    order = [p.name for p in report_notebooks(tmp_path)]
    assert order == ["summary.ipynb", "m1_pay_bands.ipynb", "m7a_colleagues.ipynb",
                     "m7b_managers.ipynb", "m9_senior.ipynb", "m10_extra.ipynb",
                     "benchmarking.ipynb", "notes.ipynb"]
    assert not takes_authority(tmp_path / "benchmarking.ipynb")
    assert takes_authority(tmp_path / "summary.ipynb")
    assert report_label("m7a_colleagues") == "M7a" and report_label("summary") == "Summary"
    assert report_title("Ashbury", 2023, Path("m1_pay_bands.ipynb")) == (
        "Ashbury, 2023: M1 pay bands"
    )
    assert report_title("Ashbury", 2023, "summary") == "Ashbury, 2023: Summary"


def test_results_json_nulls_sorted_keys_and_plain_numbers():
    frame = pd.DataFrame({"rl": [0.5, float("nan")], "n_group": pd.array([3, None], dtype="Int64"),
                          "metric": ["M2", "M3"], "significant": [True, None]})
    text = results_json(frame)
    assert json.loads(text) == [
        {"metric": "M2", "n_group": 3, "rl": 0.5, "significant": True},
        {"metric": "M3", "n_group": None, "rl": None, "significant": None},
    ]
    assert text.index('"metric"') < text.index('"n_group"') < text.index('"rl"')
    assert "NaN" not in text


def test_headline_respects_suppression_and_status():
    def record(**kw):
        return {"metric": "M2", "service": "all", "group": "minority", "status": "ok",
                "rl": None, "rl_ci_low": None, "rl_ci_high": None, "suppressed": False} | kw

    assert _headline([record(rl=0.5234, rl_ci_low=0.41, rl_ci_high=0.666)], "M2") == \
        "0.52 (0.41 to 0.67)"
    # withheld is read from the record's own list, never guessed from the suppressed flag
    assert _headline([record(suppressed=True, withheld=["n_group", "rl"])], "M2") == \
        "not published: small numbers"
    assert _headline([record(suppressed=True, withheld=["unknown_pct"])], "M2") == \
        "not computable"
    assert _headline([record(status="not_collected")], "M2") == "not collected"
    assert _headline([record(status="not_computable")], "M2") == "not computable"
    # a child-services or Asian-group record is not the headline
    assert _headline([record(service="children", rl=2.0), record(group="asian", rl=2.0)],
                     "M2") == "—"


def test_index_marks_each_headline_columns_adverse_side_in_words_with_a_key(tmp_path):
    """M2 (appointment) is adverse when its RL is low, M3 and M8 when high
    (``METRICS[m].adverse_when``): each column header says so in words (its symbol hidden from
    screen readers), and a key line under the caption explains the marks."""
    from wres_tools.batch.index import build_index

    folder = tmp_path / "2023" / "ashbury"
    folder.mkdir(parents=True)
    (folder / STATE_FILE).write_text(json.dumps(
        {"authority": "ashbury", "year": 2023, "display_name": "Ashbury", "fingerprints": {}}))
    (folder / METRICS_FILE).write_text(json.dumps(
        [{"metric": "M2", "service": "all", "group": "minority", "status": "ok", "rl": 0.5234,
          "rl_ci_low": 0.41, "rl_ci_high": 0.666}]))
    page = build_index(tmp_path).read_text(encoding="utf-8")
    assert ('<th scope="col" class="num">M2 appointed from shortlisting (RL)<br>'
            '<span class="direction"><span aria-hidden="true">↓</span> adverse if below 1</span>'
            '</th>') in page
    assert ('<th scope="col" class="num">M3 entering disciplinary (RL)<br>'
            '<span class="direction"><span aria-hidden="true">↑</span> adverse if above 1</span>'
            '</th>') in page
    assert ('<th scope="col" class="num">M8 leaving (RL)<br>'
            '<span class="direction"><span aria-hidden="true">↑</span> adverse if above 1</span>'
            '</th>') in page
    assert ('all services.<br><span class="key">Adverse side of 1: ↓ below 1 (minority ethnic '
            'staff less likely than white staff) for M2; ↑ above 1 (minority ethnic staff more '
            'likely than white staff) for M3 and M8.</span></caption>') in page
    assert '<td class="num">0.52 (0.41 to 0.67)</td>' in page
    assert outside_references(page) == []


def test_short_message_keeps_first_lines_only():
    error = PapermillExecutionError(cell_index=3, exec_count=4, source="x", ename="KeyError",
                                    evalue="'pay_band'", traceback=["long"] * 50)
    assert short_message(error) == "cell 4: KeyError: 'pay_band'"
    long = RuntimeError("\n".join(f"line {i}" for i in range(10)))
    assert short_message(long) == ("RuntimeError: line 0\nline 1\nline 2\n"
                                   "  ... and 7 more line(s)")
    assert str(Failure("ashbury", 2023, "m1.ipynb", "boom")) == "ashbury 2023, m1.ipynb: boom"


def test_digest_changes_with_content_and_names_not_with_time(tmp_path):
    folder = tmp_path / "2023"
    folder.mkdir()
    (folder / "workforce.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    first = digest_paths([folder], tmp_path)
    (folder / "workforce.csv").write_text("a,b\n1,2\n", encoding="utf-8")  # rewritten, same bytes
    assert digest_paths([folder], tmp_path) == first
    (folder / "workforce.csv").write_text("a,b\n1,3\n", encoding="utf-8")
    assert digest_paths([folder], tmp_path) != first
    (folder / "workforce.csv").rename(folder / "leavers.csv")
    assert digest_paths([folder], tmp_path) != first
    # an absent file (an authority without a parameter file) counts, and differs from an empty one
    absent = digest_paths([tmp_path / "ashbury.yml"])
    (tmp_path / "ashbury.yml").write_text("", encoding="utf-8")
    assert digest_paths([tmp_path / "ashbury.yml"]) != absent


# -- the batch end to end -------------------------------------------------------------------------


@pytest.mark.slow
def test_batch_makes_pages_metrics_and_index_and_isolates_a_failure(project):
    result = run(project)
    out = project["out"]
    # 3 authority-years x 3 notebooks; brockley's m2 fails, the rest are made
    assert result.made == 8 and result.skipped == 0
    assert [(f.authority, f.year, f.notebook) for f in result.failures] == [
        ("brockley", 2023, "m2_recruitment.ipynb")
    ]
    assert result.failures[0].message == "cell 4: ValueError: no recruitment table for brockley"
    assert not (out / "2023" / "brockley" / "m2_recruitment.html").exists()
    assert not list(out.rglob("*.tmp"))  # no partial file anywhere
    for year, authority in ((2022, "ashbury"), (2023, "ashbury"), (2023, "brockley")):
        folder = out / str(year) / authority
        assert (folder / "summary.html").exists() and (folder / "m10_extra.html").exists()
        assert (folder / METRICS_FILE).exists() and (folder / STATE_FILE).exists()
    summary = (out / "2023" / "ashbury" / "summary.html").read_text(encoding="utf-8")
    assert "Summary for ashbury 2023 (published)" in summary
    assert "Synthetic data." in summary and "Internal use only." not in summary
    assert "<title>Ashbury Borough Council, 2023: Summary</title>" in summary
    # every page, the index included, is self-contained
    for page in out.rglob("*.html"):
        assert outside_references(page.read_text(encoding="utf-8")) == [], page
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<a href="2022/ashbury/m2_recruitment.html">M2</a>' in index
    assert '<a href="2023/brockley/summary.html">Summary</a>' in index
    assert "2023/brockley/m2_recruitment.html" not in index
    assert "1 report could not be made" in index
    assert "brockley 2023, m2_recruitment.ipynb: cell 4: ValueError" in index
    # the evidence files sit beside the reports, and the index links them
    for name in ("manifest.json", "results.csv", "results_dictionary.csv", "methods.html"):
        assert (out / name).is_file(), name
        assert f'<a href="{name}">' in index
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["options"]["disclosure"] is None and manifest["options"]["years"] == []
    assert {o["path"] for o in manifest["outputs"]} >= {
        "2022/ashbury/metrics.json", "2023/ashbury/metrics.json", "2023/brockley/metrics.json"}


@pytest.mark.slow
def test_reproduce_reruns_the_batch_from_its_manifest(project, tmp_path):
    from wres_tools.evidence.reproduce import reproduce

    run(project)
    report = reproduce(project["out"] / "manifest.json", tmp_path / "again", run_batch)
    assert report.differences == [] and report.changed_inputs == []
    assert report.changed_outputs == []
    # the batch's one failure (brockley's m2) is reported as such
    assert [p for p in report.batch_problems if "m2_recruitment" in p]


@pytest.mark.slow
def test_published_metrics_json_holds_no_small_count(project):
    run(project, notebooks=[])
    records = json.loads((project["out"] / "2023" / "ashbury" / METRICS_FILE).read_text("utf-8"))
    assert records and all(r["disclosure"] == "published" for r in records)
    for record in records:
        assert list(record) == sorted(record)
        for column in COUNT_COLUMNS:
            assert record[column] is None or record[column] == 0 or record[column] >= 5, record
    # Black applicants: 3 of 30 appointed; 3 is under the threshold of 5, so it is hidden
    black_m2 = find(records, "M2", "black")
    assert black_m2["events_group"] is None and black_m2["suppressed"] is True


@pytest.mark.slow
def test_internal_mode_shows_counts_and_carries_the_banner(project):
    result = run(project, disclosure="internal", authorities=["ashbury"], years=[2023])
    assert result.ok and result.made == 3
    folder = project["out"] / "2023" / "ashbury"
    assert "Internal use only." in (folder / "summary.html").read_text(encoding="utf-8")
    records = json.loads((folder / METRICS_FILE).read_text(encoding="utf-8"))
    black_m2 = find(records, "M2", "black")
    assert black_m2["events_group"] == 3 and black_m2["n_group"] == 30
    index = (project["out"] / "index.html").read_text(encoding="utf-8")
    assert "Internal use only." in index
    # Headline M2: minority (Asian + Black) 12 + 3 = 15 of 40 + 30 = 70 appointed, white 30 of
    # 100: RL = (15/70) / (30/100) = 0.714. Katz interval: SE of log RL =
    # sqrt(1/15 - 1/70 + 1/30 - 1/100) = 0.2752; exp(ln 0.714 -+ 1.96 * 0.2752) = 0.42 to 1.22.
    assert "0.71 (0.42 to 1.22)" in index


@pytest.mark.slow
def test_unchanged_work_is_skipped_and_changes_redo_only_what_they_touch(project):
    first = run(project)
    before = pages(project["out"])
    again = run(project)
    assert again.made == 0 and again.skipped == 8  # brockley's failed m2 is tried again
    assert [f.notebook for f in again.failures] == ["m2_recruitment.ipynb"]
    assert pages(project["out"]) == before
    # a changed notebook redoes that notebook for every authority-year, nothing else
    make_notebook(project["notebooks"] / "m10_extra.ipynb", "print('extra, edited', year)")
    edited = run(project)
    assert edited.made == 3 and edited.skipped == 5
    # a changed return redoes that authority's reports (every year: reports compare years)
    # and the other authorities' summaries of that year (their benchmark section reads it):
    # ashbury 2022 and 2023 x 3 notebooks = 6, brockley's 2023 summary = 1; brockley's m10
    # is all that is skipped
    brockley_summary = project["out"] / "2023" / "brockley" / "summary.html"
    brockley_extra = project["out"] / "2023" / "brockley" / "m10_extra.html"
    summary_made = brockley_summary.stat().st_mtime_ns
    extra_made = brockley_extra.stat().st_mtime_ns
    write_return(tables(minority_appointed=11), project["data"], "ashbury", 2023, "csv")
    changed = run(project)
    assert changed.made == 7 and changed.skipped == 1
    assert brockley_summary.stat().st_mtime_ns != summary_made
    assert brockley_extra.stat().st_mtime_ns == extra_made
    # a deleted page is made again
    (project["out"] / "2023" / "ashbury" / "summary.html").unlink()
    assert run(project).made == 1
    # --force redoes everything
    forced = run(project, force=True)
    assert forced.made == first.made == 8 and forced.skipped == 0


@pytest.mark.slow
def test_a_bad_return_is_reported_and_its_old_pages_removed(project):
    assert run(project).made == 8
    bad = tables()
    bad["recruitment"].loc[0, "appointed"] = 500  # more appointed than shortlisted
    write_return(bad, project["data"], "ashbury", 2023, "csv")
    result = run(project)
    failures = [(f.authority, f.year, f.notebook) for f in result.failures]
    assert ("ashbury", 2023, "return") in failures
    message = next(f.message for f in result.failures if f.notebook == "return")
    assert "recruitment" in message and "problem" in message
    folder = project["out"] / "2023" / "ashbury"
    assert not list(folder.glob("*.html"))  # no stale page stands in for the failed ones
    assert (project["out"] / "2022" / "ashbury" / "summary.html").exists()


@pytest.mark.slow
def test_timeout_in_a_batch_fails_that_report_only(project):
    make_notebook(project["notebooks"] / "m3_slow.ipynb", "import time\ntime.sleep(60)")
    result = run(project, timeout=2, authorities=["ashbury"], years=[2023])
    assert [(f.notebook, f.message) for f in result.failures] == [
        ("m3_slow.ipynb", "ran past its time limit and was stopped")
    ]
    assert result.made == 3  # summary, m2 and m10 on the restarted kernel


@pytest.mark.slow
def test_two_workers_give_the_same_bytes_as_one(project, tmp_path):
    # a page limit far above any machine's: a loaded runner once timed a page out here and the
    # failure count, not the bytes, differed
    one = run(project, timeout=900)
    serial = pages(project["out"])
    project["out"] = tmp_path / "parallel"
    two = run(project, jobs=2, timeout=900)
    assert two.made == one.made == 8 and len(two.failures) == 1, (one.failures, two.failures)
    parallel = pages(project["out"])
    assert sorted(parallel) == sorted(serial)
    assert [name for name in serial if parallel[name] != serial[name]] == []


@pytest.mark.slow
def test_notebooks_without_authority_run_once_a_year_across_authorities(project):
    make_notebook(project["notebooks"] / "benchmarking.ipynb",
                  "import os\n"
                  "names = sorted(a for a in os.listdir(data_dir)\n"
                  "               if a != 'parameters' and not a.startswith('.'))\n"
                  "print('across', year, names)",
                  authority=False)
    result = run(project)
    out = project["out"]
    assert result.made == 8 + 2  # the 8 of the first test, and one page for each of 2 years
    assert not list(out.glob("*/*/benchmarking.html"))
    page = (out / "2023" / "benchmarking.html").read_text(encoding="utf-8")
    assert "across 2023 [&#39;ashbury&#39;, &#39;brockley&#39;]" in page
    assert "<title>All authorities, 2023: Benchmarking</title>" in page
    assert '<a href="../index.html">All reports</a>' in page
    assert "Synthetic data." in page  # every return of 2023 is synthetic
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Across authorities" in index
    assert '<a href="2022/benchmarking.html">Benchmarking</a>' in index
    assert '<a href="2023/benchmarking.html">Benchmarking</a>' in index
    again = run(project)
    assert again.made == 0 and again.skipped == 10  # brockley's m2 fails again, nothing else runs
    # one authority chosen: the reports across authorities are neither run nor counted
    chosen = run(project, authorities=["ashbury"], force=True)
    assert chosen.made == 6 and chosen.skipped == 0


@pytest.mark.slow
def test_plan_counts_reports_and_skips(project):
    notebooks = report_notebooks(project["notebooks"])
    plan = plan_batch(project["data"], project["out"], notebooks=notebooks)
    assert plan.reports == 9 and plan.skipped == 0 and len(plan.jobs) == 3
    assert {(j.authority, j.year, j.disclosure, j.timeout) for j in plan.jobs} == {
        ("ashbury", 2022, "published", 600), ("ashbury", 2023, "published", 600),
        ("brockley", 2023, "published", 600),
    }


@pytest.mark.slow
def test_cli_run_exits_non_zero_on_failure_and_says_what_it_skipped(project):
    from wres_tools import cli

    args = ["run", "--data-dir", str(project["data"]), "--out", str(project["out"]),
            "--notebooks", str(project["notebooks"]), "--no-progress"]
    first = CliRunner().invoke(cli.app, args)
    assert first.exit_code == 1, first.output
    assert "brockley 2023, m2_recruitment.ipynb: cell 4: ValueError" in first.output
    assert "made 8 reports" in first.output
    second = CliRunner().invoke(cli.app, args + ["--authority", "ashbury"])
    assert second.exit_code == 0, second.output
    assert "skipped 6 unchanged reports; --force to redo" in second.output
    unknown = CliRunner().invoke(cli.app, args + ["--authority", "nowhere"])
    assert unknown.exit_code == 2 and "nowhere" in unknown.output


# -- the project's own notebooks through the batch ------------------------------------------------

ID_PREFIX = "ID-ZQX-"  # in no output; "-" is not a base64 letter, so no chart matches it


def record_level_tables(seed: int = 7) -> dict[str, pd.DataFrame]:
    """A record-level return with identifiers, two services and some small groups."""
    rng = np.random.default_rng(seed)
    labels = ["White", "White", "White", "Indian", "African", "White and Asian", "Arab",
              "Not stated"]
    n = 240
    staff = pd.DataFrame({
        "staff_id": [f"{ID_PREFIX}{i:05d}" for i in range(n)],
        "service": rng.choice(["adults", "children"], n),
        "ethnicity": rng.choice(labels, n),
        "pay_band": rng.choice(["Band A", "Band B"], n, p=[0.7, 0.3]),
        "senior_manager": rng.binomial(1, 0.05, n),
        "registered": rng.binomial(1, 0.4, n),
        "disciplinary": rng.binomial(1, 0.04, n),
        "cpd": rng.binomial(1, 0.5, n),
        "left": rng.binomial(1, 0.12, n),
    })
    staff["ftp"] = staff["registered"] * rng.binomial(1, 0.05, n)
    m = 150
    applications = pd.DataFrame({
        "application_id": [f"{ID_PREFIX}A{i:04d}" for i in range(m)],
        "service": rng.choice(["adults", "children"], m),
        "ethnicity": rng.choice(labels, m),
        "shortlisted": 1,
    })
    applications["appointed"] = rng.binomial(1, 0.3, m)
    r = 180
    survey = pd.DataFrame({
        "respondent_id": [f"{ID_PREFIX}R{i:04d}" for i in range(r)],
        "service": rng.choice(["adults", "children"], r),
        "ethnicity": rng.choice(labels, r),
        **{q: rng.choice(["yes", "no", ""], r, p=[0.2, 0.7, 0.1])
           for q in ("public", "colleagues", "managers")},
    })
    return {"staff": staff, "applications": applications, "survey_responses": survey,
            "metadata": pd.DataFrame({"key": ["synthetic"], "value": ["true"]})}


@pytest.fixture(scope="module")
def real_batch(tmp_path_factory):
    """The project's notebooks run by the batch on a record-level fixture authority, 2 years."""
    root = tmp_path_factory.mktemp("real")
    data = root / "data"
    write_return(record_level_tables(7), data, "fixtureton", 2022, "csv")
    write_return(record_level_tables(8), data, "fixtureton", 2023, "xlsx")
    (data / "parameters").mkdir()
    (data / "parameters" / "fixtureton.yml").write_text(
        "display_name: Fixtureton Council\npay_bands: [Band A, Band B]\n"
        "senior_bands: [Band B]\n", encoding="utf-8")
    result = run_batch(data, root / "outputs", years=[2023], progress=False)
    return {"data": data, "out": root / "outputs", "result": result}


@pytest.mark.slow
def test_project_notebooks_make_every_report(real_batch):
    result, out = real_batch["result"], real_batch["out"]
    notebooks = report_notebooks()
    per_authority = [nb for nb in notebooks if takes_authority(nb)]
    per_year = [nb for nb in notebooks if nb not in per_authority]
    assert len(per_authority) == 10  # summary and the nine metric reports
    assert result.failures == [] and result.made == len(notebooks)  # one authority, one year
    folder = out / "2023" / "fixtureton"
    assert sorted(p.name for p in folder.glob("*.html")) == sorted(
        f"{nb.stem}.html" for nb in per_authority)
    assert sorted(p.name for p in (out / "2023").glob("*.html")) == sorted(
        f"{nb.stem}.html" for nb in per_year)
    for page in out.rglob("*.html"):
        assert outside_references(page.read_text(encoding="utf-8")) == [], page


@pytest.mark.slow
def test_published_outputs_hold_no_identifier_and_no_small_count(real_batch):
    from wres_tools import metrics
    from wres_tools.parameters import load_parameters
    from wres_tools.returns.find import ReturnRef
    from wres_tools.returns.load import load_return

    # the fixture has small counts to hide: internally some count is from 1 to 4
    params = load_parameters("fixtureton", real_batch["data"] / "parameters")
    ref = ReturnRef.from_path(real_batch["data"] / "fixtureton" / "2023.xlsx")
    internal = metrics.compute_all(load_return(ref, params), params)[list(COUNT_COLUMNS)]
    internal = internal.apply(pd.to_numeric)
    assert ((internal >= 1) & (internal < 5)).to_numpy().any()
    out = real_batch["out"]
    for path in out.rglob("*"):
        if path.suffix == ".parquet":  # compressed: read its every cell as text
            cells = [str(c) for c in pd.read_parquet(path).to_numpy().ravel()]
            assert not [c for c in cells if ID_PREFIX in c], path
        elif path.is_file():
            assert ID_PREFIX not in path.read_text(encoding="utf-8"), path
    records = json.loads((out / "2023" / "fixtureton" / METRICS_FILE).read_text("utf-8"))
    assert {r["disclosure"] for r in records} == {"published"}
    for record in records:
        for column in COUNT_COLUMNS:
            assert record[column] is None or record[column] == 0 or record[column] >= 5, record


@pytest.mark.slow
@pytest.mark.parametrize(
    "stem", ["summary", "m1_pay_bands", "m7_harassment_colleagues", "benchmarking", "national"]
)
def test_project_report_from_the_pool_equals_one_from_a_fresh_kernel(real_batch, stem):
    """papermill's default (a new kernel for this notebook alone) gives the same page bytes."""
    import papermill

    from wres_tools.batch.export import banners_for, notebook_html, report_navigation
    from wres_tools.paths import NOTEBOOKS_DIR

    data = real_batch["data"]
    notebook = NOTEBOOKS_DIR / f"{stem}.ipynb"
    parameters = {"authority": "fixtureton", "year": 2023, "data_dir": str(data.resolve()),
                  "parameters_dir": str((data / "parameters").resolve()),
                  "disclosure": "published"}
    if takes_authority(notebook):
        made = real_batch["out"] / "2023" / "fixtureton" / f"{stem}.html"
        title = report_title("Fixtureton Council", 2023, notebook)
    else:
        del parameters["authority"]
        made = real_batch["out"] / "2023" / f"{stem}.html"
        title = report_title("All authorities", 2023, notebook)
    fresh = papermill.execute_notebook(
        str(notebook), None, kernel_name=KERNEL_NAME, progress_bar=False, cwd=str(NOTEBOOKS_DIR),
        parameters=parameters,
    )
    year_pages = [f"{nb.stem}.html" for nb in report_notebooks() if not takes_authority(nb)]
    nav = report_navigation(2023, year_pages, current=f"{stem}.html",
                            across_authorities=not takes_authority(notebook))
    page = notebook_html(fresh, title=title, banners=banners_for("published", True), nav=nav)
    assert page == made.read_text(encoding="utf-8")


@pytest.mark.slow
def test_the_kernels_share_one_private_folder_that_goes_with_the_batch(project, tmp_path):
    make_notebook(project["notebooks"] / "m11_shared.ipynb",
                  "import os, stat\nfrom pathlib import Path\n"
                  f"shared = os.environ.get({CACHE_DIR_ENV!r})\n"
                  "mode = oct(stat.S_IMODE(Path(shared).stat().st_mode)) if shared else None\n"
                  "print('shared folder', shared, mode)")
    run(project, jobs=2)
    printed = [re.search(r"shared folder (\S+) (\S+)", page.read_text(encoding="utf-8"))
               for page in project["out"].rglob("m11_shared.html")]
    assert len(printed) == 3 and {m.group(2) for m in printed} == {"0o700"}
    folders = {m.group(1) for m in printed}
    assert len(folders) == 1 and not Path(folders.pop()).exists()
    # one worker: its kernel's memory holds every return, so nothing goes to disk
    project["out"] = tmp_path / "serial"
    run(project, jobs=1)
    pages = list(project["out"].rglob("m11_shared.html"))
    assert len(pages) == 3
    assert all("shared folder None None" in p.read_text(encoding="utf-8") for p in pages)


def test_folders_of_batches_that_were_killed_are_removed(tmp_path, monkeypatch):
    import subprocess
    import tempfile


    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    orphan = tmp_path / f"wres-batch-{dead.pid}-abc"
    orphan.mkdir(mode=0o700)
    (orphan / "x.pickle").write_bytes(b"internal results")
    alive = tmp_path / f"wres-batch-{os.getpid()}-def"  # this process: still running
    alive.mkdir(mode=0o700)
    other = tmp_path / "wres-batch-notes"  # not a batch's folder
    other.mkdir()
    with shared_folder() as shared:
        assert Path(shared).parent == tmp_path and Path(shared).is_dir()
        assert oct(Path(shared).stat().st_mode & 0o777) == "0o700"
        assert not orphan.exists() and alive.is_dir() and other.is_dir()
    assert not Path(shared).exists()


@pytest.mark.slow
def test_a_terminated_batch_removes_its_shared_folder(project, tmp_path):
    """SIGTERM (a scheduler's stop) must not leave internal results in the temporary folder."""
    import signal
    import subprocess
    import time

    temp = tmp_path / "tmp"
    temp.mkdir()
    make_notebook(project["notebooks"] / "m12_slow.ipynb", "import time\ntime.sleep(60)")
    env = {**os.environ, "TMPDIR": str(temp)}
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "wres"), "run", "--data-dir", str(project["data"]),
         "--out", str(project["out"]), "--notebooks", str(project["notebooks"]), "--jobs", "2",
         "--no-progress"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while not list(temp.glob("wres-batch-*")) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert list(temp.glob("wres-batch-*")), "the batch never made its shared folder"
    time.sleep(8)  # the workers are in the slow notebook
    process.send_signal(signal.SIGTERM)
    stopped = time.monotonic()
    process.wait(timeout=120)
    assert process.returncode == 128 + signal.SIGTERM
    assert time.monotonic() - stopped < 30  # not after the running jobs (a minute's sleep) end
    assert list(temp.glob("wres-batch-*")) == []


def _mark_done(plan) -> None:
    """Record every job of ``plan`` as made, as a run would: its pages and its state file."""
    from wres_tools.batch.run import write_state

    for job in plan.jobs:
        job.out_dir.mkdir(parents=True, exist_ok=True)
        for name in job.fingerprints:
            (job.out_dir / name).write_text("made\n", encoding="utf-8")
        assert write_state(job, job.fingerprints, job.who, synthetic=True) is None


def test_a_changed_return_remakes_the_year_pages_of_its_year_and_later_only(tmp_path):
    """Year-wide pages of year Y rest on the returns of years <= Y (benchmarking reads Y, the
    national page Y and the years before it for its trend): a 2023 change leaves the 2021 and
    2022 year pages standing, a 2021 change re-makes all three. Of the other authority's pages
    only its summary of the changed year is re-made (its benchmark section places it among
    every authority of that year); its metric pages and other years stay."""
    data = tmp_path / "data"
    for year in (2021, 2022, 2023):
        for authority in ("ashbury", "brockley"):
            write_return(tables(), data, authority, year, "csv")
    (data / "parameters").mkdir()
    for authority, text in PARAMETERS.items():
        (data / "parameters" / f"{authority}.yml").write_text(text, encoding="utf-8")
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    make_notebook(notebooks / "summary.ipynb", "print(authority)")
    make_notebook(notebooks / "m3_leaving.ipynb", "print(authority)")
    make_notebook(notebooks / "benchmarking.ipynb", "print(year)", authority=False)
    chosen = report_notebooks(notebooks)
    out = tmp_path / "outputs"

    first = plan_batch(data, out, notebooks=chosen)
    assert first.reports == 6 * 2 + 3
    _mark_done(first)
    assert plan_batch(data, out, notebooks=chosen).reports == 0

    def remade(year: int, authority: str) -> dict[tuple[str | None, int], set[str]]:
        write_return(tables(minority_appointed=20 + year % 10), data, authority, year, "csv")
        plan = plan_batch(data, out, notebooks=chosen)
        _mark_done(plan)
        return {(job.authority, job.year): {nb.stem for nb in job.notebooks}
                for job in plan.jobs}

    both, summary, year_page = {"summary", "m3_leaving"}, {"summary"}, {"benchmarking"}
    # brockley's own authority-years rest on all its years (the change over time)
    assert remade(2023, "brockley") == {("brockley", 2021): both, ("brockley", 2022): both,
                                        ("brockley", 2023): both, ("ashbury", 2023): summary,
                                        (None, 2023): year_page}
    assert remade(2022, "ashbury") == {("ashbury", 2021): both, ("ashbury", 2022): both,
                                       ("ashbury", 2023): both, ("brockley", 2022): summary,
                                       (None, 2022): year_page, (None, 2023): year_page}
    assert remade(2021, "brockley") == {("brockley", 2021): both, ("brockley", 2022): both,
                                        ("brockley", 2023): both, ("ashbury", 2021): summary,
                                        (None, 2021): year_page, (None, 2022): year_page,
                                        (None, 2023): year_page}


def test_a_changed_parameter_file_remakes_every_summary_of_the_batch(tmp_path):
    """The summaries' benchmark section names the other authorities from their parameter
    files: one authority's changed display name re-makes every summary, and only its own
    metric pages."""
    data = tmp_path / "data"
    for authority in ("ashbury", "brockley"):
        write_return(tables(), data, authority, 2023, "csv")
    (data / "parameters").mkdir()
    for authority, text in PARAMETERS.items():
        (data / "parameters" / f"{authority}.yml").write_text(text, encoding="utf-8")
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    make_notebook(notebooks / "summary.ipynb", "print(authority)")
    make_notebook(notebooks / "m3_leaving.ipynb", "print(authority)")
    chosen = report_notebooks(notebooks)
    out = tmp_path / "outputs"
    _mark_done(plan_batch(data, out, notebooks=chosen))
    path = data / "parameters" / "brockley.yml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# renamed\n", encoding="utf-8")
    plan = plan_batch(data, out, notebooks=chosen)
    assert {(job.authority, tuple(nb.stem for nb in job.notebooks)) for job in plan.jobs} == {
        ("ashbury", ("summary",)), ("brockley", ("summary", "m3_leaving"))}


def test_the_notebooks_that_read_their_year_are_the_ones_showing_a_benchmark():
    """READS_THE_YEAR must name every per-authority notebook whose page shows the year's
    benchmark (the summary's benchmark section), or its page goes stale when another
    authority's return changes."""
    from wres_tools.batch.plan import READS_THE_YEAR

    showing = set()
    for notebook in report_notebooks():
        if not takes_authority(notebook):
            continue
        code = "\n".join(c.source for c in nbformat.read(notebook, as_version=4).cells
                         if c.cell_type == "code")
        if '"benchmark"' in code or "year_benchmark" in code or "summary_view" in code:
            showing.add(notebook.stem)
    assert showing == set(READS_THE_YEAR) == {"summary"}
