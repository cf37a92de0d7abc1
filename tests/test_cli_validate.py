"""``wres validate``: exit 0 clean, 1 problems found, 2 usage error; a clear message naming the
place for every bad input, never a traceback, and the input files untouched."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from conftest import AUTHORITY, BANDS, file_hashes, record_tables, small_aggregate
from typer.testing import CliRunner

from wres_tools.cli import app
from wres_tools.returns.writer import write_return

runner = CliRunner()

PARAMS = "display_name: Testshire\npay_bands:\n" + "".join(f"  - {b}\n" for b in BANDS)


def data_dir(tmp_path: Path) -> Path:
    """Two clean returns (aggregate xlsx 2022, record-level csv 2023) with a parameter file."""
    root = tmp_path / "data"
    write_return(small_aggregate(), root, AUTHORITY, 2022, "xlsx")
    write_return(record_tables(staff=40, applications=20, responses=10), root, AUTHORITY, 2023,
                 "csv")
    (root / "parameters").mkdir()
    (root / "parameters" / f"{AUTHORITY}.yml").write_text(PARAMS, encoding="utf-8")
    return root


def run(*args: str):
    result = runner.invoke(app, ["validate", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def flat(text: str) -> str:
    """Output with rich's line wrapping undone."""
    return " ".join(text.split())


def test_clean_data_dir_exits_0(tmp_path: Path) -> None:
    root = data_dir(tmp_path)
    result = run("--data-dir", str(root))
    assert result.exit_code == 0, result.output
    assert "2 return(s) checked, 0 with problems." in flat(result.output)


def test_one_clean_return_exits_0(tmp_path: Path) -> None:
    root = data_dir(tmp_path)
    result = run(str(root / AUTHORITY / "2022.xlsx"))
    assert result.exit_code == 0, result.output
    assert "1 return(s) checked, 0 with problems." in flat(result.output)


def _set(table: str, index: int, column: str, value: object) -> Callable[[dict], None]:
    def change(tables: dict[str, pd.DataFrame]) -> None:
        frame = tables[table].astype(object)
        frame.loc[index, column] = value
        tables[table] = frame
    return change


def _rename(table: str, old: str, new: str) -> Callable[[dict], None]:
    def change(tables: dict[str, pd.DataFrame]) -> None:
        tables[table] = tables[table].rename(columns={old: new})
    return change


def _drop_table(name: str) -> Callable[[dict], None]:
    def change(tables: dict[str, pd.DataFrame]) -> None:
        del tables[name]
    return change


def _duplicate_row(tables: dict[str, pd.DataFrame]) -> None:
    tables["recruitment"] = pd.concat([tables["recruitment"], tables["recruitment"].iloc[[0]]],
                                      ignore_index=True)


# name -> (form, change to the clean tables, words the output must hold)
BAD_TABLES = {
    "missing column": ("csv", lambda t: t.update(recruitment=t["recruitment"].drop(
        columns="shortlisted")), "recruitment, row 1, column shortlisted: missing column "
        "'shortlisted'"),
    "misspelt column": ("xlsx", _rename("workforce", "pay_band", "pay bnad"),
                        "column pay bnad: missing column 'pay_band': this header looks like a "
                        "misspelling of it (found 'pay bnad'; expected the header 'pay_band')"),
    "unknown ethnicity": ("csv", _set("workforce", 1, "ethnicity", "Martian"),
                          "row 3, column ethnicity: unrecognised ethnicity label (found "
                          "'Martian'"),
    "negative count": ("xlsx", _set("workforce", 0, "headcount", -4),
                       "row 2, column headcount: negative count (found '-4'; expected a whole "
                       "number, 0 or more)"),
    "fractional count": ("csv", _set("recruitment", 0, "appointed", 1.5),
                         "row 2, column appointed: count is not a whole number (found '1.5'"),
    "appointed > shortlisted": ("xlsx", _set("recruitment", 1, "appointed", 40),
                                "row 3, column appointed: appointed (40) is more than "
                                "shortlisted (30)"),
    "duplicate rows": ("csv", _duplicate_row,
                       "row 4, column ethnicity: duplicate row: the same service, ethnicity as "
                       "row 2"),
    "sheet missing": ("xlsx", _drop_table("workforce"),
                      "sheet disciplinary: 'disciplinary' has no headcount column, so its "
                      "denominator comes from the workforce table, but the return has no "
                      "'workforce' table"),
    "pay band not in order": ("csv", _set("workforce", 2, "pay_band", "£30k-£40k"),
                              "row 4, column pay_band: pay band not in the band order of the "
                              "parameter file"),
}


@pytest.mark.parametrize("case", list(BAD_TABLES))
def test_bad_return_exits_1_with_a_clear_message(tmp_path: Path, case: str) -> None:
    root = data_dir(tmp_path)
    form, change, words = BAD_TABLES[case]
    tables = small_aggregate()
    change(tables)
    path = write_return(tables, root, AUTHORITY, 2024, form)
    before = file_hashes(root)
    result = run("--data-dir", str(root))
    assert result.exit_code == 1, result.output
    assert words in flat(result.output)
    assert "3 return(s) checked, 1 with problems." in flat(result.output)
    assert "Traceback" not in result.output
    assert file_hashes(root) == before
    one = run(str(path))  # the same return on its own
    assert one.exit_code == 1 and words in flat(one.output)


def _empty_file(folder: Path) -> None:
    (folder / "recruitment.csv").write_bytes(b"")


def _latin1(folder: Path) -> None:
    (folder / "recruitment.csv").write_bytes(
        "ethnicity,shortlisted,appointed\nIndian,3,1\nWhite: Roma \u2013 T\u00e9st,4,2\n"
        .encode("latin-1", errors="replace"))


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (_empty_file, "recruitment.csv: empty file: no header row and no data"),
        (_latin1, "recruitment.csv, row 3: not UTF-8 text: byte 0xe9 at line 3"),
    ],
)
def test_bad_csv_file_exits_1(tmp_path: Path, change, words: str) -> None:
    root = data_dir(tmp_path)
    path = write_return(small_aggregate(), root, AUTHORITY, 2024, "csv")
    change(path)
    before = file_hashes(root)
    result = run(str(path))
    assert result.exit_code == 1, result.output
    assert words in flat(result.output)
    assert "Traceback" not in result.output
    assert file_hashes(root) == before


def test_bad_parameter_file_exits_1_and_still_checks_data(tmp_path: Path) -> None:
    root = data_dir(tmp_path)
    (root / "parameters" / f"{AUTHORITY}.yml").write_text("thresold: 3\n", encoding="utf-8")
    result = run("--data-dir", str(root))
    assert result.exit_code == 1
    assert "unknown key 'thresold' (found 3; expected the key 'threshold')" in flat(result.output)
    assert "2 return(s) checked, 2 with problems." in flat(result.output)


def test_an_authority_key_in_the_defaults_says_where_it_belongs(tmp_path: Path) -> None:
    """Pay bands differ between authorities: in defaults.yml they are misplaced, not unknown."""
    root = data_dir(tmp_path)
    defaults = 'threshold: 5\npay_bands: ["Band A", "Band B"]\n'
    (root / "parameters" / "defaults.yml").write_text(defaults, encoding="utf-8")
    result = run("--data-dir", str(root))
    text = flat(result.output)
    assert result.exit_code == 1
    assert ("defaults.yml, column pay_bands: 'pay_bands' belongs to one authority, not to the "
            "defaults (found ['Band A', 'Band B']; expected pay_bands: in "
            "parameters/<authority>.yml; defaults.yml may set only disclosure, threshold, "
            "small_numbers, baseline_year, execution_timeout)") in text
    assert "unknown key" not in text


@pytest.mark.parametrize(
    "args",
    [
        [],  # neither a return nor --data-dir
        ["--data-dir", "{root}", "{root}/testshire/2022.xlsx"],  # both
        ["--data-dir", "{root}/nowhere"],
        ["{root}/testshire/notes.txt"],
        ["{root}/testshire/2099.xlsx"],
        ["--data-dir", "{root}/parameters"],  # a folder without returns
        ["--colour"],
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, args: list[str]) -> None:
    root = data_dir(tmp_path)
    (root / AUTHORITY / "notes.txt").write_text("x")
    result = run(*[a.format(root=root) for a in args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def test_installed_command_exit_code(tmp_path: Path) -> None:
    root = data_dir(tmp_path)
    tables = small_aggregate()
    tables["recruitment"].loc[0, "ethnicity"] = "Martian"
    write_return(tables, root, AUTHORITY, 2024, "csv")
    env = {**os.environ, "COLUMNS": "200"}
    done = subprocess.run([sys.executable, "-m", "wres_tools.cli", "validate", "-d", str(root)],
                          capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 1
    assert "unrecognised ethnicity label (found 'Martian'" in done.stderr
    assert "Traceback" not in done.stderr


def test_notices_are_printed_and_parameter_problems_once_per_authority(tmp_path: Path) -> None:
    root = data_dir(tmp_path)
    (root / "parameters" / f"{AUTHORITY}.yml").unlink()
    result = run("--data-dir", str(root))
    assert result.exit_code == 0, result.output
    text = flat(result.output)
    assert text.count("no parameter file for this authority") == 1
    assert "M4 not collected (no fitness_to_practise table)" in text  # the 2022 aggregate return
    assert "no pay_bands in the parameter file: bands ordered by the first amount each names" \
        in text
