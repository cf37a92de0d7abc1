"""The nine SC-WRES metrics: the tidy tables of a Return -> result records.

Each metric is computed per service (adults, children and "all" where the data has the split;
only "all" where it has not) for minority ethnic staff and for each high-level census group with
anyone in it, always against white staff. Unknown ethnicity is left out of every comparison and
counted on every record (``unknown_count``, ``unknown_pct``). ``../shared/spec/metrics.md`` is the
text implemented here; :data:`METRICS` holds the sentence-ready words the narrative uses.

Counts are first tallied per service and comparison group (a "tally": a dict keyed by
(service[, pay_band], group key)), so that pooling several returns is a sum of tallies.
Results are plain Python values in an object-dtype frame: None, never NaN or inf (the working
form disclosure control takes; the publishing step types them: :func:`contract.typed_results`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from wres_tools import statistics as st
from wres_tools.bands import band_order
from wres_tools.contract import (
    ALL_SERVICES,
    DENOMINATOR_FROM_WORKFORCE,
    RESULT_COLUMNS,
    SERVICES,
    Return,
)
from wres_tools.ethnicity import MINORITY_GROUPS, classify
from wres_tools.parameters import Parameters

#: Comparison groups, in report order; each is compared with white staff.
COMPARISON_GROUPS: tuple[str, ...] = ("minority", *MINORITY_GROUPS)
#: Every key a tally holds: the comparison groups, the reference and the unknowns.
TALLY_KEYS: tuple[str, ...] = (*COMPARISON_GROUPS, "white", "unknown")
REFERENCE = "white"

#: How a comparison group is named before a plural noun ("minority ethnic applicants").
GROUP_ADJECTIVES: dict[str, str] = {
    "minority": "minority ethnic",
    "asian": "Asian",
    "black": "Black",
    "mixed": "Mixed or multiple ethnic group",
    "other": "other ethnic group",
    "white": "white",
}

Kind = Literal["representation", "ratio", "senior"]


@dataclass(frozen=True)
class MetricDef:
    """One metric: where its counts come from and the words a report uses for it.

    Sentence-ready: ``f"Minority ethnic {population} were 0.52 times as likely as white
    {population} to {event}"`` and ``f"12.0% of minority ethnic {population} {event_past}"``;
    ``numerator`` / ``denominator`` name the two counts per group; ``needs`` says what data a
    return must hold for the metric (printed when it was not collected).
    """

    id: str
    title: str
    short_title: str
    table: str
    kind: Kind
    adverse_when: Literal["low", "high"]
    adverse_text: str
    population: str
    event: str
    numerator: str
    denominator: str
    events_column: str | None = None
    n_column: str | None = None
    question: str | None = None
    event_past: str = field(kw_only=True)
    needs: str = field(kw_only=True)
    #: who the relative likelihood compares, when not ``population`` (M9: staff, while its
    #: shares are of senior managers)
    likelihood_population: str | None = field(default=None, kw_only=True)

    @property
    def rl_population(self) -> str:
        """The people a relative-likelihood sentence compares: "minority ethnic {rl_population}
        were 0.52 times as likely as white {rl_population} to {event}"."""
        return self.likelihood_population or self.population


def _survey(mid: str, question: str, source: str, short: str) -> MetricDef:
    return MetricDef(
        mid, f"Harassment, bullying or abuse from {source}", short, "survey", "ratio", "high",
        "minority ethnic staff are more likely to report it (RL above 1)",
        "survey respondents",
        f"report harassment, bullying or abuse from {source} in the last 12 months",
        "respondents answering yes", "respondents to the question", "yes", "respondents", question,
        event_past=f"reported harassment, bullying or abuse from {source} in the last 12 months",
        needs=f"the survey table with respondents to the question '{question}' and how many "
        "answered yes, by ethnicity and service",
    )


#: Every metric, in report order.
METRICS: dict[str, MetricDef] = {
    m.id: m
    for m in (
        MetricDef(
            "M1", "Representation by pay band", "Pay bands", "workforce", "representation", "low",
            "the minority ethnic share falls as pay bands rise",
            "staff", "be employed in each pay band",
            "minority ethnic staff in the band", "staff of known ethnicity in the band",
            None, "headcount",
            event_past="were employed in each pay band",
            needs="the workforce table: directly employed headcount at the snapshot date by pay "
            "band, ethnicity and service",
        ),
        MetricDef(
            "M2", "Relative likelihood of being appointed from shortlisting",
            "Appointment from shortlisting", "recruitment", "ratio", "low",
            "minority ethnic applicants are less likely to be appointed (RL below 1)",
            "applicants", "be appointed from shortlisting",
            "applicants appointed", "applicants shortlisted", "appointed", "shortlisted",
            event_past="were appointed from shortlisting",
            needs="the recruitment table: applicants shortlisted and appointed in the year, by "
            "ethnicity and service",
        ),
        MetricDef(
            "M3", "Relative likelihood of entering the formal disciplinary process",
            "Formal disciplinary process", "disciplinary", "ratio", "high",
            "minority ethnic staff are more likely to enter it (RL above 1)",
            "staff", "enter the formal disciplinary process",
            "staff entering a formal disciplinary investigation", "staff in post",
            "entered", "headcount",
            event_past="entered the formal disciplinary process",
            needs="the disciplinary table: staff entering a formal disciplinary investigation in "
            "the year, by ethnicity and service, with a headcount there or in the workforce "
            "table",
        ),
        MetricDef(
            "M4", "Relative likelihood of entering fitness-to-practise proceedings",
            "Fitness to practise", "fitness_to_practise", "ratio", "high",
            "minority ethnic professionals are more likely to be referred (RL above 1)",
            "registered professionals", "be referred into fitness to practise",
            "registered professionals referred into fitness to practise",
            "registered professionals", "entered", "registered",
            event_past="were referred into fitness to practise",
            needs="the fitness_to_practise table: registered professionals and those referred into"
            " fitness to practise in the year, by ethnicity and service",
        ),
        MetricDef(
            "M5", "Relative likelihood of accessing funded non-mandatory training and CPD",
            "Training and CPD", "cpd", "ratio", "low",
            "minority ethnic staff are less likely to access it (RL below 1)",
            "staff", "access funded non-mandatory training and CPD",
            "staff accessing funded non-mandatory training or CPD", "staff in post",
            "accessed", "headcount",
            event_past="accessed funded non-mandatory training and CPD",
            needs="the cpd table: staff accessing funded non-mandatory training and CPD in the "
            "year, by ethnicity and service, with a headcount there or in the workforce "
            "table",
        ),
        _survey("M6", "public", "people using services, their relatives or the public",
                "Harassment from the public"),
        _survey("M7a", "colleagues", "colleagues", "Harassment from colleagues"),
        _survey("M7b", "managers", "managers", "Harassment from managers"),
        MetricDef(
            "M8", "Relative likelihood of leaving the organisation", "Leaving", "leavers", "ratio",
            "high", "minority ethnic staff are more likely to leave (RL above 1)",
            "staff", "leave the organisation during the year",
            "leavers in the year", "staff in post at the start of the year", "left", "headcount",
            event_past="left the organisation during the year",
            needs="the leavers table: leavers in the year by ethnicity and service, with the "
            "headcount at the start of the year there or in the workforce table",
        ),
        MetricDef(
            "M9", "Senior management against workforce and population", "Senior management",
            "senior_management", "senior", "low",
            "minority ethnic staff are less likely to hold senior management posts (RL below "
            "1), or their share of senior managers is below the workforce or population share",
            "senior managers", "hold senior management posts",
            "minority ethnic senior managers", "senior managers of known ethnicity",
            None, "headcount",
            event_past="held senior management posts",
            likelihood_population="staff",
            needs="the senior_management table (senior managers' headcount by ethnicity and "
            "service), or senior_bands in the authority's parameter file with the workforce "
            "table; and census 2021 population shares for the comparison with the local "
            "population",
        ),
    )
}


class MetricInputError(ValueError):
    """Counts that cannot be used (e.g. more events than people); names where they were found."""


# --------------------------------------------------------------------------- tallies


def _report_services(df: pd.DataFrame, source: str, table: str) -> list[str]:
    """The services a table's metric is reported for: its own, plus "all" when it has two."""
    found = set(df["service"].unique())
    unexpected = found - {*SERVICES, ALL_SERVICES}
    if unexpected:
        raise MetricInputError(
            f"{source}, table {table}, column service: found {sorted(unexpected)}; "
            f"expected {list(SERVICES)} or {ALL_SERVICES!r}"
        )
    named = [s for s in SERVICES if s in found]
    if named and ALL_SERVICES in found:
        raise MetricInputError(
            f"{source}, table {table}, column service: some rows name a service and some do not"
        )
    if not named:
        return [ALL_SERVICES]
    return [*named, ALL_SERVICES] if len(named) > 1 else named


Tally = dict[tuple, int]


def _tally(df: pd.DataFrame, column: str, by: tuple[str, ...] = ()) -> Tally:
    """Sum of ``column`` by (service, *by, key); service "all" always holds the grand total.

    Key "minority" sums every minority row (including labels that say only "minority ethnic");
    the high-level groups, white and unknown come from the ``group`` column.
    """
    sums = df.groupby(["service", *by, "group", "ethnic_class"], sort=False)[column].sum()
    tally: Tally = {}
    for (service, *rest, group, ethnic_class), value in sums.items():
        keys = ([group] if group != "minority" else []) + (
            ["minority"] if ethnic_class == "minority" else [])
        services = (service,) if service == ALL_SERVICES else (service, ALL_SERVICES)
        for key in keys:
            for s in services:
                tally[(s, *rest, key)] = tally.get((s, *rest, key), 0) + int(value)
    return tally


def _add(tallies: Iterable[Tally | None]) -> Tally | None:
    present = [t for t in tallies if t is not None]
    if not present:
        return None
    total: Tally = {}
    for tally in present:
        for key, value in tally.items():
            total[key] = total.get(key, 0) + value
    return total


@dataclass
class _Counts:
    """What a metric's records are computed from (summable across returns for pooling)."""

    metric: str
    services: list[str]
    events: Tally | None = None  # ratio: numerator; M1: headcount by band; M9: senior
    n: Tally | None = None  # ratio: denominator; M1 and M9: whole workforce
    bands: list[str] | None = None  # M1
    population: dict[str, float] | None = None  # M9: share of the known population by key
    population_reason: str = "no population figures for the area: the population share is " \
                             "not available"
    n_missing_reason: str | None = None  # denominators that could not be found
    status: str = "ok"  # or not_collected / not_computable for the whole metric
    reason: str | None = None

    def pay_bands(self) -> list[str]:
        """The bands of M1's counts, which always have them."""
        if self.bands is None:
            raise TypeError(f"{self.metric}: counts without pay bands")
        return self.bands


def _table_for(ret: Return, mdef: MetricDef) -> tuple[pd.DataFrame | None, str | None]:
    """The metric's rows, or None with the reason it was not collected."""
    df = ret.table(mdef.table)
    if df is None:
        return None, f"the return has no {mdef.table} table: {mdef.id} was not collected"
    if mdef.question is not None:
        df = df[df["question"] == mdef.question]
        if not len(df):
            return None, (f"the survey table has no rows for the question on {mdef.question}: "
                          f"{mdef.id} was not collected")
    if not len(df):
        return None, f"the {mdef.table} table has no rows: {mdef.id} was not collected"
    return df, None


def _has_values(df: pd.DataFrame, column: str | None) -> bool:
    return column is not None and column in df.columns and bool(df[column].notna().all())


def _ratio_counts(ret: Return, mdef: MetricDef) -> _Counts:
    df, reason = _table_for(ret, mdef)
    if df is None:
        return _Counts(mdef.id, _return_services(ret), status="not_collected", reason=reason)
    source = str(ret.source)
    counts = _Counts(mdef.id, _report_services(df, source, mdef.table))
    if mdef.events_column is None:
        raise TypeError(f"{mdef.id}: a ratio metric without an events column")
    counts.events = _tally(df, mdef.events_column)
    if mdef.n_column is not None and _has_values(df, mdef.n_column):
        counts.n = _tally(df, mdef.n_column)
    elif mdef.table in DENOMINATOR_FROM_WORKFORCE and ret.table("workforce") is not None:
        counts.n = _tally(ret.table("workforce"), "headcount")
        counts.n_missing_reason = ("the workforce table has no rows for {service}: there is no "
                                   "headcount to take the denominator from")
    else:
        counts.status = "not_computable"
        counts.reason = (f"the {mdef.table} table has no headcount and the return has no "
                         "workforce table to take it from")
        return counts
    _check_within(counts, source, mdef)
    return counts


def _check_within(counts: _Counts, source: str, mdef: MetricDef) -> None:
    """Events never exceed the people they are counted among (else a clear error)."""
    n = counts.n or {}
    services = {key[0] for key in n}  # a service missing altogether is reported, not an error
    for (service, key), events in (counts.events or {}).items():
        if service in services and events > n.get((service, key), 0):
            raise MetricInputError(
                f"{source}, table {mdef.table}, service {service}, {key} staff: "
                f"{mdef.events_column} is {events}, more than the {n.get((service, key), 0)} "
                f"{mdef.denominator} it is counted among"
            )


def _return_services(ret: Return) -> list[str]:
    """The services a return holds anywhere (for records of metrics it did not collect)."""
    tables = [df for df in ret.tables.values() if len(df) and "service" in df.columns]
    if not tables:
        return [ALL_SERVICES]
    combined = pd.concat([df[["service"]] for df in tables], ignore_index=True)
    named = [s for s in SERVICES if (combined["service"] == s).any()]
    if not named:
        return [ALL_SERVICES]
    return [*named, ALL_SERVICES] if len(named) > 1 else named


def _representation_counts(ret: Return, params: Parameters, mdef: MetricDef) -> _Counts:
    df, reason = _table_for(ret, mdef)
    if df is None:
        return _Counts(mdef.id, _return_services(ret), status="not_collected", reason=reason)
    counts = _Counts(mdef.id, _report_services(df, str(ret.source), mdef.table))
    counts.events = _tally(df, "headcount", ("pay_band",))
    counts.n = _tally(df, "headcount")
    try:
        counts.bands = band_order(list(df["pay_band"]), params.pay_bands)
    except ValueError as exc:
        raise MetricInputError(f"{ret.source}, table workforce, column pay_band: {exc}") from None
    return counts


def _population_shares(ret: Return, params: Parameters) -> dict[str, float] | None:
    """Each tally key's share of the area's population of known ethnicity, or None."""
    pop = ret.population
    if pop is None and params.population:
        rows = [(classify(label), share) for label, share in params.population.items()]
        pop = pd.DataFrame(
            {"group": [e.group for e, _ in rows], "ethnic_class": [e.ethnic_class for e, _ in rows],
             "share": [s for _, s in rows]}
        )
    if pop is None or not len(pop):
        return None
    value = "share" if "share" in pop.columns else "count"
    known = pop[pop["ethnic_class"] != "unknown"]
    total = float(known[value].sum())
    if total <= 0:
        return None
    shares = {"minority": float(known.loc[known["ethnic_class"] == "minority", value].sum())}
    for key in (*MINORITY_GROUPS, "white"):
        shares[key] = float(known.loc[known["group"] == key, value].sum())
    return {k: v / total for k, v in shares.items()}


def _senior_counts(ret: Return, params: Parameters, mdef: MetricDef) -> _Counts:
    workforce = ret.table("workforce")
    senior = ret.table("senior_management")
    if senior is not None and len(senior):
        counts = _Counts(mdef.id, _report_services(senior, str(ret.source), mdef.table))
        counts.events = _tally(senior, "headcount")
    elif params.senior_bands and workforce is not None and len(workforce):
        rows = workforce[workforce["pay_band"].isin(params.senior_bands)]
        counts = _Counts(mdef.id, _report_services(workforce, str(ret.source), "workforce"))
        counts.events = _tally(rows, "headcount") if len(rows) else None
        if counts.events is None:
            counts.status = "not_computable"
            counts.reason = (f"no staff in the senior pay bands {params.senior_bands} in the "
                             "workforce table")
            return counts
    else:
        why = ("the return has no senior_management table and the parameters name no senior "
               "pay bands" if senior is None else "the senior_management table has no rows")
        return _Counts(mdef.id, _return_services(ret), status="not_collected",
                       reason=f"{why}: M9 was not collected")
    counts.n = _tally(workforce, "headcount") if workforce is not None and len(workforce) else None
    counts.population = _population_shares(ret, params)
    return counts


def _counts(ret: Return, params: Parameters, metric: str) -> _Counts:
    mdef = _metric(metric)
    if mdef.kind == "representation":
        return _representation_counts(ret, params, mdef)
    if mdef.kind == "senior":
        return _senior_counts(ret, params, mdef)
    return _ratio_counts(ret, mdef)


def _metric(metric: str) -> MetricDef:
    try:
        return METRICS[metric]
    except KeyError:
        raise ValueError(f"unknown metric {metric!r}: expected one of {list(METRICS)}") from None


# --------------------------------------------------------------------------- records




def _blank(authority: str, year: int, mdef: MetricDef, service: str, group: str) -> dict:
    record: dict = dict.fromkeys(RESULT_COLUMNS)
    record.update(
        authority=authority, year=year, metric=mdef.id, service=service, group=group,
        reference=REFERENCE, status="ok", adverse_when=mdef.adverse_when, suppressed=False,
        withheld=(), disclosure="internal",
    )
    return record


def _unknowns(tally: dict[tuple, int], prefix: tuple) -> tuple[int | None, float | None]:
    """Unknown count and its percentage of everyone counted, for one service (and band)."""
    if (*prefix, "minority") not in tally and (*prefix, "white") not in tally \
            and (*prefix, "unknown") not in tally:
        return None, None
    unknown = tally.get((*prefix, "unknown"), 0)
    everyone = unknown + tally.get((*prefix, "minority"), 0) + tally.get((*prefix, "white"), 0)
    return unknown, (100 * unknown / everyone if everyone else None)


def _groups_with_people(tally: dict[tuple, int], prefix: tuple) -> list[str]:
    """Minority always; a high-level group only where anyone in it was counted."""
    return ["minority", *[g for g in MINORITY_GROUPS if tally.get((*prefix, g), 0) > 0]]


def _join(*reasons: str | None) -> str | None:
    text = "; ".join(r for r in reasons if r)
    return text or None


def _ratio_record(record: dict, mdef: MetricDef, params: Parameters, eg: int, ng: int, er: int,
                  nr: int) -> dict:
    group_word = GROUP_ADJECTIVES[record["group"]]
    record.update(n_group=ng, events_group=eg, n_reference=nr, events_reference=er)
    rate, low, high = st.wilson(eg, ng)
    record.update(rate_group=rate, rate_group_ci_low=low, rate_group_ci_high=high)
    rate, low, high = st.wilson(er, nr)
    record.update(rate_reference=rate, rate_reference_ci_low=low, rate_reference_ci_high=high)
    record["small_numbers"] = st.small_numbers((eg, ng, er, nr), params.small_numbers)
    if ng == 0:
        record.update(status="not_computable",
                      reason=f"there were no {group_word} {mdef.population}: nothing to compare")
        return record
    if nr == 0:
        record.update(status="not_computable",
                      reason=f"there were no white {mdef.population}: nothing to compare with")
        return record
    p = st.fisher_p(eg, ng, er, nr)
    record.update(p_value=p, significant=st.significant(p))
    if mdef.question is not None:
        gap, low, high = st.newcombe_gap(eg, ng, er, nr)
        record.update(gap_pp=_pp(gap), gap_pp_ci_low=_pp(low), gap_pp_ci_high=_pp(high))
    rl = st.relative_likelihood(eg, ng, er, nr)
    if rl.rl is None:
        zero = zero_cell_reason(mdef, group_word, eg, ng, er, nr)
        record.update(status="not_computable",
                      reason=zero if rl.reason == st.REASON_ZERO_CELL and zero else rl.reason)
        return record
    # a cell of zero gives no RL (above), so the RL here is above 0 and has an inverse
    record.update(rl=rl.rl, rl_ci_low=rl.low, rl_ci_high=rl.high,
                  four_fifths=st.four_fifths(rl.rl, mdef.adverse_when),
                  rl_nhs_direction=1 / rl.rl)
    return record


def zero_cell_reason(mdef: MetricDef, group_word: str, eg: int, ng: int, er: int,
                     nr: int) -> str | None:
    """Which count of the 2x2 table is zero, in the metric's words, and what follows from it:
    "no minority ethnic applicants were appointed from shortlisting, so no relative likelihood
    ..."; None when no count is zero. The record's reason and the narrative's sentence."""
    cells = ((eg, "no", group_word), (ng - eg, "all", group_word), (er, "no", "white"),
             (nr - er, "all", "white"))
    who = next((f"{quantity} {people} {mdef.rl_population} {mdef.event_past}"
                for count, quantity, people in cells if count == 0), None)
    if who is None:
        return None
    return (f"{who}, so no relative likelihood or four-fifths reading is given: a ratio resting "
            "on a count of zero has no interval")


def _pp(value: float | None) -> float | None:
    return None if value is None else value * 100


def _ratio_records(c: _Counts, mdef: MetricDef, params: Parameters, authority: str,
                   year: int) -> list[dict]:
    events, n = c.events or {}, c.n or {}
    records = []
    services_counted = {key[0] for key in n}
    missing = [s for s in c.services if s != ALL_SERVICES and s not in services_counted]
    for service in c.services:
        unknown, unknown_pct = _unknowns(n, (service,))
        if service not in services_counted or (service == ALL_SERVICES and missing):
            record = _blank(authority, year, mdef, service, "minority")
            record.update(status="not_computable",
                          reason=(c.n_missing_reason or "no denominator for {service}")
                          .format(service=" and ".join(missing) or service))
            records.append(record)
            continue
        for group in _groups_with_people(n, (service,)):
            record = _blank(authority, year, mdef, service, group)
            record.update(unknown_count=unknown, unknown_pct=unknown_pct)
            records.append(_ratio_record(
                record, mdef, params,
                events.get((service, group), 0), n.get((service, group), 0),
                events.get((service, REFERENCE), 0), n.get((service, REFERENCE), 0),
            ))
    return records


def _share_fields(record: dict, group_count: int, known: int, exact: bool) -> None:
    interval = st.clopper_pearson if exact else st.wilson
    share, low, high = interval(group_count, known)
    record.update(share=share, share_ci_low=low, share_ci_high=high)


def _known(tally: dict[tuple, int], prefix: tuple) -> int:
    return tally.get((*prefix, "minority"), 0) + tally.get((*prefix, REFERENCE), 0)


def _representation_records(c: _Counts, mdef: MetricDef, params: Parameters, authority: str,
                            year: int) -> list[dict]:
    by_band, whole = c.events or {}, c.n or {}
    records = []
    for service in c.services:
        unknown, unknown_pct = _unknowns(whole, (service,))
        known_all = _known(whole, (service,))
        for group in _groups_with_people(whole, (service,)):
            workforce_share = (whole.get((service, group), 0) / known_all) if known_all else None
            for band in [*c.pay_bands(), None]:
                prefix = (service,) if band is None else (service, band)
                tally = whole if band is None else by_band
                record = _blank(authority, year, mdef, service, group)
                count, white, known = (tally.get((*prefix, group), 0),
                                       tally.get((*prefix, REFERENCE), 0), _known(tally, prefix))
                band_unknown, band_pct = _unknowns(tally, prefix)
                record.update(
                    pay_band=band, n_group=count, n_reference=white,
                    unknown_count=unknown if band is None else band_unknown,
                    unknown_pct=unknown_pct if band is None else band_pct,
                    share_workforce=workforce_share,
                    small_numbers=st.small_numbers((count, white), params.small_numbers),
                )
                _share_fields(record, count, known, exact=False)
                if known == 0:
                    record.update(status="not_computable",
                                  reason="no staff of known ethnicity in this pay band")
                elif workforce_share:
                    record["representation_index"] = record["share"] / workforce_share
                else:
                    record["reason"] = (f"no {GROUP_ADJECTIVES[group]} staff in the whole "
                                        "workforce: the representation index cannot be computed")
                records.append(record)
    return records


def _senior_records(c: _Counts, mdef: MetricDef, params: Parameters, authority: str,
                    year: int) -> list[dict]:
    senior, whole = c.events or {}, c.n or {}
    records = []
    for service in c.services:
        unknown, unknown_pct = _unknowns(senior, (service,))
        known = _known(senior, (service,))
        known_workforce = _known(whole, (service,))
        # a group absent from senior management but present in the workforce is a finding
        groups = ["minority", *[g for g in MINORITY_GROUPS if senior.get((service, g), 0) > 0
                                or whole.get((service, g), 0) > 0]]
        for group in groups:
            record = _blank(authority, year, mdef, service, group)
            count = senior.get((service, group), 0)
            record.update(
                n_group=count, n_reference=senior.get((service, REFERENCE), 0),
                unknown_count=unknown, unknown_pct=unknown_pct,
            )
            record["small_numbers"] = st.small_numbers(
                (count, record["n_reference"]), params.small_numbers)
            _share_fields(record, count, known, exact=True)
            reasons: list[str | None] = []
            if known == 0:
                record["status"] = "not_computable"
                reasons.append("no senior managers of known ethnicity")
            if known_workforce:
                share_workforce = whole.get((service, group), 0) / known_workforce
                record["share_workforce"] = share_workforce
                if record["share"] is not None:
                    record["gap_workforce_pp"] = 100 * (record["share"] - share_workforce)
                    if share_workforce > 0:
                        record["representation_index"] = record["share"] / share_workforce
                if known:
                    reasons.append(senior_likelihood(
                        record, mdef, count, whole.get((service, group), 0),
                        record["n_reference"], whole.get((service, REFERENCE), 0)))
            else:
                reasons.append(f"no workforce figures for {service}: the workforce share "
                               "is not available")
            if c.population is not None:
                record["share_population"] = c.population[group]
                if record["share"] is not None:
                    record["gap_population_pp"] = 100 * (record["share"] - c.population[group])
            else:
                reasons.append(c.population_reason)
            record["reason"] = _join(*reasons)
            records.append(record)
    return records


def senior_likelihood(record: dict, mdef: MetricDef, senior_g: int, staff_g: int,
                       senior_r: int, staff_r: int) -> str | None:
    """M9 as Skills for Care's national report gives it: the share of the group's staff who are
    senior managers over the same share of white staff, with the rates, Katz interval, Fisher's
    test and four-fifths reading of a ratio metric (adverse when low). The counts stay the
    record's own (senior managers); the staff counts are the M1 whole-workforce record's.
    Returns why no RL is given, or None."""
    group_word = GROUP_ADJECTIVES[record["group"]]
    if staff_g == 0:
        return f"no {group_word} staff in the workforce: no relative likelihood"
    if staff_r == 0:
        return "no white staff in the workforce: no relative likelihood"
    if senior_g > staff_g or senior_r > staff_r:
        who = group_word if senior_g > staff_g else "white"
        senior, staff = (senior_g, staff_g) if senior_g > staff_g else (senior_r, staff_r)
        return (f"more {who} senior managers ({senior}) than {who} staff in the workforce table "
                f"({staff}): no relative likelihood")
    rate, low, high = st.wilson(senior_g, staff_g)
    record.update(rate_group=rate, rate_group_ci_low=low, rate_group_ci_high=high)
    rate, low, high = st.wilson(senior_r, staff_r)
    record.update(rate_reference=rate, rate_reference_ci_low=low, rate_reference_ci_high=high)
    p = st.fisher_p(senior_g, staff_g, senior_r, staff_r)
    record.update(p_value=p, significant=st.significant(p))
    rl = st.relative_likelihood(senior_g, staff_g, senior_r, staff_r)
    if rl.rl is None:
        zero = zero_cell_reason(mdef, group_word, senior_g, staff_g, senior_r, staff_r)
        return zero if rl.reason == st.REASON_ZERO_CELL and zero else rl.reason
    record.update(rl=rl.rl, rl_ci_low=rl.low, rl_ci_high=rl.high,
                  four_fifths=st.four_fifths(rl.rl, mdef.adverse_when),
                  rl_nhs_direction=1 / rl.rl)
    return None


def likelihood_counts(record: Mapping[str, Any], results: pd.DataFrame) -> tuple[
        Any, Any, Any, Any]:
    """The four counts behind a record's relative likelihood: events and people of the group,
    then of the white reference group (each None when missing or withheld).

    M2-M8 hold them in the record; M9's RL is senior managers over staff, so its people are the
    M1 whole-workforce record's of the same service and group (``results``: the authority's
    records of that year, the record's among them)."""
    if METRICS[str(record["metric"])].kind != "senior":
        return (record.get("events_group"), record.get("n_group"),
                record.get("events_reference"), record.get("n_reference"))
    whole = results[(results["metric"] == "M1") & (results["service"] == record["service"])
                    & (results["group"] == record["group"]) & results["pay_band"].isna()]
    staff_g = staff_r = None
    if len(whole) == 1:
        staff_g, staff_r = whole["n_group"].iloc[0], whole["n_reference"].iloc[0]
    return record.get("n_group"), staff_g, record.get("n_reference"), staff_r


def _records(c: _Counts, params: Parameters, authority: str, year: int) -> list[dict]:
    mdef = METRICS[c.metric]
    if c.status != "ok":
        records = []
        for service in c.services:
            record = _blank(authority, year, mdef, service, "minority")
            record.update(status=c.status, reason=c.reason)
            records.append(record)
        return records
    build = {"ratio": _ratio_records, "representation": _representation_records,
             "senior": _senior_records}[mdef.kind]
    return build(c, mdef, params, authority, year)


def _frame(records: list[dict]) -> pd.DataFrame:
    """Records -> one object-dtype frame with exactly RESULT_COLUMNS; no NaN/inf, native types."""
    rows = [[_native(r[col]) for col in RESULT_COLUMNS] for r in records]
    return pd.DataFrame(rows, columns=list(RESULT_COLUMNS), dtype=object)


def _native(value: object) -> object:
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, int):
        return int(value)
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
        if isinstance(value, (bool, int)):
            return value
    if isinstance(value, float):
        return st.clean(value)
    return value


# --------------------------------------------------------------------------- public API


def compute_metric(ret: Return, params: Parameters, metric: str) -> pd.DataFrame:
    """Result records (exactly ``contract.RESULT_COLUMNS``) of one metric for one return."""
    counts = _counts(ret, params, metric)
    return _frame(_records(counts, params, ret.authority, ret.year))


def compute_all(ret: Return, params: Parameters) -> pd.DataFrame:
    """Result records of every metric for one return, in report order."""
    records: list[dict] = []
    for metric in METRICS:
        records += _records(_counts(ret, params, metric), params, ret.authority, ret.year)
    return _frame(records)


def pooled(
    returns: Sequence[Return],
    params_list: Sequence[Parameters],
    metrics: Iterable[str] | None = None,
    authority: str | None = None,
) -> pd.DataFrame:
    """Result records computed from the counts of several returns summed together.

    For one authority's latest years (M3 pooled, as the NHS reports disciplinary figures) or for
    many authorities' same year (a national picture). Each return's counts are tallied with its
    own parameters (senior bands, population) first, so no labels need to line up. A metric is
    pooled over the returns that collected it. The records carry the latest year; ``authority``
    defaults to the returns' common authority, else "pooled". M1 bands are pooled by name.
    M9's population share is kept when every return has the same one (one area's years), else
    None with a reason (shares of different areas cannot be summed).
    """
    if not returns:
        raise ValueError("pooled() needs at least one return")
    if len(params_list) != len(returns):
        raise ValueError(f"{len(returns)} returns but {len(params_list)} parameter sets")
    names = {r.authority for r in returns}
    authority = authority or (names.pop() if len(names) == 1 else "pooled")
    year = max(r.year for r in returns)
    declared = params_list[0].pay_bands if all(
        p.pay_bands == params_list[0].pay_bands for p in params_list) else None
    records: list[dict] = []
    for metric in metrics or METRICS:
        parts = [_counts(r, p, metric) for r, p in zip(returns, params_list, strict=True)]
        records += _records(_pool(parts, declared), params_list[0], authority, year)
    return _frame(records)


def _pool(parts: list[_Counts], declared: Sequence[str] | None) -> _Counts:
    ok = [c for c in parts if c.status == "ok"]
    if not ok:
        return parts[-1]
    services = [s for s in (*SERVICES, ALL_SERVICES) if any(s in c.services for c in ok)]
    if len(services) > 1 and ALL_SERVICES not in services:
        services.append(ALL_SERVICES)
    pooled_counts = _Counts(ok[0].metric, services, _add(c.events for c in ok),
                            _add(c.n for c in ok) if all(c.n is not None for c in ok) else None,
                            n_missing_reason=ok[0].n_missing_reason)
    if all(c.population == ok[0].population for c in ok):
        pooled_counts.population = ok[0].population
    else:
        pooled_counts.population_reason = ("the returns' areas differ: population shares cannot "
                                           "be pooled")
    if ok[0].bands is not None:
        pooled_counts.bands = band_order([b for c in ok for b in c.pay_bands()], declared)
    return pooled_counts
