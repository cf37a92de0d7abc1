"""docs/data-contract.md is generated from the code that enforces the contract: it must be what
the generator writes now, and it names every table, column and label the code accepts."""

from __future__ import annotations

from wres_tools.contract import (
    ACTION_PLAN_COLUMNS,
    ACTION_STATUSES,
    AGGREGATE_TABLES,
    RECORD_TABLES,
    SERVICE_ALIASES,
)
from wres_tools.ethnicity import CATEGORY_ALIASES, CENSUS_CATEGORIES, NHS_CODES, UNKNOWN_MARKERS
from wres_tools.returns import contract_doc


def test_the_page_is_what_the_generator_writes() -> None:
    page = contract_doc.DOC_PATH.read_text(encoding="utf-8")
    assert page == contract_doc.render(), (
        "docs/data-contract.md has drifted from the code: "
        "run python -m wres_tools.returns.contract_doc")


def test_the_page_names_every_table_column_and_label() -> None:
    page = contract_doc.render()
    for name, spec in AGGREGATE_TABLES.items():
        assert f"### `{name}` ({', '.join(spec.metrics)})" in page
        for column in spec.columns:
            assert f"| `{column}` |" in page
    for name, columns in RECORD_TABLES.items():
        assert f"### `{name}` (" in page
        assert all(f"| `{c}` |" in page for c in columns)
    assert all(f"| `{c}` |" in page for c in ACTION_PLAN_COLUMNS)
    assert "| `headcount` | whole number, 0 or more | optional |" in page  # disciplinary's own
    assert "- `recruitment`: `appointed` at most `shortlisted` in the same row" in page
    assert " / ".join(ACTION_STATUSES) in page
    for label in (*CENSUS_CATEGORIES, *CATEGORY_ALIASES, *SERVICE_ALIASES):
        assert label in page
    assert all(f"| {code} |" in page for code in NHS_CODES)
    assert all(f"`{marker}`" in page for marker in UNKNOWN_MARKERS)
    assert "| `black: other` | Any other Black, Black British or Caribbean background |" in page


def test_main_writes_the_page(tmp_path) -> None:
    out = tmp_path / "contract.md"
    assert contract_doc.main([str(out)]) == 0
    assert out.read_text(encoding="utf-8") == contract_doc.render()
