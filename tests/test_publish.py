"""The one publishing step, checked on what it returns before anything is formatted.

Each hand-made table is one of the leaks an attacker found in the published demo batch
(issue 9), worked out by hand: the test asserts which counts are withheld and that no withheld
count can be worked out, by brute force over every table of counts the shown figures allow.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from test_disclosure import frame, record

from wres_tools import computed, disclosure, publish
from wres_tools.contract import is_missing, plain
from wres_tools.demo import synth
from wres_tools.parameters import Parameters, load_parameters
from wres_tools.returns.find import find_returns

GROUPS = ("asian", "black", "mixed", "other")


def shown(published: pd.DataFrame, **where: Any) -> dict[str, Any]:
    rows = published
    for column, value in where.items():
        rows = rows[rows[column].map(lambda v, value=value: is_missing(v) if value is None
                                     else not is_missing(v) and v == value)]
    assert len(rows) == 1, where
    return {k: plain(v) for k, v in rows.iloc[0].items()}


PARAMS = Parameters(authority="testshire", display_name="Testshire", threshold=5)


def test_one_symbol_whatever_the_count_was() -> None:
    # a small count and a protective one print alike: "[c]" tells a reader nothing
    assert disclosure.display_count(None, "primary", 5) == disclosure.display_count(
        None, "secondary", 5) == publish.SYMBOL == "[c]"


def test_groups_that_pin_a_total_through_their_lower_bounds() -> None:
    # M9 adults: minority 4 = asian 1 + black 1 + mixed 1 + other 1; children: 1 (asian);
    # all services 5 (shown: not small). Withheld counts are at least 1, so with the four adults'
    # groups withheld a reader had minority >= 4, and 5 - 4 = 1 gave children away (issue 9).
    rows = []
    counts = {"adults": (4, [1, 1, 1, 1], 30), "children": (1, [1, 0, 0, 0], 25),
              "all": (5, [2, 1, 1, 1], 55)}
    for service, (minority, groups, white) in counts.items():
        rows.append(record(metric="M9", service=service, group="minority", n_group=minority,
                           n_reference=white, share=minority / (minority + white)))
        for group, n in zip(GROUPS, groups, strict=True):
            if n:
                rows.append(record(metric="M9", service=service, group=group, n_group=n,
                                   n_reference=white, share=n / (n + white)))
    table = frame(rows)
    out = publish.publish_results(table, PARAMS, "published")
    # every minority count of the three services is withheld: all 5 too, else 5 - adults
    # (at least 4) would leave children between 1 and 1
    for service in ("adults", "children", "all"):
        record_ = shown(out, service=service, group="minority")
        assert record_["n_group"] is None and "n_group" in record_["withheld"]
        assert record_["share"] is None and "share" in record_["withheld"]
    assert publish.check(out, PARAMS, original=table) == []


def test_five_of_seven_said_yes_publishes_two_said_no() -> None:
    # M6 all services: 5 of 7 minority ethnic respondents said yes; 2 said no - a count of
    # people. The 5 is withheld as if it were small; the 7 may stand (5 and 2 each range widely).
    table = frame([record(metric="M6", service="all", group="minority", n_group=7,
                          events_group=5, n_reference=80, events_reference=20,
                          rate_group=5 / 7, rate_reference=0.25, rl=(5 / 7) / 0.25,
                          p_value=0.01, significant=True, gap_pp=46.4)])
    out = publish.publish_results(table, PARAMS, "published")
    r = shown(out, group="minority")
    assert r["events_group"] is None and r["n_group"] == 7
    assert r["rate_group"] is None and r["rl"] is None and r["gap_pp"] is None
    assert set(r["withheld"]) >= {"events_group", "rate_group", "rl", "p_value", "gap_pp"}
    assert publish.check(out, PARAMS, original=table) == []


def test_a_groups_share_over_a_withheld_band_total_is_withheld() -> None:
    # M1 band H: minority 1 (withheld), white 21; Asian 0 of them. The Asian share 0.0% had an
    # interval whose width gave the band's known total 22 away, so 22 - 21 = 1 (issue 9).
    rows = [
        record(metric="M1", service="all", group="minority", pay_band="H", n_group=1,
               n_reference=21, share=1 / 22, share_workforce=0.1),
        record(metric="M1", service="all", group="asian", pay_band="H", n_group=0,
               n_reference=21, share=0.0, share_ci_low=0.0, share_ci_high=0.149,
               share_workforce=0.05, representation_index=0.0),
        record(metric="M1", service="all", group="minority", pay_band="G", n_group=39,
               n_reference=179, share=39 / 218, share_workforce=0.1),
        record(metric="M1", service="all", group="asian", pay_band="G", n_group=20,
               n_reference=179, share=20 / 199, share_workforce=0.05),
        record(metric="M1", service="all", group="minority", pay_band=None, n_group=40,
               n_reference=200, share=40 / 240, share_workforce=40 / 240),
        record(metric="M1", service="all", group="asian", pay_band=None, n_group=20,
               n_reference=200, share=20 / 220, share_workforce=20 / 240),
    ]
    table = frame(rows)
    out = publish.publish_results(table, PARAMS, "published")
    asian_h = shown(out, group="asian", pay_band="H")
    assert asian_h["n_group"] == 0  # zero is shown
    assert asian_h["share"] is None and asian_h["share_ci_high"] is None
    assert asian_h["representation_index"] is None
    assert {"share", "share_ci_low", "share_ci_high", "representation_index"} <= set(
        asian_h["withheld"])
    assert shown(out, group="minority", pay_band="H")["n_group"] is None
    assert publish.check(out, PARAMS, original=table) == []


def test_the_small_numbers_flag_goes_with_a_withheld_count() -> None:
    # "a count under 10 behind it" is a range too: withheld with the counts it speaks of
    table = frame([
        record(metric="M2", service="all", group="minority", n_group=40, events_group=3,
               n_reference=200, events_reference=60, small_numbers=True, rate_group=3 / 40),
        record(metric="M2", service="all", group="asian", n_group=40, events_group=3,
               n_reference=200, events_reference=60, small_numbers=True, rate_group=3 / 40),
    ])
    out = publish.publish_results(table, PARAMS, "published")
    r = shown(out, group="minority")
    assert r["events_group"] is None and r["small_numbers"] is None
    assert "small_numbers" in r["withheld"]


def test_senior_bands_come_from_the_parameters() -> None:
    # M9 counted from the top band of M1: without senior_bands M1 hid the top band's minority
    # count while M9 printed it, and 70 - 60 - 7 = 3 recovered a band (issue 9)
    rows = [record(metric="M1", service="all", group="minority", pay_band=band, n_group=m,
                   n_reference=w, share=m / (m + w)) for band, m, w in
            (("low", 60, 300), ("mid", 3, 40), ("top", 7, 30), (None, 70, 370))]
    rows.append(record(metric="M9", service="all", group="minority", n_group=7, n_reference=30,
                       share=7 / 37))
    table = frame(rows)
    params = Parameters(authority="testshire", display_name="Testshire", threshold=5,
                        senior_bands=["top"])
    out = publish.publish_results(table, params, "published")
    m9 = shown(out, metric="M9", group="minority")
    top = shown(out, metric="M1", pay_band="top")
    assert top["n_group"] is None and m9["n_group"] is None  # the same people, hidden alike
    assert publish.check(out, params, original=table) == []
    # published without the senior bands, the pattern gives the band away
    unsafe = disclosure.apply_disclosure(table, "published", 5)
    assert disclosure.check_published(unsafe, 5, original=table, senior_bands=["top"]) != []


def test_pooled_counts_are_shown_only_where_every_year_shows_them() -> None:
    # white staff entering the disciplinary process: 7 in 2023 (shown), 1 in 2024 (withheld);
    # pooled 8 would give 8 - 7 = 1 (issue 9)
    def year(y: int, white_events: int) -> pd.DataFrame:
        return frame([record(year=y, metric="M3", service="all", group="minority", n_group=60,
                             events_group=6, n_reference=300, events_reference=white_events,
                             rate_group=0.1, rate_reference=white_events / 300)])
    by_year = {2023: year(2023, 7), 2024: year(2024, 1)}
    published = {y: publish.publish_results(t, PARAMS, "published") for y, t in by_year.items()}
    assert published[2024].at[0, "events_reference"] is pd.NA
    pooled = frame([record(year=2024, metric="M3", service="all", group="minority",
                           n_group=120, events_group=12, n_reference=600, events_reference=8,
                           rate_group=0.1, rate_reference=8 / 600, rl=7.5)])
    out = publish.publish_pooled(pooled, published, [2023, 2024], PARAMS, "published")
    r = out.iloc[0].to_dict()
    assert is_missing(r["events_reference"]) and is_missing(r["rl"])
    assert r["n_reference"] == 600 and r["events_group"] == 12  # both years show them
    assert "events_reference" in r["withheld"] and "rl" in r["withheld"]


def test_a_record_without_a_count_it_needs_is_an_error() -> None:
    table = frame([record(metric="M2", service="children", group="black", n_group=None,
                          events_group=3, n_reference=100, events_reference=30, rl=1.1)])
    with pytest.raises(publish.PublishError, match=r"M2, service children, group black: no "
                       r"n_group"):
        publish.publish_results(table, PARAMS, "published")


def brute_force_pinned(original: pd.DataFrame, published: pd.DataFrame,
                       lines: list[tuple[str, list[str]]], limit: int = 12) -> list[str]:
    """Cells (named by the records' group) whose every consistent value is the same: tries
    every assignment of 1..limit to the withheld counts against lines name = sum(names)."""
    values = dict(zip(original["group"], original["n_group"], strict=True))
    hidden = [g for g, v in zip(published["group"], published["n_group"], strict=True)
              if is_missing(v)]
    options: dict[str, set[int]] = {g: set() for g in hidden}
    for guess in itertools.product(range(1, limit + 1), repeat=len(hidden)):
        trial = {**values, **dict(zip(hidden, guess, strict=True))}
        if all(trial[t] == sum(trial.get(p, 0) for p in parts) for t, parts in lines):
            for g, v in zip(hidden, guess, strict=True):
                options[g].add(v)
    return [g for g, found in options.items() if len(found) <= 1 or max(found) < 5]


def test_no_group_count_is_pinned_by_brute_force() -> None:
    # one service, minority 9 = asian 4 + black 3 + mixed 2 (+ other none); white 50
    rows = [record(metric="M4", service="all", group=g, n_group=n, events_group=0,
                   n_reference=50, events_reference=0) for g, n in
            (("minority", 9), ("asian", 4), ("black", 3), ("mixed", 2))]
    table = frame(rows)
    out = publish.publish_results(table, PARAMS, "published")
    assert brute_force_pinned(table, out, [("minority", ["asian", "black", "mixed"])]) == []


def test_internal_mode_keeps_every_figure() -> None:
    table = frame([record(metric="M2", service="all", group="minority", n_group=3,
                          events_group=1, n_reference=40, events_reference=10)])
    out = publish.publish_results(table, PARAMS, "internal")
    assert out.at[0, "n_group"] == 3 and out.at[0, "withheld"] == ()


@pytest.mark.slow
def test_every_demo_authority_year_passes_the_check_with_its_senior_bands(
        tmp_path: Path) -> None:
    demo_data = tmp_path / "demo"
    synth.generate(demo_data)
    failures = {}
    for ref in find_returns(demo_data):
        params = load_parameters(ref.authority, demo_data / "parameters")
        _, internal, published = computed.published_return(ref, params, "published")
        problems = publish.check(published, params, original=internal)
        if problems:
            failures[(ref.authority, ref.year)] = problems[:3]
    assert failures == {}
