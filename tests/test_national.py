"""The national picture: pooled figures from councils' published counts, worked out by hand; the
spread of councils; the Skills for Care bands; and an attack on a region of small counts."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.builders import make_params, make_return, one
from wres_tools import metrics, publish
from wres_tools.disclosure import WITHHELD
from wres_tools.national import NATIONAL, Council, build_year, pool_scope
from wres_tools.sfc_bands import SKILLS_FOR_CARE_BANDS, national_band, pay_range

WHITE = "English, Welsh, Scottish, Northern Irish or British"
BANDS = list(SKILLS_FOR_CARE_BANDS)


def council_return(authority: str, appointed: int, shortlisted: int, white_appointed: int,
                   white_shortlisted: int, workforce: tuple[int, int, int, int],
                   senior: tuple[int, int] | None = None):
    """One council: M2 (Indian vs white), M1 over the three national bands and, with
    ``senior`` (minority, white senior managers), M9."""
    low_min, low_white, high_min, high_white = workforce
    tables: dict = {
        "recruitment": [
            {"ethnicity": WHITE, "shortlisted": white_shortlisted, "appointed": white_appointed},
            {"ethnicity": "Indian", "shortlisted": shortlisted, "appointed": appointed},
        ],
        "workforce": [
            {"ethnicity": WHITE, "pay_band": BANDS[0], "headcount": low_white},
            {"ethnicity": "Indian", "pay_band": BANDS[0], "headcount": low_min},
            {"ethnicity": WHITE, "pay_band": BANDS[1], "headcount": high_white},
            {"ethnicity": "Indian", "pay_band": BANDS[1], "headcount": high_min},
        ],
    }
    if senior is not None:
        tables["senior_management"] = [{"ethnicity": "Indian", "headcount": senior[0]},
                                       {"ethnicity": WHITE, "headcount": senior[1]}]
    return make_return(tables, authority=authority, year=2024)


#: (authority, region, M2 counts, M1 counts, M9 senior managers). "tiny" and "wee" are North
#: East's only councils, with 3 and 2 minority appointed: counts their own pages withhold; tiny
#: has 2 minority senior managers, withheld too.
COUNCILS = [
    ("alpha", "London", (20, 100, 60, 200), (30, 70, 10, 90), (6, 20)),
    ("beta", "London", (10, 50, 30, 100), (20, 80, 5, 95), (5, 15)),
    ("gamma", "Eastern", (12, 40, 50, 100), (25, 75, 10, 40), (7, 10)),
    ("delta", "Eastern", (8, 40, 40, 100), (15, 85, 5, 45), (5, 9)),
    ("tiny", "North East", (3, 9, 20, 40), (6, 44, 6, 44), (2, 8)),
    ("wee", "North East", (2, 7, 25, 50), (7, 43, 6, 54), (6, 12)),
]


def year_records(mode: str) -> tuple[dict[str, pd.DataFrame], dict[str, Council],
                                     dict[str, pd.DataFrame]]:
    published, councils, internal = {}, {}, {}
    for authority, region, m2, m1, senior in COUNCILS:
        params = make_params(authority=authority, display_name=authority.title(),
                             region=region, pay_bands=BANDS[:2])
        records = metrics.compute_all(council_return(authority, *m2, m1, senior), params)
        internal[authority] = records
        published[authority] = publish.publish_results(records, params, mode)
        councils[authority] = Council(authority, authority.title(), region,
                                      {BANDS[0]: BANDS[0], BANDS[1]: BANDS[1]}, (), 5)
    return published, councils, internal


def test_the_national_m2_pools_the_published_counts_by_hand() -> None:
    published, councils, _ = year_records("published")
    nat = pool_scope(published, councils, NATIONAL, 2024, "published")
    m2 = one(nat, metric="M2", service="all", group="minority")
    # tiny and wee withhold their minority appointed (3, 2): the four others are pooled
    assert (m2["n_councils"], m2["n_left_out"]) == (4, 2)
    assert (m2["events_group"], m2["n_group"]) == (20 + 10 + 12 + 8, 100 + 50 + 40 + 40)
    assert (m2["events_reference"], m2["n_reference"]) == (60 + 30 + 50 + 40, 200 + 100 + 100 + 100)
    assert m2["rl"] == pytest.approx((50 / 230) / (180 / 500))  # 0.6039
    assert m2["disclosure"] == "published"


def test_internal_mode_gives_the_figures_of_metrics_pooled() -> None:
    published, councils, _ = year_records("internal")
    nat = pool_scope(published, councils, NATIONAL, 2024, "internal")
    params = [make_params(authority=a, pay_bands=BANDS[:2]) for a, *_ in COUNCILS]
    returns = [council_return(a, *m2, m1, senior) for a, _, m2, m1, senior in COUNCILS]
    engine = metrics.pooled(returns, params, authority="national")
    for metric in ("M2", "M9"):  # M9: the engine's likelihood of the summed senior and staff
        for column in ("events_group", "n_group", "events_reference", "n_reference", "rl",
                       "rl_ci_low", "rl_ci_high", "p_value", "rate_group", "share"):
            ours = one(nat, metric=metric, service="all", group="minority")[column]
            theirs = one(engine, metric=metric, service="all", group="minority")[column]
            assert (pd.isna(ours) and theirs is None) or ours == pytest.approx(theirs), column


def test_m1_in_the_skills_for_care_bands() -> None:
    published, councils, _ = year_records("published")
    nat = pool_scope(published, councils, NATIONAL, 2024, "published")
    low = one(nat, metric="M1", service="all", group="minority", pay_band=BANDS[0])
    # every council's lowest band is shown (all counts 6 or more): 103 minority, 397 white
    assert (low["n_group"], low["n_reference"], low["n_councils"]) == (103, 397, 6)
    assert low["share"] == pytest.approx(103 / 500)


def _own(frame: pd.DataFrame, row: dict) -> dict:
    """A council's record of the line of ``row`` (no pay band)."""
    rows = frame[(frame["metric"] == row["metric"]) & (frame["service"] == row["service"])
                 & (frame["group"] == row["group"]) & frame["pay_band"].isna()]
    assert len(rows) == 1
    return rows.iloc[0].to_dict()


def _shown(published: dict, row: dict, column: str) -> list[int]:
    """The ``column`` of the row's line on every council's published page that shows it."""
    values = []
    for frame in published.values():
        record = _own(frame, row)
        if not pd.isna(record[column]):
            values.append(int(record[column]))
    return values


def test_a_region_of_small_counts_gives_nothing_away() -> None:
    """The attack: North East's minority appointed (3 and 2) are withheld on the councils' own
    pages. On the national page, neither North East's line nor national minus the other
    regions nor national minus every council shown may give them; every count shown is exactly
    the sum of the same count on the pages of the councils the line holds."""
    published, councils, internal = year_records("published")
    nat = build_year(published, councils, 2024, "published")
    north_east = one(nat.pooled["North East"], metric="M2", service="all", group="minority")
    assert pd.isna(north_east["rl"]) and north_east["reason"] == WITHHELD
    national = one(nat.pooled[NATIONAL], metric="M2", service="all", group="minority")
    others = sum(one(nat.pooled[r], metric="M2", service="all", group="minority")["events_group"]
                 for r in ("London", "Eastern"))
    assert national["events_group"] - others == 0  # not 3 + 2
    shown = _shown(published, national, "events_group")
    assert national["events_group"] - sum(shown) == 0  # national minus every council shown
    for scope, frame in nat.pooled.items():
        assert publish.check(frame[list(internal["alpha"].columns)],
                             make_params(authority=scope)) == []
        in_scope = {a: p for a, p in published.items()
                    if scope == NATIONAL or councils[a].region == scope}
        for row in frame.to_dict("records"):
            if not pd.isna(row["pay_band"]) or row["metric"] == "M9" or row["n_councils"] < 2:
                continue
            columns = [c for c in ("events_group", "n_group", "events_reference", "n_reference")
                       if not pd.isna(row[c])]
            # the councils whose page shows every count of the line: exactly those it holds
            members = [p for p in in_scope.values()
                       if all(not pd.isna(_own(p, row)[c]) for c in columns)]
            assert len(members) == row["n_councils"]
            for column in columns:
                assert row[column] == sum(_shown(dict(enumerate(members)), row, column))
                assert not 0 < row[column] < 5


def test_one_council_withholding_three_is_never_in_a_national_count() -> None:
    """Three councils; "small" appointed 3 minority applicants, which its own page withholds.
    The national count leaves it out, and national minus every council shown is 0, not 3. The
    same batch pooled from the councils' internal counts would show 33, giving the 3 away by
    subtraction: so this fails if the national figures stop reading the published counts."""
    rows = [("alpha", (20, 100, 60, 200)), ("beta", (10, 50, 30, 100)), ("small", (3, 12, 40, 80))]
    published, internal, councils = {}, {}, {}
    for authority, m2 in rows:
        params = make_params(authority=authority, display_name=authority.title(),
                             region="London", pay_bands=BANDS[:2])
        records = metrics.compute_all(council_return(authority, *m2, (30, 70, 10, 90)), params)
        internal[authority] = publish.publish_results(records, params, "internal")
        published[authority] = publish.publish_results(records, params, "published")
        councils[authority] = Council(authority, authority.title(), "London",
                                      {BANDS[0]: BANDS[0], BANDS[1]: BANDS[1]}, (), 5)
    assert pd.isna(one(published["small"], metric="M2", service="all",
                       group="minority")["events_group"])
    nat = build_year(published, councils, 2024, "published")
    for scope in (NATIONAL, "London"):
        m2 = one(nat.pooled[scope], metric="M2", service="all", group="minority")
        assert (m2["events_group"], m2["n_councils"], m2["n_left_out"]) == (30, 2, 1)
        assert m2["events_group"] - sum(_shown(published, m2, "events_group")) == 0
        # the interval is that of the shown councils' summed table, so inverting it gives
        # their counts, not the 3
        assert m2["rl"] == pytest.approx((30 / 150) / (90 / 300))
    leaky = pool_scope(internal, councils, NATIONAL, 2024, "published")
    leaked = one(leaky, metric="M2", service="all", group="minority")["events_group"]
    assert leaked - sum(_shown(published, m2, "events_group")) == 3  # what the design prevents


def test_m9_is_the_likelihood_of_summed_senior_and_staff_counts() -> None:
    """M9 nationally: senior managers over staff (M1 whole workforce), minority against white,
    from the summed counts of the councils whose pages show all four. tiny's 2 minority senior
    managers are withheld on its page, so tiny is left out."""
    published, councils, _ = year_records("published")
    assert pd.isna(one(published["tiny"], metric="M9", service="all", group="minority")["rl"])
    nat = pool_scope(published, councils, NATIONAL, 2024, "published")
    m9 = one(nat, metric="M9", service="all", group="minority")
    assert (m9["n_councils"], m9["n_left_out"]) == (5, 1)
    # senior: alpha 6/20, beta 5/15, gamma 7/10, delta 5/9, wee 6/12 (minority/white)
    assert (m9["n_group"], m9["n_reference"]) == (29, 66)
    # staff (M1 whole workforce): minority 40 + 25 + 35 + 20 + 13, white 160 + 175 + 115 + 130 + 97
    assert m9["rate_group"] == pytest.approx(29 / 133)
    assert m9["rate_reference"] == pytest.approx(66 / 677)
    assert m9["rl"] == pytest.approx((29 / 133) / (66 / 677))  # 2.2366
    assert m9["share"] == pytest.approx(29 / 95)
    assert m9["rl_ci_low"] < m9["rl"] < m9["rl_ci_high"]


def test_a_region_of_one_council_is_not_given() -> None:
    published, councils, _ = year_records("published")
    params = make_params(authority="solo", display_name="Solo", region="South West",
                         pay_bands=BANDS[:2])
    records = metrics.compute_all(council_return("solo", 20, 100, 60, 200, (30, 70, 10, 90)),
                                  params)
    published["solo"] = publish.publish_results(records, params, "published")
    councils["solo"] = Council("solo", "Solo", "South West", {b: b for b in BANDS[:2]}, (), 5)
    nat = build_year(published, councils, 2024, "published")
    assert set(nat.regions) == {"North East", "London", "Eastern"}
    assert "South West" not in nat.pooled
    assert "South West" not in set(nat.spread["scope"]) | set(nat.staff["scope"])
    # solo is in the national figures all the same
    m2 = one(nat.pooled[NATIONAL], metric="M2", service="all", group="minority")
    assert m2["n_councils"] == 5 and m2["events_group"] == 50 + 20


def test_the_trend_holds_each_year_pooled() -> None:
    published, councils, _ = year_records("published")
    earlier = pool_scope(published, councils, NATIONAL, 2023, "published")
    nat = build_year(published, councils, 2024, "published", earlier=[earlier])
    rows = nat.trend[(nat.trend["metric"] == "M2") & (nat.trend["service"] == "all")
                     & (nat.trend["group"] == "minority")]
    assert list(rows["year"]) == [2023, 2024]
    assert list(rows["events_group"]) == [50, 50]


def test_the_spread_counts_councils_by_their_published_rl() -> None:
    published, councils, _ = year_records("published")
    nat = build_year(published, councils, 2024, "published")
    row = nat.spread[(nat.spread["scope"] == NATIONAL) & (nat.spread["metric"] == "M2")].iloc[0]
    # RLs: alpha 0.667, beta 0.667, gamma 0.6, delta 0.5 (all below 0.80); tiny, wee withheld
    assert (row["councils"], row["with_figure"], row["below"], row["not_published"]) == (6, 4, 4, 2)
    assert row["above"] == 0 and row["within"] == 0


def test_staff_are_counted_by_hand() -> None:
    published, councils, _ = year_records("published")
    nat = build_year(published, councils, 2024, "published")
    staff = nat.staff[(nat.staff["scope"] == "London") & (nat.staff["service"] == "all")].iloc[0]
    assert (staff["councils"], staff["staff"]) == (2, 30 + 70 + 10 + 90 + 20 + 80 + 5 + 95)


@pytest.mark.parametrize(("band", "expected"), [
    ("Up to £24,999", BANDS[0]), ("less than £30,000", BANDS[0]),
    ("£35,000 to £44,999", BANDS[1]), ("£70k+", BANDS[2]), ("£70,000 and over", BANDS[2]),
    ("£25,000 to £34,999", None), ("£60,000 and over", None), ("Grade 7", None),
])
def test_a_band_maps_to_a_skills_for_care_band_only_inside_one(band: str,
                                                             expected: str | None) -> None:
    assert national_band(band) == expected


def test_a_parameter_file_may_place_a_band() -> None:
    assert national_band("Grade 7", {"Grade 7": BANDS[1]}) == BANDS[1]
    assert pay_range("£45,000-£59,999") == (45000, 59999)
    with pytest.raises(ValueError, match="Skills for Care bands"):
        make_params(pay_bands=["Grade 7"], skills_for_care_bands={"Grade 7": "£30k+"})
