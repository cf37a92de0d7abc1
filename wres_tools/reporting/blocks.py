"""The building blocks of a report page: accessible HTML tables and paragraphs (every text
escaped), a :class:`Section` and a :class:`Report` of sections.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Link:
    """A table cell that links to another report in the same folder."""

    text: str
    href: str

    def html(self) -> str:
        return f'<a href="{html.escape(self.href)}">{html.escape(self.text)}</a>'


def html_table(
    caption: str, columns: Sequence[str], rows: Iterable[Sequence[str | Link]], *,
    css: str = "figures", text: bool = False,
) -> str:
    """An accessible table: caption, column headers with scope, first cell of a row a row header.

    ``text=True`` aligns every cell left (sentences), else the notebook's own style applies.
    """
    align = ' style="text-align:left"' if text else ""
    head = "".join(f'<th scope="col"{align}>{html.escape(c)}</th>' for c in columns)
    body = []
    for row in rows:
        first, *rest = row
        cells = "".join(
            f"<td{align}>{c.html() if isinstance(c, Link) else html.escape(str(c))}</td>"
            for c in rest
        )
        body.append(f'<tr><th scope="row"{align}>{html.escape(str(first))}</th>{cells}</tr>')
    return (
        f'<table class="{css}"><caption>{html.escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def html_paragraphs(sentences: Iterable[str], css: str | None = None, strong: bool = False) -> str:
    attr = f' class="{css}"' if css else ""
    wrap = ("<strong>", "</strong>") if strong else ("", "")
    return "".join(f"<p{attr}>{wrap[0]}{html.escape(s)}{wrap[1]}</p>" for s in sentences if s)


# ---------------------------------------------------------------- the report object


@dataclass(frozen=True)
class Section:
    """One part of a report: a key the notebook can ask for, a heading and its HTML."""

    key: str
    heading: str | None
    body: str

    def html(self) -> str:
        heading = f"<h2>{html.escape(self.heading)}</h2>" if self.heading else ""
        return f'<section class="{self.key}">{heading}{self.body}</section>'


@dataclass(frozen=True)
class Report:
    """A metric report or the summary: sections in reading order."""

    title: str
    sections: tuple[Section, ...] = field(default_factory=tuple)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.sections)

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    def html(self, *keys: str) -> str:
        """The named sections (all by default) as one HTML fragment, in reading order.

        A key names a section ("figures"), or, in a report of several metrics, every section of
        one metric ("M7a" gives "M7a/headline", "M7a/figures", ...). Unknown keys give nothing:
        a not-collected metric has no chart, and its notebook cell shows nothing.
        """
        if not keys:
            return "".join(s.html() for s in self.sections)
        return "".join(
            s.html() for s in self.sections
            if s.key in keys or s.key.split("/")[0] in keys
        )

    def show(self, *keys: str) -> None:
        """Display the named sections (all by default) in a notebook."""
        from IPython.display import HTML, display

        display(HTML(self.html(*keys)))

    def _repr_html_(self) -> str:
        return self.html()
