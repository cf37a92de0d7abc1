"""``wres reproduce``: usage errors exit 2 with a message; without --out it makes a fresh folder
beside the manifest's and names it (the re-run itself is tested through ``evidence.reproduce`` with
the real batch in tests/test_batch.py; here the batch is a stand-in)."""

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


# --------------------------------------------------------------------------- no --out


def _fake_run_batch(monkeypatch, calls: list) -> None:
    """``wres reproduce`` runs batch.run_batch: a stand-in that writes the same results."""
    from test_evidence import RESULTS, fake_batch

    import wres_tools.batch.run as run

    batch = fake_batch(RESULTS, calls)
    monkeypatch.setattr(run, "run_batch", lambda data, out, jobs=1, progress=True, **kw:
                        batch(data, out, **kw))


def test_without_out_a_fresh_folder_beside_the_manifests_is_made_and_named(
        tmp_path: Path, monkeypatch) -> None:
    from test_evidence import original_run

    _, _, manifest = original_run(tmp_path)  # tmp_path/outputs/manifest.json
    (tmp_path / "outputs-reproduced-1").mkdir()  # taken: never written into
    (tmp_path / "outputs-reproduced-1" / "keep.txt").write_text("mine", encoding="utf-8")
    calls: list = []
    _fake_run_batch(monkeypatch, calls)
    result = runner.invoke(app, ["reproduce", str(manifest)])
    assert result.exit_code == 0, result.output
    fresh = (tmp_path / "outputs-reproduced-2").resolve()
    assert [Path(c[1]) for c in calls] == [fresh]
    assert f"into {fresh}" in " ".join(result.stdout.split())
    assert "Reproduced: every result is the same." in result.stdout
    assert (fresh / "2023" / "alpha" / "metrics.json").is_file()
    assert sorted(p.name for p in (tmp_path / "outputs-reproduced-1").iterdir()) == ["keep.txt"]
    # a second run takes the next number
    again = runner.invoke(app, ["reproduce", str(manifest)])
    assert again.exit_code == 0 and Path(calls[-1][1]) == (
        tmp_path / "outputs-reproduced-3").resolve()


def test_out_still_names_the_folder(tmp_path: Path, monkeypatch) -> None:
    from test_evidence import original_run

    _, _, manifest = original_run(tmp_path)
    calls: list = []
    _fake_run_batch(monkeypatch, calls)
    result = runner.invoke(app, ["reproduce", str(manifest), "--out", str(tmp_path / "mine")])
    assert result.exit_code == 0, result.output
    assert [Path(c[1]) for c in calls] == [tmp_path / "mine"]
    assert not (tmp_path / "outputs-reproduced-1").exists()


def test_a_bad_manifest_without_out_makes_no_folder(tmp_path: Path) -> None:
    (tmp_path / "outputs").mkdir()
    (tmp_path / "outputs" / "manifest.json").write_text("{not json", encoding="utf-8")
    result = runner.invoke(app, ["reproduce", str(tmp_path / "outputs" / "manifest.json")])
    assert result.exit_code == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outputs"]
