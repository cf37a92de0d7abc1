"""HTML export: no code, no request outside the page, banners, atomic writes, the index page."""

from __future__ import annotations

import base64
import html
import os
import stat
import subprocess
from pathlib import Path

import nbformat
import pytest
from headless import chromium
from nbformat.v4 import (
    new_code_cell,
    new_markdown_cell,
    new_notebook,
    new_output,
)

from wres_tools.batch.export import (
    CONTENT_SECURITY_POLICY,
    INTERNAL_BANNER,
    SYNTHETIC_BANNER,
    IndexFailure,
    IndexRow,
    NotSelfContained,
    banners_for,
    index_html,
    notebook_html,
    outside_references,
)
from wres_tools.files import write_atomic

# A 1x1 transparent PNG, as an executed notebook carries a chart: base64 text in the output.
PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
    )
).decode()


def executed_notebook() -> nbformat.NotebookNode:
    """A notebook as papermill leaves it: parameters cells, code with outputs, markdown."""
    params = new_code_cell("authority = 'x'", metadata={"tags": ["parameters"]})
    injected = new_code_cell(
        "authority = 'ashbury'", metadata={"tags": ["injected-parameters"]},
        outputs=[new_output("stream", name="stdout", text="PARAMETER ECHO\n")],
    )
    report = new_code_cell(
        "SECRET_SOURCE_LINE = compute()\nprint(text)",
        outputs=[
            new_output("stream", name="stdout", text="Minority ethnic staff were 1.50 times...\n"),
            new_output("stream", name="stderr", text="/tmp/ipykernel_123/1.py:3: UserWarning\n"),
            new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"}),
            new_output("execute_result", execution_count=3,
                       data={"text/html": "<table><tr><td>0.52</td></tr></table>",
                             "text/plain": "table"}),
        ],
        execution_count=3,
    )
    silent = new_code_cell("import pandas as pd", outputs=[], execution_count=1)
    removed = new_code_cell(
        "debug()", metadata={"tags": ["remove-cell"]},
        outputs=[new_output("stream", name="stdout", text="DEBUG ONLY\n")],
    )
    heading = new_markdown_cell("# Pay bands\n\nHow staff are spread over pay bands.")
    nb = new_notebook(cells=[params, injected, heading, silent, report, removed])
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i}"  # fixed ids: a page must be the same bytes every time
    return nb


def test_report_shows_outputs_but_no_code_prompts_or_parameters():
    page = notebook_html(executed_notebook(), title="Ashbury, 2023: M1 pay bands")
    assert "Minority ethnic staff were 1.50 times" in page
    assert "<table><tr><td>0.52</td></tr></table>" in page
    assert f"data:image/png;base64,{PNG}" in page
    assert "Pay bands" in page
    for hidden in ("SECRET_SOURCE_LINE", "import pandas", "PARAMETER ECHO", "DEBUG ONLY",
                   "UserWarning", "ipykernel_123", "In&nbsp;[", "Out[3]"):
        assert hidden not in page, hidden


def test_report_page_head_language_title_policy_and_no_script():
    page = notebook_html(executed_notebook(), title="Ashbury, 2023: M1 <pay> bands")
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="en">' in page
    assert "<title>Ashbury, 2023: M1 &lt;pay&gt; bands</title>" in page
    assert CONTENT_SECURITY_POLICY in page
    assert "<script" not in page
    assert outside_references(page) == []


def test_same_notebook_gives_the_same_bytes():
    first = notebook_html(executed_notebook(), title="t", banners=banners_for("internal", True))
    second = notebook_html(executed_notebook(), title="t", banners=banners_for("internal", True))
    assert first == second


def test_banners_follow_disclosure_mode_and_synthetic_data():
    assert banners_for("published", False) == []
    assert banners_for("internal", False) == [INTERNAL_BANNER]
    assert banners_for("published", True) == [SYNTHETIC_BANNER]
    assert banners_for("internal", True) == [INTERNAL_BANNER, SYNTHETIC_BANNER]
    internal = notebook_html(executed_notebook(), title="t", banners=banners_for("internal", True))
    assert "Internal use only." in internal and "banner-internal" in internal
    assert "Synthetic data." in internal and "banner-synthetic" in internal
    published = notebook_html(executed_notebook(), title="t", banners=[])
    assert "Internal use only." not in published and "Synthetic data." not in published


def test_a_banner_the_notebook_shows_itself_is_not_repeated():
    nb = executed_notebook()
    nb.cells[4].outputs.insert(0, new_output("display_data", data={
        "text/html": '<p class="banner internal" role="note"><strong>INTERNAL USE</strong></p>',
        "text/plain": "banner",
    }))
    page = notebook_html(nb, title="t", banners=banners_for("internal", True))
    assert page.count("INTERNAL USE") == 1 and "Internal use only." not in page
    assert "Synthetic data." in page  # the notebook did not show that one: the template does


@pytest.mark.parametrize(
    "markdown",
    [
        "![chart](https://example.org/chart.png)",
        "![chart](chart.png)",  # a relative file is not inside the page either
        "See [the guidance](https://example.org/wres).",
        '<script src="https://cdn.example.org/x.js"></script>',
    ],
)
def test_a_page_that_refers_outside_itself_is_refused(markdown):
    nb = executed_notebook()
    nb.cells.append(new_markdown_cell(markdown))
    with pytest.raises(NotSelfContained, match="refers outside itself"):
        notebook_html(nb, title="t")


SVG_OK = base64.b64encode(
    b'<svg xmlns:xlink="http://www.w3.org/1999/xlink" xmlns="http://www.w3.org/2000/svg">'
    b'<metadata><rdf:RDF><dc:type rdf:resource="http://purl.org/dc/dcmitype/StillImage"/>'
    b'</rdf:RDF></metadata><path id="m1" clip-path="url(#p1)"/><use xlink:href="#m1"/></svg>'
).decode("ascii")
SVG_LOADS = base64.b64encode(
    b'<svg xmlns="http://www.w3.org/2000/svg"><image href="https://x.org/a.png"/>'
    b'<style>text { font-family: F; src: url(https://fonts.x.org/f.woff) }</style></svg>'
).decode("ascii")


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ('<img src="https://x.org/a.png">', [("img", "src", "https://x.org/a.png", "load")]),
        ('<img src="data:image/png;base64,AAAA">', []),
        ('<link rel="stylesheet" href="//cdn.x.org/s.css">',
         [("link", "href", "//cdn.x.org/s.css", "load")]),
        ('<script src="require.js"></script>', [("script", "src", "require.js", "load")]),
        ('<img srcset="data:image/png;base64,AA 1x, http://x.org/b.png 2x">',
         [("img", "srcset", "http://x.org/b.png", "load")]),
        ('<div style="background: url(\'http://x.org/b.png\')"></div>',
         [("div", "style", "http://x.org/b.png", "load")]),
        ('<style>@import "https://fonts.x.org/f.css"; p { color: red }</style>',
         [("style", "text", "https://fonts.x.org/f.css", "load")]),
        ('<a href="https://x.org/">x</a>', [("a", "href", "https://x.org/", "link")]),
        ('<a href="2023/ashbury/m1_pay_bands.html">M1</a><a href="#top">top</a>', []),
        ('<a href="mailto:wres@example.org">mail</a>', []),
        ('<svg><use xlink:href="#marker"></use></svg>', []),
        # inside an inline SVG image: namespaces and internal references are not loads...
        (f'<img src="data:image/svg+xml;base64,{SVG_OK}">', []),
        # ...an image or a stylesheet from a host is, base64 or not
        (f'<img src="data:image/svg+xml;base64,{SVG_LOADS}">',
         [("img", "src (inside an SVG image)", "https://x.org/a.png", "load"),
          ("img", "src (inside an SVG image)", "https://fonts.x.org/f.woff", "load")]),
        ('<img src="data:image/svg+xml,%3Csvg%3E%3Cimage href=%22http://x.org/b.png%22/%3E'
         '%3C/svg%3E">', [("img", "src (inside an SVG image)", "http://x.org/b.png", "load")]),
        ('<meta http-equiv="refresh" content="0; url=https://x.org/">',
         [("meta", "content", "0; url=https://x.org/", "load")]),
    ],
)
def test_outside_references(page, expected):
    found = [(r.tag, r.attribute, r.url, r.kind) for r in outside_references(page)]
    assert found == expected


def test_write_atomic_replaces_whole_file_and_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "2023" / "ashbury" / "m1.html"
    write_atomic(target, "first")
    write_atomic(target, "second")
    assert target.read_text(encoding="utf-8") == "second"
    with pytest.raises(UnicodeEncodeError):
        write_atomic(target, "half written \ud800 never lands")  # a lone surrogate cannot encode
    assert target.read_text(encoding="utf-8") == "second"
    assert sorted(p.name for p in target.parent.iterdir()) == ["m1.html"]
    # readable like any file this process writes (mkstemp alone would leave it owner-only)
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask


def test_index_page_links_reports_escapes_names_and_lists_failures():
    rows = [
        IndexRow("ashbury", "Ashbury <Borough>", 2023,
                 (("Summary", "2023/ashbury/summary.html"), ("M1", "2023/ashbury/m1.html")),
                 ("0.52 (0.41 to 0.66)", "not published: small numbers"), synthetic=True),
    ]
    failures = [IndexFailure("brockley", 2022, "m3_disciplinary.ipynb", "cell 4: KeyError: 'x'")]
    page = index_html(rows, headline_labels=["M2", "M3"], failures=failures,
                      banners=[SYNTHETIC_BANNER])
    assert "Ashbury &lt;Borough&gt;" in page and "<Borough>" not in page
    assert '<a href="2023/ashbury/summary.html">Summary</a>' in page
    assert '<a href="2023/ashbury/m1.html">M1</a>' in page
    assert "0.52 (0.41 to 0.66)" in page and "not published: small numbers" in page
    assert "1 report could not be made" in page
    assert "brockley 2022, m3_disciplinary.ipynb: cell 4: KeyError: &#39;x&#39;" in page
    assert "Synthetic data." in page
    assert '<html lang="en">' in page and CONTENT_SECURITY_POLICY in html.unescape(page)
    assert outside_references(page) == []


def test_report_opens_in_headless_chromium_with_the_network_off(tmp_path):
    """Skipped where chromium is absent, except in CI (``CI`` set), where that fails."""
    browser = chromium()
    page = notebook_html(executed_notebook(), title="Ashbury, 2023: M1 pay bands",
                         banners=banners_for("internal", True))
    path = tmp_path / "m1.html"
    path.write_text(page, encoding="utf-8")
    result = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-dev-shm-usage", f"--user-data-dir={tmp_path / 'profile'}",
         "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
         "--virtual-time-budget=2000", "--dump-dom", path.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    assert "Minority ethnic staff were 1.50 times" in dom
    assert "Internal use only." in dom
    assert "<title>Ashbury, 2023: M1 pay bands</title>" in dom
    # The chart is drawn from the page itself: the image's data URI survived into the DOM.
    assert f"data:image/png;base64,{PNG}" in dom
    assert Path(path).read_text(encoding="utf-8") == page  # opening a report never changes it


def test_the_index_escapes_as_it_always_has_and_ends_with_a_newline():
    row = IndexRow("kings", "King's <Lynn>", 2023, (("M1", "2023/kings/m1.html"),), ("0.50",))
    page = index_html([row], headline_labels=["M2"])
    assert ('<tr><th scope="row">King&#39;s &lt;Lynn&gt;</th><td>2023</td><td class="num">0.50'
            '</td><td class="links"><a href="2023/kings/m1.html">M1</a></td></tr>') in page
    assert "content=\"default-src &#39;none&#39;;" in page
    assert page.endswith("</main>\n</body>\n</html>\n")


def test_a_print_the_kernel_sent_in_pieces_is_one_block_as_when_sent_whole():
    """ipykernel flushes stdout on a timer: on a loaded machine ``print('extra', 2023)`` can
    arrive as two messages (the cause of the two-worker byte test failing once in CI)."""
    def page(*pieces: str) -> str:
        nb = new_notebook(cells=[new_code_cell("print('extra', 2023)", execution_count=1, id="c1",
                                               outputs=[new_output("stream", name=n, text=t)
                                                        for n, t in pieces])])
        return notebook_html(nb, title="t")

    whole = page(("stdout", "extra 2023\n"))
    assert page(("stdout", "extra"), ("stdout", " 2023\n")) == whole
    # a warning between the pieces is left out and does not split them either
    assert page(("stdout", "extra"), ("stderr", "UserWarning\n"), ("stdout", " 2023\n")) == whole
    assert whole.count("extra 2023") == 1
    # a figure between two prints keeps them apart: they are two blocks as the cell made them
    two = notebook_html(new_notebook(cells=[new_code_cell("", execution_count=1, outputs=[
        new_output("stream", name="stdout", text="a\n"),
        new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"}),
        new_output("stream", name="stdout", text="b\n")])]), title="t")
    assert two.index(">a") < two.index("data:image/png") < two.index(">b")
