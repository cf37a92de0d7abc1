"""The package's one Jinja environment: every page and fragment it writes is laid out by a
template under ``wres_tools/templates``; Python hands a template texts, the template places them.

Every value a template prints is escaped by :func:`escape`, which writes what
:func:`html.escape` writes (``'`` as ``&#x27;``, ``"`` as ``&quot;``): the spelling the
report fragments and the methods page have always had. HTML the package built itself reaches a
template as :class:`~markupsafe.Markup` and is printed as it is. Jinja's own ``|e`` filter
writes markupsafe's spelling (``&#39;``); the index page uses it, as it always has.

Every whole page shares :data:`STYLESHEET` (``templates/style.css``) and
:data:`CONTENT_SECURITY_POLICY`; the filter ``chart_width`` gives a chart image its least width
(:func:`chart_width`).
"""

from __future__ import annotations

import base64
import html
import math
import re
from dataclasses import dataclass
from typing import Any

import jinja2
from markupsafe import Markup

from wres_tools.paths import TEMPLATES_DIR

#: The stylesheet of every page (reports, index, methods), inlined: pages load nothing.
STYLESHEET = (TEMPLATES_DIR / "style.css").read_text(encoding="utf-8")
#: No request to anything: styles inline, images as data: URIs, no scripts, frames or fonts.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'"
)


def escape(value: object) -> Markup:
    """``value`` as HTML: printed as it is when it is HTML already (has ``__html__``), else its
    text escaped as :func:`html.escape` escapes it."""
    if hasattr(value, "__html__"):
        return Markup(value)
    return Markup(html.escape(str(value)))


@dataclass(frozen=True)
class NavLink:
    """A link of a page's navigation bar (``blocks/header.html.j2``); ``current``: the page
    itself, marked ``aria-current="page"``."""

    text: str
    href: str
    current: bool = False


_VIEW_BOX = re.compile(rb'<svg\b[^>]*?\bviewBox="[-\d.]+ [-\d.]+ ([\d.]+) [\d.]+"')
_FONT_SIZE = re.compile(rb"font-size:\s*([\d.]+)px")


def chart_width(svg_base64: str) -> str:
    """The inline style of a chart image (an SVG, base64) that keeps its smallest text no smaller
    than the page's small print (``--small-print`` of ``style.css``): ``min-width`` is the
    image's width in its own units over its smallest font size, times the small print.

    A chart in matplotlib's SVG is 576 units wide for 8 inches; with 9-unit text at least, it is
    never shown narrower than 64 small-print sizes (832 CSS pixels at 13 px), and a narrower
    screen scrolls it inside its box. An SVG without a view box or text gives no least width.

    >>> svg = b'<svg width="576pt" viewBox="0 0 576 432"><text style="font-size: 9px">a</text>'
    >>> chart_width(base64.b64encode(svg + b"</svg>").decode())
    'min-width: calc(64 * var(--small-print))'
    """
    svg = base64.b64decode(svg_base64)
    box = _VIEW_BOX.search(svg)
    sizes = [float(size) for size in _FONT_SIZE.findall(svg)]
    if box is None or not sizes or min(sizes) <= 0:
        return ""
    ratio = math.ceil(float(box.group(1)) / min(sizes) * 100) / 100
    return f"min-width: calc({ratio:g} * var(--small-print))"


#: Templates are package data: read once, never reloaded during a run. An undefined name is an
#: error, not an empty string. A block tag takes the newline after it and the indent before it;
#: a template file's last newline is dropped.
ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
    autoescape=True,
    finalize=escape,
    undefined=jinja2.StrictUndefined,
    auto_reload=False,
    trim_blocks=True,
    lstrip_blocks=True,
)
ENVIRONMENT.filters["chart_width"] = chart_width


def render_template(template: str, **values: Any) -> str:
    """The template at ``template`` (a path under ``wres_tools/templates``) filled with
    ``values``, as a plain string."""
    return str(ENVIRONMENT.get_template(template).render(**values))
