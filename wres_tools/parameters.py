"""Run parameters: ``parameters/defaults.yml`` overlaid by ``parameters/<authority>.yml``.

Both files are read and checked the same way (a pydantic model); a bad key or value is reported
as a :class:`~wres_tools.contract.Problem` naming the file and the key, never a traceback.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, Literal, TypeGuard

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from wres_tools.contract import SERVICE_ALIASES, Problem, ValidationReport, service_key
from wres_tools.ethnicity import UnknownEthnicityLabel, classify
from wres_tools.paths import PARAMETERS_DIR
from wres_tools.regions import region_problem
from wres_tools.sfc_bands import declared_problem

Disclosure = Literal["published", "internal"]

#: Settings that no longer exist, and what to do instead: a file that still has one is told why.
REMOVED_SETTINGS: dict[str, str] = {
    "confidence": "every interval is 95% and every test is at the 5% level, as the SC-WRES "
    "specification fixes them, so figures compare across authorities and years: delete the line",
}


def is_disclosure(value: object) -> TypeGuard[Disclosure]:
    """Whether ``value`` names a disclosure mode."""
    return value in ("published", "internal")


class Settings(BaseModel):
    """Settings that defaults.yml fixes and an authority file may override."""

    model_config = ConfigDict(extra="forbid")

    disclosure: Disclosure = "published"
    threshold: int = Field(5, ge=1, description="counts from 1 to threshold-1 are suppressed")
    small_numbers: int = Field(10, ge=1, description="counts under this get a caution")
    baseline_year: int | None = Field(None, description="None: the first year held")
    execution_timeout: int = Field(600, ge=1, description="seconds per notebook in a batch")


class Parameters(Settings):
    """Everything a run needs to know about one authority besides its data."""

    authority: str
    display_name: str
    ons_code: str | None = None
    region: str | None = Field(None, description="one of the nine ADASS regions (regions.py)")
    pay_bands: list[str] | None = Field(None, description="lowest first; None: inferred")
    senior_bands: list[str] = Field(default_factory=list)
    skills_for_care_bands: dict[str, str] = Field(
        default_factory=dict,
        description="own pay band -> the Skills for Care band it lies in (sfc_bands.py), for "
        "the national report",
    )
    population: dict[str, float] | None = Field(
        None, description="census 2021 share of the area's population by ethnicity label"
    )
    ethnicity_labels: dict[str, str] = Field(
        default_factory=dict,
        description="the authority's own ethnicity labels -> a label the contract accepts",
    )
    service_labels: dict[str, str] = Field(
        default_factory=dict, description="the authority's own service labels -> adults/children"
    )
    synthetic: bool = False
    notes: str | None = None
    source_files: list[str] = Field(default_factory=list)

    @field_validator("region")
    @classmethod
    def _adass_region(cls, value: str | None) -> str | None:
        problem = None if value is None else region_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("skills_for_care_bands")
    @classmethod
    def _national_bands(cls, value: dict[str, str], info: Any) -> dict[str, str]:
        for own, band in value.items():
            problem = declared_problem(band)
            if problem:
                raise ValueError(f"{own!r}: {problem}")
        bands = info.data.get("pay_bands")
        unknown = sorted(set(value) - set(bands)) if bands else []
        if unknown:
            raise ValueError(f"bands {unknown} are not in pay_bands")
        return value

    @field_validator("population")
    @classmethod
    def _population_shares(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        if value is None:
            return value
        for label, share in value.items():
            try:
                classify(label)
            except UnknownEthnicityLabel as exc:
                raise ValueError(str(exc)) from None
            if not 0 <= share <= 1:
                raise ValueError(f"share for {label!r} is {share}: expected a number from 0 to 1")
        total = sum(value.values())
        if not 0.98 <= total <= 1.02:
            raise ValueError(f"population shares add up to {total:.3f}: expected 1")
        return value

    @field_validator("ethnicity_labels")
    @classmethod
    def _ethnicity_targets(cls, value: dict[str, str]) -> dict[str, str]:
        for own, label in value.items():
            try:
                classify(label)
            except UnknownEthnicityLabel:
                raise ValueError(
                    f"{own!r} maps to {label!r}, which is not a census 2021 category, a "
                    "high-level group, an NHS ethnic category code or an unknown marker"
                ) from None
        return value

    @field_validator("service_labels")
    @classmethod
    def _service_targets(cls, value: dict[str, str]) -> dict[str, str]:
        for own, label in value.items():
            if service_key(label) not in SERVICE_ALIASES:
                raise ValueError(f"{own!r} maps to {label!r}, which is not a service: expected "
                                 "adults or children")
        return value

    @field_validator("pay_bands")
    @classmethod
    def _bands_once(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            repeated = sorted({b for b in value if value.count(b) > 1})
            if repeated:
                raise ValueError(f"pay bands {repeated} are listed more than once")
        return value

    @field_validator("senior_bands")
    @classmethod
    def _senior_in_order(cls, value: list[str], info: Any) -> list[str]:
        bands = info.data.get("pay_bands")
        if bands:
            missing = [b for b in value if b not in bands]
            if missing:
                raise ValueError(f"senior bands {missing} are not in pay_bands")
        return value


class ParameterError(Exception):
    """Parameter files that cannot be used; carries the report."""

    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        super().__init__("\n".join(str(p) for p in report.problems))


#: Largest parameter file read (bytes): a real one is a few hundred bytes.
MAX_YAML_BYTES = 1_000_000


class _NoAliasLoader(yaml.SafeLoader):
    """yaml's safe loader refusing aliases (``*name``): a parameter file never needs them, and a
    few hundred bytes of nested aliases (an "alias bomb") expand to gigabytes."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "YAML aliases (*name) are not accepted in a parameter file; write "
                "the value out", event.start_mark)
        return super().compose_node(parent, index)


def _exists(path: Path) -> bool:
    """Whether there is something at ``path``; True when asking fails (a name too long, no
    permission), so that reading it reports why."""
    try:
        return path.exists()
    except OSError:
        return True


def _read_text(path: Path, report: ValidationReport) -> str | None:
    """The file's text, or None with a problem naming the file (a folder, unreadable, too big,
    not UTF-8, not a regular file)."""
    def problem(message: str, expected: str | None = None) -> None:
        report.problems.append(Problem("error", str(path), message, expected=expected))

    try:
        if path.is_dir():
            problem("is a folder, not a parameter file", "a YAML file <authority>.yml")
            return None
        if not path.is_file():
            problem("is not a regular file (a pipe or a device?)", "a YAML file")
            return None
        if path.stat().st_size > MAX_YAML_BYTES:
            problem(f"is {path.stat().st_size:,} bytes: too big for a parameter file",
                    f"at most {MAX_YAML_BYTES:,} bytes")
            return None
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problem(f"not UTF-8 text ({exc.reason})")
    except OSError as exc:
        problem(f"cannot be read: {exc.strerror or exc}")
    return None


def _read_yaml(path: Path, report: ValidationReport) -> dict[str, Any]:
    text = _read_text(path, report)
    if text is None:
        return {}
    try:
        data = yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a safe loader, no aliases
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        report.problems.append(
            Problem("error", str(path), f"not valid YAML: {getattr(exc, 'problem', exc)}", row=row)
        )
        return {}
    except RecursionError:
        report.problems.append(Problem(
            "error", str(path), "not valid YAML: nested too deeply to read",
            expected="a flat mapping of keys to values"))
        return {}
    if data is None:
        return {}
    if not isinstance(data, dict):
        report.problems.append(
            Problem("error", str(path), "expected a mapping of keys to values",
                    value=type(data).__name__)
        )
        return {}
    return data


def _problems_from(exc: ValidationError, path: Path, data: dict[str, Any]) -> list[Problem]:
    problems = []
    for err in exc.errors():
        key = ".".join(str(part) for part in err["loc"])
        value = data.get(str(err["loc"][0])) if err["loc"] else None
        message = err["msg"].removeprefix("Value error, ")
        expected = None
        if err["type"] == "extra_forbidden" and key in REMOVED_SETTINGS:
            message = f"the setting {key!r} was removed"
            expected = REMOVED_SETTINGS[key]
        elif err["type"] == "extra_forbidden" and key in Parameters.model_fields:
            # a key of an authority's own file (its bands, name, region) written in defaults.yml
            message = f"{key!r} belongs to one authority, not to the defaults"
            expected = (f"{key}: in parameters/<authority>.yml; defaults.yml may set only "
                        + ", ".join(Settings.model_fields))
        elif err["type"] == "extra_forbidden":
            message = f"unknown key {key!r}"
            allowed = list((Parameters if "authority" in data else Settings).model_fields)
            near = difflib.get_close_matches(key, allowed, n=1)
            expected = f"the key {near[0]!r}" if near else "one of " + ", ".join(allowed)
        problems.append(
            Problem("error", str(path), message, column=key or None,
                    value=value if err["type"] != "missing" else None, expected=expected)
        )
    return problems


def check_parameters(
    authority: str, parameters_dir: Path = PARAMETERS_DIR
) -> tuple[Parameters | None, ValidationReport]:
    """Read and check defaults.yml and the authority's file; the report lists every problem."""
    defaults_path = parameters_dir / "defaults.yml"
    if not _exists(defaults_path):
        defaults_path = PARAMETERS_DIR / "defaults.yml"
    own_path = parameters_dir / f"{authority}.yml"
    report = ValidationReport(str(own_path))
    defaults = _read_yaml(defaults_path, report) if _exists(defaults_path) else {}
    try:
        Settings.model_validate(defaults)
    except ValidationError as exc:
        report.problems += _problems_from(exc, defaults_path, defaults)
    own: dict[str, Any] = {}
    if _exists(own_path):
        own = _read_yaml(own_path, report)
    else:
        report.problems.append(
            Problem("notice", str(own_path),
                    "no parameter file for this authority: running on the defaults, with the "
                    "folder name as display name and pay bands ordered from the data")
        )
    merged = {**defaults, "display_name": authority, **own, "authority": authority}
    if report.errors:
        return None, report
    try:
        params = Parameters.model_validate(merged)
    except ValidationError as exc:
        blamed = own_path if _exists(own_path) else defaults_path
        report.problems += _problems_from(exc, blamed, merged)
        return None, report
    return params, report


def resolve_parameters_dir(data_dir: Path | None, explicit: Path | None = None) -> Path:
    """Where an authority's parameter file is looked for.

    An explicit directory wins; else ``<data_dir>/parameters`` when the data folder carries its
    own (the synthetic demo does); else the project's ``parameters/``.
    """
    if explicit is not None:
        return Path(explicit)
    if data_dir is not None and (Path(data_dir) / "parameters").is_dir():
        return Path(data_dir) / "parameters"
    return PARAMETERS_DIR


def load_parameters(
    authority: str, parameters_dir: Path = PARAMETERS_DIR, **overrides: Any
) -> Parameters:
    """The checked parameters for one authority, with any keyword overrides applied last."""
    params, report = check_parameters(authority, parameters_dir)
    if params is None:
        raise ParameterError(report)
    if overrides:
        try:
            params = Parameters.model_validate({**params.model_dump(), **overrides})
        except ValidationError as exc:
            report.problems += _problems_from(exc, Path("<overrides>"), overrides)
            raise ParameterError(report) from None
    return params
