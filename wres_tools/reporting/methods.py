"""The methods page: how every published figure is made, generated from the package itself.

Nothing on the page is typed here that the code already knows: the metrics come from
:data:`wres_tools.metrics.METRICS`; the statistical methods and the library call behind each are
read from the source of :mod:`wres_tools.statistics`; the four-fifths range from its constants;
the confidence level, small-numbers and disclosure thresholds from the parameters; the disclosure
rules from :mod:`wres_tools.disclosure` (its docstring, symbols and columns); the ethnicity groups
from :mod:`wres_tools.ethnicity`; the data dictionary from :mod:`wres_tools.evidence`. Change the
code and the page follows.

The page is self-contained HTML (inline style, no script, no link or source outside itself), in
English, with headings and captioned tables whose headers carry ``scope``.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from types import ModuleType

import yaml
from pydantic import ValidationError

from wres_tools import __version__, disclosure, ethnicity, metrics, statistics, trends
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

METHODS_FILE = "methods.html"

#: Libraries whose calls the statistics table names.
LIBRARIES: tuple[str, ...] = ("scipy", "statsmodels", "numpy")

_STYLE = """
body { font-family: Arial, Helvetica, sans-serif; color: #0b0c0c; margin: 0 auto;
       max-width: 60rem; padding: 1rem 1.5rem 3rem; line-height: 1.45; }
h1, h2, h3 { line-height: 1.2; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; width: 100%; }
caption { text-align: left; font-weight: bold; padding: 0.3rem 0; }
th, td { border: 1px solid #b1b4b6; padding: 0.3rem 0.5rem; text-align: left;
         vertical-align: top; }
thead th { background: #f3f2f1; }
code { font-family: Consolas, "Courier New", monospace; font-size: 0.92em;
       background: #f3f2f1; padding: 0 0.2em; }
nav ul { columns: 2; }
.note { color: #505a5f; }
"""


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


# --------------------------------------------------------------------------- HTML pieces


def _code(text: str) -> str:
    return f"<code>{escape(text)}</code>"


_ROLE = re.compile(r":(?:func|data|class|mod|meth|attr):`~?([^`]+)`")
_LITERAL = re.compile(r"``([^`]+)``")
_EMPHASIS = re.compile(r"(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])")


def _inline(text: str) -> str:
    """Docstring markup to HTML: ``literal`` and :role:`name` become code; the rest escaped."""
    parts = []
    position = 0
    pattern = re.compile(f"{_ROLE.pattern}|{_LITERAL.pattern}|{_EMPHASIS.pattern}")
    for match in pattern.finditer(text):
        parts.append(escape(text[position:match.start()]))
        role, literal, emphasis = match.groups()
        if role is not None:
            parts.append(_code(role.rsplit(".", 1)[-1]))
        elif literal is not None:
            parts.append(_code(literal))
        else:
            parts.append(f"<em>{escape(emphasis)}</em>")
        position = match.end()
    parts.append(escape(text[position:]))
    return "".join(parts)


def docstring_html(doc: str, through_first_list: bool = False) -> str:
    """A docstring's paragraphs and ``*`` / ``-`` bullet lists as HTML.

    ``through_first_list``: stop after the first list (a module docstring states its rules
    there; what follows is about the code, not the method).
    """
    blocks = []
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
            blocks.append("<ul>" + "".join(f"<li>{_inline(' '.join(i))}</li>" for i in items)
                          + "</ul>")
            if through_first_list:
                break
        else:
            blocks.append(f"<p>{_inline(' '.join(line.strip() for line in lines))}</p>")
    return "\n".join(blocks)


def _table(caption: str, header: Sequence[str], rows: Iterable[Sequence[str]],
           row_headers: bool = True, escaped: bool = False) -> str:
    """A captioned table; the first cell of each row is a row header. Cells are escaped unless
    ``escaped`` says they are HTML already."""
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in header)
    body = []
    for row in rows:
        cells = [c if escaped else escape(str(c)) for c in row]
        first = f'<th scope="row">{cells[0]}</th>' if row_headers else f"<td>{cells[0]}</td>"
        body.append("<tr>" + first + "".join(f"<td>{c}</td>" for c in cells[1:]) + "</tr>")
    return (f"<table>\n<caption>{escape(caption)}</caption>\n<thead><tr>{head}</tr></thead>\n"
            f"<tbody>\n" + "\n".join(body) + "\n</tbody>\n</table>")


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
        rows.append([name, _code(key), escape(role), str(categories.get(key, 0)),
                     str(labels.get(key, 0))])
    minority_words = ", ".join(ethnicity.GROUPS[g] for g in ethnicity.MINORITY_GROUPS)
    compared = ", ".join(metrics.GROUP_ADJECTIVES[g] for g in metrics.COMPARISON_GROUPS)
    return (
        '<section id="groups">\n<h2>Ethnic groups</h2>\n'
        f"<p>Every metric compares staff of minority ethnic background ({escape(minority_words)})"
        f" with white staff. Staff whose ethnicity is unknown, not stated or withheld are left "
        f"out of every comparison and counted on every record. Comparison groups, each against "
        f"white staff: {escape(compared)}.</p>\n"
        f"<p>A return may name ethnicity in any of {len(ethnicity.MAPPING)} recognised labels "
        f"(the {len(ethnicity.CENSUS_CATEGORIES)} census 2021 categories, the high-level groups, "
        f"NHS data dictionary codes, common spellings and unknown markers); each resolves to one "
        f"high-level group. A label not in the mapping stops the return with an error rather "
        f"than being guessed.</p>\n"
        + _table("High-level census 2021 groups and how they are used",
                 ["Group", "Key", "Role", "Census categories", "Recognised labels"], rows,
                 escaped=True)
        + "\n</section>"
    )


def _metrics_section() -> str:
    rows = []
    for mdef in metrics.METRICS.values():
        figures = ", ".join(_code(s) for s in metric_statistics(mdef.id))
        rows.append([
            f'<span id="{escape(mdef.id.lower())}">{escape(mdef.id)}</span>',
            escape(mdef.title), escape(mdef.numerator), escape(mdef.denominator),
            _code(mdef.table) + (f" (question {_code(mdef.question)})" if mdef.question else ""),
            escape(mdef.adverse_text), figures,
        ])
    return (
        '<section id="metrics">\n<h2>The metrics</h2>\n'
        "<p>For each metric the numerator and denominator are counted per group and service "
        "(adults' services, children's services and both together where the return has the "
        "split). A relative likelihood (RL) is always the group's rate divided by the white "
        "rate, so 0.5 reads \u201chalf as likely\u201d; the figure the NHS WRES reports (white "
        "\u00f7 minority) is kept beside it as <code>rl_nhs_direction</code>.</p>\n"
        + _table("Each metric: definition, adverse direction and the figures published",
                 ["Metric", "Title", "Numerator (per group)", "Denominator (per group)",
                  "Table of the return", "Adverse when", "Figures in results.csv"], rows,
                 escaped=True)
        + "\n</section>"
    )


def _statistics_section(params: Settings) -> str:
    rows = []
    for m in statistical_methods():
        calls = "<br>".join(_code(c) for c in m.calls) or "plain Python"
        if m.builds_on:
            calls += "; builds on " + ", ".join(_code(f"statistics.{f}") for f in m.builds_on)
        origins = "<br>".join(_code(o) for o in m.libraries) or "\u2014"
        what = _inline(m.summary) + (f"<br>{_inline(m.details)}" if m.details else "")
        rows.append([_code(f"statistics.{m.name}"), what, calls, origins,
                     escape(", ".join(m.used_by) or "\u2014")])
    low, high = statistics.FOUR_FIFTHS_LOW, statistics.FOUR_FIFTHS_HIGH
    alpha = 1 - params.confidence
    return (
        '<section id="statistics">\n<h2>Statistics</h2>\n<ul>\n'
        f"<li>Confidence level of every interval: {_percent(params.confidence)}; a difference "
        f"is called statistically significant only when Fisher's exact p is below "
        f"{alpha:.3g}.</li>\n"
        f"<li>Four-fifths reading (the NHS WRES adverse-impact rule): an RL from {low:.2f} to "
        f"{high:.2f} is read as no adverse impact; outside it, adverse or favourable according "
        f"to the metric's direction.</li>\n"
        f"<li>Small numbers: a figure resting on any count under {params.small_numbers} carries "
        f"a caution to read it with care.</li>\n"
        "<li>Rates and shares are fractions from 0 to 1; gaps are in percentage points; the "
        "share of unknown ethnicity is a percentage.</li>\n</ul>\n"
        + _table("Statistical methods: each function of statistics.py and the library call "
                 "behind it",
                 ["Function", "What it computes", "Library call (as in the code)", "Library",
                  "Used by"], rows, escaped=True)
        + "\n</section>"
    )


def _disclosure_section(params: Settings) -> str:
    t = params.threshold
    examples = [
        ["0", disclosure.display_count(0, False, t), "zero may be shown"],
        [str(t - 1), disclosure.display_count(None, "primary", t),
         f"a count from 1 to {t - 1} (primary suppression)"],
        ["48", disclosure.display_count(None, "secondary", t),
         "a count hidden so that a small one cannot be worked back from a total (secondary)"],
        ["1234", disclosure.display_count(1234, False, t), "any other count"],
    ]
    withheld = ", ".join(_code(c) for c in disclosure.DERIVED_COLUMNS)
    return (
        '<section id="disclosure">\n<h2>Disclosure control</h2>\n'
        f"<p>Published outputs (the default mode is <strong>{escape(params.disclosure)}"
        f"</strong>) never show a count from 1 to {t - 1}: the threshold is {t}, set in the "
        "parameters. The rules, as the code that applies them states them:</p>\n"
        + docstring_html(disclosure.__doc__ or "", through_first_list=True) + "\n"
        + _table(f"How a count is shown in a published table (threshold {t})",
                 ["True count (example)", "Shown as", "Why"], examples)
        + f"\n<p>A figure resting on a hidden count is not shown; its record says "
        f"\u201c{escape(disclosure.WITHHELD)}\u201d. Such figures: {withheld}.</p>\n"
        f"<p>Internal mode shows every count, under the banner: "
        f"\u201c{escape(disclosure.BANNER_INTERNAL)}\u201d</p>\n</section>"
    )


def _dictionary_section() -> str:
    columns = [[_code(name), escape(c.type), escape(c.unit), escape(c.description)]
               for name, c in DATA_DICTIONARY.items()]
    stats = [[_code(name), escape(c.type), escape(c.unit), escape(c.description)]
             for name, c in STATISTICS.items()]
    return (
        '<section id="data-dictionary">\n<h2>Data dictionary of results.csv</h2>\n'
        f"<p><code>{RESULTS_FILE}</code> holds one row per figure per record, for every "
        "authority and year: published figures only. It is UTF-8 text, comma separated; an "
        "empty cell is a missing value, and <code>missing_reason</code> says why. The same "
        f"dictionary is written as <code>{DICTIONARY_FILE}</code>.</p>\n"
        + _table("Columns of results.csv", ["Column", "Type", "Unit", "Meaning"], columns,
                 escaped=True)
        + "\n"
        + _table("What value holds for each statistic", ["Statistic", "Type", "Unit", "Meaning"],
                 stats, escaped=True)
        + "\n</section>"
    )


def _reproduce_section() -> str:
    return (
        '<section id="reproducibility">\n<h2>Reproducibility</h2>\n'
        f"<p>Every batch writes <code>{MANIFEST_FILE}</code>: a sha256 of every input file "
        "and parameter file with the values used, the package version and git commit, the "
        "pinned dependency versions, the seed of any synthetic data, the run's options and a "
        "sha256 of every results file. <code>wres reproduce outputs/manifest.json</code> "
        "re-runs the batch into a fresh folder and lists any result that differs.</p>\n"
        "</section>"
    )


def _overrides_section(params: Settings, authority_params: Sequence[Settings]) -> str:
    fields = ("disclosure", "threshold", "small_numbers", "confidence")
    rows = []
    for p in authority_params:
        changed = [f"{f} {getattr(p, f)}" for f in fields if getattr(p, f) != getattr(params, f)]
        if changed:
            rows.append([getattr(p, "display_name", "?"), "; ".join(changed)])
    if not rows:
        return ""
    return ('<section id="overrides">\n<h2>Authorities with their own settings</h2>\n'
            + _table("Settings that differ from the defaults above", ["Authority", "Setting"],
                     rows)
            + "\n</section>")


# --------------------------------------------------------------------------- the page


def methods_html(params_defaults: Settings,
                 authority_params: Sequence[Settings] = ()) -> str:
    """The whole methods page as self-contained HTML, from the package and the defaults.

    ``authority_params``: the authorities' own parameters, to list any setting (threshold,
    small numbers, confidence, disclosure) that differs from the defaults.
    """
    sections = [
        ("groups", "Ethnic groups", _groups_section()),
        ("metrics", "The metrics", _metrics_section()),
        ("statistics", "Statistics", _statistics_section(params_defaults)),
        ("disclosure", "Disclosure control", _disclosure_section(params_defaults)),
        ("overrides", "Authorities with their own settings",
         _overrides_section(params_defaults, authority_params)),
        ("data-dictionary", "Data dictionary of results.csv", _dictionary_section()),
        ("reproducibility", "Reproducibility", _reproduce_section()),
    ]
    sections = [s for s in sections if s[2]]
    nav = "".join(f'<li><a href="#{anchor}">{escape(title)}</a></li>'
                  for anchor, title, _ in sections)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>Methods: SC-WRES metrics, statistics and disclosure control</title>\n"
        f"<style>{_STYLE}</style>\n</head>\n<body>\n<main>\n"
        "<h1>Methods: how the SC-WRES figures are made</h1>\n"
        f'<p class="note">Generated from wres_tools {escape(__version__)}: the definitions, '
        "methods and rules below are read from the code that computes the figures.</p>\n"
        f'<nav aria-label="Contents"><ul>{nav}</ul></nav>\n'
        + "\n".join(html for _, _, html in sections)
        + "\n</main>\n</body>\n</html>\n"
    )


def write_methods_page(out_dir: Path, params: Settings,
                       authority_params: Sequence[Settings] = ()) -> Path:
    """Write ``<out_dir>/methods.html`` atomically; its path."""
    return write_atomic(Path(out_dir) / METHODS_FILE, methods_html(params, authority_params))
