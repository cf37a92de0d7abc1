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
                   white_shortlisted: int, workforce: tuple[int, int, int, int]):
    """One council: M2 (Indian vs white) and M1 over the three national bands."""
    low_min, low_white, high_min, high_white = workforce
    return make_return({
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
    }, authority=authority, year=2024)


#: (authority, region, M2 counts, M1 counts). "tiny" and "wee" are North East's only councils,
#: with 3 and 2 minority appointed: counts their own pages withhold.
COUNCILS = [
    ("alpha", "London", (20, 100, 60, 200), (30, 70, 10, 90)),
    ("beta", "London", (10, 50, 30, 100), (20, 80, 5, 95)),
    ("gamma", "Eastern", (12, 40, 50, 100), (25, 75, 10, 40)),
    ("delta", "Eastern", (8, 40, 40, 100), (15, 85, 5, 45)),
    ("tiny", "North East", (3, 9, 20, 40), (6, 44, 6, 44)),
    ("wee", "North East", (2, 7, 25, 50), (7, 43, 6, 54)),
]


def year_records(mode: str) -> tuple[dict[str, pd.DataFrame], dict[str, Council],
                                     dict[str, pd.DataFrame]]:
    published, councils, internal = {}, {}, {}
    for authority, region, m2, m1 in COUNCILS:
        params = make_params(authority=authority, display_name=authority.title(),
                             region=region, pay_bands=BANDS[:2])
        records = metrics.compute_all(council_return(authority, *m2, m1), params)
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
    returns = [council_return(a, *m2, m1) for a, _, m2, m1 in COUNCILS]
    engine = metrics.pooled(returns, params, authority="national")
    for column in ("events_group", "n_group", "events_reference", "n_reference", "rl",
                   "rl_ci_low", "rl_ci_high", "p_value"):
        assert one(nat, metric="M2", service="all", group="minority")[column] == pytest.approx(
            one(engine, metric="M2", service="all", group="minority")[column])


def test_m1_in_the_skills_for_care_bands() -> None:
    published, councils, _ = year_records("published")
    nat = pool_scope(published, councils, NATIONAL, 2024, "published")
    low = one(nat, metric="M1", service="all", group="minority", pay_band=BANDS[0])
    # every council's lowest band is shown (all counts 6 or more): 103 minority, 397 white
    assert (low["n_group"], low["n_reference"], low["n_councils"]) == (103, 397, 6)
    assert low["share"] == pytest.approx(103 / 500)


def test_a_region_of_small_counts_gives_nothing_away() -> None:
    """The attack: North East's minority appointed (3 and 2) are withheld on the councils' own
    pages. On the national page, neither North East's line nor national minus the other
    regions may give them; every count shown is a sum of counts the councils' pages show."""
    published, councils, internal = year_records("published")
    nat = build_year(published, councils, 2024, "published")
    north_east = one(nat.pooled["North East"], metric="M2", service="all", group="minority")
    assert pd.isna(north_east["rl"]) and north_east["reason"] == WITHHELD
    national = one(nat.pooled[NATIONAL], metric="M2", service="all", group="minority")
    others = sum(one(nat.pooled[r], metric="M2", service="all", group="minority")["events_group"]
                 for r in ("London", "Eastern"))
    assert national["events_group"] - others == 0  # not 3 + 2
    # every published count of every scope is the sum of the same count on councils' pages
    for scope, frame in nat.pooled.items():
        assert publish.check(frame[list(internal["alpha"].columns)],
                             make_params(authority=scope)) == []
        for row in frame.to_dict("records"):
            if row["n_councils"] is pd.NA or row["n_councils"] < 2 or row["pay_band"] is not pd.NA:
                continue
            for column in ("events_group", "n_group", "events_reference", "n_reference"):
                if row[column] is pd.NA:
                    continue
                shown = [one(p, metric=row["metric"], service=row["service"],
                             group=row["group"])[column] for a, p in published.items()
                         if scope == NATIONAL or councils[a].region == scope]
                sums = {sum(v for v in shown if v is not pd.NA)}
                assert row[column] in sums or row[column] <= sum(
                    v for v in shown if v is not pd.NA)
                assert not 0 < row[column] < 5


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
