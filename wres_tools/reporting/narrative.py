"""Result records -> the plain-English sentences a report prints.

Every figure a report states in words comes from here, never typed into a notebook. The register
is a council's equality report: plain, cautious, never a cause. Each sentence about a relative
likelihood (RL) says both whether it lies outside the 0.80-1.25 range and whether the difference
is statistically significant; nothing is called significant when Fisher's p is 0.05 or more. In
published mode a figure that disclosure control withheld is never stated: the sentence says
"not published: small numbers" instead.

The words per metric (population noun, event phrase in two forms, direction, what data the
metric needs) come from :data:`wres_tools.metrics.METRICS`; every number in a sentence is printed
by :mod:`wres_tools.reporting.formats`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from wres_tools.contract import is_missing as _missing
from wres_tools.contract import plain
from wres_tools.disclosure import WITHHELD
from wres_tools.metrics import GROUP_ADJECTIVES, METRICS, MetricDef, zero_cell_reason
from wres_tools.reporting.formats import fmt_ci, fmt_count, fmt_pct, fmt_rl, fmt_signed
from wres_tools.statistics import ALPHA, FOUR_FIFTHS_HIGH, FOUR_FIFTHS_LOW
from wres_tools.trends import (
    IMPROVED,
    NO_BASELINE,
    NO_CHANGE,
    NOT_COMPUTABLE,
    NOT_PUBLISHED,
    WORSENED,
    direction_of_change,
)

LOW, HIGH = FOUR_FIFTHS_LOW, FOUR_FIFTHS_HIGH
RANGE = f"{LOW:.2f}–{HIGH:.2f}"


_SERVICE_PREFIX = {"adults": "In adults' services, ", "children": "In children's services, "}


_FRACTIONS = [
    (1 / 2, "half"), (1 / 3, "a third"), (2 / 3, "two thirds"), (1 / 4, "a quarter"),
    (3 / 4, "three quarters"), (1 / 5, "a fifth"), (2 / 5, "two fifths"),
    (3 / 5, "three fifths"), (1 / 10, "a tenth"),
]
_TIMES = {2: "twice", 3: "three times", 4: "four times", 5: "five times", 6: "six times",
          7: "seven times", 8: "eight times", 9: "nine times", 10: "ten times"}
_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight",
          9: "nine"}


def likelihood_words(rl: float) -> str:
    """An RL in everyday words: 0.52 -> "about half as likely", 2.0 -> "about twice as likely",
    1.03 -> "about as likely", 0.85 -> "about 15% less likely", 1.3 -> "about 30% more likely".
    Below 1 the nearest of a few plain fractions is used when within 0.04 of it.
    """
    if rl <= 0:
        return "not at all likely"
    if 0.9 < rl < 1.1:
        return "about as likely"
    if rl < 1:
        value, words = min(_FRACTIONS, key=lambda f: abs(rl - f[0]))
        if abs(rl - value) <= 0.04:
            return f"about {words} as likely"
        if rl < 0.1:
            return "less than a tenth as likely"
        return f"about {round(100 * (1 - rl))}% less likely"
    if 1.45 <= rl <= 1.55:
        return "about one and a half times as likely"
    if rl < 1.75:
        return f"about {round(100 * (rl - 1))}% more likely"
    halves = round(rl * 2) / 2
    if halves > 10:
        return "more than ten times as likely"
    whole = int(halves)
    if halves == whole:
        return f"about {_TIMES[whole]} as likely"
    return f"about {_WORDS[whole]} and a half times as likely"


# ---------------------------------------------------------------------------------------------
# Pieces shared by the sentences.


def _value(record: Mapping[str, Any], column: str) -> Any:
    """A figure of a record as plain Python (:func:`contract.plain`): None when it is missing."""
    return plain(record.get(column))


def _withheld(record: Mapping[str, Any]) -> bool:
    reason = _value(record, "reason")
    return bool(reason) and str(reason).startswith(WITHHELD)


def _group(record: Mapping[str, Any]) -> str:
    return GROUP_ADJECTIVES.get(str(record.get("group")), str(record.get("group")))


def _start(record: Mapping[str, Any], text: str) -> str:
    """Put the service in front ("In adults' services, ...") or capitalise the first letter."""
    prefix = _SERVICE_PREFIX.get(str(record.get("service")), "")
    if prefix:
        return prefix + text
    return _capital(text)


def _capital(text: str) -> str:
    """A sentence that follows one naming the service: the first letter capitalised only."""
    return text[:1].upper() + text[1:]


def _is_significant(record: Mapping[str, Any]) -> bool | None:
    """Fisher's p decides when it is known; never significant at p >= ALPHA (0.05)."""
    p = _value(record, "p_value")
    if p is not None:
        return p < ALPHA
    flag = _value(record, "significant")
    return None if flag is None else bool(flag)


def _wording(record: Mapping[str, Any]) -> MetricDef:
    metric = str(record.get("metric"))
    if metric not in METRICS:
        raise ValueError(f"result record for metric {metric!r}: expected one of "
                         f"{', '.join(METRICS)}")
    return METRICS[metric]


def _counts(events: Any, n: Any) -> str:
    if events is None or n is None:
        return ""
    return f" ({fmt_count(events)} of {fmt_count(n)})"


def _caution(record: Mapping[str, Any]) -> list[str]:
    if _value(record, "small_numbers"):
        return ["This figure rests on small numbers and should be read with care."]
    return []


def not_collected(metric: str) -> str:
    """What a report says for a metric the return did not hold, and what it would need."""
    wording = METRICS[metric]
    return (f"{wording.short_title} was not collected in this return. To report it, the return "
            f"needs {wording.needs}.")


# ---------------------------------------------------------------------------------------------
# One function per kind of metric.


def describe_ratio(record: Mapping[str, Any]) -> list[str]:
    """M2-M8: the RL with its interval and everyday words; the range and significance; the
    four-fifths reading; both rates; the gap for the survey metrics; a small-numbers caution."""
    w = _wording(record)
    group = _group(record)
    status = record.get("status")
    if status == "not_collected":
        return [not_collected(str(record["metric"]))]
    rl = _value(record, "rl")
    if rl is None and _withheld(record):
        return [_start(record, f"figures comparing {group} and white {w.population} are not "
                               f"published: small numbers.")]
    if rl is None:
        return [*_not_computable(record, w, group), *_rates(record, w, group)]
    return _likelihood(record, w, group, rl) + _gap(record, w, group) + _caution(record)


def _likelihood(record: Mapping[str, Any], w: MetricDef, group: str, rl: float) -> list[str]:
    """An RL that is there: the sentence with its interval, everyday words and doubt; the range
    and significance; the four-fifths reading; both rates."""
    low, high = _value(record, "rl_ci_low"), _value(record, "rl_ci_high")
    ci = f" ({fmt_ci(low, high)})" if low is not None and high is not None else ""
    words = likelihood_words(rl)
    who = w.rl_population
    first = (f"{group} {who} were {fmt_rl(rl)} times as likely as white "
             f"{who} to {w.event}{ci}: {words}{_doubt(record, words)}.")
    sentences = [_start(record, first)]
    sentences.append(_range_and_significance(record, rl))
    reading = _value(record, "four_fifths")
    if reading == "adverse":
        sentences.append(f"By the four-fifths rule this is read as adverse impact for {group} "
                         f"{who}.")
    elif reading == "favourable":
        sentences.append(f"By the four-fifths rule this is read as favourable to {group} "
                         f"{who}.")
    elif reading == "within":
        sentences.append("By the four-fifths rule this is read as no adverse impact.")
    return sentences + _rates(record, w, group)


def _doubt(record: Mapping[str, Any], words: str) -> str:
    """What the sentence stating an effect size adds when the difference is not shown to be
    real: ", but the difference is not statistically significant" (", and ..." after "about as
    likely"), or that it could not be tested; nothing when it is significant."""
    significant = _is_significant(record)
    if significant:
        return ""
    joint = "and" if words == "about as likely" else "but"
    if significant is None:
        return f", {joint} whether the difference is statistically significant could not be tested"
    return f", {joint} the difference is not statistically significant"


def _range_and_significance(record: Mapping[str, Any], rl: float) -> str:
    """Whether the RL is inside the four-fifths range, and, when the difference is
    significant, that too (a difference that is not was said so in the sentence before)."""
    reading = _value(record, "four_fifths")
    outside = reading in ("adverse", "favourable") if reading else not LOW <= rl <= HIGH
    where = "outside" if outside else "within"
    if _is_significant(record):
        return f"This is {where} the {RANGE} range and statistically significant."
    return f"This is {where} the {RANGE} range."


def _rates(record: Mapping[str, Any], w: MetricDef, group: str) -> list[str]:
    rate_g, rate_r = _value(record, "rate_group"), _value(record, "rate_reference")
    if rate_g is None:
        return []
    own = (f"{fmt_pct(rate_g)} of {group} {w.rl_population}"
           f"{_counts(_value(record, 'events_group'), _value(record, 'n_group'))} {w.event_past}")
    if rate_r is None:
        return [_capital(own + ".")]
    white = (f"{fmt_pct(rate_r)} of white {w.rl_population}"
             f"{_counts(_value(record, 'events_reference'), _value(record, 'n_reference'))}")
    return [_capital(f"{own}, against {white}.")]


def _gap(record: Mapping[str, Any], w: MetricDef, group: str) -> list[str]:
    gap = _value(record, "gap_pp")
    if gap is None:
        return []
    low, high = _value(record, "gap_pp_ci_low"), _value(record, "gap_pp_ci_high")
    ci = f" ({fmt_ci(low, high, fmt_signed)})" if low is not None and high is not None else ""
    if round(gap, 1) == 0:
        return [f"The rates for {group} and white {w.population} differ by less than 0.1 "
                f"percentage points{ci}."]
    side = "higher" if gap > 0 else "lower"
    return [f"The rate for {group} {w.population} is {abs(gap):.1f} percentage points {side} "
            f"than for white {w.population}{ci}."]


def _not_computable(record: Mapping[str, Any], w: MetricDef, group: str) -> list[str]:
    n_g, n_r = _value(record, "n_group"), _value(record, "n_reference")
    e_r = _value(record, "events_reference")
    if n_g == 0:
        text = f"there were no {group} {w.population}, so there is nothing to compare."
    elif n_r == 0:
        text = f"there were no white {w.population}, so there is nothing to compare with."
    elif e_r == 0:
        text = (f"the relative likelihood cannot be computed: no white {w.population} "
                f"{w.event_past}, so there is no white rate to compare with.")
    elif (zero := _zero_cell(record, w, group)) is not None:
        return [_start(record, zero), *_fisher(record)]
    else:
        reason = _value(record, "reason") or "the figures needed are missing"
        text = f"the relative likelihood cannot be computed: {reason}."
    return [_start(record, text)]


def _zero_cell(record: Mapping[str, Any], w: MetricDef, group: str) -> str | None:
    """The sentence for a comparison with a count of zero in its 2x2 table (no RL is given, as
    the spec's first treatment of a zero cell says), or None when no count is zero."""
    counts = [_value(record, c) for c in ("events_group", "n_group", "events_reference",
                                           "n_reference")]
    if None in counts:
        return None
    reason = zero_cell_reason(w, group, *counts)
    return None if reason is None else reason + "."


def _fisher(record: Mapping[str, Any]) -> list[str]:
    """Fisher's exact test in words, for a comparison that has no RL to carry it."""
    p = _value(record, "p_value")
    if p is None:
        return []
    shown = "below 0.001" if p < 0.001 else f"{p:.3f}"
    if p < ALPHA:
        return [f"Fisher's exact test finds the difference in rates statistically significant "
                f"(p {'' if p < 0.001 else '= '}{shown})."]
    return [f"Fisher's exact test finds no statistically significant difference in rates "
            f"(p = {shown})."]


def _no_share(record: Mapping[str, Any], figures: str, no_share: str, default: str) -> list[str]:
    """M1/M9 when the share is missing: withheld by disclosure control, or not computable."""
    if _withheld(record):
        return [_start(record, f"{figures} are not published: small numbers.")]
    reason = _value(record, "reason") or default
    return [_start(record, f"{no_share}: {reason}.")]


def _share_ci(record: Mapping[str, Any]) -> str:
    """" (95% CI 10.0% to 25.0%)" for a share, or "" when its interval is missing."""
    low, high = _value(record, "share_ci_low"), _value(record, "share_ci_high")
    return f" ({fmt_ci(low, high, fmt_pct)})" if low is not None and high is not None else ""


def describe_representation(record: Mapping[str, Any]) -> list[str]:
    """M1, one record: the group's share of staff of known ethnicity in a band (or the whole
    workforce) with its interval, against the workforce share, and the representation index."""
    group = _group(record)
    band = _value(record, "pay_band")
    where = "the whole workforce" if band is None else f"pay band {band}"
    if record.get("status") == "not_collected":
        return [not_collected("M1")]
    share = _value(record, "share")
    if share is None:
        return _no_share(record, f"figures for {group} staff in {where}",
                         f"no share can be given for {group} staff in {where}",
                         "no staff of known ethnicity")
    ci = _share_ci(record)
    text = f"{group} staff made up {fmt_pct(share)} of staff of known ethnicity in {where}{ci}"
    workforce, index = _value(record, "share_workforce"), _value(record, "representation_index")
    if band is not None and workforce is not None:
        text += f", against {fmt_pct(workforce)} of the whole workforce"
        if index is not None:
            text += f": a representation index of {fmt_rl(index)}"
    sentences = [_start(record, text + ".")]
    if band is not None and index is not None:
        if index < LOW:
            sentences.append(f"{group[:1].upper() + group[1:]} staff are fewer in this band than "
                             "their share of the workforce.")
        elif index > HIGH:
            sentences.append(f"{group[:1].upper() + group[1:]} staff are more numerous in this "
                             "band than their share of the workforce.")
    return sentences + _caution(record)


def band_trend(records: pd.DataFrame) -> str | None:
    """M1: whether the minority ethnic share falls as pay bands rise, from the records of one
    service and group in band order (lowest first). None when fewer than two bands are shown."""
    bands = records[records["pay_band"].map(lambda b: not _missing(b))]
    shown = [(b, s) for b, s in zip(bands["pay_band"], bands["share"], strict=True)
             if not _missing(s)]
    if len(shown) < 2:
        return None
    (low_band, low_share), (top_band, top_share) = shown[0], shown[-1]
    shares = [s for _, s in shown]
    steps = [b - a for a, b in zip(shares, shares[1:], strict=False)]
    group = _group(records.iloc[0])
    # "shown" when a band above the top one shown exists but is withheld or cannot be given
    top_is_top = top_band == bands["pay_band"].iloc[-1]
    ends = (f"from {fmt_pct(low_share)} in the lowest pay band shown ({low_band}) to "
            f"{fmt_pct(top_share)} in the highest{'' if top_is_top else ' shown'} ({top_band})")
    if all(step < 0 for step in steps):
        how = "falls at every step up the pay bands"
    elif all(step > 0 for step in steps):
        how = "rises at every step up the pay bands"
    elif abs(top_share - low_share) < 0.01:
        how = "is much the same at the bottom and top of the pay bands"
    elif top_share < low_share:
        how = "is lower at the top of the pay bands than at the bottom"
    else:
        how = "is higher at the top of the pay bands than at the bottom"
    text = f"the {group} share {how}, {ends}."
    if len(shown) < len(bands):
        text = text[:-1] + "; some bands are not published: small numbers."
    return _start(records.iloc[0], text)


def describe_senior(record: Mapping[str, Any]) -> list[str]:
    """M9: the group's share of senior management with its exact interval, against its share of
    the workforce and of the local population, and the gaps in percentage points."""
    group = _group(record)
    if record.get("status") == "not_collected":
        return [not_collected("M9")]
    share = _value(record, "share")
    if share is None:
        return _no_share(record, f"figures for {group} senior managers",
                         f"no senior management share can be given for {group} staff",
                         "no senior managers of known ethnicity")
    ci = _share_ci(record)
    text = f"{group} staff held {fmt_pct(share)} of senior management posts{ci}"
    workforce, population = _value(record, "share_workforce"), _value(record, "share_population")
    against = []
    if workforce is not None:
        against.append(f"{fmt_pct(workforce)} of the workforce")
    if population is not None:
        against.append(f"{fmt_pct(population)} of the local population")
    if against:
        text += ", against " + " and ".join(against)
    sentences = [_start(record, text + ".")]
    gaps = []
    for column, what in (("gap_workforce_pp", "the workforce share"),
                         ("gap_population_pp", "the population share")):
        gap = _value(record, column)
        if gap is not None:
            side = "below" if gap < 0 else "above"
            gaps.append(f"{abs(gap):.1f} percentage points {side} {what}" if round(gap, 1)
                        else f"level with {what}")
    if gaps:
        sentences.append(f"That is {' and '.join(gaps)}.")
    if population is None and not _withheld(record):
        sentences.append("No population figures for the area were given, so there is no "
                         "comparison with the local population.")
    return _senior_likelihood(record, group) + sentences + _caution(record)


def _senior_likelihood(record: Mapping[str, Any], group: str) -> list[str]:
    """M9 as Skills for Care gives it, first: how likely the group's staff are to hold senior
    management posts against white staff - or why no RL is given, with Fisher's test."""
    w = METRICS["M9"]
    rl = _value(record, "rl")
    if rl is not None:
        return _likelihood(record, w, group, rl)
    if _withheld(record):
        return [_start(record, f"how likely {group} and white staff are to hold senior "
                               "management posts is not published: small numbers.")]
    why = next((part for part in str(_value(record, "reason") or "").split("; ")
                if "relative likelihood" in part), None)
    if why is None:
        return []
    return [_start(record, why + "."), *_rates(record, w, group), *_fisher(record)]


def describe_unknowns(record: Mapping[str, Any]) -> str | None:
    """The data-quality sentence: how many were left out as of unknown ethnicity. None for a
    record that counted nobody (not collected)."""
    if record.get("status") == "not_collected":
        return None
    w = _wording(record)
    count, pct = _value(record, "unknown_count"), _value(record, "unknown_pct")
    if count is None:
        if record.get("disclosure") == "published" and _value(record, "suppressed"):
            return _start(record, f"the number of {w.population} whose ethnicity is not known "
                                  "is not published: small numbers.")
        return None
    if count == 0:
        return _start(record, f"ethnicity is known for every one of the {w.population} "
                              "counted.")
    share = f" ({fmt_pct(pct / 100)})" if pct is not None else ""
    return _start(record, f"ethnicity is not known for {fmt_count(count)} of the "
                          f"{w.population} counted{share}; they are left out of the comparison.")


def describe(record: Mapping[str, Any]) -> list[str]:
    """The sentences for one result record, by its metric."""
    metric = record.get("metric")
    if metric == "M1":
        return describe_representation(record)
    if metric == "M9":
        return describe_senior(record)
    _wording(record)
    return describe_ratio(record)


def headline(records_for_metric: pd.DataFrame) -> str:
    """The one-sentence headline of a metric report: all services (or the only service the data
    holds), minority ethnic against white; for M1 how the share moves up the pay bands."""
    if records_for_metric.empty:
        raise ValueError("no result records: expected the records of one metric")
    metrics = records_for_metric["metric"].unique()
    if len(metrics) != 1:
        raise ValueError(f"records of {len(metrics)} metrics ({', '.join(map(str, metrics))}): "
                         "expected the records of one metric")
    metric = str(metrics[0])
    df = records_for_metric[records_for_metric["group"] == "minority"]
    if df.empty:
        raise ValueError(f"{metric}: no record for the minority ethnic group")
    services = list(df["service"].unique())
    service = "all" if "all" in services else services[0]
    df = df[df["service"] == service]
    if (df["status"] == "not_collected").all():
        return not_collected(metric)
    if metric == "M1":
        trend = band_trend(df)
        if trend is not None:
            return trend
        whole = df[df["pay_band"].map(_missing)]
        return describe_representation(whole.iloc[0].to_dict())[0]
    return describe(df.iloc[0].to_dict())[0]


#: The verdict on a change, by :func:`trends.direction_of_change`'s word for it.
_VERDICTS = {
    IMPROVED: "a statistically significant improvement",
    WORSENED: "a statistically significant worsening",
    NO_CHANGE: "no statistically significant change",
}


def describe_change(trend_record: Mapping[str, Any]) -> str:
    """One sentence on a change over time (a row of trends.change_over_time): from what to what,
    the interval of the change, and whether it is a statistically significant improvement or
    worsening by the metric's direction - or no significant change."""
    metric = str(trend_record.get("metric"))
    w = METRICS[metric]
    when = _when(trend_record)
    what = _changed_figure(trend_record)
    then, now = _value(trend_record, "value_then"), _value(trend_record, "value_now")
    change = _value(trend_record, "change")
    if change is None or then is None or now is None:
        if _withheld(trend_record):
            return f"The change in {what} since {when} is not published: small numbers."
        reason = _value(trend_record, "reason") or "a figure for one of the years is missing"
        return f"The change in {what} since {when} cannot be computed: {reason}."
    low, high = _value(trend_record, "change_ci_low"), _value(trend_record, "change_ci_high")
    if trend_record.get("measure") == "rl":
        moved = _moved(then, now, fmt_rl(then), fmt_rl(now))
        size = f"a ratio of {fmt_rl(change)}"
        ci = f", {fmt_ci(low, high)}" if low is not None and high is not None else ""
    else:
        moved = _moved(then, now, fmt_pct(then), fmt_pct(now))
        size = f"{fmt_signed(change)} percentage points"
        ci = f", {fmt_ci(low, high, fmt_signed)}" if low is not None and high is not None else ""
    verdict = _VERDICTS.get(direction_of_change(trend_record, w.adverse_when),
                            "whether this is a significant change could not be tested")
    prefix = {"adults": " in adults' services", "children": " in children's services"}.get(
        str(trend_record.get("service")), "")
    return f"Since {when}{prefix}, {what} has {moved} ({size}{ci}): {verdict}."


def _when(trend_record: Mapping[str, Any]) -> str:
    """"the baseline year (2021)" or "the previous year (2023)"."""
    year = trend_record["year_then"]
    if trend_record.get("compared_with") == "baseline":
        return f"the baseline year ({year})"
    return f"the previous year ({year})"


def _changed_figure(trend_record: Mapping[str, Any]) -> str:
    """What a change is of: "the relative likelihood" (M9: "... of minority ethnic staff holding
    senior management posts"), "the minority ethnic share in pay band PO3", "... of the
    workforce", "... of senior management"."""
    metric = str(trend_record.get("metric"))
    group = GROUP_ADJECTIVES.get(str(trend_record.get("group")), str(trend_record.get("group")))
    if trend_record.get("measure") == "rl":  # M9 has a share beside it: say which
        return ("the relative likelihood" if metric != "M9" else
                f"the relative likelihood of {group} staff holding senior management posts")
    band = _value(trend_record, "pay_band")
    of = {"M1": "of the workforce" if band is None else f"in pay band {band}",
          "M9": "of senior management"}.get(metric, "")
    return f"the {group} share {of}".rstrip()


def describe_band_changes(trend_records: pd.DataFrame) -> list[str]:
    """M1's changes over time in a few sentences, not one per band: for each comparison
    (baseline, previous year), which bands' shares changed significantly and which way, how
    many bands shown did not, and which bands' changes are not published or cannot be
    computed. The whole workforce has its own sentence (:func:`describe_change`); every band's
    figures are in the table beside these sentences."""
    sentences = []
    bands = trend_records[trend_records["pay_band"].map(lambda b: not _missing(b))]
    for compared_with in ("baseline", "previous"):
        rows = [r for r in bands.to_dict("records") if r.get("compared_with") == compared_with]
        if not rows:
            continue
        when = _when(rows[0])
        verdicts: dict[str, list[str]] = {}
        for r in rows:
            verdict = direction_of_change(r, METRICS["M1"].adverse_when)
            if verdict in (IMPROVED, WORSENED):  # significant: say which way it went
                verdict = "risen" if _value(r, "change") > 0 else "fallen"
            verdicts.setdefault(verdict, []).append(str(r["pay_band"]))
        moved = [f"{way} in {_bands(verdicts[way])}" for way in ("risen", "fallen")
                 if verdicts.get(way)]
        still = verdicts.get(NO_CHANGE, [])
        group = GROUP_ADJECTIVES.get(str(rows[0].get("group")), str(rows[0].get("group")))
        if moved:
            significant = len(verdicts.get("risen", [])) + len(verdicts.get("fallen", []))
            text = (f"Since {when}, the {group} share has changed significantly in "
                    f"{significant} of {len(rows)} pay bands: it has {' and '.join(moved)}")
            if still:
                text += f"; in the other {_count_bands(still)} there is no statistically " \
                        "significant change"
            sentences.append(text + ".")
        elif still:
            sentences.append(f"Since {when}, no pay band's {group} share has changed "
                             f"significantly ({_count_bands(still)} compared).")
        withheld = verdicts.get(NOT_PUBLISHED, [])
        if withheld:
            sentences.append(f"Since {when}, the changes in {_bands(withheld)} are not "
                             "published: small numbers.")
        other = verdicts.get(NOT_COMPUTABLE, []) + verdicts.get(NO_BASELINE, [])
        if other:
            sentences.append(f"Since {when}, the changes in {_bands(other)} cannot be computed: "
                             "a share is missing in one of the years.")
    return sentences


def _bands(names: list[str]) -> str:
    """"pay band A", "pay bands A and B", "pay bands A, B and C"."""
    if len(names) == 1:
        return f"pay band {names[0]}"
    return f"pay bands {', '.join(names[:-1])} and {names[-1]}"


def _count_bands(names: list[str]) -> str:
    return "1 band" if len(names) == 1 else f"{len(names)} bands"


def _moved(then: float, now: float, then_text: str, now_text: str) -> str:
    if then_text == now_text:
        return f"stayed at {now_text}"
    return f"{'risen' if now > then else 'fallen'} from {then_text} to {now_text}"


# ---------------------------------------------------------------------------------------------
# The national picture.


def national_headline(record: Mapping[str, Any]) -> str:
    """One pooled record (all councils, minority ethnic against white) as the national SC-WRES
    report words it: "Minority ethnic applicants were about half as likely as white applicants
    to be appointed from shortlisting (RL 0.50, 95% CI 0.41 to 0.62)." - the everyday words
    first, the figure and its interval after, the doubt in the same sentence when the
    difference is not statistically significant. A figure withheld, or one with too few
    councils, says so instead and never states a number."""
    w = _wording(record)
    rl = _value(record, "rl")
    if rl is None:
        if _withheld(record):
            return (f"{w.short_title}: {WITHHELD} (the national figure is withheld so that no "
                    "small count can be worked out from it).")
        reason = _value(record, "reason") or "it cannot be computed"
        return f"{w.short_title}: no national figure ({reason})."
    group, who = _group(record), w.rl_population
    words = likelihood_words(rl)
    than = "as" if words.endswith("as likely") else "than"
    low, high = _value(record, "rl_ci_low"), _value(record, "rl_ci_high")
    figure = f"RL {fmt_rl(rl)}" + (f", {fmt_ci(low, high)}" if low is not None
                                    and high is not None else "")
    return _capital(f"{group} {who} were {words} {than} white {who} to {w.event} "
                    f"({figure}){_doubt(record, words)}.")
