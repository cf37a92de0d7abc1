"""docs/evidence.md: its dictionary section is what evidence.dictionary writes now, the kinds and
columns it lists are the code's, and its worked check runs on a real batch's results.parquet and
recomputes each relative likelihood from its four counts."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from wres_tools.evidence import dictionary, dictionary_doc
from wres_tools.evidence.rows import ROW_KINDS, all_statistics
from wres_tools.paths import PROJECT_ROOT

DOC = PROJECT_ROOT / "docs" / "evidence.md"


@pytest.fixture(scope="module")
def m3_out(tmp_path_factory):
    """A batch's evidence for five authorities' M3 over two years (tests/test_evidence.py)."""
    from test_evidence import build_m3_evidence

    return build_m3_evidence(tmp_path_factory.mktemp("m3doc"))[2]


def _table_names(page: str, heading: str) -> list[str]:
    """The first-column names (`code`) of the Markdown table under ``### heading``."""
    section = page.split(f"### {heading}", 1)[1].split("\n### ", 1)[0]
    return re.findall(r"^\| `([^`]+)` \|", section, flags=re.MULTILINE)


def test_the_dictionary_section_is_what_the_generator_writes() -> None:
    page = DOC.read_text(encoding="utf-8")
    assert dictionary_doc.with_doc_section(page) == page, (
        "docs/evidence.md has drifted from evidence/dictionary.py: run "
        "python -m wres_tools.evidence.dictionary_doc")


def test_the_doc_lists_the_codes_kinds_columns_and_statistics() -> None:
    page = DOC.read_text(encoding="utf-8")
    assert _table_names(page, "Kinds of row (`kind`)") == list(ROW_KINDS) == [
        "result", "pooled", "change", "benchmark", "national"]
    assert _table_names(page, "Columns") == list(dictionary.ROW_COLUMNS)
    assert _table_names(page, "What `value` holds for each `statistic`") == list(
        all_statistics())
    assert "| `position` | text |  | benchmark rows: where the authority sits" in page
    assert page.rstrip().endswith("```")  # the worked checks follow the section


def test_a_doc_without_its_markers_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="docs/evidence.md: expected the lines"):
        dictionary_doc.with_doc_section("# no markers\n")


def _python_check(page: str) -> str:
    """The worked check's Python block: the first one that reads results.parquet."""
    blocks = re.findall(r"```python\n(.*?)```", page, flags=re.DOTALL)
    [check] = [b for b in blocks if "read_parquet" in b][:1]
    return check


def test_the_worked_python_check_recomputes_rl_from_the_four_counts(m3_out, capsys):
    out = m3_out
    code = _python_check(DOC.read_text(encoding="utf-8"))
    code = code.replace('"outputs/results.parquet"', repr(str(out / "results.parquet")))
    scope: dict = {}
    exec(compile(code, "docs/evidence.md", "exec"), scope)  # its own assert checks every rl
    wide = scope["wide"]
    # by hand: a1 entered 10 (2022) and 15 (2023) of 100 minority staff, 20 of 400 white staff
    # -> (10 / 100) / (20 / 400) = 2.0 and (15 / 100) / 0.05 = 3.0
    assert wide.loc[("a1", 2022), "rl"] == pytest.approx(2.0)
    assert wide.loc[("a1", 2023), "rl"] == pytest.approx(3.0)
    assert scope["again"].loc[("a1", 2023)] == pytest.approx(3.0)
    # a5 entered 3 of 100 in 2022: a small count, withheld, so its rl is not shown
    assert pd.isna(wide.loc[("a5", 2022), "events_group"])
    assert pd.isna(wide.loc[("a5", 2022), "rl"])
    assert "from the counts" in capsys.readouterr().out
