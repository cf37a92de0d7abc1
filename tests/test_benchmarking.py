"""Benchmarking across authorities: funnel limits checked against hand arithmetic.

The small example: five authorities' disciplinary counts (minority entered / headcount, white
entered / headcount; five, the fewest a funnel is drawn for), chosen so the RLs are round numbers:

    A 20/200 vs 30/600 -> 0.10 / 0.05  = 2     B 10/50 vs 20/400 -> 0.20 / 0.05 = 4
    C  5/100 vs 40/800 -> 0.05 / 0.05  = 1     D 30/150 vs 25/500 -> 0.20 / 0.05 = 4
    F 13/100 vs 23/460 -> 0.13 / 0.05  = 2.6

Pooled: (78 / 600) / (138 / 2760) = 0.13 / 0.05 = 2.6, the funnel's target (F sits on it).
"""

from __future__ import annotations

import dataclasses
import html
import io
import math
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from builders import make_params, make_return
from conftest import examples, file_hashes
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

import wres_tools.benchmarking as bm
from wres_tools.benchmarking import YearBenchmark, benchmark_year
from wres_tools.computed import published_return
from wres_tools.disclosure import BANNER_INTERNAL, SYMBOL, WITHHELD, apply_disclosure
from wres_tools.funnel import (
    MIN_AUTHORITIES,
    RATIO_METRICS,
    TOO_FEW,
    BenchmarkError,
    benchmark,
    dispersion,
    funnel_limits,
    winsorise,
)
from wres_tools.metrics import compute_all
from wres_tools.paths import KERNEL_NAME, NOTEBOOKS_DIR
from wres_tools.reporting.benchmarking import (
    SYMBOL_KEY,
    funnel_plot,
    html_figure,
    intro_html,
    metric_html,
    note_html,
    pooled_sentence,
    position_of,
    positions,
    ranked_table,
    save_figure,
)
from wres_tools.returns.writer import write_return

WHITE = "English, Welsh, Scottish, Northern Irish or British"
MINORITY = "Indian"

EXAMPLE = {"A": (20, 200, 30, 600), "B": (10, 50, 20, 400), "C": (5, 100, 40, 800),
           "D": (30, 150, 25, 500), "F": (13, 100, 23, 460)}


def records(eg: int, ng: int, er: int, nr: int, authority: str = "testshire") -> pd.DataFrame:
    """compute_all records of a return holding only a disciplinary table with these counts."""
    ret = make_return({"disciplinary": [
        {"ethnicity": MINORITY, "entered": eg, "headcount": ng},
        {"ethnicity": WHITE, "entered": er, "headcount": nr},
    ]}, authority=authority, year=2023)
    return compute_all(ret, make_params(authority=authority))


@pytest.fixture(scope="module")
def example() -> dict[str, pd.DataFrame]:
    return {key.lower(): records(*counts, authority=key.lower()) for key, counts in EXAMPLE.items()}


def withheld(df: pd.DataFrame) -> pd.DataFrame:
    """The records as published mode leaves them (threshold 5): M3's figure withheld."""
    out = apply_disclosure(df, "published", 5)
    m3 = out[(out["metric"] == "M3") & (out["group"] == "minority")].iloc[0]
    assert m3["suppressed"] and m3["rl"] is None and m3["events_group"] is None
    return out


# --------------------------------------------------------------------------- hand arithmetic

# Katz SE of log RL = sqrt(1/a - 1/n1 + 1/c - 1/n2):
SE = {
    "A": math.sqrt(1 / 20 - 1 / 200 + 1 / 30 - 1 / 600),  # sqrt(0.0766667) = 0.276887
    "B": math.sqrt(1 / 10 - 1 / 50 + 1 / 20 - 1 / 400),  # sqrt(0.1275) = 0.357071
    "C": math.sqrt(1 / 5 - 1 / 100 + 1 / 40 - 1 / 800),  # sqrt(0.21375) = 0.462331
    "D": math.sqrt(1 / 30 - 1 / 150 + 1 / 25 - 1 / 500),  # sqrt(0.0646667) = 0.254296
    "F": math.sqrt(1 / 13 - 1 / 100 + 1 / 23 - 1 / 460),  # sqrt(0.1082274) = 0.328979
}
RL = {"A": 2.0, "B": 4.0, "C": 1.0, "D": 4.0, "F": 2.6}
TARGET = 2.6
# z = ln(RL / 2.6) / SE
Z = {k: math.log(RL[k] / TARGET) / SE[k] for k in RL}
# A -0.947548, B 1.206433, C -2.066726, D 1.694019, F 0
# R type-7 quantiles of 5 sorted values (C, A, F, B, D): 10% at position 0.4, 90% at position
# 3.6 (0-based): low = C + 0.4 (A - C) = -1.619055; high = B + 0.6 (D - B) = 1.498985
Z_LOW = Z["C"] + 0.4 * (Z["A"] - Z["C"])
Z_HIGH = Z["B"] + 0.6 * (Z["D"] - Z["B"])
# Winsorised: A -0.947548, B 1.206433, C -> -1.619055, D -> 1.498985, F 0
PHI = (Z["A"] ** 2 + Z["B"] ** 2 + Z_LOW**2 + Z_HIGH**2 + Z["F"] ** 2) / 5  # 1.444325
W = [1 / s**2 for s in SE.values()]  # 13.0435, 7.8431, 4.6784, 15.4639, 9.2398
TAU2 = (5 * PHI - 4) / (sum(W) - sum(w * w for w in W) / sum(W))  # 3.221623 / 38.7697 = 0.083096


def test_hand_arithmetic_is_what_the_literals_say() -> None:
    # the values the assertions below rely on, to 4 significant figures
    assert [round(SE[k], 4) for k in "ABCDF"] == [0.2769, 0.3571, 0.4623, 0.2543, 0.3290]
    assert [round(Z[k], 4) for k in "ABCDF"] == [-0.9475, 1.2064, -2.0667, 1.6940, 0]
    assert (round(Z_LOW, 4), round(Z_HIGH, 4)) == (-1.6191, 1.4990)
    assert round(PHI, 4) == 1.4443
    assert round(TAU2, 4) == 0.0831


def test_benchmark_matches_hand_arithmetic(example) -> None:
    result = benchmark(example, "M3")
    assert result.pooled_rl == pytest.approx(TARGET, rel=1e-12)
    assert result.pooled_counts == (78, 600, 138, 2760)
    assert result.n == 5 and result.n_pooled == 5 and result.n_with_figure == 5
    assert result.year == 2023
    table = result.table.set_index("authority")
    for key in "ABCDF":
        assert table.loc[key.lower(), "rl"] == pytest.approx(RL[key], rel=1e-12)
        assert table.loc[key.lower(), "se"] == pytest.approx(SE[key], rel=1e-9)
        assert table.loc[key.lower(), "z"] == pytest.approx(Z[key], rel=1e-9, abs=1e-12)
    assert result.phi == pytest.approx(1.4443, abs=5e-5)
    assert result.tau2 == pytest.approx(0.0831, abs=5e-5)
    assert result.phi == pytest.approx(PHI, rel=1e-9)
    assert result.tau2 == pytest.approx(TAU2, rel=1e-9)
    assert result.adjusted is True


def test_limits_at_a_given_se_to_4_significant_figures() -> None:
    # at se = 0.2: 2.6 * exp(-+1.959964 * sqrt(0.04 + 0.083096)) = 2.6 * exp(-+0.687655)
    limits = funnel_limits(TARGET, [0.2], TAU2).iloc[0]
    assert limits["precision"] == pytest.approx(5.0)
    assert float(f"{limits['low_95']:.4g}") == 1.307
    assert float(f"{limits['high_95']:.4g}") == 5.172
    # 2.6 * exp(-+3.090232 * 0.350851)
    assert float(f"{limits['low_998']:.4g}") == 0.8792
    assert float(f"{limits['high_998']:.4g}") == 7.688
    # without over-dispersion: 2.6 * exp(-+1.959964 * 0.2) = 1.757, 3.848
    plain = funnel_limits(TARGET, [0.2]).iloc[0]
    assert float(f"{plain['low_95']:.4g}") == 1.757
    assert float(f"{plain['high_95']:.4g}") == 3.848
    assert float(f"{plain['low_998']:.4g}") == 1.401  # 2.6 * exp(-0.618046) = 1.40139


def test_funnel_limits_narrow_as_precision_grows_and_reject_bad_input() -> None:
    limits = funnel_limits(1.5, [1.0, 0.5, 0.1])
    assert (limits["high_95"].diff().dropna() < 0).all()
    assert (limits["low_95"].diff().dropna() > 0).all()
    assert (limits["low_998"] < limits["low_95"]).all()
    # symmetric on the log scale around the target
    assert (limits["low_95"] * limits["high_95"]).tolist() == pytest.approx([2.25] * 3)
    with pytest.raises(ValueError, match="target RL is 0"):
        funnel_limits(0, [0.1])
    with pytest.raises(ValueError, match="tau2"):
        funnel_limits(1, [0.1], -0.1)
    with pytest.raises(ValueError, match="standard errors"):
        funnel_limits(1, [0.0])


def test_winsorise_uses_r_type_7_quantiles() -> None:
    # 10 values 1..10: 10% quantile at 1 + 0.9 * (2 - 1) = 1.9, 90% at 9 + 0.1 * (10 - 9) = 9.1
    assert winsorise(range(1, 11)).tolist() == pytest.approx(
        [1.9, 2, 3, 4, 5, 6, 7, 8, 9, 9.1])


# --------------------------------------------------------------------------- over-dispersion


def test_positions_and_ranks_with_adjusted_limits(example) -> None:
    table = benchmark(example, "M3").table.set_index("authority")
    # C: z adjusted = ln(1 / 2.6) / sqrt(0.21375 + 0.083096) = -0.955511 / 0.544836 = -1.7538
    assert table.loc["c", "z_adjusted"] == pytest.approx(
        math.log(1 / 2.6) / math.sqrt(SE["C"] ** 2 + TAU2))
    assert round(table.loc["c", "z_adjusted"], 4) == -1.7538
    assert table["position"].eq("within 95%").all()
    assert table["within_95"].all() and table["within_998"].all()
    # M3 is adverse when high: the highest RL ranks 1; B and D tie at RL 4
    assert table["rank"].to_dict() == {"b": 1, "d": 1, "f": 3, "a": 4, "c": 5}


def test_overdispersion_off_keeps_the_plain_limits(example) -> None:
    result = benchmark(example, "M3", overdispersion=False)
    assert result.adjusted is False
    assert result.tau2 == pytest.approx(TAU2)  # still reported
    table = result.table.set_index("authority")
    # C: z = -2.0667, beyond -1.959964 but inside -3.090232
    assert table.loc["c", "position"] == "below 95%"
    assert not table.loc["c", "within_95"] and table.loc["c", "within_998"]
    assert table.drop(index="c")["position"].eq("within 95%").all()


def test_no_overdispersion_when_the_spread_is_what_chance_gives() -> None:
    # RLs 1.0, 1.1, 0.9, 1.0 with similar SEs: every |z| < 0.5, so n phi < n - 1
    counts = {"p": (20, 200, 20, 200), "q": (22, 200, 20, 200), "r": (18, 200, 20, 200),
              "s": (21, 210, 20, 200), "t": (20, 200, 20, 200)}
    result = benchmark({k: records(*c, authority=k) for k, c in counts.items()}, "M3")
    z = result.table.set_index("authority")["z"]
    assert (z.abs() < 0.5).all()
    assert result.phi is not None and 5 * result.phi < 4
    assert result.tau2 == 0 and result.adjusted is False
    assert result.table["z_adjusted"].isna().all()


def test_dispersion_with_one_authority_gives_no_tau2() -> None:
    assert dispersion([2.5], [0.3]) == (None, 0.0)


# --------------------------------------------------------------------------- left out


def test_suppressed_authority_is_not_drawn_ranked_or_pooled(example) -> None:
    data = dict(example)
    data["e"] = withheld(records(3, 40, 60, 900, authority="e"))
    result = benchmark(data, "M3", names={"e": "Eastwick"})
    assert "e" not in set(result.table["authority"])
    assert result.excluded.to_dict("records") == [
        {"authority": "e", "name": "Eastwick", "reason": WITHHELD}]
    assert result.pooled_counts == (78, 600, 138, 2760)  # E's counts are not in the pool
    assert result.tau2 == pytest.approx(TAU2)
    assert position_of(result, "e") == (
        "Eastwick's figure is not published: small numbers, so it is not shown against other "
        "authorities.")


def test_zero_rl_is_pooled_but_not_drawn(example) -> None:
    data = dict(example)
    data["z"] = records(0, 100, 20, 400, authority="z")  # a count of 0: no RL
    result = benchmark(data, "M3")
    assert "z" not in set(result.table["authority"])
    assert result.pooled_counts == (78, 700, 158, 3160)
    assert result.pooled_rl == pytest.approx((78 / 700) / (158 / 3160))
    assert result.n == 5 and result.n_pooled == 6
    assert result.excluded.iloc[0]["reason"] == (
        "no minority ethnic staff entered the formal disciplinary process, so no relative "
        "likelihood or four-fifths reading is given: a ratio resting on a count of zero has no "
        "interval; its counts are in the pooled figure")


def test_metric_not_collected_is_listed_with_its_reason(example) -> None:
    data = dict(example)
    data["n"] = compute_all(make_return({"leavers": [
        {"ethnicity": MINORITY, "left": 5, "headcount": 50},
        {"ethnicity": WHITE, "left": 5, "headcount": 50}]}, authority="n"), make_params())
    result = benchmark(data, "M3", excluded={"x": "the return could not be used"})
    reasons = dict(zip(result.excluded["authority"], result.excluded["reason"], strict=True))
    assert reasons == {"n": "the return has no disciplinary table: M3 was not collected",
                       "x": "the return could not be used"}
    assert result.n == 5


def test_a_service_the_data_does_not_hold_is_listed() -> None:
    result = benchmark({"a": records(*EXAMPLE["A"], authority="a")}, "M3", service="adults")
    assert result.n == 0 and result.pooled_rl is None
    assert result.reason == ("a funnel plot needs at least 5 authorities with a figure; none has "
                             "one this year")
    assert result.excluded.iloc[0]["reason"] == "no M3 figure for the service 'adults'"


def test_only_ratio_metrics_groups_and_services_can_be_benchmarked(example) -> None:
    with pytest.raises(BenchmarkError, match="'M1' has no relative likelihood"):
        benchmark(example, "M1")
    with pytest.raises(BenchmarkError, match="group 'bame': expected one of"):
        benchmark(example, "M3", group="bame")
    with pytest.raises(BenchmarkError, match="service 'adult': expected one of"):
        benchmark(example, "M3", service="adult")


def test_a_high_level_group_is_benchmarked_like_minority(example) -> None:
    # every minority person in the example is Indian, so the Asian group's figures are the same
    asian = benchmark(example, "M3", group="asian")
    assert asian.pooled_rl == pytest.approx(TARGET) and asian.tau2 == pytest.approx(TAU2)


def test_records_without_contract_columns_are_named() -> None:
    with pytest.raises(BenchmarkError, match="ashbury: the result records have no column"):
        benchmark({"ashbury": pd.DataFrame({"metric": ["M3"]})}, "M3")


def ratio_record(authority: str, eg: int, ng: int, er: int, nr: int) -> pd.DataFrame:
    """One M3 record with the columns benchmarking reads (the rest of a record is not used)."""
    rl = (eg / ng) / (er / nr) if ng and nr and er else None
    return pd.DataFrame([{
        "authority": authority, "year": 2023, "metric": "M3", "service": "all",
        "group": "minority", "status": "ok" if rl is not None else "not_computable",
        "reason": None if rl is not None else "white rate is zero", "rl": rl,
        "events_group": eg, "n_group": ng, "events_reference": er, "n_reference": nr,
        "suppressed": False}], dtype=object)


@st.composite
def authorities(draw: st.DrawFn) -> dict[str, tuple[int, int, int, int]]:
    out = {}
    for i in range(draw(st.integers(2, 12))):
        ng, nr = draw(st.integers(1, 400)), draw(st.integers(1, 2000))
        out[f"a{i}"] = (draw(st.integers(0, ng)), ng, draw(st.integers(0, nr)), nr)
    return out


@settings(max_examples=examples(80), deadline=None, derandomize=True)
@given(authorities(), st.booleans())
def test_invariants_over_random_authorities(counts, overdispersion) -> None:
    data = {a: ratio_record(a, *c) for a, c in counts.items()}
    result = benchmark(data, "M3", overdispersion=overdispersion)
    table = result.table
    shown = set(table["authority"])
    assert shown | set(result.excluded["authority"]) == set(counts)
    assert not shown & set(result.excluded["authority"])
    assert result.tau2 >= 0 and (result.phi is None or result.phi >= 0)
    assert result.adjusted == (overdispersion and result.tau2 > 0)
    if not len(table):
        return
    # shown authorities and those with no RL only for a count of zero (none or all of the group
    # had the event, or all of the white group; a white rate above 0) are pooled: the sum
    def zero_cell(eg: int, ng: int, er: int, nr: int) -> bool:
        return er > 0 and 0 in (eg, ng - eg, nr - er)
    pooled = [counts[a] for a in counts if a in shown or zero_cell(*counts[a])]
    assert result.pooled_counts == tuple(sum(c[i] for c in pooled) for i in range(4))
    assert (table["se"].astype(float) > 0).all() and (table["rl"].astype(float) > 0).all()
    assert (~table["within_95"] | table["within_998"]).all()  # inside 95% => inside 99.8%
    assert table["rank"].between(1, len(table)).all()
    for _, row in table.iterrows():  # each position agrees with the limits at its own se
        limits = funnel_limits(result.pooled_rl, [row["se"]],
                                  result.tau2 if result.adjusted else 0).iloc[0]
        inside = limits["low_95"] <= row["rl"] <= limits["high_95"]
        assert inside == row["within_95"] or math.isclose(
            row["rl"], limits["low_95"], rel_tol=1e-9) or math.isclose(
            row["rl"], limits["high_95"], rel_tol=1e-9)


# --------------------------------------------------------------------------- words and tables


def test_ranked_table_most_adverse_first(example) -> None:
    table = ranked_table(benchmark(example, "M3", overdispersion=False,
                                         names={"c": "Cheston"}))
    assert list(table.columns) == ["rank", "authority", "rl", "rl_ci_low", "rl_ci_high",
                                   "position"]
    assert table["rank"].tolist() == [1, 1, 3, 4, 5]
    assert table["authority"].tolist() == ["b", "d", "f", "a", "Cheston"]
    assert table.iloc[-1]["position"] == "below the lower 95% limit but within the 99.8% limits"
    assert (table["rl_ci_low"] < table["rl"]).all() and (table["rl"] < table["rl_ci_high"]).all()


def test_position_sentences(example) -> None:
    names = {"a": "Ashbury", "c": "Cheston"}
    adjusted = benchmark(example, "M3", names=names)
    assert position_of(adjusted, "a") == (
        "Ashbury's figure (RL 2.00) is within the 95% limits around the pooled figure for the 5 "
        "authorities with a figure (RL 2.60); the limits are widened for over-dispersion between "
        "authorities.")
    plain = benchmark(example, "M3", names=names, overdispersion=False)
    assert position_of(plain, "c") == (
        "Cheston's figure (RL 1.00) is below the lower 95% limit but within the 99.8% limits "
        "around the pooled figure for the 5 authorities with a figure (RL 2.60); a difference "
        "this large would be unusual from chance variation alone.")
    with pytest.raises(BenchmarkError, match="'zz' is not among"):
        position_of(plain, "zz")


def test_pooled_sentence(example) -> None:
    result = benchmark(example, "M3")
    low, high = result.pooled_ci_low, result.pooled_ci_high
    # Katz interval of the pooled table: exp(ln 2.6 -+ 1.959964 sqrt(1/78 - 1/600 + 1/138 - 1/2760))
    se = math.sqrt(1 / 78 - 1 / 600 + 1 / 138 - 1 / 2760)
    assert low == pytest.approx(2.6 * math.exp(-1.959964 * se), rel=1e-6)
    assert high == pytest.approx(2.6 * math.exp(1.959964 * se), rel=1e-6)
    assert pooled_sentence(result) == (
        "Pooled over the 5 authorities with a figure, minority ethnic staff were 2.60 times as "
        "likely as white staff to enter the formal disciplinary process "
        f"(95% CI {low:.2f} to {high:.2f}).")
    # an even pool: 10 of 100 against 10 of 100 in each of five authorities, RL 1.00
    even = benchmark({a: records(10, 100, 10, 100, authority=a) for a in "abcde"}, "M3")
    assert pooled_sentence(even) == (
        "Pooled over the 5 authorities with a figure, minority ethnic staff were 1.00 times as "
        "likely as white staff to enter the formal disciplinary process (95% CI "
        f"{even.pooled_ci_low:.2f} to {even.pooled_ci_high:.2f}), but the interval includes 1, so "
        "the difference is not statistically significant.")


# --------------------------------------------------------------------------- the figure


def test_funnel_plot_log_axis_limit_lines_and_no_suppressed_point(example) -> None:
    data = dict(example)
    data["e"] = withheld(records(3, 40, 60, 900, authority="e"))
    result = benchmark(data, "M3", names={"e": "Eastwick", "c": "Cheston"},
                          overdispersion=False)
    fig, alt = funnel_plot(result, highlight="a")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel() and ax.get_ylabel()
    lines = {line.get_gid(): line for line in ax.get_lines() if line.get_gid()}
    assert sorted(lines) == ["limit_95_lower", "limit_95_upper", "limit_998_lower",
                             "limit_998_upper", "target"]
    assert lines["limit_95_upper"].get_linestyle() == "--"
    assert lines["limit_998_upper"].get_linestyle() == ":"  # told apart by style, not colour
    assert lines["target"].get_ydata()[0] == pytest.approx(2.6)
    x, y = lines["limit_95_upper"].get_data()
    expected = funnel_limits(2.6, 1 / x)["high_95"]
    assert list(y) == pytest.approx(list(expected))
    drawn = sum(len(c.get_offsets()) for c in ax.collections)
    assert drawn == 5 + 1  # five authorities and the highlight star over A; E not drawn
    texts = [t.get_text() for t in ax.texts]
    assert "Cheston" in texts and "Eastwick" not in texts  # C is outside the 95% limits
    assert "Eastwick (not published: small numbers)" in alt
    assert "Below the lower 95% limit but within the 99.8% limits: Cheston." in alt
    assert "4 of 5 are within the 95% limits" in alt


def test_funnel_plot_saves_the_same_bytes_twice(example, tmp_path) -> None:
    result = benchmark(example, "M3")
    first = save_figure(funnel_plot(result)[0], tmp_path / "one.png", dpi=50)
    second = save_figure(funnel_plot(result)[0], tmp_path / "two.png", dpi=50)
    assert first.read_bytes() == second.read_bytes()
    buffer = io.BytesIO()
    funnel_plot(result)[0].savefig(buffer, format="svg", metadata={"Date": None})
    assert b"<svg" in buffer.getvalue()


def test_funnel_svg_is_the_same_whatever_the_callers_matplotlib_state(example) -> None:
    import matplotlib
    import matplotlib.style

    result = benchmark(example, "M3")
    first = html_figure(funnel_plot(result)[0], "alt")
    with matplotlib.rc_context({"font.sans-serif": ["Bitstream Vera Sans"], "font.size": 30,
                                "svg.fonttype": "path", "lines.linewidth": 4}):
        matplotlib.style.use("ggplot")
        second = html_figure(funnel_plot(result)[0], "alt")
    assert first == second and "data:image/svg+xml;base64," in first


def test_funnel_plot_without_a_funnel_says_why() -> None:
    result = benchmark({"a": records(*EXAMPLE["A"], authority="a")}, "M3", service="adults")
    fig, alt = funnel_plot(result)
    assert ("No funnel could be drawn: a funnel plot needs at least 5 authorities with a figure; "
            "none has one this year.") in alt
    assert fig.axes[0].texts[0].get_text().startswith("No funnel")


# --------------------------------------------------------------------------- a year's returns


def disciplinary(eg: int, ng: int, er: int, nr: int) -> dict[str, pd.DataFrame]:
    """A return's raw tables as an authority would send them: disciplinary counts only."""
    return {"disciplinary": pd.DataFrame({
        "ethnicity": [MINORITY, WHITE], "entered": [eg, er], "headcount": [ng, nr]})}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The four example authorities, E with 3 minority staff entering (published: withheld),
    an older year of A, a return that breaks a contract rule, and a parameter file for A."""
    root = tmp_path_factory.mktemp("benchmark") / "data"
    for key, counts in EXAMPLE.items():
        write_return(disciplinary(*counts), root, key.lower(), 2023, "csv")
    write_return(disciplinary(3, 40, 60, 900), root, "e", 2023, "xlsx")
    write_return(disciplinary(1, 10, 1, 10), root, "a", 2022, "csv")  # another year: not read
    write_return(disciplinary(50, 40, 10, 100), root, "broken", 2023, "csv")  # entered > headcount
    (root / "parameters").mkdir()
    (root / "parameters" / "a.yml").write_text("display_name: Ashbury\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def published(data_dir: Path) -> YearBenchmark:
    return benchmark_year(data_dir, 2023, disclosure="published")


def test_benchmark_year_published_leaves_out_the_suppressed_authority(data_dir: Path) -> None:
    before = file_hashes(data_dir)
    bench = benchmark_year(data_dir, 2023, disclosure="published")
    assert file_hashes(data_dir) == before  # input files never modified
    assert bench.year == 2023 and bench.disclosure == "published"
    assert list(bench.results) == list(RATIO_METRICS)
    assert bench.names["a"] == "Ashbury"
    assert bench.unusable.keys() == {"broken"}
    assert bench.unusable["broken"].startswith("the return could not be used")
    m3 = bench.results["M3"]
    # the published view is the hand-worked example exactly: E is withheld, not pooled
    assert sorted(m3.table["authority"]) == ["a", "b", "c", "d", "f"]
    assert m3.pooled_rl == pytest.approx(TARGET) and m3.tau2 == pytest.approx(TAU2)
    reasons = dict(zip(m3.excluded["authority"], m3.excluded["reason"], strict=True))
    assert reasons["e"] == WITHHELD and reasons["broken"] == bench.unusable["broken"]
    assert position_of(m3, "a").startswith("Ashbury's figure (RL 2.00) is within the 95%")
    m2 = bench.results["M2"]  # no recruitment table anywhere
    assert m2.n == 0 and m2.excluded["reason"].str.contains("not collected").sum() == 6


def test_benchmark_year_internal_shows_every_figure(data_dir: Path) -> None:
    m3 = benchmark_year(data_dir, 2023, disclosure="internal").results["M3"]
    assert sorted(m3.table["authority"]) == ["a", "b", "c", "d", "e", "f"]
    assert m3.pooled_counts == (81, 640, 198, 3660)  # 78 + 3, 600 + 40, 138 + 60, 2760 + 900


def test_benchmark_year_errors_name_what_was_expected(data_dir: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no return for the year 2019"):
        benchmark_year(data_dir, 2019)
    with pytest.raises(ValueError, match="disclosure is 'public'"):
        benchmark_year(data_dir, 2023, disclosure="public")  # type: ignore[arg-type]


def test_metric_html_has_the_figure_with_its_alt_text_and_the_table(
        data_dir: Path, published: YearBenchmark) -> None:
    page = intro_html(published) + metric_html(published, "M3")
    assert "<h1>Benchmarking across authorities, 2023</h1>" in page
    assert 'alt="Funnel plot. M3 Formal disciplinary process' in page
    assert "<li>e: not published: small numbers</li>" in page
    assert "<td>Ashbury</td>" in page
    assert BANNER_INTERNAL not in page
    internal = benchmark_year(data_dir, 2023, disclosure="internal")
    assert BANNER_INTERNAL in intro_html(internal)


# --------------------------------------------------------------------------- the notebook

NOTEBOOK = NOTEBOOKS_DIR / "benchmarking.ipynb"


def test_notebook_is_committed_clean_and_thin() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert notebook.metadata.kernelspec.name == KERNEL_NAME
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    assert re.findall(r"^(\w+) = ", tagged[0].source, re.M) == [
        "year", "data_dir", "parameters_dir", "disclosure"]
    body = "\n".join(c.source for c in code if c is not tagged[0])
    assert not re.findall(r"^\s*(for |while |def |class |if |import pandas)", body, re.M)
    shown = re.findall(r'show_metric\(bench, "(\w+)"\)', body)
    assert tuple(shown) == RATIO_METRICS
    assert code[-1].source == "show_note(bench)"  # the method note ends the page


@pytest.mark.slow
def test_notebook_runs_with_papermill(data_dir: Path, tmp_path: Path) -> None:
    import papermill

    out = tmp_path / "benchmarking.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOK), str(out), kernel_name=KERNEL_NAME, cwd=str(tmp_path), progress_bar=False,
        parameters={"year": 2023, "data_dir": str(data_dir), "disclosure": "published"},
    )
    executed = nbformat.read(out, as_version=4)
    html_out = "".join(o.get("data", {}).get("text/html", "") for c in executed.cells
                       if c.cell_type == "code" for o in c.outputs)
    assert "Benchmarking across authorities, 2023" in html_out
    assert html_out.count('<img src="data:image/svg+xml;base64,') == 1  # M3: the only funnel
    assert "<li>e: not published: small numbers</li>" in html_out
    assert "Pooled over the 5 authorities with a figure" in html_out
    assert html_out.count("<h2>Method note</h2>") == 1
    assert not [o for c in executed.cells if c.cell_type == "code" for o in c.outputs
                if o.output_type == "error"]


def test_positions_for_one_authority_report(published: YearBenchmark) -> None:
    e = positions(published, "e")
    assert e["M3"] == ("e's figure is not published: small numbers, so it is not shown against "
                       "other authorities.")
    assert e["M2"] == ("e is not shown against other authorities: the return has no recruitment "
                       "table: M2 was not collected.")
    assert positions(published, "nowhere")["M3"] == "nowhere has no return for 2023."


def test_a_return_that_fails_in_another_way_is_named_and_the_others_benchmarked(
        data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = published_return

    def failing(ref, params, mode):  # type: ignore[no-untyped-def]
        if ref.authority == "b":
            raise ValueError("counts 509 of -9223372036854775191\nmore detail")
        return real(ref, params, mode)

    monkeypatch.setattr(bm, "published_return", failing)
    bench = benchmark_year(data_dir, 2023, disclosure="published")
    assert bench.unusable["b"] == ("the return could not be used (counts 509 of "
                                   "-9223372036854775191)")
    # four authorities with a figure are left: too few for a funnel
    m3 = bench.results["M3"]
    assert m3.n == 0 and m3.n_with_figure == 4 and m3.pooled_rl is None
    assert m3.reason == ("a funnel plot needs at least 5 authorities with a figure; 4 have one "
                         "this year")
    reasons = dict(zip(m3.excluded["authority"], m3.excluded["reason"], strict=True))
    assert {a for a, why in reasons.items() if why == TOO_FEW} == {"a", "c", "d", "f"}
    assert reasons["b"] == bench.unusable["b"]


def test_an_authority_whose_folder_cannot_be_read_is_named(
        data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # root reads any folder, so the unreadable folder is simulated where io lists it
    real = Path.iterdir

    def iterdir(self: Path):  # type: ignore[no-untyped-def]
        if self.name == "c":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "iterdir", iterdir)
    bench = benchmark_year(data_dir, 2023, disclosure="published")
    assert bench.unusable["c"].startswith("its data could not be read (")
    m3 = bench.results["M3"]
    assert m3.n == 0 and m3.n_with_figure == 4  # a, b, d, f: too few for a funnel
    assert dict(zip(m3.excluded["authority"], m3.excluded["reason"], strict=True))["c"] == (
        bench.unusable["c"])


def test_intro_names_an_unusable_return_escaped(published: YearBenchmark) -> None:
    bench = dataclasses.replace(published, unusable={"x": "<b>bad</b> 'file'"},
                                names={"x": "King's"}, disclosure="internal")
    assert intro_html(bench).endswith(
        "<p>Returns that could not be used:</p>"
        "<ul><li>King&#x27;s: &lt;b&gt;bad&lt;/b&gt; &#x27;file&#x27;</li></ul>")
    assert intro_html(bench).startswith(
        f"<h1>Benchmarking across authorities, 2023</h1><p><strong>{html.escape(BANNER_INTERNAL)}"
        "</strong></p>"
        "<p>For each metric below")


# --------------------------------------------------------------------------- too few for a funnel


def test_a_funnel_needs_five_authorities() -> None:
    assert MIN_AUTHORITIES == 5


def test_one_authority_has_no_funnel_pooled_figure_or_rank() -> None:
    result = benchmark({"a": records(*EXAMPLE["A"], authority="a")}, "M3",
                       names={"a": "Ashbury"})
    assert result.n == 0 and result.n_with_figure == 1 and result.n_pooled == 0
    assert result.pooled_rl is None and result.pooled_counts is None and result.phi is None
    assert result.reason == ("a funnel plot needs at least 5 authorities with a figure; 1 has "
                             "one this year")
    assert result.excluded.to_dict("records") == [
        {"authority": "a", "name": "Ashbury", "reason": TOO_FEW}]
    assert position_of(result, "a") == (
        "Ashbury is not shown against other authorities: fewer than 5 authorities have a "
        "figure, too few to compare them on a funnel plot.")
    fig, alt = funnel_plot(result)
    assert fig.axes[0].texts[0].get_text() == (
        "No funnel: a funnel plot needs at least 5 authorities with a figure; 1 has one this "
        "year")
    assert not fig.axes[0].collections  # no point drawn


def test_four_authorities_and_an_rl_of_zero_are_too_few(example) -> None:
    data = {k: v for k, v in example.items() if k != "f"}
    data["z"] = records(0, 100, 20, 400, authority="z")  # a count of 0: no RL: counted in no funnel
    result = benchmark(data, "M3")
    assert result.n == 0 and result.n_with_figure == 4 and result.pooled_rl is None
    assert result.reason == ("a funnel plot needs at least 5 authorities with a figure; 4 have "
                             "one this year")
    reasons = dict(zip(result.excluded["authority"], result.excluded["reason"], strict=True))
    assert reasons == {**dict.fromkeys("abcd", TOO_FEW), "z": (
        "no minority ethnic staff entered the formal disciplinary process, so no relative "
        "likelihood or four-fifths reading is given: a ratio resting on a count of zero has no "
        "interval")}  # no pooled figure to be in


def one_authority_year() -> YearBenchmark:
    """The year with Ashbury alone: every metric too few for a funnel."""
    results = {m: benchmark({"a": records(*EXAMPLE["A"], authority="a")}, m,
                            names={"a": "Ashbury"}) for m in RATIO_METRICS}
    return YearBenchmark(2023, "published", results, {}, {"a": "Ashbury"})


def test_metric_html_without_a_funnel_says_why_in_words() -> None:
    bench = one_authority_year()
    assert metric_html(bench, "M3") == (
        "<h2>M3 Relative likelihood of entering the formal disciplinary process</h2>"
        "<p>A funnel plot needs at least 5 authorities with a figure; 1 has one this year. So no "
        "funnel plot, pooled figure or ranking is given for this metric; each authority&#x27;s "
        "own figure is in its own reports.</p>"
        "<p>Not shown:</p><ul><li>Ashbury: fewer than 5 authorities have a figure, too few to "
        "compare them on a funnel plot</li></ul>")
    assert metric_html(bench, "M2").startswith(
        "<h2>M2 Relative likelihood of being appointed from shortlisting</h2>"
        "<p>A funnel plot needs at least 5 authorities with a figure; none has one this year. "
        "So no funnel plot")
    assert note_html(bench).count("<td>no funnel</td><td>no funnel</td><td>no funnel</td>") == (
        len(RATIO_METRICS))


# --------------------------------------------------------------------------- words for a reader

INTRO = (
    "<h1>Benchmarking across authorities, 2023</h1>"
    "<p>For each metric below, every authority's relative likelihood (RL) is set against "
    "the pooled figure: the RL of all the authorities shown, taken together. An RL is how many "
    "times as likely minority ethnic staff were as white staff to, for example, be appointed "
    "from shortlisting; an RL of 1 means equally likely.</p>\n"
    "<h2>Reading a funnel plot</h2>\n"
    "<p>Each point is an authority: its RL up the side, and across the bottom how precise its "
    "figure is, which grows with the number of people behind it, so larger authorities sit to "
    "the right. The lines either side of the pooled figure show how far an authority of that "
    "size could be from it by chance alone: 95 times in 100 inside the inner lines, 998 times "
    "in 1,000 inside the outer lines. They are wide on the left and narrow to the right, like a "
    "funnel. A point outside the lines differs from the pooled figure by more than chance alone "
    "would usually give for an authority of its size: worth a closer look, not proof of a "
    "cause.</p>\n"
    "<h2>Ranks and the funnel</h2>\n"
    "<p>The authority ranked first (the least favourable figure) can sit inside the limits "
    "while one ranked below it sits outside them. The ranking only puts the figures in order. "
    "A small authority's RL rests on few people, so it is uncertain and its limits are "
    "wide: even a figure far from the pooled one can be what chance alone would give at its "
    "size. A larger authority's figure is more certain and its limits are narrow, so a "
    "figure closer to the pooled one can still fall outside them. The funnel compares each "
    "authority with what chance alone would give at its size; the ranking does not.</p>\n"
    "<p>A funnel plot, a pooled figure and ranks are given for a metric only when at least 5 "
    "authorities have a figure for it: from fewer, they would say little. An authority whose "
    "figure rests on a small count is left out of that metric's plot, ranking and pooled "
    "figure, and listed under “Not shown” as “not published: small numbers”. The method note "
    "at the end of the page gives the technical details.</p>"
    "<p>Returns that could not be used:</p><ul><li>broken: the return could not be used (1 "
    "problem(s); run wres validate)</li></ul>")


def test_intro_in_plain_words(published: YearBenchmark) -> None:
    assert intro_html(published) == INTRO


NOTE = (
    "<h2>Method note</h2>\n"
    "<p>Relative likelihood (RL): the minority ethnic rate ÷ the white rate. The pooled figure "
    "is the RL of the counts of every authority shown added together; an authority whose RL is "
    "0 is in the pool but cannot be drawn on the log scale.</p>\n"
    "<p>Precision, across the bottom of each funnel plot: 1 ÷ the standard error of log RL "
    "(Katz's method). Limits: pooled RL × exp(±z × √(se² + τ²)) at each standard error "
    "se, with z = 1.96 for the 95% limits and 3.09 for the 99.8% limits: Spiegelhalter's "
    "funnel plots, as the NHS-R FunnelPlotR package computes them.</p>\n"
    "<p>Over-dispersion: the dispersion ratio phi is the mean of the authorities' squared "
    "z-scores, after the 10% at each end are Winsorised. When phi shows more spread between "
    "authorities than chance alone gives, the between-authority variance τ² of log RL is "
    "estimated from it and added to each authority's variance, which widens the limits; "
    "otherwise τ² is 0 and the limits are not widened.</p>\n"
    "<p>Minimum: with fewer than 5 authorities whose figure the plot can show, no funnel, "
    "pooled figure or rank is given: a pooled mean and an over-dispersion estimated from so "
    "few points are not meaningful.</p>\n"
    "<p>Ranks: rank 1 is the least favourable RL, the lowest for M2, M5 and M9 and the highest "
    "for the others; equal figures share a rank.</p>\n"
    '<div class="scroll" role="region" tabindex="0" aria-label="Table: dispersion and widened '
    'limits by metric"><table class="benchmark-note"><thead><tr><th scope="col">Metric</th>'
    '<th scope="col">Authorities with a figure to plot</th><th scope="col">Dispersion ratio phi'
    '</th><th scope="col">Between-authority variance τ²</th><th scope="col">Limits widened</th>'
    "</tr></thead><tbody>"
    "<tr><td>M2 Appointment from shortlisting</td><td>0</td><td>no funnel</td><td>no funnel</td>"
    "<td>no funnel</td></tr>"
    "<tr><td>M3 Formal disciplinary process</td><td>5</td><td>1.44</td><td>0.0831</td>"
    "<td>yes</td></tr>")


def test_method_note_holds_the_technical_figures(published: YearBenchmark) -> None:
    note = note_html(published)
    assert note.startswith(NOTE)  # M3: phi 1.4443 and tau2 0.0831 of the hand arithmetic
    assert note.endswith("<td>no funnel</td></tr></tbody></table></div>")
    assert note.count("<tr>") == 1 + len(RATIO_METRICS)


def test_the_readers_text_leaves_the_technical_terms_to_the_note(
        published: YearBenchmark) -> None:
    reader = intro_html(published) + "".join(metric_html(published, m) for m in RATIO_METRICS)
    for term in ("phi", "tau", "τ", "standard error", "dispersion", "Winsor", "Spiegelhalter",
                 "1 ÷"):
        assert term not in reader, term
    assert "standard error" in note_html(published) and "phi" in note_html(published)
    fig, alt = funnel_plot(published.results["M3"])
    assert fig.axes[0].get_xlabel() == (
        "Precision of the authority's figure (larger authorities to the right)")
    assert fig.axes[0].get_ylabel() == "Relative likelihood (RL), log scale"
    assert ("its relative likelihood (RL, log scale) against the precision of its figure "
            "(larger authorities to the right). A solid line marks the pooled RL of 2.60; dashed "
            "and dotted lines mark the 95% and 99.8% limits; the limits are widened because "
            "authorities differ more than chance alone would give.") in alt


def test_ranking_caption_and_table_of_a_funnel(published: YearBenchmark) -> None:
    page = metric_html(published, "M3")
    assert ("<p>Authorities ranked from the highest RL, the least favourable to minority ethnic "
            "staff on this metric: rank 1 first. Ranks of close figures are not reliable: read "
            "them with the intervals, and with where each authority sits against the funnel "
            "(see “Ranks and the funnel” above).</p>") in page
    assert page.startswith(
        "<h2>M3 Relative likelihood of entering the formal disciplinary process</h2><p>Pooled "
        "over the 5 authorities with a figure, minority ethnic staff were 2.60 times as likely "
        "as white staff to enter the formal disciplinary process (95% CI ")
    assert SYMBOL_KEY not in page  # no [c] on it


def test_a_section_showing_the_withheld_count_symbol_has_its_key(
        published: YearBenchmark) -> None:
    m3 = published.results["M3"]
    excluded = m3.excluded.copy()
    excluded.loc[excluded["authority"] == "e", "reason"] = f"its counts are {SYMBOL}"
    bench = dataclasses.replace(published, results={
        **published.results, "M3": dataclasses.replace(m3, excluded=excluded)})
    page = metric_html(bench, "M3")
    assert "<li>e: its counts are [c]</li>" in page
    assert page.endswith(
        "<p>[c]: a count that is not published, so that no small count of people can be read "
        "or worked out from the figures shown.</p>")


def test_m9_funnel_is_senior_managers_over_staff() -> None:
    """Five authorities, each with 200 minority ethnic and 400 white staff (M1's workforce):
    minority senior managers 2, 4, 6, 8, 10 and white 20 give RLs (s/200) / (20/400) = 0.2,
    0.4, 0.6, 0.8, 1.0; pooled 30 of 1,000 against 100 of 2,000 = 0.03 / 0.05 = 0.60. M9 is
    adverse when low, so the 0.2 ranks first."""
    def m9(authority: str, minority: int) -> pd.DataFrame:
        ret = make_return({
            "senior_management": [{"ethnicity": "Indian", "headcount": minority},
                                  {"ethnicity": "White British", "headcount": 20}],
            "workforce": [{"ethnicity": "Indian", "pay_band": "A", "headcount": 200},
                          {"ethnicity": "White British", "pay_band": "A", "headcount": 400}],
        }, authority=authority)
        return compute_all(ret, make_params(authority=authority))
    data = {a: m9(a, s) for a, s in zip("abcde", (2, 4, 6, 8, 10), strict=True)}
    result = benchmark(data, "M9")
    assert result.pooled_counts == (30, 1000, 100, 2000)
    assert result.pooled_rl == pytest.approx(0.6)
    table = result.table.set_index("authority")
    assert table["rl"].to_dict() == pytest.approx({"a": 0.2, "b": 0.4, "c": 0.6, "d": 0.8,
                                                   "e": 1.0})
    assert table.loc["a", "rank"] == 1 and table.loc["e", "rank"] == 5
    # se of log RL for a: sqrt(1/2 - 1/200 + 1/20 - 1/400) = 0.73655 (Katz)
    assert table.loc["a", "se"] == pytest.approx(math.sqrt(1 / 2 - 1 / 200 + 1 / 20 - 1 / 400))
