"""Parameter files: defaults.yml overlaid by <authority>.yml, every problem reported by key."""

from __future__ import annotations

from pathlib import Path

import pytest

from wres_tools.parameters import (
    ParameterError,
    check_parameters,
    load_parameters,
    resolve_parameters_dir,
)
from wres_tools.paths import PARAMETERS_DIR

DEFAULTS = "disclosure: published\nthreshold: 5\nsmall_numbers: 10\n"


@pytest.fixture
def pdir(tmp_path: Path) -> Path:
    folder = tmp_path / "parameters"
    folder.mkdir()
    (folder / "defaults.yml").write_text(DEFAULTS, encoding="utf-8")
    return folder


def test_authority_file_overrides_defaults(pdir: Path) -> None:
    (pdir / "ashbury.yml").write_text(
        "display_name: Ashbury Council\nthreshold: 10\npay_bands: [low, mid, high]\n"
        "senior_bands: [high]\npopulation:\n  White: 0.9\n  Indian: 0.1\n", encoding="utf-8")
    params, report = check_parameters("ashbury", pdir)
    assert report.problems == []
    assert params is not None
    assert (params.authority, params.display_name) == ("ashbury", "Ashbury Council")
    assert params.threshold == 10  # authority's value
    assert params.small_numbers == 10  # default kept
    assert params.pay_bands == ["low", "mid", "high"]
    assert params.population == {"White": 0.9, "Indian": 0.1}


def test_missing_file_is_a_notice_and_runs_on_defaults(pdir: Path) -> None:
    params, report = check_parameters("nowhere", pdir)
    assert params is not None
    assert params.display_name == "nowhere"
    assert params.pay_bands is None
    assert params.threshold == 5
    assert [p.severity for p in report.problems] == ["notice"]
    assert report.problems[0].file == str(pdir / "nowhere.yml")
    assert "no parameter file" in report.problems[0].message


def test_bad_key_names_the_key_and_suggests_the_near_one(pdir: Path) -> None:
    (pdir / "a.yml").write_text("thresold: 3\n", encoding="utf-8")
    params, report = check_parameters("a", pdir)
    assert params is None
    (problem,) = report.errors
    assert problem.file == str(pdir / "a.yml")
    assert problem.column == "thresold"
    assert problem.value == 3
    assert problem.expected == "the key 'threshold'"


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("threshold: five\n", "threshold", "five"),
        ("threshold: 0\n", "threshold", 0),
        ("small_numbers: -1\n", "small_numbers", -1),
        ("disclosure: public\n", "disclosure", "public"),
    ],
)
def test_bad_value_names_key_and_value(pdir: Path, text: str, key: str, value: object) -> None:
    (pdir / "a.yml").write_text(text, encoding="utf-8")
    params, report = check_parameters("a", pdir)
    assert params is None
    (problem,) = report.errors
    assert (problem.column, problem.value) == (key, value)


def test_bad_value_in_defaults_names_defaults_file(pdir: Path) -> None:
    (pdir / "defaults.yml").write_text("threshold: -1\n", encoding="utf-8")
    params, report = check_parameters("a", pdir)
    assert params is None
    where = [(p.file, p.column) for p in report.errors]
    assert where == [(str(pdir / "defaults.yml"), "threshold")]


def test_bad_population_label(pdir: Path) -> None:
    (pdir / "a.yml").write_text("population:\n  Martian: 0.5\n  White: 0.5\n", encoding="utf-8")
    params, report = check_parameters("a", pdir)
    assert params is None
    (problem,) = report.errors
    assert problem.column == "population"
    assert "'Martian'" in problem.message


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("population:\n  White: 0.5\n  Indian: 0.2\n", "add up to 0.700"),  # 0.5 + 0.2
        ("population:\n  White: 1.2\n  Indian: -0.2\n", "share for 'White' is 1.2"),
    ],
)
def test_bad_population_shares(pdir: Path, text: str, words: str) -> None:
    (pdir / "a.yml").write_text(text, encoding="utf-8")
    params, report = check_parameters("a", pdir)
    assert params is None
    assert words in report.errors[0].message


def test_not_yaml_names_the_line(pdir: Path) -> None:
    (pdir / "a.yml").write_text("display_name: A\npay_bands: [low,\n", encoding="utf-8")
    params, report = check_parameters("a", pdir)
    assert params is None
    (problem,) = report.errors
    assert "not valid YAML" in problem.message
    assert problem.row == 3  # the stream ends on line 3 with the list still open


def test_yaml_that_is_not_a_mapping(pdir: Path) -> None:
    (pdir / "a.yml").write_text("- low\n- high\n", encoding="utf-8")
    params, report = check_parameters("a", pdir)
    assert params is None
    assert report.errors[0].value == "list"


def test_not_utf8(pdir: Path) -> None:
    (pdir / "a.yml").write_bytes("display_name: Caf\u00e9\n".encode("latin-1"))
    params, report = check_parameters("a", pdir)
    assert params is None
    assert "not UTF-8" in report.errors[0].message


def test_senior_bands_must_be_pay_bands_and_bands_listed_once(pdir: Path) -> None:
    (pdir / "a.yml").write_text("pay_bands: [low, high]\nsenior_bands: [top]\n", encoding="utf-8")
    assert check_parameters("a", pdir)[1].errors[0].column == "senior_bands"
    (pdir / "a.yml").write_text("pay_bands: [low, high, low]\n", encoding="utf-8")
    problem = check_parameters("a", pdir)[1].errors[0]
    assert (problem.column, problem.message) == (
        "pay_bands", "pay bands ['low'] are listed more than once")


def test_every_problem_is_collected(pdir: Path) -> None:
    (pdir / "a.yml").write_text("thresold: 3\nsmall_numbers: 0\n", encoding="utf-8")
    _, report = check_parameters("a", pdir)
    assert sorted(p.column for p in report.errors) == ["small_numbers", "thresold"]


def test_the_removed_confidence_setting_says_why_and_what_to_do(pdir: Path) -> None:
    (pdir / "a.yml").write_text("confidence: 0.9\n", encoding="utf-8")
    params, report = check_parameters("a", pdir)
    assert params is None
    (problem,) = report.errors
    assert (problem.file, problem.column, problem.value, problem.message) == (
        str(pdir / "a.yml"), "confidence", 0.9, "the setting 'confidence' was removed")
    assert problem.expected == (
        "every interval is 95% and every test is at the 5% level, as the SC-WRES specification "
        "fixes them, so figures compare across authorities and years: delete the line")


def test_load_parameters_raises_with_the_report_and_applies_overrides(pdir: Path) -> None:
    (pdir / "a.yml").write_text("threshold: x\n", encoding="utf-8")
    with pytest.raises(ParameterError) as caught:
        load_parameters("a", pdir)
    assert "threshold" in str(caught.value)
    params = load_parameters("b", pdir, disclosure="internal")
    assert params.disclosure == "internal"
    with pytest.raises(ParameterError):
        load_parameters("b", pdir, threshold=0)


def test_project_defaults_and_example_file_are_valid(tmp_path: Path) -> None:
    params, report = check_parameters("anyone", PARAMETERS_DIR)
    assert params is not None and report.errors == []
    example = (PARAMETERS_DIR / "example-authority.yml.example").read_text(encoding="utf-8")
    (tmp_path / "example.yml").write_text(example, encoding="utf-8")
    params, report = check_parameters("example", tmp_path)  # defaults fall back to the project's
    assert report.problems == []
    assert params is not None and params.senior_bands == ["£70,000 and over"]


def test_resolve_parameters_dir(tmp_path: Path) -> None:
    assert resolve_parameters_dir(tmp_path, tmp_path / "x") == tmp_path / "x"
    assert resolve_parameters_dir(tmp_path) == PARAMETERS_DIR
    (tmp_path / "parameters").mkdir()
    assert resolve_parameters_dir(tmp_path) == tmp_path / "parameters"
    assert resolve_parameters_dir(None) == PARAMETERS_DIR


def test_own_labels_are_checked_and_a_mapping_to_an_unknown_category_names_it(pdir: Path) -> None:
    (pdir / "ashbury.yml").write_text(
        "ethnicity_labels:\n  W1 - White UK: White British\n  XO: Martian\n"
        "service_labels:\n  ASC: Adult Social Care\n  HSG: Housing\n", encoding="utf-8")
    params, report = check_parameters("ashbury", pdir)
    assert params is None
    found = {(p.column, p.message) for p in report.errors}
    assert found == {
        ("ethnicity_labels", "'XO' maps to 'Martian', which is not a census 2021 category, a "
         "high-level group, an NHS ethnic category code or an unknown marker"),
        ("service_labels", "'HSG' maps to 'Housing', which is not a service: expected adults or "
         "children"),
    }


def test_own_labels_that_map_to_contract_labels_are_kept(pdir: Path) -> None:
    (pdir / "ashbury.yml").write_text(
        "ethnicity_labels:\n  W1 - White UK: White British\n  Z9: Not stated\n"
        "service_labels:\n  ASC: adults\n", encoding="utf-8")
    params, report = check_parameters("ashbury", pdir)
    assert report.errors == []
    assert params is not None
    assert params.ethnicity_labels == {"W1 - White UK": "White British", "Z9": "Not stated"}
    assert params.service_labels == {"ASC": "adults"}


def test_region_is_one_of_the_nine_adass_regions(pdir: Path) -> None:
    (pdir / "a.yml").write_text("region: Yorkshire and the Humber\n", encoding="utf-8")
    params, report = check_parameters("a", pdir)
    assert params is not None and params.region == "Yorkshire and the Humber"
    (pdir / "b.yml").write_text("region: Yorkshire\n", encoding="utf-8")
    params, report = check_parameters("b", pdir)
    assert params is None
    (problem,) = report.errors
    assert (problem.column, problem.value) == ("region", "Yorkshire")
    assert "one of the nine ADASS regions" in problem.message
    assert "Yorkshire and the Humber" in problem.message
