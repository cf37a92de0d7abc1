"""py: manifest, input check, comparison of result sets, reproduce, results.csv."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from builders import make_params, make_return

from wres_tools import __version__, metrics
from wres_tools.batch.finish import write_evidence
from wres_tools.contract import RESULT_COLUMNS
from wres_tools.evidence.manifest import (
    ManifestError,
    build_manifest,
    environment,
    git_state,
    installed_versions,
    lock_pins,
    metrics_path,
    read_manifest,
    result_files,
    return_metadata,
    sha256_file,
    synthetic_seeds,
    verify_inputs,
    write_manifest,
)
from wres_tools.evidence.reproduce import (
    Difference,
    ReproduceReport,
    compare_results,
    environment_notes,
    reproduce,
    same_value,
)
from wres_tools.evidence.results import (
    DATA_DICTIONARY,
    STATISTICS,
    data_dictionary,
    metric_statistics,
    results_csv,
    results_long,
    write_data_dictionary,
    write_results_csv,
)
from wres_tools.funnel import too_few_reason
from wres_tools.paths import PROJECT_ROOT
from wres_tools.returns.find import ReturnRef
from wres_tools.returns.writer import write_return

# --------------------------------------------------------------------------- hand-made inputs

LOCK_TEXT = """\
numpy==2.4.6 \\
    --hash=sha256:aaaa
    # via pandas
Python_Calamine==0.9.1 \\
    --hash=sha256:bbbb
# a comment==1.0 that is not a pin
    pandas==9.9  # indented: not a pin line
"""


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _keyed(data: Path, payload: bytes) -> str:
    """The manifest's digest of ``payload``: HMAC-SHA256 under the data folder's input key."""
    key = bytes.fromhex((data / ".wres-input-key").read_text().strip())
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def _metadata(seed: str) -> pd.DataFrame:
    return pd.DataFrame({"Key ": ["synthetic", "generator", "seed"],
                         "Value": ["true", "wres_tools.demo.synth", seed]})


WORKFORCE = pd.DataFrame({"ethnicity": ["Indian", "White British"], "pay_band": ["A", "A"],
                          "headcount": [3, 40]})


def make_data(tmp_path: Path) -> tuple[Path, Path, list[ReturnRef]]:
    """A data folder with a workbook return (seed 77) and a CSV-folder return (no metadata),
    and a parameters folder: defaults with threshold 7, alpha's own file with threshold 10."""
    data = tmp_path / "data"
    xlsx = write_return({"metadata": _metadata("77"), "workforce": WORKFORCE}, data, "alpha",
                        2023, "xlsx")
    folder = write_return({"workforce": WORKFORCE, "leavers": WORKFORCE.rename(
        columns={"headcount": "left"}).drop(columns="pay_band")}, data, "beta", 2022, "csv")
    params = data / "parameters"
    params.mkdir()
    (params / "defaults.yml").write_text("threshold: 7\n", encoding="utf-8")
    (params / "alpha.yml").write_text("display_name: Alpha\nthreshold: 10\n", encoding="utf-8")
    return data, params, [ReturnRef.from_path(xlsx), ReturnRef.from_path(folder)]


def record(metric: str = "M2", **values: object) -> dict:
    """A result record with every RESULT_COLUMNS key: None unless given; published."""
    base: dict[str, object] = {c: None for c in RESULT_COLUMNS}
    base.update(authority="alpha", year=2023, metric=metric, service="all", group="minority",
                reference="white", status="ok", disclosure="published", suppressed=False,
                adverse_when=metrics.METRICS[metric].adverse_when, small_numbers=False)
    base.update(values)
    return base


def write_results(out: Path, files: dict[tuple[int, str], list[dict]]) -> None:
    for (year, authority), records in files.items():
        path = out / str(year) / authority / "metrics.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(records, sort_keys=True, indent=1), encoding="utf-8")


# M2: 10 of 40 minority appointed (0.25), 100 of 200 white (0.5): RL 0.25 / 0.5 = 0.5
M2 = record("M2", n_group=40, events_group=10, n_reference=200, events_reference=100,
            rate_group=0.25, rate_reference=0.5, rl=0.5, rl_nhs_direction=2.0, p_value=0.0031,
            significant=True, four_fifths="adverse", unknown_count=5, unknown_pct=2.5)
M1_BAND = record("M1", pay_band="£70,000 and over", n_group=12, n_reference=88, share=0.12,
                 share_workforce=0.2, representation_index=0.6, unknown_count=0, unknown_pct=0.0)
RESULTS = {(2023, "alpha"): [M2, M1_BAND], (2022, "beta"): [record("M8", authority="beta",
                                                                     year=2022)]}


# --------------------------------------------------------------------------- helpers


def test_sha256_file_is_the_sha256_of_the_bytes(tmp_path):
    path = tmp_path / "f.txt"
    path.write_bytes(b"abc")
    # the FIPS 180-2 test vector for "abc"
    assert sha256_file(path) == \
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_lock_pins_reads_name_version_lines_only(tmp_path):
    lock = tmp_path / "requirements.lock"
    lock.write_text(LOCK_TEXT, encoding="utf-8")
    assert lock_pins(lock) == {"numpy": "2.4.6", "python-calamine": "0.9.1"}


def test_installed_versions_match_importlib_metadata():
    found = installed_versions(["pandas", "no-such-package-xyz"])
    assert found == {"no-such-package-xyz": None, "pandas": pd.__version__}


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                          text=True).stdout.strip()


def test_git_state_commit_dirty_and_not_a_checkout(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "a.txt").write_text("one\n")
    _git(repo, "add", "a.txt")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "c")
    head = _git(repo, "rev-parse", "HEAD")
    assert git_state(repo) == {"commit": head, "dirty": False}
    (repo / "untracked.txt").write_text("x")  # untracked files do not make it dirty
    assert git_state(repo) == {"commit": head, "dirty": False}
    (repo / "a.txt").write_text("two\n")
    assert git_state(repo) == {"commit": head, "dirty": True}
    # a folder inside someone else's repository is not the project's checkout
    (repo / "sub").mkdir()
    assert git_state(repo / "sub") == {"commit": "unknown", "dirty": None}
    plain = tmp_path / "plain"
    plain.mkdir()
    assert git_state(plain) == {"commit": "unknown", "dirty": None}


@pytest.mark.parametrize("form", ["xlsx", "csv"])
def test_return_metadata_and_seeds_from_either_form(tmp_path, form):
    path = write_return({"metadata": _metadata("2021"), "workforce": WORKFORCE}, tmp_path,
                        "gamma", 2021, form)
    plain = write_return({"workforce": WORKFORCE}, tmp_path, "delta", 2021, form)
    ref, no_meta = ReturnRef.from_path(path), ReturnRef.from_path(plain)
    assert return_metadata(ref) == {"synthetic": "true", "generator": "wres_tools.demo.synth",
                                             "seed": "2021"}
    assert return_metadata(no_meta) == {}
    assert synthetic_seeds([ref, no_meta]) == [
        {"authority": "gamma", "year": 2021, "seed": 2021, "generator": "wres_tools.demo.synth",
         "synthetic": True}]


# --------------------------------------------------------------------------- the manifest


def build(tmp_path: Path, data: Path, params: Path, refs: list[ReturnRef], out: Path) -> dict:
    lock = tmp_path / "requirements.lock"
    if not lock.exists():
        lock.write_text(LOCK_TEXT, encoding="utf-8")
    return build_manifest(
        data, refs, params, {"years": (2023, 2022), "authorities": [], "disclosure": "published",
                             "parameters_note": Path("x/y")}, out,
        lock_path=lock, root=tmp_path)


def test_build_manifest_records_inputs_parameters_seeds_options_outputs(tmp_path):
    data, params, refs = make_data(tmp_path)
    out = tmp_path / "out"
    write_results(out, RESULTS)
    manifest = build(tmp_path, data, params, refs, out)

    assert manifest["manifest_version"] == 3
    assert manifest["data_dir"] == data.as_posix()
    # every input digest is an HMAC under the data folder's own key (made by this first use,
    # owner-only), so the published manifest is no oracle for guesses of the hidden counts
    key_file = data / ".wres-input-key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    key = bytes.fromhex(key_file.read_text().strip())
    assert len(key) == 32
    assert manifest["input_digests"]["method"] == "HMAC-SHA256"

    def keyed(payload: bytes) -> str:
        return hmac.new(key, payload, hashlib.sha256).hexdigest()

    alpha, beta = manifest["inputs"]
    assert (alpha["authority"], alpha["year"], alpha["form"], alpha["path"]) == \
        ("alpha", 2023, "xlsx", "alpha/2023.xlsx")
    workbook = (data / "alpha" / "2023.xlsx").read_bytes()
    assert alpha["files"] == [{"path": "alpha/2023.xlsx", "hmac": keyed(workbook)}]
    # no plain hash and no size of any input anywhere in the manifest
    text = json.dumps(manifest)
    assert _sha(workbook) not in text and str(len(workbook)) not in text
    # a CSV-folder return: every file of it, each digested
    assert [f["path"] for f in beta["files"]] == ["beta/2022/leavers.csv",
                                                  "beta/2022/workforce.csv"]
    leavers = (data / "beta" / "2022" / "leavers.csv").read_bytes()
    assert beta["files"][0]["hmac"] == keyed(leavers)
    assert _sha(leavers) not in text

    p = manifest["parameters"]
    assert p["dir"] == params.as_posix()
    assert p["defaults"]["hmac"] == keyed(b"threshold: 7\n")
    assert p["defaults"]["values"] == {"threshold": 7}
    assert p["authorities"]["alpha"]["hmac"] == keyed(b"display_name: Alpha\nthreshold: 10\n")
    assert p["authorities"]["alpha"]["values"]["threshold"] == 10  # own file wins
    assert p["authorities"]["alpha"]["values"]["display_name"] == "Alpha"
    assert p["authorities"]["beta"]["hmac"] is None  # no own file: on the defaults
    assert p["authorities"]["beta"]["values"]["threshold"] == 7

    assert manifest["seeds"] == [{"authority": "alpha", "year": 2023, "seed": 77,
                                  "generator": "wres_tools.demo.synth", "synthetic": True}]
    assert manifest["options"] == {"years": [2023, 2022], "authorities": [],
                                   "disclosure": "published", "parameters_note": "x/y"}
    env = manifest["environment"]
    assert env["package"] == {"name": "wres-tools", "version": __version__,
                              "git": {"commit": "unknown", "dirty": None}}
    assert env["lock"]["pins"] == {"numpy": "2.4.6", "python-calamine": "0.9.1"}
    assert env["lock"]["sha256"] == _sha(LOCK_TEXT.encode())
    assert env["installed"]["pandas"] == pd.__version__
    # python-calamine is pinned 0.9.1 in this lock: listed only if the interpreter differs
    assert ("numpy" in env["installed_not_as_locked"]) == (env["installed"]["numpy"] != "2.4.6")
    # a published run: plain sha256 of each output, so that anyone can check a published file
    assert manifest["output_digests"]["method"] == "sha256"
    outputs = {o["path"]: (o["digest"], o["value"]) for o in manifest["outputs"]}
    assert set(outputs) == {"2022/beta/metrics.json", "2023/alpha/metrics.json"}
    assert outputs["2023/alpha/metrics.json"] == ("sha256", _sha(
        (out / "2023" / "alpha" / "metrics.json").read_bytes()))


def test_write_manifest_is_stable_sorted_and_atomic(tmp_path):
    data, params, refs = make_data(tmp_path)
    out = tmp_path / "out"
    write_results(out, RESULTS)
    first = write_manifest(build(tmp_path, data, params, refs, out),
                                    out / "manifest.json").read_bytes()
    # the same run again, refs in another order: the same bytes
    again = write_manifest(build(tmp_path, data, params, refs[::-1], out),
                                    out / "manifest.json").read_bytes()
    assert first == again
    assert first.endswith(b"}\n")
    keys = list(json.loads(first, object_pairs_hook=lambda pairs: pairs))
    top = [k for k, _ in keys]
    assert top == sorted(top)
    assert sorted(p.name for p in out.iterdir()) == ["2022", "2023", "manifest.json"]  # no temp
    assert read_manifest(out / "manifest.json") == json.loads(first)


def test_options_that_json_cannot_hold_are_refused_by_name(tmp_path):
    data, params, refs = make_data(tmp_path)
    with pytest.raises(TypeError, match="run option value <object"):
        build_manifest(data, refs, params, {"x": object()}, tmp_path / "out",
                                lock_path=tmp_path / "none.lock", root=tmp_path)


def test_read_manifest_names_what_is_wrong(tmp_path):
    path = tmp_path / "manifest.json"
    with pytest.raises(ManifestError, match="no such file"):
        read_manifest(path)
    path.write_text("{not json")
    with pytest.raises(ManifestError, match="not a readable JSON manifest"):
        read_manifest(path)
    path.write_text('{"manifest_version": 1}')  # plain input hashes: no longer read
    with pytest.raises(ManifestError, match="manifest_version is 1"):
        read_manifest(path)
    path.write_text('{"manifest_version": 2, "data_dir": "x"}')  # outputs' digest unnamed
    with pytest.raises(ManifestError, match="manifest_version is 2"):
        read_manifest(path)
    path.write_text('{"manifest_version": 3, "data_dir": "x"}')
    with pytest.raises(ManifestError, match="missing key.*inputs"):
        read_manifest(path)


# --------------------------------------------------------------------------- verify_inputs


def test_verify_inputs_names_each_changed_missing_and_new_input(tmp_path):
    data, params, refs = make_data(tmp_path)
    manifest = build(tmp_path, data, params, refs, tmp_path / "out")
    assert verify_inputs(manifest) == []

    (data / "beta" / "2022" / "leavers.csv").write_text("ethnicity,left\nIndian,4\n")
    (data / "beta" / "2022" / "cpd.csv").write_text("ethnicity,accessed\nIndian,1\n")
    (data / "alpha" / "2023.xlsx").unlink()
    (params / "beta.yml").write_text("display_name: Beta\n")
    (params / "defaults.yml").write_text("threshold: 5\n")
    lines = verify_inputs(manifest)
    assert len(lines) == 5
    assert lines[0].startswith(f"{data / 'alpha' / '2023.xlsx'}: input file is missing")
    assert lines[1].startswith(f"{data / 'beta' / '2022' / 'leavers.csv'}: input file changed")
    assert lines[2] == f"{data / 'beta' / '2022' / 'cpd.csv'}: new file in the beta 2022 " \
                       "return since the manifest"
    assert lines[3].startswith(f"{params / 'defaults.yml'}: parameter defaults changed")
    assert lines[4] == (f"{params / 'beta.yml'}: parameter file of beta did not exist when the "
                        "manifest was written, now it does")


def test_verify_inputs_in_a_moved_data_folder(tmp_path):
    data, params, refs = make_data(tmp_path)
    manifest = build(tmp_path, data, params, refs, tmp_path / "out")
    moved = tmp_path / "elsewhere"
    shutil.copytree(data, moved)
    (moved / "beta" / "2022" / "workforce.csv").write_text("changed\n")
    assert [line.split(":")[0] for line in verify_inputs(manifest, moved)] == [
        str(moved / "beta" / "2022" / "workforce.csv")]


# --------------------------------------------------------------------------- compare_results


def test_same_value_rules():
    assert same_value(0.5, 0.5 * (1 + 1e-14))  # last digits of a float: the same
    assert not same_value(0.5, 0.5 * (1 + 1e-9))
    assert same_value(3, 3.0)
    assert not same_value(True, 1)  # a flag is not a count
    assert not same_value(None, 0)
    assert not same_value(0.0, 1e-300)  # relative only: zero is exactly zero
    assert same_value("ok", "ok") and not same_value("ok", "not_computable")


def test_compare_identical_result_sets_finds_nothing(tmp_path):
    write_results(tmp_path / "a", RESULTS)
    write_results(tmp_path / "b", {k: [dict(r) for r in v][::-1] for k, v in RESULTS.items()})
    assert compare_results(tmp_path / "a", tmp_path / "b") == []  # order is no change


def test_compare_reports_values_records_and_files(tmp_path):
    write_results(tmp_path / "a", RESULTS)
    changed = dict(M2, rl=0.6, p_value=0.0031 * (1 + 1e-13))  # p within tolerance
    extra = record("M3", service="adults")
    write_results(tmp_path / "b", {(2023, "alpha"): [changed, extra],
                                   (2024, "alpha"): [M2]})
    found = compare_results(tmp_path / "a", tmp_path / "b")
    assert [(d.kind, d.file, d.metric, d.field) for d in found] == [
        ("missing_file", "2022/beta/metrics.json", None, None),
        ("value", "2023/alpha/metrics.json", "M2", "rl"),
        ("missing_record", "2023/alpha/metrics.json", "M1", None),
        ("extra_record", "2023/alpha/metrics.json", "M3", None),
        ("extra_file", "2024/alpha/metrics.json", None, None),
    ]
    value = found[1]
    assert (value.authority, value.year, value.service, value.group, value.expected,
            value.actual) == ("alpha", 2023, "all", "minority", 0.5, 0.6)
    assert str(value) == "alpha, 2023, M2, all, minority: rl was 0.5, now 0.6 " \
                         "(2023/alpha/metrics.json)"
    assert str(found[2]) == ("2023/alpha/metrics.json: alpha, 2023, M1, all, minority, "
                             "£70,000 and over: record missing from the new results")


def test_compare_reports_an_unreadable_file_and_a_field_gone(tmp_path):
    write_results(tmp_path / "a", {(2023, "alpha"): [M2], (2022, "beta"): [M2]})
    without = {k: v for k, v in M2.items() if k != "p_value"}
    write_results(tmp_path / "b", {(2023, "alpha"): [without], (2022, "beta"): [M2]})
    (tmp_path / "b" / "2022" / "beta" / "metrics.json").write_text("[{]")
    found = compare_results(tmp_path / "a", tmp_path / "b")
    assert [(d.kind, d.field, d.expected, d.actual) for d in found[1:]] == [
        ("value", "p_value", 0.0031, "<absent>")]
    assert found[0].kind == "unreadable" and found[0].expected == "actual"
    assert "cannot be read" in str(found[0])


# --------------------------------------------------------------------------- reproduce


def fake_batch(results: dict, calls: list | None = None, change: dict | None = None):
    """A stand-in for batch.run_batch: writes the given metrics.json files."""
    def run(data_dir, out_dir, **kwargs):
        if calls is not None:
            calls.append((Path(data_dir), Path(out_dir), kwargs))
        files = {k: [dict(r, **(change or {})) if r["metric"] == "M2" else r for r in v]
                 for k, v in results.items()}
        write_results(Path(out_dir), files)
    return run


def original_run(tmp_path: Path) -> tuple[Path, Path, Path]:
    data, params, refs = make_data(tmp_path)
    out = tmp_path / "outputs"
    fake_batch(RESULTS)(data, out)
    write_manifest(build(tmp_path, data, params, refs, out), out / "manifest.json")
    return data, params, out / "manifest.json"


def test_reproduce_same_results_is_ok_and_passes_the_options(tmp_path):
    data, params, manifest = original_run(tmp_path)
    calls: list = []
    report = reproduce(manifest, tmp_path / "again", fake_batch(RESULTS, calls))
    assert calls == [(data, tmp_path / "again", {
        "parameters_dir": params, "years": [2023, 2022], "authorities": [],
        "disclosure": "published", "parameters_note": "x/y"})]
    assert report.differences == [] and report.changed_inputs == []
    assert report.ok
    assert report.lines[-1] == "Reproduced: every result is the same."


def test_reproduce_sets_the_folders_itself_whatever_the_options_say(tmp_path):
    data, params, refs = make_data(tmp_path)
    out = tmp_path / "outputs"
    fake_batch(RESULTS)(data, out)
    options = {"data_dir": "/old/data", "out_dir": "/old/out", "parameters_dir": "/old/p",
               "jobs": 2}
    manifest = build_manifest(data, refs, params, options, out,
                                       lock_path=tmp_path / "none.lock", root=tmp_path)
    write_manifest(manifest, out / "manifest.json")
    calls: list = []
    report = reproduce(out / "manifest.json", tmp_path / "again",
                                fake_batch(RESULTS, calls))
    assert calls == [(data, tmp_path / "again", {"parameters_dir": params, "jobs": 2})]
    assert report.ok


def test_reproduce_reports_a_changed_value_and_is_not_ok(tmp_path):
    _, _, manifest = original_run(tmp_path)
    report = reproduce(manifest, tmp_path / "again", fake_batch(RESULTS,
                                                                        change={"rl": 0.6}))
    assert not report.ok
    assert [(d.metric, d.field, d.expected, d.actual) for d in report.differences] == [
        ("M2", "rl", 0.5, 0.6)]
    assert "1 result(s) differ:" in report.lines
    assert "  - alpha, 2023, M2, all, minority: rl was 0.5, now 0.6 " \
           "(2023/alpha/metrics.json)" in report.lines
    assert report.lines[-1] == "NOT reproduced: see above."


def test_report_lines_list_the_first_differences_and_count_the_rest(tmp_path):
    report = ReproduceReport(tmp_path / "manifest.json", tmp_path / "again",
                                      max_lines=2)
    report.differences = [Difference("value", "f", field="rl", expected=1, actual=2),
                          Difference("value", "f", field="p_value"),
                          Difference("value", "f", field="rl"),
                          Difference("missing_file", "g")]
    assert report.lines[1:] == [
        "4 result(s) differ:",
        "  - rl was 1, now 2 (f)",
        "  - p_value was None, now None (f)",
        "  ... and 2 more; all differences by field: rl 2, p_value 1, missing_file 1",
        "NOT reproduced: see above.",
    ]


def test_reproduce_reports_changed_inputs_and_a_failed_batch(tmp_path):
    data, _, manifest = original_run(tmp_path)
    (data / "beta" / "2022" / "workforce.csv").write_text("changed\n")

    def broken(data_dir, out_dir, **kwargs):
        raise RuntimeError("kernel died")

    report = reproduce(manifest, tmp_path / "again", broken)
    assert not report.ok
    assert len(report.changed_inputs) == 1 and "workforce.csv" in report.changed_inputs[0]
    assert report.batch_problems == ["the batch stopped: RuntimeError: kernel died"]
    assert {d.kind for d in report.differences} == {"missing_file"}


def test_reproduce_reports_a_batch_result_with_failures(tmp_path):
    _, _, manifest = original_run(tmp_path)

    class Result:
        ok = False
        failures = ["alpha 2023 m2_appointment: NameError"]

    def run(data_dir, out_dir, **kwargs):
        fake_batch(RESULTS)(data_dir, out_dir)
        return Result()

    report = reproduce(manifest, tmp_path / "again", run)
    assert report.batch_problems == ["alpha 2023 m2_appointment: NameError"]
    assert report.differences == [] and not report.ok


def test_reproduce_notices_recorded_results_edited_since(tmp_path):
    _, _, manifest = original_run(tmp_path)
    expected = manifest.parent / "2023" / "alpha" / "metrics.json"
    expected.write_text(expected.read_text().replace('"rl": 0.5', '"rl": 0.7'))
    report = reproduce(manifest, tmp_path / "again", fake_batch(RESULTS))
    assert len(report.changed_outputs) == 1 and "recorded output changed" in \
        report.changed_outputs[0]
    assert [(d.field, d.expected, d.actual) for d in report.differences] == [("rl", 0.7, 0.5)]


def test_reproduce_refuses_a_folder_that_is_not_empty(tmp_path):
    _, _, manifest = original_run(tmp_path)
    (tmp_path / "again").mkdir()
    (tmp_path / "again" / "old.txt").write_text("x")
    with pytest.raises(FileExistsError, match="not an empty folder"):
        reproduce(manifest, tmp_path / "again", fake_batch(RESULTS))


def test_reproduce_with_the_data_moved(tmp_path):
    data, _, manifest = original_run(tmp_path)
    moved = tmp_path / "moved"
    shutil.move(data, moved)
    calls: list = []
    report = reproduce(manifest, tmp_path / "again", fake_batch(RESULTS, calls),
                                data_dir=moved)
    assert report.ok, report.lines
    assert calls[0][0] == moved and calls[0][2]["parameters_dir"] == moved / "parameters"


def test_environment_notes_name_what_moved():
    now = environment()
    then = json.loads(json.dumps(now))
    then["installed"]["numpy"] = "1.0.0"
    then["python"]["version"] = "3.10.0"
    assert environment_notes({"environment": then}, now) == [
        f"Python: 3.10.0 then, {now['python']['version']} now",
        f"numpy: 1.0.0 then, {now['installed']['numpy']} now",
    ]


# --------------------------------------------------------------------------- results.csv


def test_every_result_column_has_a_place_in_results_csv():
    # disclosure is always "published" (results.csv refuses anything else), so it has no column
    placed = set(DATA_DICTIONARY) | set(STATISTICS) | {"disclosure"}
    assert set(RESULT_COLUMNS) <= placed


def test_results_long_rows_values_and_readings():
    suppressed = record("M3", n_group=None, events_group=None, n_reference=300,
                        events_reference=None, suppressed=True, unknown_count=0,
                        reason="not published: small numbers",
                        withheld=("n_group", "events_group", "events_reference", "rate_group"))
    absent = record("M4", status="not_collected", reason="no fitness_to_practise table")
    survey = record("M6", gap_pp=-2.5)
    frame = results_long(pd.DataFrame([M2, suppressed, absent, survey, M1_BAND]))
    assert list(frame.columns) == list(DATA_DICTIONARY)

    m2 = frame[frame["metric"] == "M2"].set_index("statistic")
    # counts, 6 rate columns, rl + interval + nhs + p, unknown count and %: 4 + 6 + 5 + 2 = 17
    assert len(m2) == 17
    assert m2.loc["rl", "value"] == 0.5 and m2.loc["rl", "unit"] == "ratio"
    assert m2.loc["rl_nhs_direction", "value"] == 2.0
    assert m2.loc["events_group", "value"] == 10 and m2.loc["events_group", "unit"] == "count"
    assert m2.loc["unknown_pct", "unit"] == "percent (0-100)"
    assert pd.isna(m2.loc["rl", "missing_reason"])
    assert pd.isna(m2.loc["rl_ci_low", "value"])
    assert m2.loc["rl_ci_low", "missing_reason"] == "not_computable"
    assert set(m2["significant"]) == {1} and set(m2["four_fifths"]) == {"adverse"}
    assert set(m2["suppressed"]) == {0} and set(m2["adverse_when"]) == {"low"}

    m3 = frame[frame["metric"] == "M3"].set_index("statistic")
    assert m3.loc["n_reference", "value"] == 300
    assert m3.loc["n_group", "missing_reason"] == "suppressed"
    assert m3.loc["n_group", "withheld"] == 1 and m3.loc["n_reference", "withheld"] == 0
    # a figure the record does not say was withheld is missing for another reason
    assert m3.loc["rl", "missing_reason"] == "not_computable" and m3.loc["rl", "withheld"] == 0
    assert m3.loc["unknown_count", "value"] == 0 and pd.isna(m3.loc["unknown_count",
                                                                   "missing_reason"])
    assert set(m3["suppressed"]) == {1}

    m4 = frame[frame["metric"] == "M4"]
    assert len(m4) == 17 and set(m4["missing_reason"]) == {"not_collected"}
    assert m4["value"].isna().all() and set(m4["reason"]) == {"no fitness_to_practise table"}

    m6 = frame[frame["metric"] == "M6"].set_index("statistic")
    assert len(m6) == 20  # the ratio rows and the gap with its interval
    assert m6.loc["gap_pp", "value"] == -2.5 and m6.loc["gap_pp", "unit"] == "percentage points"

    m1 = frame[frame["metric"] == "M1"].set_index("statistic")
    assert list(m1.index) == ["n_group", "n_reference", "share", "share_ci_low", "share_ci_high",
                              "share_workforce", "representation_index", "unknown_count",
                              "unknown_pct"]
    assert set(m1["pay_band"]) == {"£70,000 and over"}
    assert m1.loc["representation_index", "value"] == 0.6


def test_results_long_refuses_results_that_were_not_published():
    with pytest.raises(ValueError, match="record 2 .* has disclosure 'internal'"):
        results_long(pd.DataFrame([M2, dict(M2, disclosure="internal")]))
    with pytest.raises(ValueError, match="disclosure None"):
        results_long(pd.DataFrame([dict(M2, disclosure=None)]))
    with pytest.raises(ValueError, match=r"record 1 \(alpha, 2023, M2, all, minority\): rl is "
                                         "'0.5'; expected a number or null"):
        results_long(pd.DataFrame([dict(M2, rl="0.5")]))
    with pytest.raises(ValueError, match="lack column.*rl_ci_low"):
        results_long(pd.DataFrame([M2]).drop(columns="rl_ci_low"))


def _full_return():
    """Every table, one service, enough people in each group for every figure."""
    people = {"Indian": 30, "Caribbean": 20, "Arab": 10, "White British": 200, "Not stated": 9}
    tables: dict[str, list[dict]] = {name: [] for name in (
        "workforce", "recruitment", "disciplinary", "fitness_to_practise", "cpd", "survey",
        "leavers", "senior_management")}
    for label, n in people.items():
        tables["workforce"] += [{"ethnicity": label, "pay_band": "A", "headcount": n},
                                {"ethnicity": label, "pay_band": "B", "headcount": n // 2}]
        tables["recruitment"].append({"ethnicity": label, "shortlisted": n, "appointed": n // 3})
        tables["disciplinary"].append({"ethnicity": label, "entered": n // 10})
        tables["fitness_to_practise"].append({"ethnicity": label, "registered": n,
                                              "entered": n // 10})
        tables["cpd"].append({"ethnicity": label, "accessed": n // 2})
        tables["leavers"].append({"ethnicity": label, "left": n // 5})
        tables["senior_management"].append({"ethnicity": label, "headcount": n // 5})
        tables["survey"] += [{"ethnicity": label, "question": q, "respondents": n,
                              "yes": n // 4} for q in ("public", "colleagues", "managers")]
    return make_return(tables, population={"White": 0.8, "Asian or Asian British": 0.2})


def test_metric_statistics_cover_every_figure_the_engine_computes():
    results = metrics.compute_all(_full_return(), make_params(pay_bands=["A", "B"]))
    numeric = [c for c in RESULT_COLUMNS if c in STATISTICS]
    for row in results.to_dict("records"):
        given = {c for c in numeric if row[c] is not None}
        assert given <= set(metric_statistics(row["metric"])), row["metric"]
    # and each metric's list is used: every statistic appears somewhere for its metric
    for metric in metrics.METRICS:
        rows = results[results["metric"] == metric]
        for statistic in metric_statistics(metric):
            assert rows[statistic].notna().any(), (metric, statistic)


def test_results_csv_from_metrics_json_reads_back_exactly(tmp_path):
    third = record("M2", rl=1 / 3, p_value=1.234e-20, n_group=7)
    write_results(tmp_path / "out", {(2023, "alpha"): [third, M1_BAND]})
    path = write_results_csv(result_files(tmp_path / "out"),
                                      tmp_path / "results.csv")
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == ",".join(DATA_DICTIONARY)
    assert ("result,alpha,,,2023,,,M2,all,minority,white,,n_group,7,count,,0,ok,,,,,,low,0,0,"
            in lines)
    assert "\r" not in text and "£70,000 and over" in text
    back = pd.read_csv(path, keep_default_na=False, na_values=[""])
    rl = back[(back["metric"] == "M2") & (back["statistic"] == "rl")]["value"].item()
    p = back[(back["metric"] == "M2") & (back["statistic"] == "p_value")]["value"].item()
    assert rl == 1 / 3 and p == 1.234e-20  # repr round trip: not a digit lost
    assert len(back) == 17 + 9


def test_write_results_csv_from_a_frame_and_from_record_dicts_agree(tmp_path):
    a = write_results_csv(pd.DataFrame([M2, M1_BAND]), tmp_path / "a.csv")
    b = write_results_csv([M2, M1_BAND], tmp_path / "b.csv")
    assert a.read_bytes() == b.read_bytes()


def test_data_dictionary_describes_every_column_and_statistic(tmp_path):
    table = data_dictionary()
    columns = table[table["statistic"] == ""]
    assert list(columns["column"]) == list(DATA_DICTIONARY)
    stats = table[table["statistic"] != ""]
    assert set(stats["column"]) == {"value"}
    assert list(stats["statistic"]) == list(STATISTICS)
    kinds = dict(zip(stats["statistic"], stats["kinds"], strict=True))
    assert kinds["rl"] == "result pooled benchmark national" and kinds["rl_change"] == "change"
    units = dict(zip(stats["statistic"], stats["unit"], strict=True))
    assert units["rate_group"] == "fraction (0-1)"
    assert units["gap_pp"] == "percentage points"
    assert units["unknown_pct"] == "percent (0-100)"
    path = write_data_dictionary(tmp_path / "results_dictionary.csv")
    back = pd.read_csv(path, keep_default_na=False)
    assert len(back) == len(DATA_DICTIONARY) + len(STATISTICS)
    assert (back["description"] != "").all()


def test_results_csv_of_published_records_holds_no_small_count():
    """Through the real disclosure control: a group of 3 Arab staff (and so on) is hidden, and
    results.csv shows every hidden count as an empty value marked suppressed."""
    from wres_tools.disclosure import COUNT_COLUMNS, apply_disclosure

    results = metrics.compute_all(_full_return(), make_params(pay_bands=["A", "B"]))
    published = apply_disclosure(results, "published", 5)
    frame = results_long(published)
    counts = frame[frame["statistic"].isin(COUNT_COLUMNS)]
    shown = counts["value"].dropna()
    assert not ((shown >= 1) & (shown <= 4)).any()
    # Arab staff: 10 in band A, 5 in band B; disciplinary 10 // 10 = 1 entered -> hidden
    m3_other = frame[(frame["metric"] == "M3") & (frame["group"] == "other")
                     & (frame["statistic"] == "events_group")]
    assert m3_other["value"].isna().all() and set(m3_other["missing_reason"]) == {"suppressed"}
    hidden = published["suppressed"].astype(bool).sum()
    assert hidden > 0
    assert set(frame.loc[frame["suppressed"] == 1, "metric"]) == set(
        published.loc[published["suppressed"].astype(bool), "metric"])


# --------------------------------------------------------------------------- this run only


def test_manifest_records_the_results_of_its_own_returns_only(tmp_path):
    data, params, refs = make_data(tmp_path)
    out = tmp_path / "out"
    # alpha 2023 has results, beta 2022 none (say it failed); zeta is another run's
    write_results(out, {(2023, "alpha"): [M2], (2023, "zeta"): [M2]})
    manifest = build(tmp_path, data, params, refs, out)
    assert manifest["outputs"] == [
        {"path": "2022/beta/metrics.json", "digest": "sha256", "value": None},
        {"path": "2023/alpha/metrics.json", "digest": "sha256",
         "value": _sha((out / "2023" / "alpha" / "metrics.json").read_bytes())},
    ]


def test_compare_results_limited_to_named_files(tmp_path):
    write_results(tmp_path / "a", {(2023, "alpha"): [M2], (2023, "zeta"): [M2]})
    write_results(tmp_path / "b", {(2023, "alpha"): [M2], (2022, "beta"): [M2]})
    assert compare_results(tmp_path / "a", tmp_path / "b",
                                    files=["2023/alpha/metrics.json"]) == []
    found = compare_results(tmp_path / "a", tmp_path / "b",
                                     files=["2023/alpha/metrics.json", "2022/beta/metrics.json"])
    assert [(d.kind, d.file) for d in found] == [("extra_file", "2022/beta/metrics.json")]


def test_reproduce_ignores_other_runs_results_in_the_folder(tmp_path):
    data, params, refs = make_data(tmp_path)
    out = tmp_path / "outputs"
    write_results(out, {**RESULTS, (2023, "zeta"): [M2]})  # zeta: from an earlier, wider run
    write_manifest(build(tmp_path, data, params, refs, out), out / "manifest.json")
    report = reproduce(out / "manifest.json", tmp_path / "again", fake_batch(RESULTS))
    assert report.ok, report.lines


def _published(records: list[dict]) -> list[dict]:
    return [dict(r, disclosure="published") for r in records]


def test_write_evidence_writes_csv_dictionary_methods_and_manifest(tmp_path):
    data, params, refs = make_data(tmp_path)
    out = tmp_path / "out"
    write_results(out, RESULTS)
    manifest = write_evidence(data, refs, params, {"disclosure": "published"}, out,
                                       lock_path=tmp_path / "none.lock", root=tmp_path)
    names = sorted(p.name for p in out.iterdir())
    assert names == [".evidence", "2022", "2023", "manifest.json", "methods.html",
                     "results.csv", "results.parquet", "results_dictionary.csv"]
    written = pd.read_csv(out / "results.csv", keep_default_na=False, na_values=[""])
    own = written[written["kind"] == "result"].drop(columns=["name", "ons_code"])
    alone = pd.read_csv(io.StringIO(results_csv(
        [*RESULTS[(2022, "beta")], *RESULTS[(2023, "alpha")]])), keep_default_na=False,
        na_values=[""]).drop(columns=["name", "ons_code"])
    pd.testing.assert_frame_equal(own.reset_index(drop=True), alone, check_dtype=False)
    # the display name from alpha's parameter file; beta has none, so its folder name
    assert set(written.loc[written["authority"] == "alpha", "name"]) == {"Alpha"}
    assert set(written.loc[written["authority"] == "beta", "name"]) == {"beta"}
    # one authority a year, with no ratio figure: each benchmark says why there is no funnel
    bench = written[(written["kind"] == "benchmark") & written["authority"].isna()]
    assert set(bench["reason"].dropna()) == {too_few_reason(0)}
    assert [o["path"] for o in manifest["outputs"]] == [
        "2022/beta/metrics.json", "2023/alpha/metrics.json", "results.csv",
        "results.parquet", "results_dictionary.csv", "methods.html"]
    assert read_manifest(out / "manifest.json") == manifest
    # alpha's own threshold (10) differs from the defaults (7): the methods page says so
    page = (out / "methods.html").read_text(encoding="utf-8")
    assert "the threshold is 7" in page and "<td>threshold 10</td>" in page


def test_write_evidence_of_an_internal_run_writes_no_results_csv(tmp_path):
    data, params, refs = make_data(tmp_path)
    out = tmp_path / "out"
    write_results(out, RESULTS)
    write_evidence(data, refs, params, {}, out, lock_path=tmp_path / "none.lock",
                            root=tmp_path)
    assert (out / "results.csv").exists()
    write_results(out, {k: [dict(r, disclosure="internal") for r in v]
                        for k, v in RESULTS.items()})
    manifest = write_evidence(data, refs, params, {"disclosure": "internal"}, out,
                                       lock_path=tmp_path / "none.lock", root=tmp_path)
    assert not (out / "results.csv").exists() and not (out / "results_dictionary.csv").exists()
    assert [o["path"] for o in manifest["outputs"]] == ["2022/beta/metrics.json",
                                                        "2023/alpha/metrics.json",
                                                        "methods.html"]
    # internal records: every output digest keyed, none a plain sha256 of the file
    assert {o["digest"] for o in manifest["outputs"]} == {"hmac-sha256"}
    alpha = (out / "2023" / "alpha" / "metrics.json").read_bytes()
    assert manifest["outputs"][1]["value"] == _keyed(data, alpha) != _sha(alpha)


# --------------------------------------------------------------------------- end to end


def mini_batch(data_dir, out_dir, *, parameters_dir, authorities=(), years=(),
               disclosure="published"):
    """What batch.run_batch does for metrics.json, without notebooks: read, compute, disclose."""
    from wres_tools.disclosure import apply_disclosure
    from wres_tools.parameters import load_parameters
    from wres_tools.returns.find import find_returns
    from wres_tools.returns.load import load_return

    for ref in find_returns(data_dir):
        if (authorities and ref.authority not in authorities) or (years and ref.year not in
                                                                  years):
            continue
        params = load_parameters(ref.authority, parameters_dir)
        results = metrics.compute_all(load_return(ref, params), params)
        shown = apply_disclosure(results, disclosure, params.threshold,
                                 senior_bands=params.senior_bands)
        path = metrics_path(out_dir, ref.authority, ref.year)
        path.parent.mkdir(parents=True, exist_ok=True)
        records = [{k: None if isinstance(v, float) and v != v else v for k, v in r.items()}
                   for r in shown.to_dict("records")]  # NaN -> null, as the batch writes it
        path.write_text(json.dumps(records, sort_keys=True, indent=1, allow_nan=False),
                        encoding="utf-8")


def batch_with_evidence(data_dir, out_dir, *, parameters_dir, authorities=(), years=(),
                        disclosure="published"):
    """:func:`mini_batch`, then the evidence files, as batch.run_batch writes them."""
    from wres_tools.returns.find import find_returns

    options = {"authorities": list(authorities), "years": list(years),
               "disclosure": disclosure}
    mini_batch(data_dir, out_dir, parameters_dir=parameters_dir, **options)
    refs = [r for r in find_returns(data_dir) if (not authorities or r.authority in authorities)
            and (not years or r.year in years)]
    write_evidence(data_dir, refs, parameters_dir, options, out_dir)


@pytest.mark.heavy
def test_end_to_end_on_synthetic_returns(tmp_path):
    """Two seeded demo authorities (one workbook, one CSV folder): run, write the evidence,
    reproduce (same results), then change one count in an input and reproduce again."""
    from wres_tools.demo import synth
    from wres_tools.returns.find import find_returns

    data = tmp_path / "data"
    by_slug = {s.slug: s for s in synth.AUTHORITIES}
    specs = [by_slug["oakhollow"], by_slug["thistlecombe"]]  # the smallest workbook and folder
    assert [s.form for s in specs] == ["xlsx", "csv"]
    for spec in specs:
        write_return(synth.authority_return(spec, 2023, seed=5), data, spec.slug, 2023,
                     spec.form)
        (data / "parameters").mkdir(exist_ok=True)
        (data / "parameters" / f"{spec.slug}.yml").write_text(synth.parameters_yaml(spec, 5))
    out = tmp_path / "outputs"
    options = {"authorities": [s.slug for s in specs], "years": [2023],
               "disclosure": "published"}
    mini_batch(data, out, parameters_dir=data / "parameters", **options)
    refs = find_returns(data)
    manifest = write_evidence(data, refs, data / "parameters", options, out)
    assert [s["seed"] for s in manifest["seeds"]] == [5, 5]
    assert manifest["environment"]["package"]["version"] == __version__
    frame = pd.read_csv(out / "results.csv", keep_default_na=False, na_values=[""])
    # every row names its authority but a benchmark's pooled figure and the national picture,
    # which are of them all
    assert set(frame["authority"].dropna()) == {s.slug for s in specs}
    assert set(frame.loc[frame["authority"].isna(), "kind"]) == {"benchmark", "national"}

    report = reproduce(out / "manifest.json", tmp_path / "again", batch_with_evidence)
    assert report.ok, report.lines

    csv_spec = specs[1]
    leavers = data / csv_spec.slug / "2023" / "leavers.csv"
    table = pd.read_csv(leavers, dtype=str, keep_default_na=False)
    table.loc[0, "left"] = str(int(table.loc[0, "left"]) + 40)
    table.to_csv(leavers, index=False, lineterminator="\n")
    report = reproduce(out / "manifest.json", tmp_path / "third", batch_with_evidence)
    assert not report.ok
    assert report.changed_inputs == [report.changed_inputs[0]]
    assert "leavers.csv: input file changed" in report.changed_inputs[0]
    changed = {(d.file, d.metric) for d in report.differences
               if d.file not in ("results.csv", "results.parquet")}
    assert changed == {(f"2023/{csv_spec.slug}/metrics.json", "M8")}
    # results.csv and .parquet, row by row: only M8 rows (the authority's, and the funnel's
    # pooled figure of both), each named by its line and key columns
    rows = [d for d in report.differences if d.file in ("results.csv", "results.parquet")]
    assert rows and {d.kind for d in rows} == {"row"}
    assert all("metric=M8" in d.row and d.row.startswith("line ") for d in rows), rows[:3]


def test_the_projects_defaults_are_found_in_a_checkout_elsewhere(tmp_path):
    data, params, refs = make_data(tmp_path)
    (params / "defaults.yml").unlink()  # so the project's own parameters/defaults.yml is used
    manifest = build(tmp_path, data, params, refs, tmp_path / "out")
    project_defaults = PROJECT_ROOT / "parameters" / "defaults.yml"
    assert manifest["parameters"]["defaults"]["path"] == project_defaults.as_posix()
    assert manifest["project_root"] == PROJECT_ROOT.as_posix()
    # the manifest as written on a machine where the project lived in /old/place
    elsewhere = json.loads(json.dumps(manifest))
    elsewhere["project_root"] = "/old/place"
    elsewhere["parameters"]["defaults"]["path"] = "/old/place/parameters/defaults.yml"
    assert verify_inputs(elsewhere) == []
    elsewhere["parameters"]["defaults"]["hmac"] = "0" * 64
    assert verify_inputs(elsewhere) == [
        f"{project_defaults}: parameter defaults changed since the manifest (digest was "
        f"000000000000..., now {_keyed(data, project_defaults.read_bytes())[:12]}...)"]


def test_inputs_include_the_other_years_of_the_run_authorities(tmp_path):
    data, params, refs = make_data(tmp_path)
    write_return({"metadata": _metadata("78"), "workforce": WORKFORCE}, data, "alpha", 2022,
                 "xlsx")
    alpha_2023 = [r for r in refs if r.authority == "alpha"]
    manifest = build(tmp_path, data, params, alpha_2023, tmp_path / "out")
    assert [(i["authority"], i["year"], i["reported"]) for i in manifest["inputs"]] == [
        ("alpha", 2022, False), ("alpha", 2023, True)]  # beta: not in this run
    assert [s["seed"] for s in manifest["seeds"]] == [78, 77]
    assert [o["path"] for o in manifest["outputs"]] == ["2023/alpha/metrics.json"]
    (data / "alpha" / "2022.xlsx").write_bytes(b"changed")
    assert [line.split(": ")[1] for line in verify_inputs(manifest)] == [
        "input file changed since the manifest (digest was "
        f"{manifest['inputs'][0]['files'][0]['hmac'][:12]}..., now "
        f"{_keyed(data, b'changed')[:12]}...)"]


# --------------------------------------------------------------------------- what pages state

#: Five authorities, two years, M3 only: 100 minority staff and 400 white each year, 20 white
#: staff entering the disciplinary process; minority entrants (2022, 2023) below.
ENTERED = {"a1": (10, 15), "a2": (10, 10), "a3": (5, 6), "a4": (20, 30), "a5": (3, 8)}


def _m3_batch(tmp_path: Path) -> tuple[Path, Path, list[ReturnRef]]:
    data = tmp_path / "data"
    refs = []
    for authority, entered in ENTERED.items():
        for year, minority in zip((2022, 2023), entered, strict=True):
            tables = {
                "workforce": pd.DataFrame({"ethnicity": ["Indian", "White British"],
                                           "pay_band": ["A", "A"], "headcount": [100, 400]}),
                "disciplinary": pd.DataFrame({"ethnicity": ["Indian", "White British"],
                                              "entered": [minority, 20]}),
            }
            refs.append(ReturnRef.from_path(write_return(tables, data, authority, year, "csv")))
    params = data / "parameters"
    params.mkdir()
    (params / "defaults.yml").write_text("threshold: 5\n", encoding="utf-8")
    for number, authority in enumerate(ENTERED, 1):
        (params / f"{authority}.yml").write_text(
            f"display_name: Council {number}\nons_code: E0600000{number}\npay_bands: [A]\n",
            encoding="utf-8")
    return data, params, sorted(refs, key=lambda r: (r.authority, r.year))


def _published_json(data: Path, params: Path, refs: list[ReturnRef], out: Path) -> None:
    """Each return's metrics.json as the batch writes it: report.load's published records."""
    from wres_tools.batch.state import results_json
    from wres_tools.reporting import report

    for ref in refs:
        shown = report.load(ref.authority, ref.year, data, parameters_dir=params).results
        path = metrics_path(out, ref.authority, ref.year)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(results_json(shown.to_dict("records")), encoding="utf-8")


@pytest.fixture(scope="module")
def m3_evidence(tmp_path_factory) -> tuple[Path, Path, Path]:
    return build_m3_evidence(tmp_path_factory.mktemp("m3"))


def build_m3_evidence(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Five authorities' M3 over two years, with the evidence files: (data, params, out)."""
    data, params, refs = _m3_batch(tmp_path)
    out = tmp_path / "out"
    _published_json(data, params, refs, out)
    write_evidence(data, refs, params, {"disclosure": "published"}, out,
                   lock_path=tmp_path / "none.lock", root=tmp_path)
    return data, params, out


def _rows(frame: pd.DataFrame, **where: object) -> pd.Series:
    """statistic -> value of the rows matching every column=value (minority, service all)."""
    mask = (frame["group"] == "minority") & (frame["service"] == "all")
    for column, value in where.items():
        mask &= frame[column] == value
    return frame[mask].set_index("statistic")


def test_change_pooled_and_benchmark_rows_hold_the_figures_worked_by_hand(m3_evidence):
    _, _, out = m3_evidence
    res = pd.read_csv(out / "results.csv", keep_default_na=False, na_values=[""])
    # a1: RL 2022 = (10/100) / (20/400) = 2.0; 2023 = (15/100) / 0.05 = 3.0; change 3 / 2 = 1.5
    change = _rows(res, kind="change", authority="a1", metric="M3", compared_with="baseline")
    assert change.loc["rl_then", "value"] == pytest.approx(2.0)
    assert change.loc["rl_now", "value"] == pytest.approx(3.0)
    assert change.loc["rl_change", "value"] == pytest.approx(1.5)
    assert change.loc["rl_change", "unit"] == "ratio"
    assert set(change["year"]) == {2023} and set(change["year_from"]) == {2022}
    assert set(change["name"]) == {"Council 1"} and set(change["ons_code"]) == {"E06000001"}
    # a2: the same RL both years: a change of exactly 1, not significant
    same = _rows(res, kind="change", authority="a2", metric="M3", compared_with="previous")
    assert same.loc["rl_change", "value"] == pytest.approx(1.0)
    assert set(same["direction"]) == {"no significant change"}
    # pooled M3, a1 2023: (10 + 15) / 200 over 40 / 800 = 0.125 / 0.05 = 2.5
    pooled = _rows(res, kind="pooled", authority="a1", year=2023, metric="M3")
    assert pooled.loc["events_group", "value"] == 25 and pooled.loc["n_group", "value"] == 200
    assert pooled.loc["events_reference", "value"] == 40
    assert pooled.loc["rl", "value"] == pytest.approx(2.5)
    assert set(pooled["year_from"]) == {2022}
    # the 2023 funnel for M3 (adverse when high): a4 6.0, a1 3.0, a2 2.0, a5 1.6, a3 1.2
    bench = res[(res["kind"] == "benchmark") & (res["metric"] == "M3") & (res["year"] == 2023)
                & (res["statistic"] == "rank")].set_index("authority")
    assert bench["value"].to_dict() == {"a1": 2, "a2": 3, "a3": 5, "a4": 1, "a5": 4}
    rl = res[(res["kind"] == "benchmark") & (res["metric"] == "M3") & (res["year"] == 2023)
             & (res["statistic"] == "rl")].set_index("authority")["value"]
    assert rl.to_dict() == pytest.approx({"a1": 3.0, "a2": 2.0, "a3": 1.2, "a4": 6.0, "a5": 1.6})
    # the pooled figure of the funnel: (15 + 10 + 6 + 30 + 8) / 500 over 100 / 2000 = 2.76
    pool = res[(res["kind"] == "benchmark") & (res["metric"] == "M3") & (res["year"] == 2023)
               & res["authority"].isna()].set_index("statistic")["value"]
    assert pool["pooled_rl"] == pytest.approx(0.138 / 0.05)
    assert pool["n_authorities"] == 5


def test_evidence_rows_equal_what_the_pages_are_made_from(m3_evidence):
    """The change, pooled and funnel figures are the pages' own (report.load and
    report.year_benchmark, the frames the notebooks print), figure for figure."""
    from wres_tools.reporting import report

    data, params, out = m3_evidence
    res = pd.read_csv(out / "results.csv", keep_default_na=False, na_values=[""])
    page = report.load("a4", 2023, data, parameters_dir=params)
    rows = res[(res["kind"] == "change") & (res["authority"] == "a4")]
    for trend in page.trends.to_dict("records"):
        if trend["metric"] != "M3" or trend["group"] != "minority" or trend["service"] != "all":
            continue
        mine = _rows(rows, metric="M3", compared_with=trend["compared_with"])
        assert mine.loc["rl_change", "value"] == pytest.approx(trend["change"])
        assert mine.loc["change_p_value", "value"] == pytest.approx(trend["p_value"])
        assert mine.loc["rl_change_ci_low", "value"] == pytest.approx(trend["change_ci_low"])
    bench = report.year_benchmark(2023, data, params, "published").results["M3"]
    shown = res[(res["kind"] == "benchmark") & (res["metric"] == "M3") & (res["year"] == 2023)]
    for point in bench.table.to_dict("records"):
        mine = shown[shown["authority"] == point["authority"]].set_index("statistic")
        assert set(mine["position"]) == {point["position"]}
        assert mine.loc["z", "value"] == pytest.approx(point["z"])
        assert mine.loc["se_log_rl", "value"] == pytest.approx(point["se"])


def test_a_figure_withheld_on_a_page_is_withheld_in_results_csv_and_parquet(m3_evidence):
    """a5 had 3 minority entrants in 2022: withheld that year, so its change since 2022 and its
    pooled count are withheld on the 2023 pages; results.csv and results.parquet say the same
    and hold no value for them."""
    from wres_tools.reporting import report

    data, params, out = m3_evidence
    page = report.load("a5", 2023, data, parameters_dir=params)
    trend = page.trends[(page.trends["metric"] == "M3") & (page.trends["group"] == "minority")
                        & (page.trends["service"] == "all")]
    assert trend["change"].isna().all() and set(trend["reason"]) == {"not published: small "
                                                                     "numbers"}
    pooled_page = page.pooled[(page.pooled["group"] == "minority")
                              & (page.pooled["service"] == "all")].iloc[0]
    assert pd.isna(pooled_page["events_group"])
    for table in (pd.read_csv(out / "results.csv", keep_default_na=False, na_values=[""]),
                  pd.read_parquet(out / "results.parquet")):
        change = _rows(table, kind="change", authority="a5", metric="M3")
        assert change["value"].isna().all() and set(change["withheld"]) == {1}
        assert set(change["missing_reason"]) == {"suppressed"}
        assert set(change["direction"]) == {"not published: small numbers"}
        pooled = _rows(table, kind="pooled", authority="a5", year=2023, metric="M3")
        assert pd.isna(pooled.loc["events_group", "value"])
        assert pooled.loc["events_group", "withheld"] == 1
        old = _rows(table, kind="result", authority="a5", year=2022, metric="M3")
        assert pd.isna(old.loc["events_group", "value"]) and old.loc["events_group",
                                                                    "withheld"] == 1
        # and nowhere a count of 1 to 4
        counts = table[table["unit"] == "count"]["value"].dropna()
        assert not ((counts >= 1) & (counts <= 4)).any()


def test_parquet_holds_the_same_rows_and_types_as_the_csv(m3_evidence):
    _, _, out = m3_evidence
    csv = pd.read_csv(out / "results.csv", keep_default_na=False, na_values=[""])
    parquet = pd.read_parquet(out / "results.parquet")
    assert list(parquet.columns) == list(DATA_DICTIONARY)
    assert len(parquet) == len(csv)
    assert str(parquet["value"].dtype) == "float64" and str(parquet["year"].dtype) == "Int64"
    pd.testing.assert_series_equal(parquet["value"], csv["value"], check_names=False)
    assert (parquet["statistic"].astype(object) == csv["statistic"]).all()


def test_a_new_kind_of_row_is_one_function_and_one_entry(monkeypatch):
    """How national rows will arrive: a function that turns its published frame into rows
    (figure_rows does the work) and an entry of ROW_KINDS; results.csv and its dictionary
    then hold them."""
    from wres_tools.evidence import results, rows

    def national_rows(frame: pd.DataFrame) -> list:
        out = []
        for record in frame.to_dict("records"):
            out += rows.figure_rows(
                {"kind": "national", "year": record["year"], "metric": record["metric"]},
                [("councils_beyond_1_25", record["beyond"], False)],
                {"councils_beyond_1_25": rows.Column("integer", "count", "councils")},
                reason=None, status="ok", where="national")
        return out

    kind = rows.RowKind("national figures", national_rows,
                        {"councils_beyond_1_25": rows.Column("integer", "count", "councils")})
    monkeypatch.setitem(rows.ROW_KINDS, "national", kind)
    frame = results.results_long(None, {"national": [pd.DataFrame(
        [{"year": 2023, "metric": "M3", "beyond": 12}])]})
    assert frame[["kind", "metric", "statistic", "value"]].values.tolist() == [
        ["national", "M3", "councils_beyond_1_25", 12.0]]


def test_the_dictionary_names_every_column_and_statistic_a_batch_writes(m3_evidence):
    """From a real batch's evidence: every column of results.csv and results.parquet is in the
    dictionary and every column the dictionary names is in both; every statistic a row holds is
    in the dictionary, with the unit the dictionary gives it and a kind that may hold it."""
    _, _, out = m3_evidence
    csv = pd.read_csv(out / "results.csv", keep_default_na=False, na_values=[""])
    parquet = pd.read_parquet(out / "results.parquet")
    for table in (csv, parquet):
        assert list(table.columns) == list(DATA_DICTIONARY)
        held = table[["kind", "statistic", "unit"]].drop_duplicates()
        for kind, statistic, unit in held.itertuples(index=False):
            assert statistic in STATISTICS, statistic
            assert STATISTICS[statistic].unit == unit, statistic
            assert kind in data_dictionary().set_index("statistic").loc[statistic, "kinds"]
    written = pd.read_csv(out / "results_dictionary.csv", keep_default_na=False)
    assert list(written.loc[written["statistic"] == "", "column"]) == list(csv.columns)
    assert set(csv["statistic"]) <= set(written["statistic"])


# --------------------------------------------------------------------------- output digests


def _internal(records: dict) -> dict:
    return {k: [dict(r, disclosure="internal") for r in v] for k, v in records.items()}


def test_an_internal_runs_output_digests_are_keyed_and_no_guessing_oracle(tmp_path):
    data, params, refs = make_data(tmp_path)
    out = tmp_path / "out"
    write_results(out, _internal(RESULTS))
    page = out / "2023" / "alpha" / "summary.html"
    page.write_text("<p>3 of 7 appointed</p>\n", encoding="utf-8")
    manifest = build_manifest(data, refs, params, {"disclosure": "internal"}, out,
                              lock_path=tmp_path / "none.lock", root=tmp_path)
    assert manifest["output_digests"]["method"] == "hmac-sha256"
    outputs = {o["path"]: o for o in manifest["outputs"]}
    assert set(outputs) == {"2022/beta/metrics.json", "2023/alpha/metrics.json",
                            "2023/alpha/summary.html"}
    text = json.dumps(manifest)
    for name, item in outputs.items():
        payload = (out / name).read_bytes()
        assert item["digest"] == "hmac-sha256"
        # not the sha256 of the bytes: a reader who guesses the file cannot confirm the guess
        assert item["value"] != _sha(payload) and _sha(payload) not in text
        # it is the HMAC under the data folder's key, and under no other key
        assert item["value"] == _keyed(data, payload)
        assert item["value"] != hmac.new(b"\0" * 32, payload, hashlib.sha256).hexdigest()
    # the guess "3 of 7" typed out as the page is: its plain hash is nowhere in the manifest
    assert _sha(b"<p>3 of 7 appointed</p>\n") not in text


def test_a_published_runs_output_digests_are_plain_sha256(tmp_path):
    data, params, refs = make_data(tmp_path)
    out = tmp_path / "out"
    write_results(out, RESULTS)
    (out / "2023" / "alpha" / "summary.html").write_text("<p>page</p>\n", encoding="utf-8")
    manifest = build(tmp_path, data, params, refs, out)
    assert manifest["output_digests"]["method"] == "sha256"
    for item in manifest["outputs"]:
        path = out / item["path"]
        assert item["digest"] == "sha256"
        assert item["value"] == (_sha(path.read_bytes()) if path.is_file() else None)
    assert {o["path"] for o in manifest["outputs"]} >= {"2023/alpha/summary.html"}


def test_one_unpublished_authority_or_record_keys_every_output(tmp_path):
    data, params, refs = make_data(tmp_path)
    out = tmp_path / "out"
    write_results(out, RESULTS)
    # no disclosure option: alpha's own parameters put it in internal mode
    (params / "alpha.yml").write_text("display_name: Alpha\ndisclosure: internal\n")
    manifest = build_manifest(data, refs, params, {}, out, lock_path=tmp_path / "none.lock",
                              root=tmp_path)
    assert {o["digest"] for o in manifest["outputs"]} == {"hmac-sha256"}
    # every authority published by its parameters, but one record says internal
    (params / "alpha.yml").write_text("display_name: Alpha\n")
    assert {o["digest"] for o in build_manifest(
        data, refs, params, {}, out, lock_path=tmp_path / "none.lock",
        root=tmp_path)["outputs"]} == {"sha256"}
    write_results(out, {(2023, "alpha"): [M2, dict(M1_BAND, disclosure="internal")]})
    manifest = build_manifest(data, refs, params, {"disclosure": "published"}, out,
                              lock_path=tmp_path / "none.lock", root=tmp_path)
    assert {o["digest"] for o in manifest["outputs"]} == {"hmac-sha256"}


def test_reproduce_checks_keyed_outputs_with_the_key(tmp_path):
    data, params, refs = make_data(tmp_path)
    out = tmp_path / "outputs"
    internal = _internal(RESULTS)
    fake_batch(internal)(data, out)
    write_manifest(build_manifest(data, refs, params, {"disclosure": "internal"}, out,
                                  lock_path=tmp_path / "none.lock", root=tmp_path),
                   out / "manifest.json")
    report = reproduce(out / "manifest.json", tmp_path / "again", fake_batch(internal))
    assert report.ok, report.lines
    # an edit of a recorded output is found with the key ...
    alpha = out / "2023" / "alpha" / "metrics.json"
    alpha.write_text(alpha.read_text().replace('"rl": 0.5', '"rl": 0.7'))
    report = reproduce(out / "manifest.json", tmp_path / "third", fake_batch(internal))
    assert [line.split(": ")[0] for line in report.changed_outputs] == [str(alpha)]
    assert "recorded output changed" in report.changed_outputs[0]
    # ... and without the key it cannot be checked, which is said, not passed
    (data / ".wres-input-key").rename(tmp_path / "key-elsewhere")
    report = reproduce(out / "manifest.json", tmp_path / "fourth", fake_batch(internal))
    assert not report.ok
    assert any("cannot be checked" in line and ".wres-input-key" in line
               for line in report.changed_outputs), report.changed_outputs


def test_a_seed_is_recorded_for_synthetic_returns_only(tmp_path):
    not_synthetic = pd.DataFrame({"key": ["seed", "source"], "value": ["123", "HR system"]})
    real = write_return({"metadata": not_synthetic, "workforce": WORKFORCE}, tmp_path, "real",
                        2023, "csv")
    flagged = write_return({"metadata": _metadata("9"), "workforce": WORKFORCE}, tmp_path,
                           "demo", 2023, "xlsx")
    by_params = write_return({"metadata": not_synthetic, "workforce": WORKFORCE}, tmp_path,
                             "trial", 2023, "xlsx")
    refs = [ReturnRef.from_path(p) for p in (real, flagged, by_params)]
    # real: a seed but no synthetic flag, nor parameters saying so: no seed recorded
    assert synthetic_seeds(refs) == [
        {"authority": "demo", "year": 2023, "seed": 9, "generator": "wres_tools.demo.synth",
         "synthetic": True}]
    # trial's parameters say synthetic: true (as the loader reads it), so its seed is recorded
    assert [s["authority"] for s in synthetic_seeds(refs, {"trial"})] == ["demo", "trial"]
    assert synthetic_seeds(refs, {"trial"})[1]["seed"] == 123


# --------------------------------------------------------------------------- one dictionary


def test_each_kind_of_row_fills_only_the_columns_the_dictionary_says_it_carries(m3_evidence):
    from wres_tools.evidence.dictionary import COLUMNS

    _, _, out = m3_evidence
    csv = pd.read_csv(out / "results.csv", keep_default_na=False, na_values=[""])
    assert set(csv["kind"]) == {"result", "pooled", "change", "benchmark", "national"}
    carried = {c.name: set(c.carried_by) for c in COLUMNS}
    for kind, rows in csv.groupby("kind"):
        filled = {c for c in csv.columns if rows[c].notna().any()}
        assert {c for c in filled if kind not in carried[c]} == set(), kind
    # and each kind-specific column is filled by its kind in this batch
    assert csv.loc[csv["kind"] == "change", "compared_with"].notna().all()
    assert csv.loc[csv["kind"] == "benchmark", "position"].notna().any()
    assert csv.loc[csv["kind"] == "pooled", "year_from"].eq(2022).all()


def test_results_files_methods_page_and_dictionary_file_read_the_one_dictionary(m3_evidence):
    import pyarrow.parquet as pq

    from wres_tools.evidence import dictionary, results, rows

    assert results.DATA_DICTIONARY is dictionary.DATA_DICTIONARY
    assert rows.ROW_COLUMNS is dictionary.ROW_COLUMNS
    assert list(rows.ROW_KINDS) == list(dictionary.KINDS)
    assert [k.description for k in rows.ROW_KINDS.values()] == list(dictionary.KINDS.values())
    assert dictionary.FLAG_COLUMNS == ("withheld", "significant", "small_numbers", "suppressed")
    assert dictionary.INTEGER_COLUMNS == ("year", "year_from", *dictionary.FLAG_COLUMNS)
    _, _, out = m3_evidence
    schema = pq.read_schema(out / "results.parquet")
    assert schema.names == list(dictionary.ROW_COLUMNS)
    kinds = {"string": "text", "int64": "integer", "double": "number"}
    for column in dictionary.COLUMNS:
        field = schema.field(column.name)
        assert kinds[str(field.type)] == ("integer" if column.type == "0/1" else column.type)
        assert field.metadata[b"description"].decode() == column.description
        assert field.metadata[b"unit"].decode() == column.unit
    written = pd.read_csv(out / "results_dictionary.csv", keep_default_na=False)
    columns = written[written["statistic"] == ""].set_index("column")
    assert columns.loc["position", "kinds"] == "benchmark"
    assert columns.loc["year_from", "kinds"] == "pooled change"
    assert columns.loc["value", "kinds"] == "result pooled change benchmark national"
    assert list(columns["description"]) == [c.description for c in dictionary.COLUMNS]
    page = (out / "methods.html").read_text(encoding="utf-8")
    for column in dictionary.COLUMNS:
        assert f"<code>{column.name}</code>" in page


# --------------------------------------------------------------------------- national rows


def _national(csv: pd.DataFrame, year: int, metric: str = "M3") -> pd.Series:
    rows = csv[(csv["kind"] == "national") & (csv["year"] == year) & (csv["metric"] == metric)
               & (csv["service"] == "all") & (csv["group"] == "minority")
               & csv["pay_band"].isna()]
    assert set(rows["scope"]) == {"national"} and rows["authority"].isna().all()
    return rows.set_index("statistic")["value"]


def test_national_rows_hold_the_national_pictures_figures_worked_by_hand(m3_evidence):
    from wres_tools.national import national_results, national_year

    data, params, out = m3_evidence
    csv = pd.read_csv(out / "results.csv", keep_default_na=False, na_values=[""])
    # 2022: a5's 3 of 100 is withheld on its own page, so the line pools the other four:
    # minority 10 + 10 + 5 + 20 = 45 of 4 x 100, white 4 x 20 = 80 of 4 x 400;
    # RL (45 / 400) / (80 / 1600) = 0.1125 / 0.05 = 2.25
    y2022 = _national(csv, 2022)
    assert [y2022[s] for s in ("events_group", "n_group", "events_reference", "n_reference",
                               "n_councils", "n_left_out")] == [45, 400, 80, 1600, 4, 1]
    assert y2022["rl"] == pytest.approx(2.25)
    # 2023: all five: 15 + 10 + 6 + 30 + 8 = 69 of 500, white 100 of 2000: 0.138 / 0.05 = 2.76
    y2023 = _national(csv, 2023)
    assert [y2023[s] for s in ("events_group", "n_group", "events_reference", "n_reference",
                               "n_councils", "n_left_out")] == [69, 500, 100, 2000, 5, 0]
    assert y2023["rl"] == pytest.approx(2.76)
    # the spread of 2023 by hand: RLs 3.0, 2.0, 1.2, 6.0, 1.6 -> four above 1.25, one within
    spread = y2023
    assert [spread[s] for s in ("councils", "councils_with_figure", "councils_above",
                                "councils_below", "councils_within")] == [5, 5, 4, 0, 1]
    staff = csv[(csv["kind"] == "national") & (csv["year"] == 2023) & (csv["service"] == "all")
                & (csv["statistic"] == "staff")]
    assert staff["value"].tolist() == [2500]  # five councils of 100 + 400 staff
    # and every national figure is national_year's own, statistic by statistic
    for year in (2022, 2023):
        pooled = national_results(national_year(data, year, params, "published"))
        shown = csv[(csv["kind"] == "national") & (csv["year"] == year)]
        for record in pooled.to_dict("records"):
            mine = shown[(shown["metric"] == record["metric"])
                         & (shown["service"] == record["service"])
                         & (shown["group"] == record["group"])
                         & (shown["pay_band"].fillna("") == (record["pay_band"] or ""))
                         & (shown["scope"] == record["scope"])].set_index("statistic")["value"]
            for statistic in ("events_group", "n_group", "events_reference", "n_reference",
                              "rl", "share", "n_councils"):
                if statistic in mine.index:
                    expected = record[statistic]
                    assert (pd.isna(mine[statistic]) and pd.isna(expected)) or \
                        mine[statistic] == pytest.approx(expected), (record, statistic)


def test_no_national_count_differenced_against_council_rows_gives_a_withheld_one(m3_evidence):
    """Each national count of a ratio line is exactly the sum of the counts the council rows of
    results.csv show, over the councils that show all four; so the national count minus what
    the councils show is 0, never a withheld count."""
    _, _, out = m3_evidence
    csv = pd.read_csv(out / "results.csv", keep_default_na=False, na_values=[""])
    counts = ("events_group", "n_group", "events_reference", "n_reference")
    national = csv[(csv["kind"] == "national") & csv["pay_band"].isna()
                   & csv["statistic"].isin([*counts, "n_councils"])]
    councils = csv[(csv["kind"] == "result") & csv["pay_band"].isna()
                   & csv["statistic"].isin(counts)]
    lines = national.groupby(["year", "metric", "service", "group"])
    checked = 0
    for (year, metric, service, group), line in lines:
        if metric not in ("M2", "M3", "M4", "M5", "M6", "M7", "M8"):
            continue
        figures = line.set_index("statistic")["value"]
        if not set(counts) <= set(figures.index) or figures[list(counts)].isna().any():
            continue
        own = councils[(councils["year"] == year) & (councils["metric"] == metric)
                       & (councils["service"] == service) & (councils["group"] == group)]
        wide = own.pivot(index="authority", columns="statistic", values="value")
        whole = wide[list(counts)].dropna()  # the councils showing all four counts
        assert len(whole) == figures["n_councils"], (year, metric, service, group)
        for count in counts:
            assert figures[count] - whole[count].sum() == 0, (year, metric, group, count)
        checked += 1
    assert checked >= 2  # M3, all, minority in 2022 and 2023 at least
    # a5's 2022 count (3) is withheld on its row and appears in no national figure
    a5 = councils[(councils["authority"] == "a5") & (councils["year"] == 2022)
                  & (councils["metric"] == "M3") & (councils["group"] == "minority")
                  & (councils["service"] == "all")].set_index("statistic")
    assert pd.isna(a5.loc["events_group", "value"])
    assert a5.loc["events_group", "missing_reason"] == "suppressed"
