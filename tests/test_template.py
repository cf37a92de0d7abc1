"""``wres template``: the fill-in workbook. Filled with a demo return's figures it validates clean
and gives the same ``wres metrics --json`` as the same figures in CSV form; its dropdowns and
number checks are the contract's; LibreOffice reads it (where soffice is installed)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from wres_tools.cli import app
from wres_tools.contract import METADATA_TABLE, TEMPLATE_SHEETS
from wres_tools.demo import synth
from wres_tools.ethnicity import classify
from wres_tools.parameters import check_parameters
from wres_tools.returns.find import ReturnRef
from wres_tools.returns.template import ethnicity_choices
from wres_tools.returns.validate import validate_return
from wres_tools.returns.writer import write_return

runner = CliRunner()
YEAR = 2023
SPECS = {spec.slug: spec for spec in synth.AUTHORITIES}


def _root(tmp_path: Path, name: str, slug: str) -> Path:
    """A data folder holding the demo authority's parameter file."""
    root = tmp_path / name
    (root / "parameters").mkdir(parents=True)
    (root / "parameters" / f"{slug}.yml").write_text(
        synth.parameters_yaml(SPECS[slug]), encoding="utf-8")
    return root


def _template(root: Path, slug: str, *options: str) -> Path:
    out = root / "template.xlsx"
    result = runner.invoke(app, ["template", "-a", slug, "-y", str(YEAR), "-o", str(out),
                                 "--parameters-dir", str(root / "parameters"), *options])
    assert result.exit_code == 0, result.output
    return out


def fill(template: Path, tables: dict[str, pd.DataFrame], out: Path) -> Path:
    """Type each table's rows under the template's header, as an analyst pastes them (a column
    the template does not have, such as an own headcount, is added after its headers)."""
    wb = openpyxl.load_workbook(template)
    for name, frame in tables.items():
        ws = wb[name]
        header = [c.value for c in ws[1]]
        for column in frame.columns:
            if column not in header:
                header.append(column)
                ws.cell(row=1, column=len(header), value=column)
        assert set(header) == set(frame.columns), name
        for r, record in enumerate(frame.to_dict("records"), start=2):
            for c, column in enumerate(header, start=1):
                value = record[column]
                ws.cell(row=r, column=c, value=None if pd.isna(value) else value)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def _metrics_json(root: Path, slug: str) -> str:
    result = runner.invoke(app, ["metrics", "-a", slug, "-y", str(YEAR), "-d", str(root),
                                 "--json"])
    assert result.exit_code == 0, result.output
    return result.stdout


def _filled_and_csv(tmp_path: Path, slug: str, *options: str) -> tuple[Path, Path]:
    tables = synth.authority_return(SPECS[slug], YEAR)
    tables.pop(METADATA_TABLE)
    csv_root = _root(tmp_path, "csv", slug)
    write_return(tables, csv_root, slug, YEAR, "csv")
    xlsx_root = _root(tmp_path, "xlsx", slug)
    fill(_template(xlsx_root, slug, *options), tables, xlsx_root / slug / f"{YEAR}.xlsx")
    return xlsx_root, csv_root


@pytest.mark.parametrize(
    ("slug", "options"),
    [("ashbury", ()), ("otterholme", ("--record-level",)),
     ("harrowmere", ("--no-service-split",)), ("larkspur-downs", ())],
)
def test_a_filled_template_validates_clean_and_gives_the_csv_forms_metrics(
    tmp_path: Path, slug: str, options: tuple[str, ...]
) -> None:
    xlsx_root, csv_root = _filled_and_csv(tmp_path, slug, *options)
    params, _ = check_parameters(slug, xlsx_root / "parameters")
    report = validate_return(ReturnRef.from_path(xlsx_root / slug / f"{YEAR}.xlsx"), params)
    assert report.errors == []
    # no notice about the template's own sheets, nor about a table it holds
    assert not [p for p in report.notices if "not a table" in p.message]
    from_template = _metrics_json(xlsx_root, slug)
    assert from_template == _metrics_json(csv_root, slug)
    assert '"status": "ok"' in from_template


def _validations(ws) -> dict[str, object]:
    """First cell range's column letter -> its data validation."""
    return {str(dv.sqref).split(":")[0].rstrip("0123456789"): dv
            for dv in ws.data_validations.dataValidation}


def test_sheets_headers_dropdowns_and_number_checks(tmp_path: Path) -> None:
    root = _root(tmp_path, "data", "ashbury")
    wb = openpyxl.load_workbook(_template(root, "ashbury"))
    assert wb.sheetnames == [
        "instructions", "workforce", "recruitment", "disciplinary", "fitness_to_practise", "cpd",
        "survey", "leavers", "senior_management", "population", "action_plan", "lists"]
    assert wb["lists"].sheet_state == "hidden"
    headers = {ws.title: [c.value for c in ws[1]] for ws in wb.worksheets
               if ws.title not in TEMPLATE_SHEETS}
    assert headers["workforce"] == ["service", "ethnicity", "pay_band", "headcount"]
    assert headers["survey"] == ["service", "ethnicity", "question", "respondents", "yes"]
    assert headers["leavers"] == ["service", "ethnicity", "left"]
    assert headers["population"] == ["ethnicity", "share"]
    workforce = _validations(wb["workforce"])
    assert workforce["A"].formula1 == "lists!$B$2:$B$3"  # adults, children
    assert workforce["B"].formula1 == "lists!$A$2:$A$26"  # 19 categories, 5 groups, Not stated
    assert workforce["B"].errorStyle == "warning"  # other accepted labels may be typed
    assert workforce["C"].formula1 == "lists!$F$2:$F$13"  # the 12 grades of the parameters
    assert (workforce["D"].type, workforce["D"].operator, workforce["D"].formula1) == (
        "whole", "greaterThanOrEqual", "0")
    assert str(workforce["D"].sqref) == "D2:D1048576"
    assert _validations(wb["survey"])["C"].formula1 == "lists!$C$2:$C$4"
    assert _validations(wb["action_plan"])["G"].formula1 == "lists!$D$2:$D$5"
    lists = wb["lists"]
    assert [lists.cell(row=r, column=3).value for r in range(2, 5)] == [
        "public", "colleagues", "managers"]
    assert [lists.cell(row=r, column=4).value for r in range(2, 6)] == [
        "Red", "Amber", "Green", "Complete"]
    assert [lists.cell(row=r, column=6).value for r in (2, 13)] == ["Grade 1", "Grade 12"]
    text = " ".join(str(c.value) for row in wb["instructions"].iter_rows() for c in row if c.value)
    for source in ("HR system", "recruitment system", "staff survey", "Social Work England",
                   "census 2021", "ashbury/2023.xlsx", "add a column headcount"):
        assert source in text


def test_every_ethnicity_choice_is_accepted_and_names_the_census_2021_categories() -> None:
    choices = ethnicity_choices()
    assert len(choices) == 25
    assert choices[0] == "White: English, Welsh, Scottish, Northern Irish or British"
    assert "Asian or Asian British: Indian" in choices and choices[-1] == "Not stated"
    categories = [classify(c).census_category for c in choices[:19]]
    assert len(set(categories)) == 19
    assert [classify(c).census_category for c in choices[19:]] == [None] * 6


def test_record_level_no_split_and_no_pay_bands(tmp_path: Path) -> None:
    root = tmp_path / "data"
    (root / "parameters").mkdir(parents=True)  # no parameter file: defaults, bands from the data
    wb = openpyxl.load_workbook(_template(root, "newtown", "--record-level", "--no-service-split"))
    assert wb.sheetnames[1:4] == ["staff", "applications", "survey_responses"]
    assert [c.value for c in wb["staff"][1]] == [
        "staff_id", "ethnicity", "pay_band", "senior_manager", "registered", "disciplinary",
        "ftp", "cpd", "left"]
    flag = _validations(wb["staff"])["D"]
    assert (flag.type, flag.operator, flag.formula1, flag.formula2) == (
        "whole", "between", "0", "1")
    assert "C" not in _validations(wb["staff"])  # no pay band list without pay_bands
    assert _validations(wb["survey_responses"])["C"].formula1 == "lists!$E$2:$E$3"  # yes, no
    text = " ".join(str(c.value) for row in wb["instructions"].iter_rows() for c in row if c.value)
    assert "pay_bands: in the parameter file parameters/newtown.yml" in text


def test_the_same_arguments_give_the_same_bytes(tmp_path: Path) -> None:
    root = _root(tmp_path, "data", "ashbury")
    first = _template(root, "ashbury").read_bytes()
    assert _template(root, "ashbury").read_bytes() == first


def test_out_must_be_an_xlsx_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["template", "-a", "x", "-y", "2023", "-o",
                                 str(tmp_path / "t.xls")])
    assert result.exit_code == 2


@pytest.mark.heavy
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_reads_the_filled_template_into_the_same_figures(tmp_path: Path) -> None:
    slug = "ashbury"
    xlsx_root, csv_root = _filled_and_csv(tmp_path, slug)
    converted = tmp_path / "converted"
    # every sheet to its own <name>-<sheet>.csv, UTF-8 (76), comma-separated (44)
    result = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless",
         "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,"
         "false,-1", "--outdir", str(converted), str(xlsx_root / slug / f"{YEAR}.xlsx")],
        capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stderr
    # nothing said about the workbook (a missing Java runtime is the machine's, not the file's)
    said = [line for line in result.stderr.splitlines() if line.strip() and "javaldx" not in line]
    assert said == []
    folder = tmp_path / "lo" / slug / str(YEAR)
    folder.mkdir(parents=True)
    for path in converted.glob(f"{YEAR}-*.csv"):
        sheet = path.stem.removeprefix(f"{YEAR}-")
        if sheet not in TEMPLATE_SHEETS and path.stat().st_size > 0:
            lines = path.read_text(encoding="utf-8").splitlines()
            if len(lines) > 1:  # a sheet left empty is left out, as the contract says
                shutil.copy(path, folder / f"{sheet}.csv")
    shutil.copytree(csv_root / "parameters", tmp_path / "lo" / "parameters")
    assert sorted(p.stem for p in folder.iterdir()) == sorted(
        p.stem for p in (csv_root / slug / str(YEAR)).iterdir())
    assert _metrics_json(tmp_path / "lo", slug) == _metrics_json(csv_root, slug)
