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


# --------------------------------------------------------------------------- everything compared

PAGE = "<html><body>\n<h1>Alpha 2023</h1>\n<p>RL 0.5</p>\n</body></html>\n"


def _batch_with_pages(page: str = PAGE, disclosure: str = "published"):
    """A stand-in batch that writes metrics.json, a page and (published) results.csv, as
    batch.run_batch does."""
    from test_evidence import RESULTS, write_results

    from wres_tools.evidence.manifest import result_files
    from wres_tools.evidence.results import write_results_csv

    results = {k: [dict(r, disclosure=disclosure) for r in v] for k, v in RESULTS.items()}

    def run(data_dir, out_dir, **kwargs):
        out = Path(out_dir)
        write_results(out, results)
        (out / "2023" / "alpha" / "summary.html").write_text(page, encoding="utf-8")
        if disclosure == "published":
            write_results_csv(result_files(out), out / "results.csv")
    return run


def _page_run(tmp_path: Path, monkeypatch, disclosure: str = "published",
              again: str = PAGE) -> Path:
    """The original run (its manifest written) and ``wres reproduce`` set to re-run with a
    batch whose page is ``again``."""
    from test_evidence import make_data

    import wres_tools.batch.run as run
    from wres_tools.evidence.manifest import build_manifest, write_manifest

    data, params, refs = make_data(tmp_path)
    out = tmp_path / "outputs"
    _batch_with_pages(disclosure=disclosure)(data, out)
    write_manifest(build_manifest(data, refs, params, {"disclosure": disclosure}, out,
                                  lock_path=tmp_path / "none.lock", root=tmp_path),
                   out / "manifest.json")
    batch = _batch_with_pages(again, disclosure)
    monkeypatch.setattr(run, "run_batch", lambda data, out, jobs=1, progress=True, **kw:
                        batch(data, out, **kw))
    return out / "manifest.json"


def _said(result) -> str:
    return " ".join(result.stdout.split())


def test_an_untampered_run_with_pages_and_results_csv_reproduces(tmp_path, monkeypatch):
    import json

    manifest = _page_run(tmp_path, monkeypatch)
    recorded = {o["path"]: o["digest"] for o in json.loads(manifest.read_text())["outputs"]}
    assert recorded == {"2022/beta/metrics.json": "sha256", "2023/alpha/metrics.json": "sha256",
                        "results.csv": "sha256", "2023/alpha/summary.html": "sha256"}
    result = runner.invoke(app, ["reproduce", str(manifest), "--out", str(tmp_path / "again")])
    assert result.exit_code == 0, result.output
    assert "Reproduced: every result is the same." in result.stdout


def test_an_untampered_internal_run_reproduces_with_the_key(tmp_path, monkeypatch):
    import json

    manifest = _page_run(tmp_path, monkeypatch, disclosure="internal")
    assert {o["digest"] for o in json.loads(manifest.read_text())["outputs"]} == {
        "hmac-sha256"}
    result = runner.invoke(app, ["reproduce", str(manifest), "--out", str(tmp_path / "again")])
    assert result.exit_code == 0, result.output


def test_a_tampered_page_is_named(tmp_path, monkeypatch):
    manifest = _page_run(tmp_path, monkeypatch)
    page = manifest.parent / "2023" / "alpha" / "summary.html"
    page.write_text(PAGE.replace("RL 0.5", "RL 0.9"), encoding="utf-8")
    result = runner.invoke(app, ["reproduce", str(manifest), "--out", str(tmp_path / "again")])
    assert result.exit_code == 1
    said = _said(result)
    assert f"{page}: recorded output changed since the manifest" in said
    assert "NOT reproduced" in said


def test_a_page_the_new_run_makes_differently_is_named_with_its_line(tmp_path, monkeypatch):
    manifest = _page_run(tmp_path, monkeypatch, again=PAGE.replace("RL 0.5", "RL 0.6"))
    result = runner.invoke(app, ["reproduce", str(manifest), "--out", str(tmp_path / "again")])
    assert result.exit_code == 1
    said = _said(result)
    assert "2023/alpha/summary.html: the new run's page differs from the one the manifest " \
           "records" in said
    assert "first difference at line 3" in said  # <p>RL 0.5</p> is the third line
    assert "recorded output changed" not in said  # the page beside the manifest is as it was


def test_a_tampered_results_csv_row_is_named_by_its_line_and_key(tmp_path, monkeypatch):
    manifest = _page_run(tmp_path, monkeypatch)
    csv = manifest.parent / "results.csv"
    lines = csv.read_text(encoding="utf-8").splitlines(keepends=True)
    # rows by year, then authority: beta 2022's, then alpha 2023's; alpha's M2 rl (0.5) is
    # the one row of the file that starts so (line 1 is the header)
    row = "result,alpha,,,2023,,,M2,all,minority,white,,rl,0.5,"
    (index,) = [i for i, line in enumerate(lines) if line.startswith(row)]
    assert index > 1 and lines[1].startswith("result,beta,,,2022,")
    lines[index] = lines[index].replace(",rl,0.5,", ",rl,0.25,", 1)
    csv.write_text("".join(lines), encoding="utf-8")
    result = runner.invoke(app, ["reproduce", str(manifest), "--out", str(tmp_path / "again")])
    assert result.exit_code == 1
    said = _said(result)
    assert f"{csv}: recorded output changed since the manifest" in said
    assert (f"results.csv: line {index + 1} of the expected file (kind=result, authority=alpha, "
            "year=2023, metric=M2, service=all, group=minority, statistic=rl): value was "
            "'0.25', now '0.5'") in said
    assert said.count("results.csv: line") == 1  # that row only
