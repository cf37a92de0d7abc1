"""The package's Jinja environment and the report's building blocks laid out by it: exact HTML
for hand-made inputs, every text escaped as :func:`html.escape` spells it."""

from __future__ import annotations

import jinja2
import pytest
from markupsafe import Markup

from wres_tools.paths import TEMPLATES_DIR
from wres_tools.reporting.blocks import Link, Section, html_paragraphs, html_table
from wres_tools.reporting.templating import ENVIRONMENT, escape, render_template

NASTY = "<script>alert('x')</script> & \"co\""
NASTY_HTML = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;co&quot;"


def test_escape_spells_as_html_escape_and_leaves_package_html_alone() -> None:
    assert escape(NASTY) == NASTY_HTML
    assert escape(Markup("<b>bold</b>")) == "<b>bold</b>"
    assert escape(Link("M3 report", "m3.html")) == '<a href="m3.html">M3 report</a>'
    assert escape(0.5) == "0.5"


def test_an_undefined_name_is_an_error() -> None:
    with pytest.raises(jinja2.UndefinedError):
        render_template("blocks/section.html.j2", key="k", heading=None)  # no body


def test_every_template_of_the_package_compiles() -> None:
    names = [n for n in ENVIRONMENT.list_templates(extensions=["j2"])
             if not n.startswith("wres_report/")]  # nbconvert's own environment renders that
    assert len(names) == len(list(TEMPLATES_DIR.rglob("*.j2"))) - 1
    for name in names:
        ENVIRONMENT.get_template(name)


#: A table's box, which scrolls sideways on a screen narrower than the table: a region named by
#: the caption, which a keyboard can reach (tabindex) to scroll it.
SCROLL = '<div class="scroll" role="region" tabindex="0" aria-label="Table: c">'


def test_table_escapes_every_label_and_keeps_a_link() -> None:
    table = html_table(
        f"Caption {NASTY}", ["Figure", "All services"],
        [[NASTY, "0.52"], ["Report", Link("M3's report", "m3.html")]], css="headlines")
    assert table == (
        f'<div class="scroll" role="region" tabindex="0" aria-label="Table: Caption {NASTY_HTML}">'
        f'<table class="headlines"><caption>Caption {NASTY_HTML}</caption><thead><tr>'
        '<th scope="col">Figure</th><th scope="col">All services</th></tr></thead><tbody>'
        f'<tr><th scope="row">{NASTY_HTML}</th><td>0.52</td></tr>'
        '<tr><th scope="row">Report</th><td><a href="m3.html">M3&#x27;s report</a></td></tr>'
        "</tbody></table></div>")


def test_a_text_table_aligns_every_cell_left() -> None:
    left = ' style="text-align:left"'
    assert html_table("c", ["A", "B"], [["x", "y"]], css="actions", text=True) == (
        f'{SCROLL}<table class="actions"><caption>c</caption><thead><tr>'
        f'<th scope="col"{left}>A</th>'
        f'<th scope="col"{left}>B</th></tr></thead><tbody><tr><th scope="row"{left}>x</th>'
        f"<td{left}>y</td></tr></tbody></table></div>")


def test_a_table_without_rows_has_an_empty_body() -> None:
    assert html_table("c", ["A"], []) == (
        f'{SCROLL}<table class="figures"><caption>c</caption><thead><tr><th scope="col">A</th></tr>'
        "</thead><tbody></tbody></table></div>")


def test_paragraphs_skip_empty_sentences_and_may_be_strong() -> None:
    assert html_paragraphs(["One.", "", NASTY]) == f"<p>One.</p><p>{NASTY_HTML}</p>"
    assert html_paragraphs(["Head."], "headline", strong=True) == \
        '<p class="headline"><strong>Head.</strong></p>'
    assert html_paragraphs([]) == ""


def test_section_escapes_its_heading_not_its_body() -> None:
    assert Section("M3/figures", NASTY, "<p>body</p>").html() == \
        f'<section class="M3/figures"><h2>{NASTY_HTML}</h2><p>body</p></section>'
    assert Section("banners", None, "").html() == '<section class="banners"></section>'
