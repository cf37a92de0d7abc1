"""The live explorer: drive its dropdowns and toggle as a user would (setting widget values fires
the same callbacks as a click in JupyterLab) and check what it shows; and the thin notebook runs
on the project kernel.

The data is the two-year fixture authority of tests/report_data.py (testshire, 2024 and 2025,
adults' and children's services), plus ``otherby`` (2023 only: testshire's adults' rows without a
service column, so the return holds one service) and ``brokenham`` (a 2025 return that breaks a
contract rule). Expected sentences are worked out by hand below, Katz interval
exp(ln RL +/- 1.96 * sqrt(1/a - 1/n1 + 1/c - 1/n2)).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
import pytest
from report_data import AUTHORITY, tables, write_fixture

from wres_tools import disclosure, metrics
from wres_tools.paths import KERNEL_NAME, NOTEBOOKS_DIR
from wres_tools.reporting import charts, explore, narrative
from wres_tools.reporting.data import SYNTHETIC_BANNER
from wres_tools.reporting.explore import Explorer, Selection
from wres_tools.reporting.formats import NOT_PUBLISHED
from wres_tools.reporting.report import build_metric_report, load
from wres_tools.returns.writer import write_return

NOTEBOOK = NOTEBOOKS_DIR / "explore.ipynb"

# M1, all services, 2025, minority ethnic (adults Indian + African, children Indian + African):
#   lowest band 15 + 10 + 8 + 4 = 37 of 37 + (60 + 50) = 147 known: 25.17% -> "25.2%";
#   highest band 1 + 1 + 0 + 1 = 3 of 3 + (15 + 10) = 28: 10.71% -> "10.7%";
#   middle band 5 + 3 + 2 + 1 = 11 of 56 = 19.6%: the share falls at every step.
M1_ALL = ("The minority ethnic share falls at every step up the pay bands, from 25.2% in the "
          "lowest pay band shown (less than £30,000) to 10.7% in the highest (£70,000 and over).")
# M3, all services, 2025: minority 5 + 4 = 9 of 25 + 20 = 45 (0.20), white 8 + 4 = 12 of 180
#   (0.0667): RL 3.00; SE = sqrt(1/9 - 1/45 + 1/12 - 1/180) = 0.4082, exp(1.96 * 0.4082) = 2.226:
#   3 / 2.226 = 1.35, 3 * 2.226 = 6.68.
M3_2025 = ("Minority ethnic staff were 3.00 times as likely as white staff to enter the formal "
           "disciplinary process (95% CI 1.35 to 6.68): about three times as likely.")
# M3, all services, 2024: minority 3 + 4 = 7 of 45 (0.1556), white 12 of 180: RL 2.33;
#   SE = sqrt(1/7 - 1/45 + 1/12 - 1/180) = sqrt(0.1984) = 0.4454, exp(1.96 * 0.4454) = 2.394:
#   2.333 / 2.394 = 0.97, 2.333 * 2.394 = 5.59; 2.33 is nearest two and a half (by halves).
#   Fisher's p = 0.071 (scipy's fisher_exact on [[7, 38], [12, 168]]): not significant.
M3_2024 = ("Minority ethnic staff were 2.33 times as likely as white staff to enter the formal "
           "disciplinary process (95% CI 0.97 to 5.59): about two and a half times as likely, "
           "but the difference is not statistically significant.")
# M2, all services, Asian (adults' Indian only): 6 of 30 appointed (0.20), white 40 + 20 = 60 of
#   150 (0.40): RL 0.50; SE = sqrt(1/6 - 1/30 + 1/60 - 1/150) = sqrt(0.1433) = 0.3786,
#   exp(1.96 * 0.3786) = 2.100: 0.5 / 2.1 = 0.24, 0.5 * 2.1 = 1.05. Fisher's p = 0.040 on
#   [[6, 24], [60, 90]]: significant, though the Katz interval reaches past 1 (the two methods
#   differ), so the sentence carries no doubt.
M2_ASIAN = ("Asian applicants were 0.50 times as likely as white applicants to be appointed from "
            "shortlisting (95% CI 0.24 to 1.05): about half as likely.")
# M2, children's services, minority: African 3 of 8 + Mixed 1 of 2 = 4 of 10 (0.40), white 20 of
#   50 (0.40): RL 1.00; SE = sqrt(1/4 - 1/10 + 1/20 - 1/50) = sqrt(0.18) = 0.4243,
#   exp(1.96 * 0.4243) = 2.297: 1 / 2.297 = 0.44, 2.30. Fisher's p = 1: not significant.
M2_CHILDREN = ("In children's services, minority ethnic applicants were 1.00 times as likely as "
               "white applicants to be appointed from shortlisting (95% CI 0.44 to 2.30): about "
               "as likely, and the difference is not statistically significant.")
# M2 for otherby (adults' rows only, no service column): minority (Indian) 6 of 30 (0.20), white
#   40 of 100 (0.40): RL 0.50; SE = sqrt(1/6 - 1/30 + 1/40 - 1/100) = sqrt(0.1483) = 0.3851,
#   exp(1.96 * 0.3851) = 2.127: 0.5 / 2.127 = 0.235 -> 0.24, 0.5 * 2.127 = 1.064 -> 1.06.
#   Fisher's p = 0.052 on [[6, 24], [40, 60]]: not significant (just).
M2_OTHERBY = ("Minority ethnic applicants were 0.50 times as likely as white applicants to be "
              "appointed from shortlisting (95% CI 0.24 to 1.06): about half as likely, but the "
              "difference is not statistically significant.")


def _adults_only(year: int) -> dict:
    """testshire's adults' rows without a service column: a return with one service."""
    return {name: frame[frame["service"] == "adults"].drop(columns="service")
            if "service" in frame.columns else frame for name, frame in tables(year).items()}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = write_fixture(tmp_path_factory.mktemp("explore") / "data")
    write_return(_adults_only(2025), data, "otherby", 2023, "xlsx")
    broken = tables(2025)
    broken["recruitment"].loc[0, "appointed"] = 500  # more appointed than the 100 shortlisted
    write_return(broken, data, "brokenham", 2025, "csv")
    return data


@pytest.fixture
def explorer(data_dir: Path) -> Explorer:
    ex = Explorer(data_dir, with_charts=False)
    ex.select(authority=AUTHORITY)
    return ex


def headline(markup: str) -> str:
    """The bold headline sentence on the page."""
    found = re.search(r'<p class="headline"><strong>(.*?)</strong></p>', markup)
    assert found, "no headline on the page"
    return html.unescape(found.group(1))


def cell_counts(markup: str) -> list[int]:
    """Every whole number in a table data cell ("12", "1,234", "37 / 110", "5 (7.7%)"), not the
    digits of a percentage or a ratio."""
    numbers = []
    for cell in re.findall(r"<td[^>]*>([^<]*)</td>", markup):
        for token in re.findall(r"(?<![\d.,])\d[\d,]*(?![\d.,%])", html.unescape(cell)):
            numbers.append(int(token.replace(",", "")))
    return numbers


def cell(markup: str, row: str) -> str:
    """The data cell of the table row headed ``row``."""
    found = re.search(rf'<th scope="row"[^>]*>{re.escape(html.escape(row))}</th>'
                      r"<td[^>]*>([^<]*)</td>", markup)
    assert found, f"no row {row!r}"
    return html.unescape(found.group(1))


# ---------------------------------------------------------------- dropdowns follow the data


def test_dropdowns_are_built_from_the_returns_found(data_dir: Path) -> None:
    ex = Explorer(data_dir, with_charts=False)
    assert ex.authority.options == (("brokenham", "brokenham"), ("otherby", "otherby"),
                                    ("Testshire County Council", "testshire"))
    assert explore.returns_by_authority(data_dir) == {
        "brokenham": (2025,), "otherby": (2023,), "testshire": (2024, 2025)}
    assert [v for _, v in ex.metric.options] == list(metrics.METRICS)
    ex.select(authority="testshire")
    assert ex.year.options == (("2024", 2024), ("2025", 2025))
    assert ex.state() == Selection("testshire", 2025, "all", "M1", "minority", "internal")
    assert [v for _, v in ex.service.options] == ["all", "adults", "children"]
    # Asian (Indian) and Black (African) staff everywhere; Mixed only among children's applicants
    assert [v for _, v in ex.group.options] == ["minority", "asian", "black", "mixed"]


def test_changing_authority_offers_only_its_years_and_services(explorer: Explorer) -> None:
    explorer.select(year=2024)
    explorer.authority.value = "otherby"
    assert explorer.year.options == (("2023", 2023),)
    assert explorer.year.value == 2023
    assert explorer.service.options == (("All services", "all"),)  # no service split
    assert [v for _, v in explorer.group.options] == ["minority", "asian", "black"]
    explorer.metric.value = "M2"
    assert headline(explorer.render_html()) == M2_OTHERBY
    explorer.authority.value = "testshire"  # 2023 is not held: the latest year
    assert explorer.state() == Selection("testshire", 2025, "all", "M2", "minority", "internal")


def test_a_choice_still_offered_is_kept(explorer: Explorer) -> None:
    explorer.select(service="children", metric="M3", group="black")
    explorer.year.value = 2024
    assert explorer.state() == Selection("testshire", 2024, "children", "M3", "black",
                                         "internal")
    with pytest.raises(ValueError, match="group 'mixed' is not offered here"):
        explorer.select(authority="otherby", group="mixed")


def test_the_explorer_displays_as_its_widget(explorer: Explorer) -> None:
    bundle = explorer._repr_mimebundle_()
    view = bundle["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] == explorer.widget.model_id
    assert explorer.widget.children[-len(explore.PARTS):] == tuple(explorer.parts.values())


def test_select_names_a_control_it_does_not_have(explorer: Explorer) -> None:
    with pytest.raises(TypeError, match="unknown control"):
        explorer.select(region="north")


# ---------------------------------------------------------------- the page updates in place


def test_headline_follows_metric_year_service_and_group(explorer: Explorer) -> None:
    assert headline(explorer.render_html()) == M1_ALL
    explorer.metric.value = "M3"
    assert headline(explorer.render_html()) == M3_2025
    explorer.year.value = 2024
    assert headline(explorer.render_html()) == M3_2024
    explorer.select(year=2025, metric="M2", group="asian")
    assert headline(explorer.render_html()) == M2_ASIAN
    explorer.select(group="minority", service="children")
    assert headline(explorer.render_html()) == M2_CHILDREN


def test_headline_is_the_narrative_for_the_chosen_record(explorer: Explorer) -> None:
    """Every sentence on the page is narrative's, for the record the dropdowns pick."""
    explorer.select(metric="M8", service="adults", group="asian")
    data = load(AUTHORITY, 2025, explorer.data_dir, disclosure_mode="internal")
    records = data.metric("M8")
    record = charts.as_records(
        records[(records["service"] == "adults") & (records["group"] == "asian")])[0]
    shown = explorer.render_html()
    assert headline(shown) == narrative.describe(record)[0]
    for sentence in [*narrative.describe(record)[1:], narrative.describe_unknowns(record)]:
        assert f"<p>{html.escape(sentence)}</p>" in shown


def test_figures_table_counts_for_the_selection(explorer: Explorer) -> None:
    explorer.select(metric="M3", service="adults")
    shown = explorer.render_html()
    # adults: minority (Indian) 5 of 25, white 8 of 100; RL = 0.20 / 0.08 = 2.50
    assert cell(shown, "Minority ethnic: staff in post") == "25"
    assert cell(shown, "Minority ethnic: staff entering a formal disciplinary investigation") == "5"
    assert cell(shown, "White: staff in post") == "100"
    assert cell(shown, "White: staff entering a formal disciplinary investigation") == "8"
    assert cell(shown, "Relative likelihood, minority ethnic ÷ white (95% CI)").startswith("2.50 ")
    explorer.metric.value = "M1"
    shown = explorer.render_html()
    # adults' bands: minority 15 + 10, 5 + 3, 1 + 1 against white 60, 25, 15; whole 35 / 100
    rows = re.findall(r'<th scope="row"[^>]*>([^<]*)</th><td[^>]*>([^<]*)</td>', shown)
    assert [(html.unescape(b), n) for b, n in rows[:4]] == [
        ("less than £30,000", "25 / 60"), ("£30,000 to £69,000", "8 / 25"),
        ("£70,000 and over", "2 / 15"), ("Whole workforce", "35 / 100")]


def _rows(markup: str) -> list[list[str]]:
    """Every body row of a table: its row header, then its data cells, unescaped."""
    return [[html.unescape(c) for c in re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row)]
            for row in re.findall(r"<tr><th scope=\"row\".*?</tr>", markup, re.S)]


@pytest.mark.parametrize("metric", ["M2", "M3", "M5", "M6", "M8", "M9"])
def test_the_minority_table_prints_the_reports_figures(data_dir: Path, metric: str) -> None:
    """The explorer and the report build their figures tables from the same rows: for the
    minority ethnic group, each row of the explorer's table has the report's cell for that
    service, and its label differs only in naming the group ("minority ethnic" for "minority")."""
    data = load(AUTHORITY, 2025, data_dir, disclosure_mode="internal")
    figures = next(s for s in build_metric_report(data, [metric], with_charts=False).sections
                   if s.key.endswith("figures"))
    report_rows = _rows(figures.body)
    services = [html.unescape(c) for c in
                re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', figures.body)[1:]]
    assert report_rows and services
    for column, service in enumerate(services, start=1):
        key = next(k for k, label in charts.SERVICE_LABELS.items() if label == service)
        shown = _rows(explore.render(data, metric, key, "minority", with_charts=False)["table"])
        assert [cells[1] for cells in shown] == [cells[column] for cells in report_rows]
        assert [cells[0].replace("minority ethnic ÷", "minority ÷")
                .replace("÷ minority ethnic", "÷ minority")
                .replace("minority ethnic minus", "minority minus") for cells in shown] \
            == [cells[0] for cells in report_rows]


def test_a_metric_not_collected_shows_the_reports_words(explorer: Explorer) -> None:
    explorer.metric.value = "M4"  # the fixture has no fitness_to_practise table
    shown = explorer.render_html()
    assert headline(shown) == narrative.not_collected("M4")
    assert "<table" not in shown and "<img" not in shown


def test_a_group_the_metric_does_not_count_says_so(explorer: Explorer) -> None:
    explorer.select(metric="M6", group="black")  # the survey counts no Black respondents
    shown = explorer.render_html()
    assert ("The 2025 return counts no Black survey respondents in any service, so there is "
            "nothing to compare for this group.") in html.unescape(shown)
    assert "<table" not in shown


def test_each_change_renders_the_page_once(explorer: Explorer,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = explore.render
    monkeypatch.setattr(explore, "render",
                        lambda *args, **kw: calls.append(args[1:]) or real(*args, **kw))
    explorer.authority.value = "otherby"  # year, services and groups all change
    explorer.metric.value = "M2"
    explorer.year.value = explorer.year.value  # no change: no render
    assert calls == [("M1", "all", "minority"), ("M2", "all", "minority")]


def test_charts_come_with_their_text_alternative(data_dir: Path) -> None:
    ex = Explorer(data_dir)
    ex.select(authority=AUTHORITY, metric="M2", group="asian")
    shown = ex.render_html()
    images = re.findall(r'<img alt="([^"]+)" src="data:image/svg\+xml;base64,', shown)
    # the forest plot of every group, all services, and the Asian RL over the two years
    assert [html.unescape(a).split(".")[0] for a in images] == [
        "M2: relative likelihood by ethnic group, all services",
        "M2: relative likelihood over time, Asian ÷ white, all services"]
    assert "Asian, All services: 0.50 (95% CI 0.24 to 1.05)" in html.unescape(shown)
    assert "All services, 2025: 0.50 (95% CI 0.24 to 1.05)" in html.unescape(shown)


# ---------------------------------------------------------------- disclosure


def test_internal_mode_by_default_with_its_banner(explorer: Explorer) -> None:
    shown = explorer.render_html()
    assert explorer.mode.value == "internal"
    assert html.escape(disclosure.BANNER_INTERNAL) in shown
    assert html.escape(SYNTHETIC_BANNER) in shown  # the fixture says synthetic: true
    explorer.mode.value = "published"
    shown = explorer.render_html()
    assert html.escape(disclosure.BANNER_INTERNAL) not in shown
    assert html.escape(disclosure.symbols_note(5)) in shown


def test_published_toggle_hides_a_small_count(data_dir: Path) -> None:
    ex = Explorer(data_dir)
    ex.select(authority=AUTHORITY, service="children", metric="M2", group="mixed")
    shown = ex.render_html()  # children's Mixed applicants: 1 of 2 appointed
    assert cell(shown, "Mixed or multiple ethnic group: applicants shortlisted") == "2"
    assert cell(shown, "Mixed or multiple ethnic group: applicants appointed") == "1"
    assert "(1 of 2)" in shown
    # RL (1/2) / (20/50) = 1.25; SE = sqrt(1 - 1/2 + 1/20 - 1/50) = 0.7280, exp(1.96 * 0.728)
    # = 4.167: 1.25 / 4.167 = 0.30, 1.25 * 4.167 = 5.21
    assert "Mixed, Children's services: 1.25 (95% CI 0.30 to 5.21)" in html.unescape(shown)
    ex.mode.value = "published"
    assert ex.state().disclosure == "published"
    shown = ex.render_html()
    assert cell(shown, "Mixed or multiple ethnic group: applicants shortlisted") == "[c]"
    assert cell(shown, "Mixed or multiple ethnic group: applicants appointed") == "[c]"
    assert cell(shown, "Relative likelihood, Mixed or multiple ethnic group ÷ white (95% CI)") \
        == NOT_PUBLISHED
    assert headline(shown) == ("In children's services, figures comparing Mixed or multiple "
                               "ethnic group and white applicants are not published: small "
                               "numbers.")
    assert "(1 of 2)" not in shown
    # the chart does not draw it either: its text alternative says why
    captions = html.unescape("".join(re.findall(r"<figcaption>(.*?)</figcaption>", shown)))
    assert re.search(r"Not shown: [^.]*Mixed, [^;.]*: not published: small numbers", captions)
    assert "Mixed, Children's services: 1.25" not in captions


@pytest.mark.heavy
def test_published_mode_never_shows_a_small_count(data_dir: Path) -> None:
    """Every selection the dropdowns offer, in both modes: internal shows the small counts the
    fixture holds, published none from 1 to 4, in a table or in a sentence."""
    small: dict[str, set[int]] = {}
    for mode in ("internal", "published"):
        ex = Explorer(data_dir, disclosure=mode, with_charts=False)
        ex.select(authority=AUTHORITY)
        found = set()
        for year in (2024, 2025):
            ex.year.value = year
            for metric in metrics.METRICS:
                ex.metric.value = metric
                for _, service in ex.service.options:
                    ex.service.value = service
                    for _, group in ex.group.options:
                        ex.group.value = group
                        shown = ex.render_html()
                        stated = [int(n) for pair in re.findall(r"\((\d+) of (\d+)\)", shown)
                                  for n in pair]
                        found |= {n for n in cell_counts(shown) + stated if 1 <= n < 5}
        small[mode] = found
    assert small["internal"] >= {1, 2, 3, 4}
    assert small["published"] == set()


# ---------------------------------------------------------------- bad input


def test_an_unusable_return_shows_its_problems_not_a_traceback(data_dir: Path) -> None:
    ex = Explorer(data_dir, with_charts=False)  # brokenham comes first
    shown = html.unescape(ex.render_html())
    assert "This return cannot be explored." in shown
    assert ("brokenham/2025/recruitment.csv, sheet recruitment, row 2, column appointed: "
            "appointed (500) is more than shortlisted (100)") in shown
    assert ex.state() == Selection("brokenham", 2025, None, "M1", None, "internal")
    ex.metric.value = "M2"  # nothing to render, nothing raised
    ex.authority.value = AUTHORITY
    assert headline(ex.render_html()) == narrative.headline(
        load(AUTHORITY, 2025, data_dir, disclosure_mode="internal").metric("M2"))


def test_an_unusable_parameter_file_is_named_on_the_page(tmp_path: Path) -> None:
    write_return(tables(2025), tmp_path, "badparams", 2025, "csv")
    (tmp_path / "parameters").mkdir()
    (tmp_path / "parameters" / "badparams.yml").write_text("threshold: 0\n", encoding="utf-8")
    ex = Explorer(tmp_path, with_charts=False)
    assert ex.authority.options == (("badparams", "badparams"),)  # no display name to read
    shown = html.unescape(ex.render_html())
    assert "This return cannot be explored." in shown
    assert "badparams.yml" in shown and "threshold" in shown


def test_a_folder_without_returns_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="data folder not found"):
        Explorer(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match=r"no returns found; expected <authority>"):
        Explorer(tmp_path)
    with pytest.raises(ValueError, match="disclosure 'public'"):
        Explorer(tmp_path, disclosure="public")


# ---------------------------------------------------------------- the notebook


def test_notebook_is_thin_clean_and_on_the_project_kernel() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec.name == KERNEL_NAME
    assert "widgets" not in notebook.metadata  # no stored widget state (it holds figures)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    namespace: dict[str, object] = {}
    exec(tagged[0].source, namespace)  # plain assignments only
    assert {k: v for k, v in namespace.items() if not k.startswith("__")} == {
        "data_dir": None, "parameters_dir": None, "disclosure": "internal"}
    body = "\n".join(c.source for c in code if c is not tagged[0])
    assert body == ("from wres_tools.reporting.explore import Explorer\n\n"
                    "explorer = Explorer(data_dir, "
                    "parameters_dir=parameters_dir, disclosure=disclosure)\nexplorer.widget\n"
                    "from wres_tools.reporting.explore import selection_frame\n\n"
                    "frame = selection_frame(explorer)\nframe")


@pytest.mark.slow
def test_notebook_runs_on_the_project_kernel(tmp_path: Path) -> None:
    """papermill on the "wres-tools" kernel: the widget is displayed and its stored state holds
    the page the dropdowns start on, under the internal banner."""
    import papermill

    data = write_fixture(tmp_path / "data")
    output = tmp_path / "explore.ipynb"
    papermill.execute_notebook(str(NOTEBOOK), str(output), kernel_name=KERNEL_NAME,
                               progress_bar=False, cwd=str(tmp_path),
                               parameters={"data_dir": str(data)})
    executed = nbformat.read(output, as_version=4)
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    views = [o.data["application/vnd.jupyter.widget-view+json"] for o in outputs
             if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(views) == 1
    state = executed.metadata.widgets["application/vnd.jupyter.widget-state+json"]["state"]
    assert views[0]["model_id"] in state
    shown = "".join(m["state"].get("value", "") for m in state.values()
                    if m["model_name"] == "HTMLModel")
    assert headline(shown) == M1_ALL
    assert html.escape(disclosure.BANNER_INTERNAL) in shown
    dropdowns = {m["state"]["description"]: m["state"]["_options_labels"]
                 for m in state.values() if m["model_name"] == "DropdownModel"}
    assert dropdowns["Year"] == ["2024", "2025"]
    assert dropdowns["Authority"] == ["Testshire County Council"]


def test_the_selection_is_handed_over_as_a_frame(explorer: Explorer) -> None:
    explorer.select(metric="M2", service="all", group="minority")
    frame = explore.selection_frame(explorer)
    expected = explore.selected_records(explorer.data, "M2", "all", "minority")
    assert len(frame) == len(expected) == 1
    assert frame.index.tolist() == [0]
    record = frame.iloc[0]
    assert (record["metric"], record["service"], record["group"]) == ("M2", "all", "minority")
    assert str(frame["rl"].dtype) == "Float64" and record["rl"] == expected.iloc[0]["rl"]
    explorer.select(metric="M1")
    bands = explore.selection_frame(explorer)
    assert (bands["metric"] == "M1").all() and len(bands) > 1  # a record per pay band and all


def test_no_frame_when_the_return_could_not_be_used(explorer: Explorer) -> None:
    explorer.data = None
    with pytest.raises(ValueError, match="could not be used"):
        explore.selection_frame(explorer)


def test_an_error_and_a_banner_are_escaped_exactly() -> None:
    assert explore.error_html(ValueError("<b>x</b>: 'y'")) == (
        '<p class="error" role="alert"><strong>This return cannot be explored.</strong> Run '
        "<code>wres validate</code> on it for the full list of problems.</p>"
        '<pre style="white-space:pre-wrap">&lt;b&gt;x&lt;/b&gt;: &#x27;y&#x27;</pre>')
