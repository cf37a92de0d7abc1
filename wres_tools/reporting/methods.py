"""The methods page: how every published figure is made, generated from the package itself.

Nothing on the page is typed here that the code already knows: the metrics come from
:data:`wres_tools.metrics.METRICS`; the statistical methods and the library call behind each are
read from the source of :mod:`wres_tools.statistics`; the confidence level and the four-fifths
range from its constants; the small-numbers and disclosure thresholds from the parameters; the
disclosure rules from :mod:`wres_tools.disclosure` (its docstring, symbols and columns); the
ethnicity groups from :mod:`wres_tools.ethnicity`; the data dictionary from
:mod:`wres_tools.evidence`. Change the code and the page follows.

The page is self-contained HTML in the reports' house style (their stylesheet, inline, and their
Content-Security-Policy; no script, no link or source outside itself; the same navigation bar), in
English, with headings and captioned tables whose headers carry ``scope``: Python reads the
facts, the templates under ``templates/methods`` lay them out.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import yaml
from markupsafe import Markup
from pydantic import ValidationError

from wres_tools import __version__, disclosure, ethnicity, metrics, national, statistics, trends
from wres_tools.evidence.manifest import MANIFEST_FILE, defaults_path
from wres_tools.evidence.results import (
    DATA_DICTIONARY,
    DICTIONARY_FILE,
    RESULTS_FILE,
    STATISTICS,
    metric_statistics,
)
from wres_tools.files import write_atomic
from wres_tools.parameters import Settings
from wres_tools.paths import PARAMETERS_DIR
from wres_tools.reporting.templating import (
    CONTENT_SECURITY_POLICY,
    STYLESHEET,
    NavLink,
    render_template,
)

METHODS_FILE = "methods.html"
#: The text of every page's link to this one, and to the batch's index.
METHODS_LINK = "How the figures are made"
INDEX_LINK = "All reports"
#: The methods page's navigation bar: it sits beside the batch's index.
NAVIGATION: tuple[NavLink, ...] = (
    NavLink(INDEX_LINK, "index.html"),
    NavLink(METHODS_LINK, METHODS_FILE, current=True),
)

#: Libraries whose calls the statistics table names.
LIBRARIES: tuple[str, ...] = ("scipy", "statsmodels", "numpy")


# --------------------------------------------------------------------------- read from the code


@dataclass(frozen=True)
class Method:
    """One function of statistics.py: what it does, the library calls in it, who uses it."""

    name: str
    summary: str  # the docstring's first paragraph
    details: str  # the rest of the docstring (conditions, corrections), or ""
    calls: tuple[str, ...]  # the calls as written in the source, e.g. fisher_exact(table, ...)
    libraries: tuple[str, ...]  # where the called names come from, e.g. scipy.stats.fisher_exact
    builds_on: tuple[str, ...]  # other functions of statistics.py it calls
    used_by: tuple[str, ...]  # modules calling it: metrics, trends


def _imported_names(tree: ast.Module, libraries: Iterable[str]) -> dict[str, str]:
    """Local name -> dotted origin, for names a module imports from the given libraries."""
    names = {}
    roots = tuple(libraries)
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and \
                node.module.split(".")[0] in roots:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in roots:
                    names[alias.asname or alias.name] = alias.name
    return names


def _library_calls(func: ast.FunctionDef, imported: dict[str, str]) -> tuple[list[str], list[str]]:
    """The library calls in a function: on an imported name, or on an object one returned."""
    objects: dict[str, str] = {}  # local variable -> the library callable that made it
    for node in ast.walk(func):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            callee = node.value.func
            if isinstance(callee, ast.Name) and callee.id in imported:
                objects |= {t.id: imported[callee.id] for t in node.targets
                            if isinstance(t, ast.Name)}
    calls: list[str] = []
    origins: list[str] = []
    for node in ast.walk(func):
        if not isinstance(node, ast.Call):
            continue
        callee = node.func
        base = callee
        while isinstance(base, ast.Attribute):
            base = base.value
        if not isinstance(base, ast.Name):
            continue
        known = imported.get(base.id) or objects.get(base.id)
        if known is None or (base.id in objects and not isinstance(callee, ast.Attribute)):
            continue
        origin = known + (f".{callee.attr}" if isinstance(callee, ast.Attribute) else "")
        text = ast.unparse(node)
        if text not in calls:
            calls.append(text)
        if origin not in origins:
            origins.append(origin)
    return calls, origins


def _own_calls(func: ast.FunctionDef, names: set[str]) -> tuple[str, ...]:
    """Which of ``names`` (functions of the same module) a function calls, in order."""
    found: list[str] = []
    for node in ast.walk(func):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in names and node.func.id not in found:
            found.append(node.func.id)
    return tuple(found)


def _statistics_used(module: ModuleType) -> set[str]:
    """The names of statistics.py a module uses (as ``st.<name>`` or imported by name)."""
    used = set()
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id == "st":
            used.add(node.attr)
        elif isinstance(node, ast.ImportFrom) and node.module == statistics.__name__:
            used |= {alias.name for alias in node.names}
    return used


def statistical_methods(module: ModuleType = statistics,
                        users: Sequence[ModuleType] = (metrics, trends)) -> list[Method]:
    """Every public function of ``module`` (statistics.py), in source order, read from its code."""
    tree = ast.parse(inspect.getsource(module))
    imported = _imported_names(tree, LIBRARIES)
    functions = [node for node in tree.body
                 if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")]
    found = {f.name: _library_calls(f, imported) for f in functions}
    used = {m.__name__.rsplit(".", 1)[-1]: _statistics_used(m) for m in users}
    statistical = {name for name, (calls, _) in found.items() if calls}  # not plumbing (clean)
    methods = []
    for node in functions:
        paragraphs = [" ".join(p.split()) for p in (ast.get_docstring(node) or "").split("\n\n")]
        calls, origins = found[node.name]
        methods.append(Method(node.name, paragraphs[0], " ".join(paragraphs[1:]),
                              tuple(calls), tuple(origins),
                              _own_calls(node, statistical - {node.name}),
                              tuple(name for name, names in used.items() if node.name in names)))
    return methods


def default_settings(parameters_dir: Path = PARAMETERS_DIR) -> Settings:
    """The run settings of ``defaults.yml`` (the page states the defaults every authority gets
    unless its own file says otherwise)."""
    path = defaults_path(parameters_dir)
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ValueError(f"{path}: not valid parameter defaults: {exc}") from None


# --------------------------------------------------------------------------- docstring markup


_ROLE = re.compile(r":(?:func|data|class|mod|meth|attr):`~?([^`]+)`")
_LITERAL = re.compile(r"``([^`]+)``")
_EMPHASIS = re.compile(r"(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])")
_MARKUP = re.compile(f"{_ROLE.pattern}|{_LITERAL.pattern}|{_EMPHASIS.pattern}")


def _spans(text: str) -> list[tuple[str, str]]:
    """Docstring markup as (kind, text) spans: ``literal`` and :role:`name` are "code" (a role
    by its last name), *words* "em", the rest "text"."""
    spans = []
    position = 0
    for match in _MARKUP.finditer(text):
        spans.append(("text", text[position:match.start()]))
        role, literal, emphasis = match.groups()
        if role is not None:
            spans.append(("code", role.rsplit(".", 1)[-1]))
        elif literal is not None:
            spans.append(("code", literal))
        else:
            spans.append(("em", emphasis))
        position = match.end()
    spans.append(("text", text[position:]))
    return spans


def docstring_html(doc: str, through_first_list: bool = False) -> str:
    """A docstring's paragraphs and ``*`` / ``-`` bullet lists as HTML, a block a line.

    ``through_first_list``: stop after the first list (a module docstring states its rules
    there; what follows is about the code, not the method).
    """
    blocks: list[tuple[str, object]] = []
    for block in inspect.cleandoc(doc).split("\n\n"):
        lines = block.splitlines()
        if lines and lines[0].lstrip().startswith(("* ", "- ")):
            items: list[list[str]] = []
            for line in lines:
                stripped = line.strip()
                if stripped.startswith(("* ", "- ")) and not line.startswith("  "):
                    items.append([stripped[2:]])
                elif items:
                    items[-1].append(stripped)
            blocks.append(("ul", [_spans(" ".join(i)) for i in items]))
            if through_first_list:
                break
        else:
            blocks.append(("p", _spans(" ".join(line.strip() for line in lines))))
    return render_template("methods/docstring.html.j2", blocks=blocks)


def _percent(value: float) -> str:
    return f"{round(value * 100, 6):g}%"


# --------------------------------------------------------------------------- sections


def _groups_section() -> str:
    labels = ethnicity.MAPPING.groupby("group").size().to_dict()
    categories: dict[str, int] = {}
    for group in ethnicity.CENSUS_CATEGORIES.values():
        categories[group] = categories.get(group, 0) + 1
    minority = set(ethnicity.MINORITY_GROUPS)
    rows = []
    for key, name in ethnicity.GROUPS.items():
        role = ("minority ethnic: compared with white" if key in minority else
                "reference group" if key == metrics.REFERENCE else
                "left out of every comparison, counted as unknown")
        rows.append((name, key, role, categories.get(key, 0), labels.get(key, 0)))
    return render_template(
        "methods/groups.html.j2", rows=rows,
        minority=", ".join(ethnicity.GROUPS[g] for g in ethnicity.MINORITY_GROUPS),
        compared=", ".join(metrics.GROUP_ADJECTIVES[g] for g in metrics.COMPARISON_GROUPS),
        n_labels=len(ethnicity.MAPPING), n_categories=len(ethnicity.CENSUS_CATEGORIES))


def _metrics_section() -> str:
    rows = [(mdef, metric_statistics(mdef.id)) for mdef in metrics.METRICS.values()]
    return render_template("methods/metrics.html.j2", rows=rows)


def _statistics_section(params: Settings) -> str:
    rows = [(m, _spans(m.summary), _spans(m.details) if m.details else [])
            for m in statistical_methods()]
    return render_template(
        "methods/statistics.html.j2", rows=rows,
        confidence=_percent(statistics.CONFIDENCE), alpha=f"{statistics.ALPHA:.3g}",
        low=f"{statistics.FOUR_FIFTHS_LOW:.2f}", high=f"{statistics.FOUR_FIFTHS_HIGH:.2f}",
        small_numbers=params.small_numbers)


def _disclosure_section(params: Settings) -> str:
    t = params.threshold
    examples = [
        ("0", disclosure.display_count(0, False, t), "zero may be shown"),
        (str(t - 1), disclosure.display_count(None, "primary", t),
         f"a count from 1 to {t - 1} (primary suppression)"),
        ("48", disclosure.display_count(None, "secondary", t),
         "a count hidden so that a small one cannot be worked back from a total (secondary)"),
        ("1234", disclosure.display_count(1234, False, t), "any other count"),
    ]
    return render_template(
        "methods/disclosure.html.j2", mode=params.disclosure, threshold=t, examples=examples,
        rules=Markup(docstring_html(disclosure.__doc__ or "", through_first_list=True)),
        withheld=disclosure.WITHHELD, derived=disclosure.DERIVED_COLUMNS,
        banner=disclosure.BANNER_INTERNAL)


def _national_section() -> str:
    return render_template("methods/national.html.j2", min_councils=national.MIN_COUNCILS,
                           above=f"{national.ABOVE:.2f}", below=f"{national.BELOW:.2f}",
                           withheld=disclosure.WITHHELD)


def _dictionary_section() -> str:
    return render_template(
        "methods/dictionary.html.j2", results_file=RESULTS_FILE, dictionary_file=DICTIONARY_FILE,
        columns=list(DATA_DICTIONARY.items()), statistics=list(STATISTICS.items()))


def _reproduce_section() -> str:
    return render_template("methods/reproducibility.html.j2", manifest_file=MANIFEST_FILE)


def _overrides_section(params: Settings, authority_params: Sequence[Settings]) -> str:
    fields = ("disclosure", "threshold", "small_numbers")
    rows = []
    for p in authority_params:
        changed = [f"{f} {getattr(p, f)}" for f in fields if getattr(p, f) != getattr(params, f)]
        if changed:
            rows.append((getattr(p, "display_name", "?"), "; ".join(changed)))
    if not rows:
        return ""
    return render_template("methods/overrides.html.j2", rows=rows)


# --------------------------------------------------------------------------- the page


def methods_html(params_defaults: Settings,
                 authority_params: Sequence[Settings] = ()) -> str:
    """The whole methods page as self-contained HTML, from the package and the defaults.

    ``authority_params``: the authorities' own parameters, to list any setting (threshold,
    small numbers, disclosure) that differs from the defaults.
    """
    sections = [
        ("groups", "Ethnic groups", _groups_section()),
        ("metrics", "The metrics", _metrics_section()),
        ("statistics", "Statistics", _statistics_section(params_defaults)),
        ("disclosure", "Disclosure control", _disclosure_section(params_defaults)),
        ("national", "The national picture", _national_section()),
        ("overrides", "Authorities with their own settings",
         _overrides_section(params_defaults, authority_params)),
        ("data-dictionary", "Data dictionary of results.csv", _dictionary_section()),
        ("reproducibility", "Reproducibility", _reproduce_section()),
    ]
    return render_template(
        "methods/page.html.j2", version=__version__, css=Markup(STYLESHEET),
        csp=CONTENT_SECURITY_POLICY, nav=list(NAVIGATION),
        sections=[(anchor, title, Markup(body)) for anchor, title, body in sections if body])


def write_methods_page(out_dir: Path, params: Settings,
                       authority_params: Sequence[Settings] = ()) -> Path:
    """Write ``<out_dir>/methods.html`` atomically; its path."""
    return write_atomic(Path(out_dir) / METHODS_FILE, methods_html(params, authority_params))
