"""The pinned environment cannot drift: environment.yml (for conda users) carries exactly the pins
of requirements.lock, the lock satisfies pyproject.toml, and the ``wres`` command resolves."""

from __future__ import annotations

import importlib
import importlib.util
import tomllib
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType

import pytest
import typer
import yaml
from hypothesis import settings
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
ENVIRONMENT = ROOT / "environment.yml"
PYPROJECT = ROOT / "pyproject.toml"


def lock_script() -> ModuleType:
    """scripts/lock_to_environment.py, loaded from its path (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "lock_to_environment", ROOT / "scripts" / "lock_to_environment.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def environment_pins(text: str) -> dict[str, str]:
    """Package -> version from the pip section of an environment.yml."""
    data = yaml.safe_load(text)
    pip = next(d["pip"] for d in data["dependencies"] if isinstance(d, dict) and "pip" in d)
    found = {}
    for entry in pip:
        if entry.startswith("-e "):
            continue  # the project itself
        name, sep, version = entry.partition("==")
        if not sep:
            raise AssertionError(f"environment.yml: {entry!r} is not pinned with ==")
        found[canonicalize_name(name)] = version.strip()
    return found


def drift(lock: dict[str, str], environment: dict[str, str]) -> list[str]:
    """Every difference between two sets of pins, in words."""
    lock = {canonicalize_name(k): v for k, v in lock.items()}
    problems = [
        f"{n} {lock[n]} only in requirements.lock" for n in sorted(lock.keys() - environment.keys())
    ]
    problems += [
        f"{n} {environment[n]} only in environment.yml"
        for n in sorted(environment.keys() - lock.keys())
    ]
    problems += [
        f"{n}: {lock[n]} in requirements.lock, {environment[n]} in environment.yml"
        for n in sorted(lock.keys() & environment.keys())
        if lock[n] != environment[n]
    ]
    return problems


def test_environment_yml_lists_exactly_the_lock_pins():
    lock = lock_script().pins(LOCK.read_text())
    environment = environment_pins(ENVIRONMENT.read_text())
    assert len(lock) > 100  # the lock really was parsed
    assert drift(lock, environment) == [], "run `make lock` to rewrite environment.yml"


def test_environment_yml_is_exactly_what_the_script_writes():
    # catches hand edits outside the pins too (channels, python version, the -e . line)
    script = lock_script()
    assert ENVIRONMENT.read_text() == script.render(script.pins(LOCK.read_text()))


def test_drift_is_reported_package_by_package():
    lock_text = (
        "numpy==2.4.6 \\\n    --hash=sha256:00\n    # via wres-tools\n"
        "Pandas==3.1.1 \\\n    --hash=sha256:11\n"
        "scipy==1.17.0\n"
    )
    environment_text = (
        "name: x\ndependencies:\n  - python=3.11\n  - pip:\n"
        "      - numpy==2.4.6\n      - pandas==3.1.0\n      - tqdm==4.70.0\n      - -e .\n"
    )
    found = drift(lock_script().pins(lock_text), environment_pins(environment_text))
    assert found == [
        "scipy 1.17.0 only in requirements.lock",
        "tqdm 4.70.0 only in environment.yml",
        "pandas: 3.1.1 in requirements.lock, 3.1.0 in environment.yml",
    ]


def test_an_unpinned_environment_entry_is_an_error():
    with pytest.raises(AssertionError, match="'numpy>=2' is not pinned"):
        environment_pins("dependencies:\n  - pip:\n      - numpy>=2\n")


def test_the_lock_satisfies_pyproject():
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    lock = {canonicalize_name(k): v for k, v in lock_script().pins(LOCK.read_text()).items()}
    wanted = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    unmet = []
    for text in wanted:
        requirement = Requirement(text)
        version = lock.get(canonicalize_name(requirement.name))
        if version is None or not requirement.specifier.contains(version, prereleases=True):
            unmet.append(f"{text}: locked {version}")
    assert unmet == []


def test_conda_python_is_the_one_pyproject_requires():
    requires = SpecifierSet(tomllib.loads(PYPROJECT.read_text())["project"]["requires-python"])
    dependencies = yaml.safe_load(ENVIRONMENT.read_text())["dependencies"]
    python = next(d for d in dependencies if isinstance(d, str) and d.startswith("python="))
    assert requires.contains(python.removeprefix("python="))


def test_the_wres_command_resolves():
    target = tomllib.loads(PYPROJECT.read_text())["project"]["scripts"]["wres"]
    module, _, attribute = target.partition(":")
    app = getattr(importlib.import_module(module), attribute)
    assert isinstance(app, typer.Typer)
    # the installed console script points at the same object
    (installed,) = entry_points(group="console_scripts", name="wres")
    assert installed.value == target and installed.load() is app
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "synth" in result.output and "validate" in result.output


def test_ci_draws_a_fixed_sequence_of_property_examples():
    """.ci/run sets CI when the service does not, and CI loads a derandomised profile: a CI run
    cannot pass or fail on the luck of hypothesis' draw."""
    ci_run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert 'export CI="${CI:-true}"' in ci_run
    assert ci_run.index("export CI") < ci_run.index("make test")
    assert settings.get_profile("ci").derandomize
    assert settings.get_profile("fast").derandomize
