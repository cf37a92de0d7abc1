"""methods.py: the methods page is generated from the package and follows any change to it."""

from __future__ import annotations

import dataclasses
import importlib.util
import textwrap
from html import escape
from html.parser import HTMLParser

import pytest
from builders import make_params

from wres_tools import disclosure, ethnicity, metrics, statistics
from wres_tools.evidence.results import DATA_DICTIONARY, STATISTICS
from wres_tools.parameters import Settings
from wres_tools.reporting import methods
from wres_tools.reporting.templating import CONTENT_SECURITY_POLICY, STYLESHEET

DEFAULTS = Settings()


@pytest.fixture(scope="module")
def page() -> str:
    return methods.methods_html(DEFAULTS)


class Structure(HTMLParser):
    """Collects what the accessibility and self-containment checks need."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.links: list[tuple[str, str]] = []  # (attribute, value) of every src/href/...
        self.ids: set[str] = set()
        self.lang: str | None = None
        self.th_without_scope = 0
        self.tables = 0
        self.captions_first = 0
        self.last_start: str | None = None
        self.headings: list[str] = []
        self.style = ""

    def handle_starttag(self, tag, attrs):  # noqa: ANN001 - HTMLParser's signature
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag == "caption" and self.last_start == "table":
            self.captions_first += 1
        if tag == "table":
            self.tables += 1
        if tag == "th" and attrs.get("scope") not in ("col", "row"):
            self.th_without_scope += 1
        if tag in ("h1", "h2", "h3"):
            self.headings.append(tag)
        for name in ("src", "href", "srcset", "action", "data", "poster"):
            if name in attrs:
                self.links.append((name, attrs[name]))
        if "id" in attrs:
            self.ids.add(attrs["id"])
        self.stack.append(tag)
        self.last_start = tag

    def handle_data(self, data):  # noqa: ANN001
        if self.stack and self.stack[-1] == "style":
            self.style += data


def parse(html: str) -> Structure:
    structure = Structure()
    structure.feed(html)
    return structure


# --------------------------------------------------------------------------- self-contained


def test_page_is_self_contained_and_accessible(page):
    s = parse(page)
    assert page.startswith("<!DOCTYPE html>")
    assert s.lang == "en"
    assert s.headings.count("h1") == 1 and s.headings.count("h2") >= 5
    # the navigation bar's links to the index and to itself (beside it in the output folder),
    # then only links within the page, each to an anchor that exists; no source of any kind
    assert all(name == "href" for name, _ in s.links)
    assert [value for _, value in s.links][:2] == ["index.html", "methods.html"]
    targets = [value for _, value in s.links][2:]
    assert targets and all(t.startswith("#") for t in targets)
    assert {t[1:] for t in targets} <= s.ids
    assert "url(" not in s.style and "@import" not in s.style
    assert "<script" not in page and "http:" not in page and "https:" not in page
    # the reports' own policy: no request to anything, no script
    policy = escape(CONTENT_SECURITY_POLICY)
    assert f'http-equiv="Content-Security-Policy" content="{policy}"' in page
    assert s.tables >= 6 and s.captions_first == s.tables  # caption first in every table
    assert s.th_without_scope == 0


def test_page_has_the_house_style_and_the_navigation_bar(page):
    """The reports' stylesheet, as it is (never entity-escaped inside <style>), and the same
    navigation bar as the reports: the index, and this page marked as the current one."""
    assert f"<style>\n{STYLESHEET}\n</style>" in page
    assert ('<header>\n<nav aria-label="Pages"><ul><li><a href="index.html">All reports</a></li>'
            '<li><a href="methods.html" aria-current="page">How the figures are made</a></li>'
            "</ul></nav>\n</header>") in page
    assert '<main class="methods">' in page


# --------------------------------------------------------------------------- from the code


def test_every_metric_id_title_and_definition_appears(page):
    for mdef in metrics.METRICS.values():
        assert f'<span id="{mdef.id.lower()}">{mdef.id}</span>' in page
        for words in (mdef.title, mdef.numerator, mdef.denominator, mdef.adverse_text):
            assert escape(words) in page, (mdef.id, words)


def test_a_changed_metric_definition_changes_the_page(monkeypatch):
    changed = dataclasses.replace(metrics.METRICS["M2"], title="Appointed within a week",
                                  denominator="applicants interviewed")
    monkeypatch.setitem(metrics.METRICS, "M2", changed)
    page = methods.methods_html(DEFAULTS)
    assert "Appointed within a week" in page and "applicants interviewed" in page
    assert "Relative likelihood of being appointed from shortlisting" not in page


def test_threshold_from_the_parameters_changes_the_disclosure_section(page):
    seven = methods.methods_html(Settings(threshold=7))
    assert "never show a count from 1 to 4: the threshold is 5" in page
    assert "never show a count from 1 to 6: the threshold is 7" in seven
    # the example table is made by disclosure.display_count: 6 is shown as "[c]", like any
    # withheld count (no second symbol tells a small count from a protective one)
    assert "<tr><th scope=\"row\">6</th><td>[c]</td>" in seven
    assert "&lt;5" not in seven and "&lt;7" not in seven


def test_the_confidence_level_is_the_fixed_one_and_small_numbers_the_parameter(monkeypatch):
    page = methods.methods_html(Settings(small_numbers=20))
    assert "Confidence level of every interval: 95%" in page
    assert "p is below 0.05." in page
    assert "any count under 20 carries a caution" in page
    monkeypatch.setattr(statistics, "CONFIDENCE", 0.9)
    monkeypatch.setattr(statistics, "ALPHA", 0.1)
    page = methods.methods_html(Settings())
    assert "Confidence level of every interval: 90%" in page and "p is below 0.1." in page


def test_the_four_fifths_constants_are_read_from_statistics(page, monkeypatch):
    assert "an RL from 0.80 to 1.25 is read as no adverse impact" in page
    monkeypatch.setattr(statistics, "FOUR_FIFTHS_LOW", 0.75)
    assert "an RL from 0.75 to 1.25" in methods.methods_html(DEFAULTS)


def test_disclosure_rules_and_symbols_come_from_disclosure_py(page, monkeypatch):
    assert escape(disclosure.WITHHELD) in page
    assert escape(disclosure.BANNER_INTERNAL) in page
    assert f"<td>{disclosure.SYMBOL}</td>" in page
    for column in disclosure.DERIVED_COLUMNS:
        assert f"<code>{column}</code>" in page
    monkeypatch.setattr(disclosure, "__doc__", "Summary.\n\n* rule one: hide *all* of it;\n"
                                               "  every bit.\n\nNot shown after the list.")
    changed = methods.methods_html(DEFAULTS)
    assert "<ul><li>rule one: hide <em>all</em> of it; every bit.</li></ul>" in changed
    assert "Not shown after the list." not in changed


def test_ethnicity_mapping_summary(page):
    assert f"any of {len(ethnicity.MAPPING)} recognised labels" in page
    assert f"the {len(ethnicity.CENSUS_CATEGORIES)} census 2021 categories" in page
    for name in ethnicity.GROUPS.values():
        assert escape(name) in page
    # Asian: five census categories (Bangladeshi, Chinese, Indian, Pakistani, any other Asian)
    asian_labels = int((ethnicity.MAPPING["group"] == "asian").sum())
    assert (f"<td>minority ethnic: compared with white</td><td>5</td><td>{asian_labels}</td>"
            in page)


def test_data_dictionary_is_on_the_page(page):
    for name, column in DATA_DICTIONARY.items():
        assert f"<th scope=\"row\"><code>{name}</code></th><td>{column.type}</td>" in page
    for name, column in STATISTICS.items():
        assert f"<code>{name}</code></th><td>{column.type}</td><td>{escape(column.unit)}</td>" \
            in page


# --------------------------------------------------------------------------- statistics.py


def test_statistical_methods_name_the_library_calls_the_spec_requires():
    found = {m.name: m for m in methods.statistical_methods()}
    # the closed forms over scipy.special (tests/test_statistics_reference.py pins each to the
    # statsmodels or scipy.stats function it follows)
    assert found["wilson"].calls == ("ndtri(alpha / 2)",)
    assert found["wilson"].libraries == ("scipy.special.ndtri",)
    assert found["clopper_pearson"].calls == (
        "betaincinv(events, n - events + 1, alpha / 2)",
        "betainccinv(events + 1, n - events, alpha / 2)")
    assert found["clopper_pearson"].libraries == ("scipy.special.betaincinv",
                                                  "scipy.special.betainccinv")
    assert found["relative_likelihood"].libraries == ("numpy.sqrt", "numpy.log", "numpy.exp",
                                                      "scipy.special.ndtri")
    assert found["fisher_p"].libraries == (
        "scipy.special._ufuncs._hypergeom_pmf", "scipy.special._ufuncs._hypergeom_cdf",
        "scipy.special._ufuncs._hypergeom_sf")
    assert found["fisher_p"].builds_on == ("yates_p",)
    assert found["yates_p"].calls == ("chdtrc(1, statistic)",)
    assert found["ratio_change"].libraries == ("scipy.special.ndtri", "scipy.special.ndtr")
    assert found["newcombe_gap"].calls == ("ndtri(alpha / 2)",)
    assert found["share_change"].builds_on == ("newcombe_gap", "fisher_p")
    assert not any(library.startswith(("scipy.stats", "statsmodels"))
                   for m in found.values() for library in m.libraries)
    assert found["four_fifths"].calls == () and found["four_fifths"].used_by == ("metrics",)
    assert found["ratio_change"].used_by == ("trends",)
    assert list(found)[:2] == ["clean", "wilson"]  # source order
    assert not any(name.startswith("_") for name in found)


def test_statistical_methods_follow_the_source(tmp_path):
    """A changed method in the source is a changed page: read from a module written here."""
    source = textwrap.dedent('''
        from scipy.stats import fisher_exact
        from statsmodels.stats.proportion import proportion_confint as pc
        import numpy as np

        def rate(events, n):
            """A rate with an Agresti-Coull interval.

            More words,
            more details.
            """
            return pc(events, n, method="agresti_coull")

        def test(a, b):
            """Fisher, one-sided."""
            result = fisher_exact([[a, b], [b, a]], alternative="less")
            return result.pvalue, np.log(2)

        def both(a, b):
            """Both together."""
            return rate(a, b), test(a, b)

        def _private():
            return pc(1, 2)
        ''')
    path = tmp_path / "fake_statistics.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("fake_statistics", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    found = methods.statistical_methods(module, users=())
    assert [(m.name, m.summary, m.details, m.calls, m.libraries, m.builds_on)
            for m in found] == [
        ("rate", "A rate with an Agresti-Coull interval.", "More words, more details.",
         ("pc(events, n, method='agresti_coull')",),
         ("statsmodels.stats.proportion.proportion_confint",), ()),
        ("test", "Fisher, one-sided.", "",
         ("fisher_exact([[a, b], [b, a]], alternative='less')", "np.log(2)"),
         ("scipy.stats.fisher_exact", "numpy.log"), ()),
        ("both", "Both together.", "", (), (), ("rate", "test")),
    ]


def test_each_statistics_function_is_a_row_of_the_page(page):
    # the spec's treatment of a zero cell is stated where the code does it
    assert "No RL where a count of the 2x2 table is zero (the spec&#x27;s first choice)" in page
    for m in methods.statistical_methods():
        assert f"<code>statistics.{m.name}</code>" in page
        for call in m.calls:
            assert f"<code>{escape(call)}</code>" in page


# --------------------------------------------------------------------------- the rest


def test_docstring_html_paragraphs_lists_and_markup():
    doc = """First line.

    Uses :func:`~wres_tools.metrics.compute_all` and ``x < 5``.

    - one *item*
      continued
    - two
    """
    assert methods.docstring_html(doc) == (
        "<p>First line.</p>\n"
        "<p>Uses <code>compute_all</code> and <code>x &lt; 5</code>.</p>\n"
        "<ul><li>one <em>item</em> continued</li><li>two</li></ul>")


def test_authorities_with_their_own_settings_are_listed():
    own = make_params(display_name="Northshire", threshold=10)
    same = make_params(display_name="Southshire")
    page = methods.methods_html(DEFAULTS, [own, same])
    assert '<section id="overrides">' in page and '<a href="#overrides">' in page
    assert "<th scope=\"row\">Northshire</th><td>threshold 10</td>" in page
    assert "Southshire" not in page
    assert '<section id="overrides">' not in methods.methods_html(DEFAULTS, [same])


def test_write_methods_page_and_default_settings(tmp_path):
    params_dir = tmp_path / "parameters"
    params_dir.mkdir()
    (params_dir / "defaults.yml").write_text("threshold: 8\nsmall_numbers: 12\n")
    settings = methods.default_settings(params_dir)
    assert (settings.threshold, settings.small_numbers) == (8, 12)
    path = methods.write_methods_page(tmp_path / "out", settings)
    assert path == tmp_path / "out" / "methods.html"
    assert path.read_text(encoding="utf-8") == methods.methods_html(settings)
    assert "the threshold is 8" in path.read_text(encoding="utf-8")
    (params_dir / "defaults.yml").write_text("threshold: 0\n")
    with pytest.raises(ValueError, match="defaults.yml: not valid parameter defaults"):
        methods.default_settings(params_dir)


def test_the_page_ends_with_one_newline_and_lists_figures_as_code(page):
    assert page.endswith("</body>\n</html>\n")
    figures = ", ".join(f"<code>{s}</code>" for s in methods.metric_statistics("M2"))
    assert f"<td>{figures}</td></tr>" in page


def test_an_authority_name_on_the_page_is_escaped():
    own = make_params(display_name="<script>King's</script>", threshold=7)
    page = methods.methods_html(DEFAULTS, [own])
    assert ('<tr><th scope="row">&lt;script&gt;King&#x27;s&lt;/script&gt;</th>'
            "<td>threshold 7</td></tr>") in page
    assert "<script>" not in page


def test_the_national_method_reads_the_codes_constants() -> None:
    from wres_tools import national
    from wres_tools.reporting.methods import default_settings, methods_html

    page = methods_html(default_settings())
    section = page[page.index('<section id="national">'):]
    section = section[:section.index("</section>")]
    assert f"at least {national.MIN_COUNCILS} councils" in section
    assert (national.ABOVE, national.BELOW) == (1.25, 0.80)
    assert "above 1.25, below 0.80 or between" in section
    assert "never an average" in section and '<a href="#national">' in page
