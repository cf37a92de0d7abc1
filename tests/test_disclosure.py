"""Disclosure control: exact cells hidden in hand-made tables, and properties over random ones."""

from __future__ import annotations

import io
import math
from typing import Any

import pandas as pd
import pytest
from conftest import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wres_tools import disclosure
from wres_tools.contract import RESULT_COLUMNS
from wres_tools.disclosure import (
    BANNER_INTERNAL,
    COUNT_COLUMNS,
    WITHHELD,
    apply_disclosure,
    apply_to_trends,
    check_published,
    display_count,
    suppression_mask,
)

GROUPS = ("asian", "black", "mixed", "other")


def record(**values: Any) -> dict[str, Any]:
    """One result record with every column of the contract; unset figures are None."""
    row: dict[str, Any] = dict.fromkeys(RESULT_COLUMNS)
    row.update(authority="testshire", year=2024, reference="white", status="ok", pay_band=None,
               suppressed=False, withheld=(), disclosure="internal", adverse_when="low",
               small_numbers=False)
    row.update(values)
    return row


def ratio_record(metric: str, service: str, group: str, n: int, e: int, wn: int, we: int,
                 unknown: int | None = None, **extra: Any) -> dict[str, Any]:
    """A ratio-metric record whose rates and RL follow from its counts."""
    rate_g, rate_w = e / n, we / wn
    rl = rate_g / rate_w if rate_w else None
    return record(metric=metric, service=service, group=group, n_group=n, events_group=e,
                  n_reference=wn, events_reference=we, unknown_count=unknown,
                  unknown_pct=None if unknown is None else 100 * unknown / (n + wn + unknown),
                  rate_group=rate_g, rate_group_ci_low=rate_g / 2, rate_group_ci_high=rate_g,
                  rate_reference=rate_w, rate_reference_ci_low=rate_w / 2,
                  rate_reference_ci_high=rate_w, rl=rl, rl_ci_low=rl, rl_ci_high=rl,
                  rl_nhs_direction=1 / rl if rl else None, p_value=0.5, significant=False,
                  four_fifths="within", **extra)


def frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(RESULT_COLUMNS))


def hidden_cells(published: pd.DataFrame) -> dict[tuple[str, str, str], str]:
    """(service, group, column) -> kind, for every hidden count."""
    mask = suppression_mask(published)
    return {
        (published.at[i, "service"], published.at[i, "group"], column): mask.at[i, column]
        for i in published.index for column in COUNT_COLUMNS if mask.at[i, column]
    }


# ---------------------------------------------------------------------------------------------
# A hand-made M2 table. Counts (n shortlisted, e appointed):
#            minority  asian   black   | white    unknown
# adults     20, 6     12, 4   8, 2    | 100, 40  7
# children   10, 3      3, 1   7, 2    |  50, 20  7
# all        30, 9     15, 5  15, 4    | 150, 60  14
# Threshold 5. Primary (1..4): adults asian e 4, adults black e 2, children minority e 3,
# children asian n 3 and e 1, children black e 2, all black e 4.
# Secondary, by line:
#   children group line for n: 10 = 3* + 7 -> hide black n 7 (the only other part).
#   asian n across services: 12 + 3* = 15 -> hide adults 12 (smaller than 15).
#   black n across services: 8 + 7* = 15 -> hide adults 8.
#   all group line for e: 9 = 5 + 4* -> hide all asian e 5 (smaller than 9).
#   minority e across services: 6 + 3* = 9 -> hide adults minority e 6 (smaller than 9).
#   Every other line now holds 0 or at least 2 hidden cells: adults n 20 = 12* + 8*;
#   adults e 6* = 4* + 2*; children e 3* = 1* + 2*; asian e 4* + 1* = 5*; black e 2* + 2* = 4*.
# White and unknown counts are all 5 or more and no line of theirs holds a hidden cell.

def m2_table() -> pd.DataFrame:
    counts = {
        "adults": {"minority": (20, 6), "asian": (12, 4), "black": (8, 2)},
        "children": {"minority": (10, 3), "asian": (3, 1), "black": (7, 2)},
        "all": {"minority": (30, 9), "asian": (15, 5), "black": (15, 4)},
    }
    white = {"adults": (100, 40), "children": (50, 20), "all": (150, 60)}
    unknown = {"adults": 7, "children": 7, "all": 14}
    return frame([
        ratio_record("M2", s, g, n, e, *white[s], unknown=unknown[s])
        for s, groups in counts.items() for g, (n, e) in groups.items()
    ])


def test_hand_made_table_hides_exactly_the_cells_worked_out_by_hand() -> None:
    published = apply_disclosure(m2_table(), "published", 5)
    assert hidden_cells(published) == {
        ("adults", "asian", "events_group"): "primary",
        ("adults", "black", "events_group"): "primary",
        ("children", "minority", "events_group"): "primary",
        ("children", "asian", "n_group"): "primary",
        ("children", "asian", "events_group"): "primary",
        ("children", "black", "events_group"): "primary",
        ("all", "black", "events_group"): "primary",
        ("children", "black", "n_group"): "secondary",
        ("adults", "asian", "n_group"): "secondary",
        ("adults", "black", "n_group"): "secondary",
        ("all", "asian", "events_group"): "secondary",
        ("adults", "minority", "events_group"): "secondary",
    }
    assert check_published(published, 5) == []
    assert check_published(published, 5, original=m2_table()) == []


def test_derived_figures_go_with_the_counts_behind_them() -> None:
    published = apply_disclosure(m2_table(), "published", 5).set_index(["service", "group"])
    # all / minority: 30, 9 against 150, 60 - nothing hidden, everything shown
    shown = published.loc[("all", "minority")]
    assert shown["rl"] == pytest.approx((9 / 30) / (60 / 150))  # 0.3 / 0.4 = 0.75
    assert not shown["suppressed"] and shown["four_fifths"] == "within"
    # adults / minority: only the appointed count is hidden -> group rate and RL withheld, the
    # white rate (40 / 100) and the unknown share stay
    adults = published.loc[("adults", "minority")]
    assert adults["n_group"] == 20 and adults["events_group"] is None
    for column in ("rate_group", "rate_group_ci_low", "rl", "rl_ci_low", "rl_nhs_direction",
                   "p_value", "significant", "four_fifths"):
        assert adults[column] is None or (isinstance(adults[column], float)
                                          and math.isnan(adults[column])), column
    assert adults["rate_reference"] == pytest.approx(0.4)
    assert adults["unknown_pct"] == pytest.approx(100 * 7 / 127)
    assert adults["suppressed"] and adults["reason"] == WITHHELD


def test_a_withheld_record_keeps_no_reason_written_from_its_counts() -> None:
    """3 of 3 Asian applicants appointed in children's services: both counts are withheld, and
    the record's own reason ("all Asian applicants were appointed ...") would say events = n,
    so the published reason is the withheld words alone."""
    table = m2_table()
    place = (table["service"] == "children") & (table["group"] == "asian")
    table.loc[place, ["events_group", "n_group"]] = 3
    table.loc[place, ["rl", "rl_ci_low", "rl_ci_high", "rl_nhs_direction", "four_fifths"]] = None
    table.loc[place, ["status", "reason"]] = (
        "not_computable", "all Asian applicants were appointed from shortlisting, so no relative "
        "likelihood or four-fifths reading is given: a ratio resting on a count of zero has no "
        "interval")
    published = apply_disclosure(table, "published", 5)
    record = published[place].iloc[0]
    assert record["n_group"] is None and record["events_group"] is None
    assert record["reason"] == WITHHELD
    assert not published["reason"].astype(str).str.contains("all Asian").any()
    # internal mode keeps the words
    assert "all Asian" in apply_disclosure(table, "internal", 5)[place].iloc[0]["reason"]


def test_internal_mode_changes_nothing_but_the_mode_and_input_is_never_mutated() -> None:
    table = m2_table()
    before = table.copy()
    internal = apply_disclosure(table, "internal", 5)
    pd.testing.assert_frame_equal(internal.drop(columns="disclosure"),
                                  before.drop(columns="disclosure"))
    assert set(internal["disclosure"]) == {"internal"}
    apply_disclosure(table, "published", 5)
    pd.testing.assert_frame_equal(table, before)
    assert "Internal use only" in BANNER_INTERNAL and "small numbers" in BANNER_INTERNAL


def test_count_columns_become_nullable_whole_numbers() -> None:
    published = apply_disclosure(m2_table(), "published", 5)
    for column in COUNT_COLUMNS:
        assert published[column].dtype == object
        assert all(v is None or type(v) is int for v in published[column])
    text = published.to_json(orient="records")
    assert '"events_group":null' in text


def test_label_only_minority_remainder_is_protected() -> None:
    # One service, no split. minority 30 = asian 10 + black 8 + mixed 9 + other 0 + 3 staff
    # whose label only says "minority". Nothing is under 5, yet 30 - 10 - 8 - 9 = 3 would give
    # the label-only count away: the smallest part (black 8) is hidden, then (a line never keeps
    # one hidden cell) the next smallest, mixed 9.
    rows = [ratio_record("M3", "all", g, n, 0, 200, 20)
            for g, n in (("minority", 30), ("asian", 10), ("black", 8), ("mixed", 9))]
    table = frame(rows)
    published = apply_disclosure(table, "published", 5)
    assert hidden_cells(published) == {("all", "black", "n_group"): "secondary",
                                       ("all", "mixed", "n_group"): "secondary"}
    assert check_published(published, 5, original=table) == []
    # without the rule a check on the original table finds the remainder
    assert any("remainder" in p for p in check_published(
        apply_disclosure(table, "internal", 5).assign(disclosure="published"), 5,
        original=table))


def test_known_total_line_hides_white_with_a_small_minority() -> None:
    # minority 3 of 40 known: the data-quality table shows 40 known, so white 37 goes too
    table = frame([ratio_record("M5", "all", "minority", 3, 1, 37, 20, unknown=6)])
    published = apply_disclosure(table, "published", 5)
    assert hidden_cells(published) == {
        ("all", "minority", "n_group"): "primary",
        ("all", "minority", "events_group"): "primary",
        ("all", "minority", "n_reference"): "secondary",
    }
    # events: no published total of events, so white appointed 20 may stay
    assert published.at[0, "events_reference"] == 20
    kept = apply_disclosure(table, "published", 5, known_total_shown=False)
    assert kept.at[0, "n_reference"] == 37


def test_same_headcount_under_two_metrics_is_hidden_in_both() -> None:
    # M3 and M8 share the workforce headcount of minority staff: adults 40, children 4, all 44;
    # white 300 + 300 = 600 (30 + 30 = 60 events). Events: M3 adults 6, children 3 (all 9);
    # M8 adults 5, children 2 (all 7). Threshold 5.
    #   primary: children headcount 4 (in both metrics), M3 children 3, M8 children 2;
    #   headcount line 40 + 4* = 44 -> adults 40 (smaller than 44), the same 40 people in both;
    #   known totals (minority + white, printed in the data-quality table): minority adults and
    #   children are hidden, so white adults 300 and white children 300 go too (white line
    #   300* + 300* = 600 then holds two hidden cells);
    #   events: M3 6 + 3* = 9 -> adults 6; M8 5 + 2* = 7 -> adults 5.
    rows = []
    for metric, events in (("M3", {"adults": 6, "children": 3}),
                           ("M8", {"adults": 5, "children": 2})):
        events["all"] = events["adults"] + events["children"]
        for s, n in (("adults", 40), ("children", 4), ("all", 44)):
            white = (600, 60) if s == "all" else (300, 30)
            rows.append(ratio_record(metric, s, "minority", n, events[s], *white))
    table = frame(rows)
    published = apply_disclosure(table, "published", 5)
    hidden = {(r["metric"], r["service"], c) for r in published.to_dict("records")
              for c in COUNT_COLUMNS if r[c] is None and c != "unknown_count"}
    assert hidden == {(m, s, c) for m in ("M3", "M8") for s in ("adults", "children")
                      for c in ("n_group", "events_group", "n_reference")}
    assert check_published(published, 5, original=table) == []


def m1_table() -> pd.DataFrame:
    # M1, one service. Bands A, B, C; minority / white headcount:
    #   A: 30 / 60, B: 12 / 40, C: 3 / 20; whole workforce 45 / 120.
    rows = []
    for band, m, w in (("A", 30, 60), ("B", 12, 40), ("C", 3, 20), (None, 45, 120)):
        rows.append(record(metric="M1", service="all", group="minority", pay_band=band,
                           n_group=m, n_reference=w, share=m / (m + w),
                           share_ci_low=0.0, share_ci_high=1.0, share_workforce=45 / 165,
                           representation_index=(m / (m + w)) / (45 / 165), adverse_when=None,
                           unknown_count=10))
    return frame(rows)


def test_m1_bands_add_up_to_the_whole_workforce() -> None:
    # Band C minority 3 is hidden; the band line 45 = 30 + 12 + 3* needs a partner: band B 12.
    published = apply_disclosure(m1_table(), "published", 5)
    hidden = published[published["n_group"].isna()]["pay_band"].tolist()
    assert hidden == ["B", "C"]
    by_band = published.set_index("pay_band")
    assert pd.isna(by_band.at["C", "share"]) and pd.isna(by_band.at["C", "representation_index"])
    assert by_band.at["A", "share"] == pytest.approx(30 / 90)
    # the whole workforce is shown, so its share stays on every band
    assert by_band.at["C", "share_workforce"] == pytest.approx(45 / 165)
    assert check_published(published, 5, original=m1_table()) == []


def test_senior_management_counted_from_senior_bands() -> None:
    # M1 minority / white: A 11 / 60, B 40 / 40, C 8 / 20; whole 59 / 120. Senior bands B and C,
    # so M9 counts 40 + 8 = 48 minority and 40 + 20 = 60 white senior managers. Threshold 10.
    #   primary: band C minority 8; band line 59 = 11 + 40 + 8* -> band A 11 (the smallest).
    #   Without the senior line, C = 48 - 40 = 8 can be worked out from M9 and band B.
    #   With it: 48 = 40 + 8* -> band B 40 (smaller than 48) goes too.
    rows = [record(metric="M1", service="all", group="minority", pay_band=band, n_group=m,
                   n_reference=w, share=m / (m + w)) for band, m, w in
            (("A", 11, 60), ("B", 40, 40), ("C", 8, 20), (None, 59, 120))]
    rows.append(record(metric="M9", service="all", group="minority", n_group=48,
                       n_reference=60, share=48 / 108))
    table = frame(rows)
    bands = ["B", "C"]
    plain = apply_disclosure(table, "published", 10)
    assert plain[plain["n_group"].isna()]["pay_band"].tolist() == ["A", "C"]
    assert any("M9" in p for p in check_published(plain, 10, original=table,
                                                   senior_bands=bands))
    #   Then A = 59 - 48 = 11 exactly (whole minus M9): the range audit hides M9's 48 or the
    #   whole 59; the whole is itself the printed known total 179 less the white 120, so both go.
    senior = apply_disclosure(table, "published", 10, senior_bands=bands)
    hidden = senior[senior["n_group"].isna()]
    bands_hidden = [b if isinstance(b, str) else None for b in hidden["pay_band"]]
    assert list(zip(hidden["metric"], bands_hidden, strict=True)) == [
        ("M1", "A"), ("M1", "B"), ("M1", "C"), ("M1", None), ("M9", None)]
    assert check_published(senior, 10, original=table, senior_bands=bands) == []


def test_zero_may_be_shown() -> None:
    table = frame([ratio_record("M4", "all", "minority", 12, 0, 80, 0)])
    published = apply_disclosure(table, "published", 5)
    assert published.at[0, "events_group"] == 0 and not published.at[0, "suppressed"]


def test_display_count_and_mask_without_attrs() -> None:
    assert display_count(1234, "", 5) == "1,234"
    # one symbol for every withheld count: "<5" would tell a small count from a protective one
    assert display_count(None, "primary", 5) == "[c]"
    assert display_count(None, "secondary", 5) == "[c]"
    assert display_count(None, True, 10) == "[c]"
    assert disclosure.symbols_note(5) == (
        "[c]: not published, so that no count of fewer than 5 people can be read or worked out "
        "from the figures shown. A zero is shown.")
    assert display_count(None, "", 5) == ""
    published = apply_disclosure(m2_table(), "published", 5)
    read_back = pd.read_json(io.StringIO(published.to_json(orient="records")))
    mask = suppression_mask(read_back)
    # without the kinds every hidden cell reads as secondary, which never prints a bound
    assert set(mask.to_numpy().ravel()) == {"", "secondary"}
    assert (mask != "").sum().sum() == 12


def test_bad_arguments_say_what_was_expected() -> None:
    with pytest.raises(ValueError, match="disclosure mode 'public'"):
        apply_disclosure(m2_table(), "public", 5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="threshold 0"):
        apply_disclosure(m2_table(), "published", 0)
    with pytest.raises(ValueError, match="lack column"):
        apply_disclosure(m2_table().drop(columns="rl"), "published", 5)
    bad = m2_table()
    bad.loc[0, "n_group"] = -2
    with pytest.raises(ValueError, match=r"M2 / adults / minority: column n_group is -2"):
        apply_disclosure(bad, "published", 5)


def test_trend_changes_withheld_when_either_year_is() -> None:
    y2023 = frame([ratio_record("M2", "all", "minority", 40, 12, 150, 60)])
    y2024 = frame([ratio_record("M2", "all", "minority", 40, 3, 150, 60)])
    published = {2023: apply_disclosure(y2023, "published", 5),
                 2024: apply_disclosure(y2024, "published", 5)}
    trends = pd.DataFrame([
        {"metric": "M2", "service": "all", "group": "minority", "pay_band": None,
         "year": 2024, "compared_with": "baseline", "year_then": 2023, "value_then": 0.75,
         "value_now": 0.1875, "measure": "rl", "change": 0.25, "change_ci_low": 0.1,
         "change_ci_high": 0.7, "p_value": 0.01, "significant": True, "status": "ok",
         "reason": None},
    ])
    out = apply_to_trends(trends, published)
    assert out.at[0, "change"] is None and out.at[0, "value_then"] is None
    assert out.at[0, "significant"] is None and out.at[0, "reason"] == WITHHELD
    assert trends.at[0, "change"] == 0.25  # input untouched
    shown = {2023: published[2023], 2024: apply_disclosure(y2023, "published", 5)}
    assert apply_to_trends(trends, shown).at[0, "change"] == 0.25


def bare(published: pd.DataFrame) -> pd.DataFrame:
    """The published records as JSON gives them back: the attrs are gone."""
    return pd.read_json(io.StringIO(published.to_json(orient="records")), dtype=False)


def test_pooled_years_never_give_a_hidden_year_away() -> None:
    # M3 minority: 2023 adults 6 of 100, children 3 of 50 (all 9 of 150); 2024 adults 8 of 100,
    # children 10 of 50 (all 18 of 150). White 30 of 600 each service, 60 of 1,200 in all.
    # Pooled: adults 14, children 13, all 27 entered. On its own the pooled table hides nothing,
    # yet pooled children 13 - 2024's 10 = 2023's hidden 3. 2023 hid children 3 (primary) and
    # adults 6 (its partner, smaller than 9), so pooled adults and children go too.
    def year(adults: int, children: int) -> pd.DataFrame:
        return frame([
            ratio_record("M3", "adults", "minority", 100, adults, 600, 30),
            ratio_record("M3", "children", "minority", 50, children, 600, 30),
            ratio_record("M3", "all", "minority", 150, adults + children, 1200, 60),
        ])

    published = {2023: apply_disclosure(year(6, 3), "published", 5),
                 2024: apply_disclosure(year(8, 10), "published", 5)}
    assert published[2023]["events_group"].tolist() == [None, None, 9]
    assert published[2024]["events_group"].tolist() == [8, 10, 18]
    pooled = year(14, 13).assign(n_group=[200, 100, 300], n_reference=[1200, 1200, 2400],
                                 events_reference=[60, 60, 120])
    assert apply_disclosure(pooled, "published", 5)["events_group"].tolist() == [14, 13, 27]
    out = disclosure.apply_to_pooled(pooled, published, [2023, 2024], 5)
    assert out["events_group"].tolist() == [None, None, 27]
    assert out["rl"].tolist()[:2] == [None, None] and out["rl"].iloc[2] is not None
    assert out["reason"].tolist()[:2] == [WITHHELD, WITHHELD]


# ---------------------------------------------------------------------------------------------
# Properties over random tables.

small_counts = st.one_of(st.integers(0, 12), st.integers(0, 60))


@st.composite
def random_results(draw: st.DrawFn, split: bool | None = None,
                   small_unknowns: bool = False) -> tuple[pd.DataFrame, int, list[str]]:
    """Consistent random records: M2 and M3 (sharing nothing), M5 sharing M3's headcount, M1
    with bands, M9 counted from the senior bands; split or not by service (``split``: drawn
    when None); label-only minority staff; staff in no band; many small counts, and with
    ``small_unknowns`` every unknown count from 1 to threshold - 1. Returns (records,
    threshold, senior bands)."""
    threshold = draw(st.integers(3, 11))
    split = draw(st.booleans()) if split is None else split
    unknowns = st.integers(1, threshold - 1) if small_unknowns else small_counts
    parts = ("adults", "children") if split else ("all",)
    labels = draw(st.booleans())
    rows: list[dict[str, Any]] = []

    def base_counts() -> dict[str, dict[str, int]]:
        return {s: {**{g: draw(small_counts) for g in (*GROUPS, "_label", "white")},
                    "unknown": draw(unknowns)} for s in parts}

    def add_ratio(metric: str, n: dict[str, dict[str, int]]) -> None:
        e = {s: {g: draw(st.integers(0, v)) for g, v in n[s].items()} for s in parts}
        table = {s: _totals(n[s], e[s], labels) for s in parts}
        if split:
            table["all"] = {k: tuple(table["adults"][k][i] + table["children"][k][i]
                                     for i in range(2)) for k in table["adults"]}
        for s, t in table.items():
            wn, we = t["white"]
            for g in ("minority", *GROUPS):
                gn, ge = t[g]
                if g != "minority" and gn == 0:
                    continue  # no record for a group nobody is in
                rows.append(record(metric=metric, service=s, group=g, n_group=gn,
                                   events_group=ge, n_reference=wn, events_reference=we,
                                   unknown_count=t["unknown"][0],
                                   rate_group=ge / gn if gn else None,
                                   rate_reference=we / wn if wn else None,
                                   rl=0.5 if gn and wn and we else None, p_value=0.5,
                                   significant=False, four_fifths="adverse",
                                   unknown_pct=1.0))

    add_ratio("M2", base_counts())
    workforce = base_counts()
    add_ratio("M3", workforce)
    add_ratio("M5", workforce)
    bands = {b: base_counts() for b in ("band 1", "band 2", "band 3")[: draw(st.integers(1, 3))]}
    # staff with no band count in the whole workforce only (sometimes none)
    no_band = base_counts() if draw(st.booleans()) else None
    m1: dict[Any, dict[str, dict[str, tuple[int, int]]]] = {}
    for band, counts in bands.items():
        m1[band] = {s: _totals(counts[s], counts[s], labels) for s in parts}
    whole = {s: {g: sum(bands[b][s][g] for b in bands) + (no_band[s][g] if no_band else 0)
                 for g in bands[next(iter(bands))][s]} for s in parts}
    m1[None] = {s: _totals(whole[s], whole[s], labels) for s in parts}
    for table in m1.values():
        if split:
            table["all"] = {k: tuple(table["adults"][k][i] + table["children"][k][i]
                                     for i in range(2)) for k in table["adults"]}
    for band, table in m1.items():
        for s, t in table.items():
            for g in ("minority", *GROUPS):
                gn = t[g][0]
                if g != "minority" and gn == 0:
                    continue
                wn = t["white"][0]
                rows.append(record(metric="M1", service=s, group=g, pay_band=band, n_group=gn,
                                   n_reference=wn, share=gn / (gn + wn) if gn + wn else None,
                                   share_workforce=0.3, representation_index=1.0,
                                   unknown_count=t["unknown"][0]))
    # M9 counted from the top one or two bands (the senior bands)
    senior = list(bands)[-draw(st.integers(1, len(bands))):]
    for s in m1[None]:
        for g in ("minority", *GROUPS):
            gn = sum(m1[b][s][g][0] for b in senior)
            if g != "minority" and gn == 0:
                continue
            wn = sum(m1[b][s]["white"][0] for b in senior)
            rows.append(record(metric="M9", service=s, group=g, n_group=gn, n_reference=wn,
                               share=gn / (gn + wn) if gn + wn else None, share_workforce=0.3,
                               unknown_count=sum(m1[b][s]["unknown"][0] for b in senior)))
    return frame(rows), threshold, senior


def _totals(n: dict[str, int], e: dict[str, int], labels: bool) -> dict[str, tuple[int, int]]:
    """Group counts plus minority (the four groups, and label-only staff when ``labels``)."""
    out = {g: (n[g], e[g]) for g in (*GROUPS, "white", "unknown")}
    extra = (n["_label"], e["_label"]) if labels else (0, 0)
    out["minority"] = (sum(n[g] for g in GROUPS) + extra[0], sum(e[g] for g in GROUPS) + extra[1])
    return out


def independent_violations(original: pd.DataFrame, published: pd.DataFrame,
                           threshold: int, senior: list[str]) -> list[str]:
    """The two properties, checked without the module's lattice: (a) no count 1..threshold-1;
    (b) along every service and group line (M1 band line, M9 = senior bands), never exactly
    one hidden cell;
    and where all of a group line is shown, the label-only remainder is not small."""
    found = []
    for column in COUNT_COLUMNS:
        for v in published[column]:
            if v is not None and not pd.isna(v) and 0 < v < threshold:
                found.append(f"{column} = {v}")
    def keyed(df: pd.DataFrame) -> dict[tuple[Any, ...], dict[str, Any]]:
        columns = {c: [None if pd.isna(v) else v for v in df[c].tolist()] for c in df.columns}
        rows = [dict(zip(columns, values, strict=True))
                for values in zip(*columns.values(), strict=True)]
        return {(r["metric"], r["service"], r["group"], r["pay_band"] or "whole"): r
                for r in rows}

    pub, orig = keyed(published), keyed(original)

    def cell(metric: str, service: str, group: str, band: str,
             column: str) -> tuple[int, bool, bool]:
        """(true value, hidden, has a record); no record means nobody there: 0, shown."""
        k = (metric, service, group, band)
        if k not in orig:
            return 0, False, False
        return int(orig[k][column]), pub[k][column] is None, True

    def line(total: tuple[int, bool, bool], parts: list[tuple[int, bool, bool]],
             what: str) -> None:
        cells = [total, *parts]
        hidden = [c for c in cells if c[1]]
        # one hidden cell is given away by the others - unless every other cell shown is zero:
        # then what it holds is label-only staff (or staff in no band), which no record shows,
        # and zero is never withheld, so there is nothing to hide beside it (the range audit
        # judges its range)
        if len(hidden) == 1 and any(c[2] and not c[1] and c[0] for c in cells):
            found.append(f"{what}: one hidden cell")

    split = any(k[1] == "adults" for k in orig)
    for metric, service, group, band in orig:
        for column in ("n_group", "events_group"):
            if orig[(metric, service, group, band)][column] is None:
                continue
            if service == "all" and split:
                line(cell(metric, "all", group, band, column),
                     [cell(metric, s, group, band, column) for s in ("adults", "children")],
                     f"{metric} {group} {band} {column} services")
            if group == "minority":
                total = cell(metric, service, group, band, column)
                parts = [cell(metric, service, g, band, column) for g in GROUPS]
                line(total, parts, f"{metric} {service} {band} {column} groups")
                if not total[1] and not any(p[1] for p in parts):
                    rest = total[0] - sum(p[0] for p in parts)
                    if 0 < rest < threshold:
                        found.append(f"{metric} {service} {band}: label-only {rest} derivable")
            if metric == "M1" and band == "whole" and column == "n_group":
                bands = [b for (m, s, g, b) in orig
                         if m == "M1" and s == service and g == group and b != "whole"]
                if sum(cell("M1", service, group, b, column)[0] for b in bands) == \
                        cell("M1", service, group, "whole", column)[0]:
                    line(cell("M1", service, group, "whole", column),
                         [cell("M1", service, group, b, column) for b in bands],
                         f"M1 {service} {group} bands")
            if metric == "M9" and column == "n_group":  # senior = the senior bands of M1
                line(cell("M9", service, group, "whole", column),
                     [cell("M1", service, group, b, column) for b in senior],
                     f"M9 {service} {group} senior bands")
    return found


@settings(max_examples=examples(120), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_results())
def test_published_tables_hold_no_small_count_and_give_none_away(case: tuple) -> None:
    assert_published_properties(*case)


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_results(split=False, small_unknowns=True))
def test_small_unknowns_without_a_service_split_give_none_away(case: tuple) -> None:
    # the shape `wres metrics` met: one service, a small unknown count beside large ones
    assert_published_properties(*case)


def assert_published_properties(original: pd.DataFrame, threshold: int,
                                senior: list[str]) -> None:
    """Both properties, by the independent reading and by check_published with the internal
    records, from the published frame alone, and from it read back without its attrs."""
    published = apply_disclosure(original, "published", threshold, senior_bands=senior)
    assert independent_violations(original, published, threshold, senior) == []
    assert check_published(published, threshold, original=original, senior_bands=senior) == []
    assert check_published(published, threshold, senior_bands=senior) == []
    # read back without its attrs (JSON, as `wres metrics --json` and the evidence files give
    # it), the frame still tells which known totals were hidden, and passes the same check
    read_back = pd.DataFrame(published.to_dict("records"), index=published.index)
    assert disclosure.hidden_known_totals(read_back) >= disclosure.hidden_known_totals(published)
    assert check_published(read_back, threshold, senior_bands=senior) == []
    # shown counts are the true ones: suppression hides, it never alters
    for column in COUNT_COLUMNS:
        for shown, true in zip(published[column], original[column], strict=True):
            assert shown is None or shown == true


def test_check_published_finds_what_primary_suppression_alone_leaves() -> None:
    # Blank only the counts under 5 of the hand-made M2 table: the children's group line
    # 10 = 3* + 7 then gives the hidden 3 away, and so do other lines; the check says so.
    table = m2_table()
    naive = apply_disclosure(table, "internal", 5).assign(disclosure="published",
                                                          suppressed=False)
    for column in ("n_group", "events_group"):
        naive[column] = naive[column].astype(object)
        for i in naive.index:
            if 0 < table.at[i, column] < 5:
                naive.at[i, column] = None
                naive.at[i, "suppressed"] = True
    for column in disclosure.DERIVED_COLUMNS:
        naive[column] = None
    problems = check_published(naive, 5, original=table)
    assert any("('M2', 'n', 'children', None, 'asian')" in p and "exactly one hidden" in p
               for p in problems)
    assert check_published(naive, 5) != []


def test_m9_relative_likelihood_is_withheld_with_the_staff_counts_it_rests_on() -> None:
    """M9's RL is senior managers over staff: 3 Black staff in the workforce (a small M1 count,
    withheld) leave the Black M9 record's RL, rates and p value unpublished - though its own
    senior-manager count (0) is shown - as the staff count could be worked back from them. The
    minority record's RL rests on minority and white staff counts that are shown: published."""
    from builders import make_params, make_return

    from wres_tools.metrics import compute_all
    ret = make_return({
        "senior_management": [{"ethnicity": "Indian", "headcount": 12},
                              {"ethnicity": "African", "headcount": 0},
                              {"ethnicity": "White British", "headcount": 30}],
        "workforce": [{"ethnicity": "Indian", "pay_band": "A", "headcount": 300},
                      {"ethnicity": "African", "pay_band": "A", "headcount": 3},
                      {"ethnicity": "White British", "pay_band": "A", "headcount": 700}],
    })
    internal = compute_all(ret, make_params())
    published = disclosure.apply_disclosure(internal, "published", 5)
    def m9(group: str) -> dict[str, Any]:
        rows = published[(published["metric"] == "M9") & (published["group"] == group)]
        return rows.iloc[0].to_dict()
    whole = published[(published["metric"] == "M1") & published["pay_band"].isna()]
    black_staff = whole[whole["group"] == "black"].iloc[0]
    assert black_staff["n_group"] is None  # 3 staff: withheld
    black = m9("black")
    assert black["n_group"] == 0  # no Black senior managers: shown
    for column in ("rate_group", "rate_reference", "p_value", "significant"):
        assert black[column] is None, column
    assert "p_value" in black["withheld"] and black["reason"] == WITHHELD
    # the minority RL: (12/303) / (30/700) = 0.92409, over counts that are all shown
    minority = whole[whole["group"] == "minority"].iloc[0]
    assert (minority["n_group"], minority["n_reference"]) == (303, 700)
    assert m9("minority")["rl"] == pytest.approx((12 / 303) / (30 / 700))
    assert disclosure.check_published(published, 5, internal) == []
    # the independent check finds a rate put back beside the hidden staff count
    leaked = published.copy()
    label = leaked.index[(leaked["metric"] == "M9") & (leaked["group"] == "black")][0]
    leaked.at[label, "rate_group"] = 0.0
    problems = disclosure.check_published(leaked, 5, internal)
    assert any("rate_group is shown although the whole workforce's counts behind it are "
               "hidden" in p for p in problems), problems
