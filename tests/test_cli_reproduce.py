"""``wres reproduce``: usage errors exit 2 with a message (the re-run itself is tested through
``evidence.reproduce`` with the real batch in tests/test_batch.py)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from wres_tools.cli import app

runner = CliRunner()


def test_missing_manifest_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["reproduce", str(tmp_path / "manifest.json"),
                                 "--out", str(tmp_path / "again")])
    assert result.exit_code == 2
    assert "manifest.json" in result.stderr


def test_unreadable_manifest_is_a_usage_error(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_text("{not json", encoding="utf-8")
    result = runner.invoke(app, ["reproduce", str(manifest), "--out", str(tmp_path / "again")])
    assert result.exit_code == 2
    assert "manifest" in result.stderr
