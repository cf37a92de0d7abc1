"""The package's one Jinja environment: every page and fragment it writes is laid out by a
template under ``wres_tools/templates``; Python hands a template texts, the template places them.

Every value a template prints is escaped by :func:`escape`, which writes what
:func:`html.escape` writes (``'`` as ``&#x27;``, ``"`` as ``&quot;``): the spelling the
report fragments and the methods page have always had. HTML the package built itself reaches a
template as :class:`~markupsafe.Markup` and is printed as it is. Jinja's own ``|e`` filter
writes markupsafe's spelling (``&#39;``); the index page uses it, as it always has.
"""

from __future__ import annotations

import html
from typing import Any

import jinja2
from markupsafe import Markup

from wres_tools.paths import TEMPLATES_DIR


def escape(value: object) -> Markup:
    """``value`` as HTML: printed as it is when it is HTML already (has ``__html__``), else its
    text escaped as :func:`html.escape` escapes it."""
    if hasattr(value, "__html__"):
        return Markup(value)
    return Markup(html.escape(str(value)))


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


def render_template(template: str, **values: Any) -> str:
    """The template at ``template`` (a path under ``wres_tools/templates``) filled with
    ``values``, as a plain string."""
    return str(ENVIRONMENT.get_template(template).render(**values))
