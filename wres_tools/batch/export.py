"""Executed notebooks -> self-contained HTML reports, and the batch's index page.

A report must open on a council laptop with no internet and must not show code. The HTML is made by
nbconvert's ``HTMLExporter`` with the project template ``templates/wres_report`` (it extends
nbconvert's ``basic`` template: no require.js, MathJax or mermaid from a CDN), with inputs and
prompts excluded, one inline stylesheet, a Content-Security-Policy that allows no request at all,
and visible banners for internal (unsuppressed) and synthetic-data reports. Images are already
``data:`` URIs in the notebook's outputs.

Left out of the HTML as well as the code: the parameters cells, stderr streams (warnings are for
the analyst, and their text carries the kernel's process id), cells tagged ``remove-cell`` and
code cells without output. The page holds no timestamp, so the same notebook gives the same bytes;
a cell's stdout is one block however the kernel's timed flushes cut it (:func:`joined_streams`).
"""

from __future__ import annotations

import base64
import copy
import functools
import re
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from markupsafe import Markup
from nbconvert import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbformat import NotebookNode
from traitlets.config import Config

from wres_tools.batch.plan import report_label
from wres_tools.paths import TEMPLATES_DIR
from wres_tools.reporting.methods import INDEX_LINK, METHODS_FILE, METHODS_LINK
from wres_tools.reporting.templating import (
    CONTENT_SECURITY_POLICY,
    STYLESHEET,
    NavLink,
    render_template,
)

REPORT_TEMPLATE = "wres_report"

#: Cells with any of these tags never reach a report.
REMOVED_TAGS = frozenset({"parameters", "injected-parameters", "remove-cell"})


class NotSelfContained(ValueError):
    """A page that would load something from outside itself, or link to another host."""

    def __init__(self, title: str, references: Sequence[Reference]) -> None:
        self.references = list(references)
        listed = "; ".join(str(r) for r in self.references[:3])
        more = f" and {len(self.references) - 3} more" if len(self.references) > 3 else ""
        super().__init__(f"{title}: the page refers outside itself: {listed}{more}")


@dataclass(frozen=True)
class Banner:
    """A notice shown at the top of a page."""

    kind: str  # css class suffix: internal | synthetic | failed
    heading: str
    text: str


INTERNAL_BANNER = Banner(
    "internal",
    "Internal use only.",
    "This report shows every count, including small numbers that could identify a person. "
    "Do not publish it or share it outside the team.",
)
SYNTHETIC_BANNER = Banner(
    "synthetic",
    "Synthetic data.",
    "This report is made from invented demonstration data. Its figures describe no real council "
    "or person.",
)


#: The index page speaks of many reports.
INDEX_INTERNAL_BANNER = Banner(
    "internal", INTERNAL_BANNER.heading,
    "These reports show every count, including small numbers that could identify a person. "
    "Do not publish them or share them outside the team.",
)
INDEX_SYNTHETIC_BANNER = Banner(
    "synthetic", SYNTHETIC_BANNER.heading,
    "These reports are made from invented demonstration data. Their figures describe no real "
    "council or person.",
)


#: Where the batch writes the index (the methods page, ``METHODS_FILE``, sits beside it).
INDEX_FILE = "index.html"


def report_navigation(year: int, year_pages: Sequence[str], *, across_authorities: bool,
                      current: str | None = None) -> list[NavLink]:
    """The navigation bar of a report: the index, the methods page and each of its year's
    reports across authorities (``year_pages``: their file names, e.g. ``benchmarking.html``,
    which sit in ``<out>/<year>/``).

    An authority's report sits in ``<out>/<year>/<authority>/``, a report across authorities in
    ``<out>/<year>/``; ``current`` names the page itself, which is marked, not left out.
    """
    top = "../" if across_authorities else "../../"
    year_folder = "" if across_authorities else "../"
    links = [NavLink(INDEX_LINK, top + INDEX_FILE),
             NavLink(METHODS_LINK, top + METHODS_FILE)]
    links += [NavLink(f"{report_label(name)}, {year}", year_folder + name, name == current)
              for name in year_pages]
    return links


def banners_for(disclosure: str, synthetic: bool) -> list[Banner]:
    """The banners a report in this disclosure mode, on this data, must carry."""
    banners = []
    if disclosure == "internal":
        banners.append(INTERNAL_BANNER)
    if synthetic:
        banners.append(SYNTHETIC_BANNER)
    return banners


def _shown_banners(nb: NotebookNode) -> set[str]:
    """Banner kinds the notebook's own HTML outputs already show (``class="banner internal"``)."""
    shown = set()
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            page = out.get("data", {}).get("text/html", "")
            page = "".join(page) if isinstance(page, list) else page
            for classes in _CLASS_ATTR.findall(page):
                names = set(classes.split())
                if "banner" in names:
                    shown |= names - {"banner"}
    return shown


def joined_streams(outputs: list[Any]) -> list[Any]:
    """A cell's outputs without stderr, each run of stdout pieces joined into one.

    ipykernel sends printed text on a 0.2 s timer, so on a busy machine one ``print`` can arrive
    as two messages, which nbclient keeps as two outputs and the page would show as two blocks:
    the same notebook would not give the same bytes."""
    kept: list[Any] = []
    for out in outputs:
        if out.get("output_type") == "stream":
            if out.get("name") == "stderr":
                continue
            last = kept[-1] if kept else None
            if (last is not None and last.get("output_type") == "stream"
                    and last.get("name") == out.get("name")):
                last["text"] = last["text"] + out["text"]
                continue
        kept.append(out)
    return kept


def report_notebook(nb: NotebookNode) -> NotebookNode:
    """A copy of an executed notebook with only what a reader of the report should see."""
    nb = copy.deepcopy(nb)
    kept = []
    for cell in nb.cells:
        if REMOVED_TAGS & set(cell.get("metadata", {}).get("tags", [])):
            continue
        if cell.cell_type == "code":
            cell.outputs = joined_streams(cell.get("outputs", []))
            if not cell.outputs:
                continue
        kept.append(cell)
    nb.cells = kept
    return nb


class ReportExporter(HTMLExporter):
    """nbconvert's HTML exporter without its last pass, a BeautifulSoup parse of the whole page.

    That pass gives images without alt text a placeholder ("No description has been provided")
    and JupyterLab's cell wrappers tab stops. Report charts carry their own alt text, this
    template has no such wrappers, and the parse costs about as much as the rest of the export.
    The pass also rewrites the page (a blank line after the doctype, ``<meta .../>``, attributes
    reordered), and nbconvert 7.17 has no switch for it, so this override cannot simply call
    ``HTMLExporter.from_notebook_node``: it registers the two filters that method registers per
    notebook and renders through ``TemplateExporter.from_notebook_node``, as that method does.
    """

    def from_notebook_node(  # type: ignore[override]
        self, nb: NotebookNode, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[str, dict[str, Any]]:
        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        highlight_code = self.filters.get(
            "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)
        )
        resources = self._init_resources(resources)
        filter_data_type = WidgetsDataTypeFilter(
            notebook_metadata=self._nb_metadata, parent=self, resources=resources
        )
        self.register_filter("highlight_code", highlight_code)
        self.register_filter("filter_data_type", filter_data_type)
        return TemplateExporter.from_notebook_node(self, nb, resources, **kw)


@functools.cache
def _exporter() -> HTMLExporter:
    """One exporter per process: building one compiles its templates (about 0.1 s).

    No preprocessors: :func:`report_notebook` has already removed what a reader should not see,
    and the page shows no code for pygments to colour. nbconvert would otherwise validate the
    notebook after each of its twelve default preprocessors, enabled or not; it validates once.
    """
    return ReportExporter(
        template_name=REPORT_TEMPLATE,
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        extra_template_paths=[str(TEMPLATES_DIR)],  # blocks/header.html.j2
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        default_preprocessors=[],
        optimistic_validation=True,
        config=Config({"CSSHTMLHeaderPreprocessor": {"enabled": False}}),
    )


def notebook_html(
    nb: NotebookNode,
    *,
    title: str,
    banners: Sequence[Banner] = (),
    nav: Sequence[NavLink] = (),
) -> str:
    """The report page of an executed notebook: no code, no external request; the navigation
    bar (``nav``, see :func:`report_navigation`) and the banners on top, in its header.

    A banner the notebook already shows (an output with ``class="banner internal"``, say) is
    not repeated: each page shows each banner once, the notebook's own or else the template's.

    Raises :class:`NotSelfContained` when an output or a markdown cell refers outside the page
    (an image from a host, a relative file, a link to a website): such a page is never written.
    """
    resources = {
        "wres": {
            "title": title,
            "css": STYLESHEET,
            "csp": CONTENT_SECURITY_POLICY,
            "banners": [b for b in banners if b.kind not in _shown_banners(nb)],
            "nav": list(nav),
        }
    }
    body, _ = _exporter().from_notebook_node(report_notebook(nb), resources=resources)
    outside = outside_references(body)
    if outside:
        raise NotSelfContained(title, outside)
    return body


# -- the index page ------------------------------------------------------------------------------

@dataclass(frozen=True)
class IndexRow:
    """One authority-year of the index: its reports (label, relative href) and headline cells."""

    authority: str
    display_name: str
    year: int
    reports: tuple[tuple[str, str], ...]
    headlines: tuple[str, ...]
    synthetic: bool = False


@dataclass(frozen=True)
class IndexFailure:
    authority: str
    year: int | None
    notebook: str
    message: str


def index_html(
    rows: Sequence[IndexRow],
    *,
    headline_labels: Sequence[str],
    headline_marks: Sequence[tuple[str, str]] = (),
    headline_key: str = "",
    years: Sequence[tuple[int, Sequence[tuple[str, str]]]] = (),
    documents: Sequence[tuple[str, str]] = (),
    failures: Sequence[IndexFailure] = (),
    banners: Sequence[Banner] = (),
    nav: Sequence[NavLink] = (),
    title: str = "SC-WRES reports",
) -> str:
    """The index page: every authority-year with links to its reports and headline figures,
    then each year's reports across authorities (``years``: year, (link text, href) pairs) and
    the run's documents (``documents``: link text, href); ``nav``: the navigation bar at its
    top. ``headline_marks`` (symbol, words)
    go under the headline labels, one per column, the symbol hidden from screen readers (the
    words say it); ``headline_key`` is the line under the caption that explains them."""
    return render_template(
        "index_page.html.j2",
        title=title,
        css=Markup(STYLESHEET),
        csp=CONTENT_SECURITY_POLICY,
        banners=list(banners),
        nav=list(nav),
        rows=list(rows),
        headline_labels=list(headline_labels),
        headline_marks=list(headline_marks),
        headline_key=headline_key,
        years=list(years),
        documents=list(documents),
        failures=list(failures),
    )


# -- checking a page for requests to other hosts ------------------------------------------------

#: Attributes whose URL the browser fetches on its own.
_LOAD_ATTRS = frozenset({"src", "srcset", "poster", "data", "background", "lowsrc", "dynsrc",
                         "action", "formaction", "manifest", "xlink:href", "ping"})
_LINK_TAGS = frozenset({"a", "area"})
_CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)|@import\s+(['"])(.*?)\3""", re.I | re.S)
_CLASS_ATTR = re.compile(r"""class\s*=\s*["']([^"']*)["']""", re.I)
_SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*):")


@dataclass(frozen=True)
class Reference:
    """A URL found in a page: the tag and attribute it sits in, and whether it loads or links."""

    tag: str
    attribute: str
    url: str
    kind: str  # load: fetched by the browser; link: followed when clicked

    def __str__(self) -> str:
        return f"<{self.tag} {self.attribute}={self.url!r}> ({self.kind})"


def _inline_ok(url: str) -> bool:
    """A load that needs nothing outside the page: a data: URI or a fragment."""
    url = url.strip()
    return url.startswith("#") or url.lower().startswith("data:")


def _offsite(url: str) -> bool:
    """A link that leaves the folder of reports: any scheme but mailto, or a //host URL."""
    url = url.strip()
    if url.startswith("//") or url.startswith("\\\\"):
        return True
    match = _SCHEME.match(url)
    return match is not None and match.group(1).lower() != "mailto"


_SVG_DATA = re.compile(r"^\s*data:image/svg\+xml(;[^,]*)?,", re.I)
_SVG_STYLE = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.I | re.S)
_SVG_TEXT = re.compile(r">[^<]*<")
_SVG_HREF = re.compile(r"""\b(?:xlink:)?(?:href|src)\s*=\s*["']([^"']*)["']""", re.I)


def _svg_references(tag: str, attribute: str, url: str) -> list[Reference]:
    """Loads inside an inline SVG image (a data: URI): an image there may load from a host too.

    Namespace names (``xmlns``) and metadata (``rdf:resource``) are identifiers, not loads.
    """
    match = _SVG_DATA.match(url)
    if match is None:
        return []
    body = url[match.end():]
    try:
        if ";base64" in (match.group(1) or "").lower():
            svg = base64.b64decode(body, validate=False).decode("utf-8", "replace")
        else:
            svg = urllib.parse.unquote(body)
    except ValueError:
        return [Reference(tag, attribute, url[:60] + "...", "load")]  # unreadable: not vouched for
    where = f"{attribute} (inside an SVG image)"
    styles = "\n".join(m.group(1) for m in _SVG_STYLE.finditer(svg))
    # the markup without its text: a label reading "url(x)" is text (XML-escaped), not a load
    markup = _SVG_TEXT.sub("><", _SVG_STYLE.sub("", svg))
    urls = [m.group(1) for m in _SVG_HREF.finditer(markup)]
    urls += [m.group(2) if m.group(2) is not None else m.group(4)
             for m in _CSS_URL.finditer(f"{markup}\n{styles}")]
    return [Reference(tag, where, u, "load") for u in urls if not _inline_ok(u)]


class _ReferenceParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[Reference] = []
        self._in_style = False

    def _css(self, tag: str, attribute: str, text: str) -> None:
        for match in _CSS_URL.finditer(text):
            url = match.group(2) if match.group(2) is not None else match.group(4)
            if not _inline_ok(url):
                self.found.append(Reference(tag, attribute, url, "load"))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        for name, value in attrs:
            if value is None:
                continue
            if name == "style":
                self._css(tag, name, value)
            elif name == "srcset":
                for candidate in re.split(r",\s+", value):  # data: URIs hold bare commas
                    url = candidate.strip().split(" ")[0]
                    if url and not _inline_ok(url):
                        self.found.append(Reference(tag, name, url, "load"))
            elif name in _LOAD_ATTRS or (name == "href" and tag not in _LINK_TAGS):
                # <link href> loads (stylesheets, icons, preloads) whatever its rel says
                if not _inline_ok(value):
                    self.found.append(Reference(tag, name, value, "load"))
                else:
                    self.found += _svg_references(tag, name, value)
            elif name == "href" and _offsite(value):
                self.found.append(Reference(tag, name, value, "link"))
            elif name == "http-equiv" and value.lower() == "refresh":
                content = dict(attrs).get("content") or ""
                if "url=" in content.lower():
                    self.found.append(Reference(tag, "content", content, "load"))

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self._css("style", "text", data)


def outside_references(page: str) -> list[Reference]:
    """Every URL in an HTML page that needs something outside the page itself.

    Loads (src, srcset, ``<link href>``, CSS ``url()`` and ``@import``, ...) must be ``data:``
    URIs or fragments; links (``<a href>``) may point at other files of the report folder but not
    at another host. An empty list means the page is self-contained.
    """
    parser = _ReferenceParser()
    parser.feed(page)
    parser.close()
    return parser.found
