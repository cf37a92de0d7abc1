"""The building blocks of a report page: accessible HTML tables and paragraphs (every text
escaped), a :class:`Section` and a :class:`Report` of sections, laid out by the templates under
``templates/blocks``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup

from wres_tools.reporting.templating import render_template


@dataclass(frozen=True)
class Link:
    """A table cell that links to another report in the same folder."""

    text: str
    href: str

    def html(self) -> str:
        return render_template("blocks/link.html.j2", text=self.text, href=self.href)

    def __html__(self) -> str:
        """A template prints the link, not its text escaped."""
        return self.html()


def html_table(
    caption: str, columns: Sequence[str], rows: Iterable[Sequence[str | Link]], *,
    css: str = "figures", text: bool = False,
) -> str:
    """An accessible table: caption, column headers with scope, first cell of a row a row header.

    ``text=True`` aligns every cell left (sentences), else the notebook's own style applies.
    """
    return render_template("blocks/table.html.j2", caption=caption, columns=columns,
                           rows=[(first, rest) for first, *rest in rows], css=css, text=text)


def html_paragraphs(sentences: Iterable[str], css: str | None = None, strong: bool = False) -> str:
    """A paragraph per sentence that is not empty, of class ``css``, in bold when ``strong``."""
    return render_template("blocks/paragraphs.html.j2", sentences=[s for s in sentences if s],
                           css=css, strong=strong)


# ---------------------------------------------------------------- the report object


@dataclass(frozen=True)
class Section:
    """One part of a report: a key the notebook can ask for, a heading and its HTML."""

    key: str
    heading: str | None
    body: str

    def html(self) -> str:
        return render_template("blocks/section.html.j2", key=self.key, heading=self.heading,
                               body=Markup(self.body))


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
