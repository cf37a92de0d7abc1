"""Seeded synthetic demo returns: 18 fictional authorities x 2021-2023.

The demo data has to look like real returns without being any: each authority has its own size,
diversity, pay bands, ethnicity coding and gaps in collection, and the disparities are drawn
around the published national SC-WRES figures (:data:`NATIONAL_TARGETS`) with variation between
authorities and a drift over the years. Every count is a binomial (or multinomial) draw, so small
authorities give the small numbers that disclosure control must handle.

Reproducibility: one seed gives the same bytes. Each authority draws from its own random stream,
keyed by the seed and its slug (and the year for the yearly counts), so adding or reordering
authorities never shifts the figures of the others.

Every return carries a ``metadata`` table with ``synthetic = true`` and every parameter file
``synthetic: true``, so no report can pass demo figures off as a real council's.

The model, per authority (fixed in :data:`AUTHORITIES`: size, minority share, form, coverage,
pay bands, ethnicity coding) and drawn from its stream (everything else):
- staff split adults/children 55-72% adults; pay bands pyramid-shaped; the minority share falls
  as bands rise (log-odds gradient ~0.9 from lowest to highest band); 2-15% unknown ethnicity,
  improving slowly; the minority share grows 3% (relative) a year;
- white rates: appointed 20-30% of shortlisted, disciplinary 1-2%, fitness to practise 0.5-1% of
  the 18-45% registered, CPD 30-50%, survey response 40-60% with yes ~25/12/8%, leaving 12-15%,
  senior managers 2-4%;
- minority rate = white rate x the authority's RL, drawn lognormal about :data:`NATIONAL_TARGETS`
  (sd :data:`BETWEEN_SD`, mean-centred) and moved by :data:`NATIONAL_DRIFT` a year, with a
  small factor per high-level group; unknown-ethnicity staff have the white rates;
- population minority share ~1.15x the workforce's (lognormal, so not for every authority).

Action plans (most authorities; :data:`AuthoritySpec.action_plan_from` is the first year with
one): 5-8 actions in the first year drawn from :data:`ACTION_CATALOGUE`, favouring those aimed
at the metrics the authority does worst on (:func:`weak_metrics`), 1-3 new ones a year after,
4-12 a year in all. Each action moves Red -> Amber -> Green -> Complete (0, 1 or 2 steps a year)
and leaves the plan the year after it is complete. The plan draws from its own random stream (a
child of the authority's), so it never moves the figures of the other tables.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy.optimize import brentq
from scipy.special import expit

from wres_tools.contract import (
    ACTION_PLAN_COLUMNS,
    ACTION_PLAN_TABLE,
    ACTION_STATUSES,
    AGGREGATE_TABLES,
    METADATA_TABLE,
    RECORD_TABLES,
    SURVEY_QUESTIONS,
)
from wres_tools.ethnicity import GROUPS, MINORITY_GROUPS
from wres_tools.metrics import METRICS
from wres_tools.regions import ADASS_REGIONS
from wres_tools.returns.writer import Form, write_return

YEARS: tuple[int, ...] = (2021, 2022, 2023)
DEFAULT_SEED = 2021
GENERATOR = "wres_tools.demo.synth"
SYNTHETIC_NOTE = "SYNTHETIC DEMO DATA - not a real authority"

#: The national relative likelihoods (minority rate / white rate) the demo data is drawn around,
#: from the published SC-WRES figures. They hold for the middle year (2022) and for the three
#: years pooled: :data:`NATIONAL_DRIFT` moves each year symmetrically about them. M9 is the
#: likelihood of being a senior manager, which puts the senior share well below the workforce's.
NATIONAL_TARGETS: dict[str, float] = {
    "M2": 0.5,  # appointed from shortlisting
    "M3": 1.4,  # entering formal disciplinary
    "M4": 2.0,  # entering fitness to practise
    "M5": 1.0,  # accessing CPD
    "M6": 1.2,  # harassment from the public
    "M7a": 1.3,  # from colleagues
    "M7b": 1.9,  # from managers
    "M8": 1.1,  # leaving
    "M9": 0.5,  # being a senior manager
}

#: Change of log RL per year, centred on :data:`MIDDLE_YEAR` (e.g. appointment slowly improving).
NATIONAL_DRIFT: dict[str, float] = {
    "M2": 0.05, "M3": -0.04, "M4": -0.03, "M5": 0.01, "M6": 0.0,
    "M7a": -0.02, "M7b": -0.04, "M8": 0.0, "M9": 0.04,
}
MIDDLE_YEAR = 2022


def target_rl(metric: str, year: int) -> float:
    """The national RL the demo data is drawn around for one year (the target plus drift)."""
    return NATIONAL_TARGETS[metric] * float(np.exp(NATIONAL_DRIFT[metric] * (year - MIDDLE_YEAR)))


#: Spread of authorities' RLs about the national figure (sd on the log scale).
BETWEEN_SD: dict[str, float] = {m: 0.15 for m in NATIONAL_TARGETS} | {"M4": 0.2}

SKILLS_FOR_CARE_BANDS = ("less than £30,000", "£30,000 to £69,000", "£70,000 and over")

#: Pay band schemes, lowest first: (bands, typical share of staff in each, senior bands).
PAY_BAND_SCHEMES: dict[str, tuple[tuple[str, ...], tuple[float, ...], tuple[str, ...]]] = {
    "skills_for_care": (SKILLS_FOR_CARE_BANDS, (0.58, 0.40, 0.02), ("£70,000 and over",)),
    "njc_scale": (
        ("Scale 1-2", "Scale 3-4", "Scale 5-6", "SO1-SO2", "PO1-PO3", "PO4-PO7", "Chief Officer"),
        (0.12, 0.22, 0.20, 0.16, 0.18, 0.10, 0.02),
        ("PO4-PO7", "Chief Officer"),
    ),
    "grades": (
        tuple(f"Grade {i}" for i in range(1, 13)),
        (0.04, 0.08, 0.12, 0.13, 0.13, 0.12, 0.11, 0.10, 0.08, 0.05, 0.03, 0.01),
        ("Grade 11", "Grade 12"),
    ),
    "lettered": (
        tuple(f"Band {c}" for c in "ABCDEFGH"),
        (0.10, 0.18, 0.20, 0.18, 0.15, 0.11, 0.06, 0.02),
        ("Band H",),
    ),
    "salary": (
        ("Up to £24,999", "£25,000 to £34,999", "£35,000 to £44,999", "£45,000 to £59,999",
         "£60,000 and over"),
        (0.30, 0.30, 0.22, 0.13, 0.05),
        ("£60,000 and over",),
    ),
}

#: Where each scheme's bands lie among the three Skills for Care bands (less than £30,000,
#: £30,000 to £69,000, £70,000 and over), written into the parameter file as
#: ``skills_for_care_bands`` for the national page. "salary" is left out on purpose: its
#: "£25,000 to £34,999" and "£60,000 and over" each span two national bands, so its authorities
#: show how the national page names a council whose bands do not map.
SKILLS_FOR_CARE_PLACES: dict[str, tuple[int, ...]] = {
    "njc_scale": (0, 0, 0, 1, 1, 1, 2),
    "grades": (0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2),
    "lettered": (0, 0, 0, 0, 1, 1, 1, 2),
}

#: Census 2021 categories in the order rows are written, with each one's high-level group and
#: its usual share within that group (white: British's share is what the others leave).
CATEGORIES: tuple[tuple[str, str, float], ...] = (
    ("English, Welsh, Scottish, Northern Irish or British", "white", 0.0),
    ("Irish", "white", 0.02),
    ("Gypsy or Irish Traveller", "white", 0.003),
    ("Roma", "white", 0.004),
    ("Any other White background", "white", 0.0),  # drawn per authority
    ("Indian", "asian", 0.35),
    ("Pakistani", "asian", 0.25),
    ("Bangladeshi", "asian", 0.10),
    ("Chinese", "asian", 0.08),
    ("Any other Asian background", "asian", 0.22),
    ("African", "black", 0.60),
    ("Caribbean", "black", 0.30),
    ("Any other Black, Black British or Caribbean background", "black", 0.10),
    ("White and Black Caribbean", "mixed", 0.35),
    ("White and Black African", "mixed", 0.15),
    ("White and Asian", "mixed", 0.25),
    ("Any other Mixed or multiple ethnic background", "mixed", 0.25),
    ("Arab", "other", 0.30),
    ("Any other ethnic group", "other", 0.70),
)
UNKNOWN = len(CATEGORIES)  # index of the unknown-ethnicity cell after the census categories
_GROUP_OF = np.array([g for _, g, _ in CATEGORIES] + ["unknown"])
_IS_WHITE = _GROUP_OF == "white"
_BRITISH = 0  # takes the white share the other white categories leave
_OTHER_WHITE = [name for name, _, _ in CATEGORIES].index("Any other White background")

#: NHS data dictionary codes for the census categories (2001-based: no Gypsy, Roma or Arab code).
_NHS_CODE = {
    "English, Welsh, Scottish, Northern Irish or British": "A", "Irish": "B",
    "Gypsy or Irish Traveller": "C", "Roma": "C", "Any other White background": "C",
    "White and Black Caribbean": "D", "White and Black African": "E", "White and Asian": "F",
    "Any other Mixed or multiple ethnic background": "G", "Indian": "H", "Pakistani": "J",
    "Bangladeshi": "K", "Any other Asian background": "L", "Caribbean": "M", "African": "N",
    "Any other Black, Black British or Caribbean background": "P", "Chinese": "R",
    "Arab": "S", "Any other ethnic group": "S",
}
#: Ways a return may write ethnicity: census categories, "Group: category", NHS codes, groups.
LABEL_STYLES = ("census", "prefixed", "nhs", "group")
#: Unknown markers a record-level extract mixes with its own (None is a blank cell).
RECORD_UNKNOWN_MARKERS: tuple[str | None, ...] = ("Prefer not to say", None)

#: Adults' services' share of staff, and the share of staff registered (social workers), drawn
#: per authority from these ranges.
_ADULTS_SHARE = (0.55, 0.72)
_REGISTERED = {"adults": (0.18, 0.28), "children": (0.32, 0.45), "all": (0.25, 0.35)}


@dataclass(frozen=True)
class AuthoritySpec:
    """What is fixed about one fictional authority; the figures are drawn from the seed."""

    slug: str  # folder name
    display_name: str
    ons_code: str  # E99...: a code range ONS does not use
    staff: int  # headcount in 2021
    minority_share: float  # minority share of known-ethnicity staff in 2021
    form: Form = "xlsx"
    record_level: bool = False
    service_split: bool = True
    service_labels: tuple[str, str] = ("adults", "children")
    fitness_to_practise: bool = True
    cpd: bool = True
    pay_bands: str = "njc_scale"  # a key of PAY_BAND_SCHEMES
    bands_in_parameters: bool = True  # False: the toolkit must infer the band order
    labels: str = "census"  # a LABEL_STYLES entry
    unknown_label: str | None = "Not stated"  # None: left blank
    own_headcounts: bool = False  # disciplinary, cpd and leavers carry their own headcount
    action_plan_from: int | None = YEARS[0]  # first year with an action plan; None: never
    #: the plan through the year: each action's position in May and its autumn update, dated
    plan_updates: bool = False
    region: str | None = None  # one of the nine ADASS regions (wres_tools.regions)

    @property
    def bands(self) -> tuple[str, ...]:
        return PAY_BAND_SCHEMES[self.pay_bands][0]

    @property
    def senior_bands(self) -> tuple[str, ...]:
        return PAY_BAND_SCHEMES[self.pay_bands][2]

    @property
    def services(self) -> tuple[str, ...]:
        return ("adults", "children") if self.service_split else ("all",)


def _spec(n: int, slug: str, name: str, staff: int, share: float, **kw: Any) -> AuthoritySpec:
    return AuthoritySpec(slug, name, f"E99{n:06d}", staff, share, **kw)


_EM, _EA, _LO, _NE, _NW, _SE, _SW, _WM, _YH = ADASS_REGIONS


#: The 18 demo authorities. Invented compound place names: none is a real English council.
AUTHORITIES: tuple[AuthoritySpec, ...] = (
    _spec(1, "ashbury", "Ashbury County Council", 5900, 0.07, pay_bands="grades", region=_SW),
    _spec(2, "kestrel-vale", "Kestrel Vale Borough Council", 2300, 0.60, form="csv",
          record_level=True, labels="census", region=_LO),
    _spec(3, "harrowmere", "Harrowmere Council", 780, 0.12, pay_bands="skills_for_care",
          bands_in_parameters=False, service_split=False, unknown_label=None,
          action_plan_from=2022, region=_EM),
    _spec(4, "brackenholt", "Brackenholt Metropolitan Borough Council", 3600, 0.32,
          labels="prefixed", fitness_to_practise=False,
          service_labels=("Adult Social Care", "Children's Services"), region=_YH),
    _spec(5, "wyvern-reach", "Wyvern Reach Council", 1450, 0.21, labels="nhs", cpd=False,
          unknown_label="Z", region=_WM),
    _spec(6, "larkspur-downs", "Larkspur Downs County Council", 5100, 0.05,
          pay_bands="lettered", own_headcounts=True, region=_SE),
    _spec(7, "merlinford", "City of Merlinford Council", 4600, 0.52, form="csv",
          labels="prefixed", own_headcounts=True, unknown_label="Prefer not to say", region=_LO),
    _spec(8, "oakhollow", "Oakhollow District Council", 320, 0.03, service_split=False,
          pay_bands="skills_for_care", labels="group", fitness_to_practise=False, cpd=False,
          action_plan_from=None, region=_NE),
    _spec(9, "saltmere-bay", "Saltmere Bay Council", 1200, 0.15, record_level=True,
          labels="nhs", unknown_label="Z", pay_bands="salary", region=_SW),
    _spec(10, "thistlecombe", "Thistlecombe Council", 600, 0.09, form="csv",
          service_split=False, labels="group", pay_bands="salary", cpd=False,
          action_plan_from=None, region=_EA),
    _spec(11, "greywater-fen", "Greywater Fen Borough Council", 2700, 0.44, pay_bands="grades",
          fitness_to_practise=False, service_labels=("Adults' services", "Children's social care"),
          plan_updates=True, region=_EA),
    _spec(12, "hawksridge", "Hawksridge Metropolitan Borough Council", 4100, 0.28,
          form="csv", pay_bands="skills_for_care", bands_in_parameters=False,
          unknown_label="Unknown", own_headcounts=True, region=_NW),
    _spec(13, "linnetby", "Linnetby Council", 950, 0.25, pay_bands="lettered", labels="nhs",
          unknown_label="Z", action_plan_from=2023, region=_EM),
    _spec(14, "otterholme", "Otterholme Council", 450, 0.18, record_level=True,
          pay_bands="skills_for_care", region=_NE),
    _spec(15, "rookhaven", "City of Rookhaven Council", 5500, 0.56, labels="prefixed",
          cpd=False, fitness_to_practise=False, region=_WM),
    _spec(16, "fernhallow", "Fernhallow Council", 1700, 0.36, service_split=False,
          pay_bands="skills_for_care", unknown_label=None, own_headcounts=True, region=_SE),
    _spec(17, "ravensmere", "Ravensmere Borough Council", 2000, 0.40, form="csv",
          record_level=True, pay_bands="grades",
          service_labels=("Adult Social Care", "Children's Services"), region=_NW),
    _spec(18, "stonechat-wolds", "Stonechat Wolds Council", 3100, 0.48, form="csv",
          service_split=False, labels="group", unknown_label="Not stated", region=_YH),
)

#: The authority :func:`record_level_return` builds benchmark extracts for (no parameter file).
BENCHMARK_SPEC = AuthoritySpec(
    "benchmark", "Benchmark Council", "E99999999", 100_000, 0.30, record_level=True,
    action_plan_from=None,
)


# --------------------------------------------------------------------------- more authorities

#: The most years a synthetic batch spans, from the first demo year on.
MAX_YEARS = 10

#: Invented place names for authorities beyond the 18: a prefix and a suffix in one word (birds,
#: plants and landscape words no English council is named after; tests check the whole pool
#: against the real councils' names).
NAME_PREFIXES: tuple[str, ...] = (
    "Plover", "Curlew", "Dunlin", "Lapwing", "Siskin", "Heron", "Osprey", "Bittern", "Godwit",
    "Redstart", "Whinchat", "Bunting", "Fieldfare", "Nightjar", "Pipit", "Goldcrest", "Avocet",
    "Wigeon", "Shrike", "Gannet", "Kittiwake", "Sorrel", "Yarrow", "Bramble", "Juniper", "Tansy",
    "Campion", "Foxglove", "Teasel", "Bryony", "Mallow", "Vetch", "Sedge", "Samphire", "Bilberry",
    "Cowslip",
)
NAME_SUFFIXES: tuple[str, ...] = (
    "mere", "holt", "combe", "by", "wick", "ridge", "haven", "hallow", "worth", "stead", "dale",
    "fold", "moor", "brook", "thorpe", "cote", "ness", "garth",
)
#: How a generated authority's display name is written, and how often (weights).
NAME_FORMS: tuple[tuple[str, float], ...] = (
    ("{} Council", 0.35), ("{} County Council", 0.15), ("{} Borough Council", 0.2),
    ("{} Metropolitan Borough Council", 0.15), ("City of {} Council", 0.1),
    ("{} District Council", 0.05),
)
LONDON_FORM = "London Borough of {}"
#: Councils with social services responsibilities per ADASS region (153 in all): how generated
#: authorities are spread over the regions.
REGION_COUNCILS: dict[str, int] = {
    _EM: 10, _EA: 11, _LO: 33, _NE: 12, _NW: 23, _SE: 19, _SW: 16, _WM: 14, _YH: 15,
}
#: Stream key of the generated authorities' fixed traits (never the data seed: the same
#: authorities whatever the seed, as for the 18).
_SPEC_STREAM = 0x5CA1E


def _name_pool() -> list[str]:
    """Every generated place name, in a fixed shuffled order (the demo's own names left out)."""
    taken = {spec.slug.replace("-", "") for spec in _DEMO}
    names = [f"{p}{s}" for p in NAME_PREFIXES for s in NAME_SUFFIXES]
    order = np.random.default_rng(np.random.SeedSequence([_SPEC_STREAM])).permutation(len(names))
    return [names[i] for i in order if names[i].lower() not in taken]


_DEMO = AUTHORITIES  # the 18, whatever a test sets AUTHORITIES to
_NAMES = _name_pool()
#: The most authorities :func:`authority_specs` can make: the 18 and one per invented name.
MAX_AUTHORITIES = len(_DEMO) + len(_NAMES)


def generated_spec(index: int) -> AuthoritySpec:
    """The ``index``-th authority beyond the 18 (0 first): an invented name, the shape of one of
    the 18 in turn (form, record level or not, service split, pay bands, ethnicity coding, tables
    not collected, action plan), its own size, minority share and ADASS region. Fixed, like the
    18: the seed moves only the figures."""
    if not 0 <= index < len(_NAMES):
        raise ValueError(f"generated authority {index}: expected 0 to {len(_NAMES) - 1}")
    number = len(_DEMO) + 1 + index
    rng = np.random.default_rng(np.random.SeedSequence([_SPEC_STREAM, number]))
    place = _NAMES[index]
    forms = [f for f, _ in NAME_FORMS]
    form = forms[int(rng.choice(len(forms), p=[w for _, w in NAME_FORMS]))]
    counts = np.array(list(REGION_COUNCILS.values()), dtype=float)
    region = list(REGION_COUNCILS)[int(rng.choice(len(counts), p=counts / counts.sum()))]
    form = LONDON_FORM if region == _LO else form
    # London's boroughs are the most diverse; elsewhere most councils' staff are largely white
    share = rng.beta(4, 4) * 0.8 if region == _LO else rng.beta(1.5, 9)
    staff = float(np.clip(rng.lognormal(np.log(2200), 0.7), 250, 9000))
    shape = _DEMO[index % len(_DEMO)]
    return replace(
        shape, slug=place.lower(), display_name=form.format(place), ons_code=f"E99{number:06d}",
        staff=int(round(staff, -1)), minority_share=round(float(np.clip(share, 0.02, 0.7)), 2),
        region=region,
    )


def authority_specs(count: int | None = None) -> tuple[AuthoritySpec, ...]:
    """The first ``count`` authorities: the 18 demo authorities, then :func:`generated_spec`'s
    (None: the 18). Fewer than 18: the first ``count`` of them."""
    demo = AUTHORITIES
    count = len(demo) if count is None else count
    if not 1 <= count <= MAX_AUTHORITIES:
        raise ValueError(f"{count} authorities: expected 1 to {MAX_AUTHORITIES} (one per "
                         "invented name)")
    extra = count - len(demo)
    return demo[:count] + tuple(generated_spec(i) for i in range(max(extra, 0)))


def synthetic_years(count: int | None = None) -> tuple[int, ...]:
    """The first ``count`` years from 2021 (None: :data:`YEARS`, 2021-2023)."""
    if count is None:
        return YEARS
    if not 1 <= count <= MAX_YEARS:
        raise ValueError(f"{count} years: expected 1 to {MAX_YEARS}")
    return tuple(range(YEARS[0], YEARS[0] + count))


# --------------------------------------------------------------------------- the model


def _key(slug: str) -> int:
    return zlib.crc32(slug.encode("utf-8"))


def _rng(seed: int, slug: str, *more: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, _key(slug), *more]))


@dataclass(frozen=True)
class _Profile:
    """An authority's traits drawn once from its stream: the same in every year."""

    unknown: float
    unknown_trend: float
    growth: float
    adults_share: float
    band_weights: np.ndarray
    gradient: float  # log-odds fall of the minority share from lowest to highest band
    minority_mix: np.ndarray  # asian, black, mixed, other
    other_white: float
    population_ratio: float  # population minority share / workforce minority share
    population_mix: np.ndarray
    applicant_ratio: float  # minority share of the shortlisted / of the workforce
    shortlisted_per_staff: float
    shortlist_rate: float  # shortlisted / applications (record-level extracts)
    rates: dict[str, float]  # white rates
    registered: dict[str, float]
    log_rl: dict[str, float]
    drift: dict[str, float]
    group_factor: dict[str, np.ndarray]  # per metric, per minority group; mix-weighted mean 1
    response: float
    item_response: float


def _profile(spec: AuthoritySpec, seed: int) -> _Profile:
    """Draw the authority's traits: rates, RLs about the national figures, mixes, trends."""
    rng = _rng(seed, spec.slug)
    _, base_weights, _ = PAY_BAND_SCHEMES[spec.pay_bands]
    mix = rng.dirichlet(30 * np.array([0.42, 0.33, 0.15, 0.10]))
    log_rl, drift, factor = {}, {}, {}
    for metric, target in NATIONAL_TARGETS.items():
        sd = BETWEEN_SD[metric]
        # mean-centred lognormal: the authorities' RLs average to the national figure
        log_rl[metric] = float(np.log(target) - sd**2 / 2 + rng.normal(0, sd))
        drift[metric] = float(NATIONAL_DRIFT[metric] + rng.normal(0, 0.02))
        f = rng.lognormal(0, 0.15, size=4)
        factor[metric] = f / float(f @ mix)
    return _Profile(
        unknown=float(rng.uniform(0.03, 0.14)),
        unknown_trend=float(rng.uniform(-0.01, 0.003)),
        growth=float(rng.normal(0.01, 0.015)),
        adults_share=float(rng.uniform(*_ADULTS_SHARE)),
        band_weights=rng.dirichlet(80 * np.array(base_weights)),
        gradient=float(max(0.3, rng.normal(0.9, 0.25))),
        minority_mix=mix,
        other_white=float(rng.uniform(0.04, 0.2)),
        population_ratio=float(rng.lognormal(np.log(1.15), 0.15)),
        population_mix=rng.dirichlet(60 * mix),
        applicant_ratio=float(rng.uniform(1.1, 1.5)),
        shortlisted_per_staff=float(rng.uniform(0.25, 0.5)),
        shortlist_rate=float(rng.uniform(0.25, 0.4)),
        rates={
            "M2": float(rng.uniform(0.2, 0.3)),
            "M3": float(rng.uniform(0.01, 0.02)),
            "M4": float(rng.uniform(0.005, 0.01)),
            "M5": float(rng.uniform(0.3, 0.5)),
            "M6": float(0.25 * rng.lognormal(0, 0.12)),
            "M7a": float(0.12 * rng.lognormal(0, 0.12)),
            "M7b": float(0.08 * rng.lognormal(0, 0.12)),
            "M8": float(rng.uniform(0.12, 0.15)),
            "M9": float(rng.uniform(0.02, 0.04)),
        },
        registered={s: float(rng.uniform(*r)) for s, r in _REGISTERED.items()},
        log_rl=log_rl,
        drift=drift,
        group_factor=factor,
        response=float(rng.uniform(0.4, 0.6)),
        item_response=float(rng.uniform(0.95, 0.99)),
    )


@dataclass(frozen=True)
class _Year:
    """Everything one year's draws need: sizes, shares and per-category probabilities."""

    staff: int
    service_shares: np.ndarray
    band_weights: np.ndarray
    unknown: float
    band_minority: np.ndarray  # minority share of known-ethnicity staff, per band
    white_mix: np.ndarray  # over the census categories (zeros outside white)
    minority_mix: np.ndarray  # over the census categories (zeros outside minority)
    applicant_minority: float
    multiplier: dict[str, np.ndarray]  # per metric, per category + unknown: rate / white rate


def _band_minority(weights: np.ndarray, share: float, gradient: float) -> np.ndarray:
    """Minority share per band, falling as bands rise, averaging to ``share`` over staff."""
    position = np.linspace(0.5, -0.5, len(weights))  # lowest band highest share

    def gap(intercept: float) -> float:
        return float(weights @ expit(intercept + gradient * position)) - share

    intercept = brentq(gap, -30, 30)
    return expit(intercept + gradient * position)


def _year(spec: AuthoritySpec, profile: _Profile, year: int, staff: int | None) -> _Year:
    """The authority's model in one year: its traits moved along their trends."""
    offset = year - YEARS[0]
    share = spec.minority_share * (1 + 0.03 * offset)  # slowly more diverse
    within = np.array([w for _, _, w in CATEGORIES])
    white = np.where(_IS_WHITE[:UNKNOWN], within, 0.0)
    white[_OTHER_WHITE] = profile.other_white
    white[_BRITISH] = 1 - white.sum()
    minority = np.zeros(UNKNOWN)
    for g, group in enumerate(MINORITY_GROUPS):
        in_group = _GROUP_OF[:UNKNOWN] == group
        minority[in_group] = within[in_group] * profile.minority_mix[g]
    multiplier = {}
    for metric in NATIONAL_TARGETS:
        rl = np.exp(profile.log_rl[metric] + profile.drift[metric] * (year - MIDDLE_YEAR))
        m = np.ones(UNKNOWN + 1)
        for g, group in enumerate(MINORITY_GROUPS):
            m[_GROUP_OF == group] = rl * profile.group_factor[metric][g]
        multiplier[metric] = m
    services = (
        np.array([profile.adults_share, 1 - profile.adults_share])
        if spec.service_split else np.array([1.0])
    )
    return _Year(
        staff=round(spec.staff * (1 + profile.growth) ** offset) if staff is None else staff,
        service_shares=services,
        band_weights=profile.band_weights,
        unknown=float(np.clip(profile.unknown + profile.unknown_trend * offset, 0.02, 0.15)),
        band_minority=_band_minority(profile.band_weights, share, profile.gradient),
        white_mix=white,
        minority_mix=minority,
        applicant_minority=min(0.85, share * profile.applicant_ratio),
        multiplier=multiplier,
    )


def _category_probs(unknown: float, minority: float, y: _Year) -> np.ndarray:
    """Probability of each census category and of unknown, for one mix."""
    known = 1 - unknown
    return np.append(known * ((1 - minority) * y.white_mix + minority * y.minority_mix), unknown)


def _probability(white_rate: float, multiplier: np.ndarray) -> np.ndarray:
    """Each category's rate: the white rate times its RL (capped below 1)."""
    return np.minimum(white_rate * multiplier, 0.95)


# --------------------------------------------------------------------------- labels


def _category_labels(spec: AuthoritySpec) -> list[str | None]:
    """The label this authority writes for each census category and for unknown."""
    labels: list[str | None] = []
    for name, group, _ in CATEGORIES:
        if spec.labels == "census":
            labels.append(name)
        elif spec.labels == "prefixed":
            labels.append(f"{GROUPS[group]}: {name}")
        elif spec.labels == "nhs":
            labels.append(_NHS_CODE[name])
        elif spec.labels == "group":
            labels.append(GROUPS[group])
        else:
            raise ValueError(
                f"{spec.slug}: label style {spec.labels!r}: expected one of {LABEL_STYLES}"
            )
    labels.append(spec.unknown_label)
    return labels


def _label_matrix(labels: list[str | None]) -> tuple[list[str | None], np.ndarray]:
    """Distinct labels in first-seen order and the 0/1 matrix that sums categories into them."""
    distinct = list(dict.fromkeys(labels))
    matrix = np.zeros((len(labels), len(distinct)), dtype=np.int64)
    for i, label in enumerate(labels):
        matrix[i, distinct.index(label)] = 1
    return distinct, matrix


# --------------------------------------------------------------------------- aggregate returns


def _long(
    spec: AuthoritySpec,
    counts: dict[str, np.ndarray],
    keep: np.ndarray,
    key: tuple[str, tuple[str, ...]] | None = None,
) -> pd.DataFrame:
    """Arrays shaped (service, [key,] category) -> a table in the contract's column order.

    Categories are summed into the authority's labels, and only rows where ``keep`` (a count of
    the same shape) is above zero are listed: a return has no row for a group it does not hold.
    """
    distinct, matrix = _label_matrix(_category_labels(spec))
    shape = (*keep.shape[:-1], len(distinct))
    idx = np.indices(shape).reshape(len(shape), -1)
    services = np.array(_service_labels(spec), dtype=object)
    frame = pd.DataFrame({
        "service": pd.array(services[idx[0]], dtype="str"),
        "ethnicity": pd.array(np.array(distinct, dtype=object)[idx[-1]], dtype="str"),
    })
    if key is not None:
        frame[key[0]] = pd.array(np.array(key[1], dtype=object)[idx[1]], dtype="str")
    for name, values in counts.items():
        frame[name] = (values @ matrix).reshape(-1).astype(np.int64)
    frame = frame[(keep @ matrix).reshape(-1) > 0]
    if not spec.service_split:
        frame = frame.drop(columns="service")
    return frame.reset_index(drop=True)


def _service_labels(spec: AuthoritySpec) -> list[str]:
    return list(spec.service_labels) if spec.service_split else ["all"]


def _aggregate_tables(
    spec: AuthoritySpec, profile: _Profile, y: _Year, rng: np.random.Generator
) -> dict[str, pd.DataFrame]:
    n_services = len(spec.services)

    def draw(metric: str, n: np.ndarray) -> np.ndarray:
        return rng.binomial(n, _probability(profile.rates[metric], y.multiplier[metric]))

    # workforce: service -> band -> census category (unknown / minority / white by band)
    by_service = rng.multinomial(y.staff, y.service_shares)
    by_band = rng.multinomial(by_service, np.tile(y.band_weights, (n_services, 1)))
    mixes = np.array([_category_probs(y.unknown, m, y) for m in y.band_minority])
    workforce = rng.multinomial(by_band, np.broadcast_to(mixes, (*by_band.shape, UNKNOWN + 1)))
    headcount = workforce.sum(axis=1)  # (service, category)
    tables = {
        "workforce": _long(spec, {"headcount": workforce}, workforce, ("pay_band", spec.bands))
    }

    shortlisted_total = rng.poisson(by_service * profile.shortlisted_per_staff)
    applicant_mix = _category_probs(y.unknown, y.applicant_minority, y)
    shortlisted = rng.multinomial(shortlisted_total, np.tile(applicant_mix, (n_services, 1)))
    tables["recruitment"] = _long(
        spec, {"shortlisted": shortlisted, "appointed": draw("M2", shortlisted)}, shortlisted
    )

    own = {"headcount": headcount} if spec.own_headcounts else {}
    tables["disciplinary"] = _long(spec, {"entered": draw("M3", headcount), **own}, headcount)

    if spec.fitness_to_practise:
        reg_rate = np.array([profile.registered[s] for s in spec.services])[:, None]
        registered = rng.binomial(headcount, np.broadcast_to(reg_rate, headcount.shape))
        tables["fitness_to_practise"] = _long(
            spec, {"registered": registered, "entered": draw("M4", registered)}, registered
        )

    if spec.cpd:
        tables["cpd"] = _long(spec, {"accessed": draw("M5", headcount), **own}, headcount)

    respondents = rng.binomial(headcount, profile.response)
    answered = rng.binomial(np.stack([respondents] * 3, axis=1), profile.item_response)
    yes = np.stack(
        [draw(m, answered[:, q]) for q, m in enumerate(("M6", "M7a", "M7b"))], axis=1
    )
    tables["survey"] = _long(
        spec, {"respondents": answered, "yes": yes}, answered, ("question", SURVEY_QUESTIONS)
    )

    if spec.own_headcounts:  # leavers against the headcount at the start of the year
        start = headcount + rng.binomial(headcount, 0.04) - rng.binomial(headcount, 0.04)
        tables["leavers"] = _long(spec, {"left": draw("M8", start), "headcount": start}, start)
    else:
        tables["leavers"] = _long(spec, {"left": draw("M8", headcount)}, headcount)

    senior = draw("M9", headcount)
    tables["senior_management"] = _long(spec, {"headcount": senior}, senior)
    return {
        name: frame[[c for c in AGGREGATE_TABLES[name].columns if c in frame.columns]]
        for name, frame in tables.items()
    }


# --------------------------------------------------------------------------- record-level


def _draw_categories(
    rng: np.random.Generator, n: int, y: _Year, minority: np.ndarray | float
) -> np.ndarray:
    """A census category (or UNKNOWN) for each of n people, given their minority probability."""
    unknown = rng.random(n) < y.unknown
    is_minority = ~unknown & (rng.random(n) < minority)
    white_p = y.white_mix / y.white_mix.sum()
    minority_p = y.minority_mix / y.minority_mix.sum()
    category = rng.choice(UNKNOWN, size=n, p=white_p)
    category[is_minority] = rng.choice(UNKNOWN, size=int(is_minority.sum()), p=minority_p)
    category[unknown] = UNKNOWN
    return category


def _record_labels(
    spec: AuthoritySpec, category: np.ndarray, rng: np.random.Generator
) -> pd.Series:
    labels = np.array(_category_labels(spec), dtype=object)[category]
    unknown = category == UNKNOWN
    markers = np.array(
        list(dict.fromkeys((spec.unknown_label, *RECORD_UNKNOWN_MARKERS))), dtype=object
    )
    labels[unknown] = markers[rng.integers(0, len(markers), int(unknown.sum()))]
    return pd.Series(pd.array(labels, dtype="str"))


def _flag(rng: np.random.Generator, p: np.ndarray) -> np.ndarray:
    return (rng.random(len(p)) < p).astype(np.int64)


def _ids(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i:06d}" for i in range(1, n + 1)]


def _record_tables(
    spec: AuthoritySpec, profile: _Profile, y: _Year, rng: np.random.Generator
) -> dict[str, pd.DataFrame]:
    if not spec.service_split:
        raise ValueError(f"{spec.slug}: a record-level extract needs the service split")
    n = y.staff
    service = rng.choice(2, size=n, p=y.service_shares)
    band = rng.choice(len(spec.bands), size=n, p=y.band_weights)
    category = _draw_categories(rng, n, y, y.band_minority[band])
    services = np.array(spec.service_labels, dtype=object)

    def p(metric: str) -> np.ndarray:
        return np.minimum(profile.rates[metric] * y.multiplier[metric][category], 0.95)

    registered = _flag(rng, np.array([profile.registered[s] for s in spec.services])[service])
    staff = pd.DataFrame({
        "staff_id": _ids("S", n),
        "service": pd.array(services[service], dtype="str"),
        "ethnicity": _record_labels(spec, category, rng),
        "pay_band": pd.array(np.array(spec.bands, dtype=object)[band], dtype="str"),
        "senior_manager": _flag(rng, p("M9")),
        "registered": registered,
        "disciplinary": _flag(rng, p("M3")),
        "ftp": registered * _flag(rng, p("M4")),
        "cpd": _flag(rng, p("M5")),
        "left": _flag(rng, p("M8")),
    })

    n_apps = int(rng.poisson(n * profile.shortlisted_per_staff / profile.shortlist_rate))
    app_service = rng.choice(2, size=n_apps, p=y.service_shares)
    app_category = _draw_categories(rng, n_apps, y, y.applicant_minority)
    shortlisted = _flag(rng, np.full(n_apps, profile.shortlist_rate))
    p_app = np.minimum(profile.rates["M2"] * y.multiplier["M2"][app_category], 0.95)
    applications = pd.DataFrame({
        "application_id": _ids("A", n_apps),
        "service": pd.array(services[app_service], dtype="str"),
        "ethnicity": _record_labels(spec, app_category, rng),
        "shortlisted": shortlisted,
        "appointed": shortlisted * _flag(rng, p_app),
    })

    # respondents are staff, listed in an order unrelated to the staff list
    who = rng.permutation(np.flatnonzero(rng.random(n) < profile.response))
    survey = pd.DataFrame({
        "respondent_id": _ids("R", len(who)),
        "service": pd.array(services[service[who]], dtype="str"),
        "ethnicity": staff["ethnicity"].to_numpy()[who],
    })
    for question, metric in zip(SURVEY_QUESTIONS, ("M6", "M7a", "M7b"), strict=True):
        yes = rng.random(len(who)) < p(metric)[who]
        answered = rng.random(len(who)) < profile.item_response
        answer = np.where(answered, np.where(yes, "yes", "no"), None)  # type: ignore[call-overload]
        survey[question] = pd.array(answer, dtype="str")
    tables = {"staff": staff, "applications": applications, "survey_responses": survey}
    return {name: frame[list(RECORD_TABLES[name])] for name, frame in tables.items()}


# --------------------------------------------------------------------------- action plans


@dataclass(frozen=True)
class CatalogueAction:
    """One action as councils publish them; ``{senior}`` becomes the authority's senior bands
    ("PO4-PO7 and above", "£70,000 and over") and ``{by}`` the year it should succeed by."""

    metrics: tuple[str, ...]  # as the plan writes them ("M7" is M7a and M7b)
    objective: str
    aim: str
    action: str
    owner: str  # a role, never a person
    success: str


def _catalogue(metrics: str, objective: str, aim: str, action: str, owner: str,
               success: str) -> CatalogueAction:
    return CatalogueAction(tuple(metrics.split()), objective, aim, action, owner, success)


_LEADERSHIP = "Representative leadership"
_RECRUITMENT = "Fair recruitment"
_JUST = "Fair and just processes"
_DEVELOPMENT = "Equal access to development"
_SPEAK_UP = "Safe to speak up"
_RETENTION = "Retaining our staff"

#: The actions demo plans are drawn from, in the words of published WRES action plans.
ACTION_CATALOGUE: tuple[CatalogueAction, ...] = (
    _catalogue(
        "M2 M9", _RECRUITMENT, "Minority ethnic candidates are appointed to senior posts as "
        "often as white candidates",
        "Introduce diverse interview panels for all posts at {senior}",
        "Head of HR", "Every panel for posts at {senior} has a minority ethnic member; "
        "appointment RL within 0.80-1.25 by {by}"),
    _catalogue(
        "M2", _RECRUITMENT, "Shortlisted minority ethnic applicants are appointed as often as "
        "white applicants",
        "Remove names, ages and addresses from application forms for all vacancies",
        "Head of Recruitment", "Appointment RL from shortlisting within 0.80-1.25 by {by}"),
    _catalogue(
        "M2", _RECRUITMENT, "Recruiting managers make fair, consistent decisions",
        "Train every recruiting manager in inclusive recruitment before they sit on a panel",
        "Learning and Development Lead", "All recruiting managers trained; appointment RL "
        "improving each year to {by}"),
    _catalogue(
        "M2 M1", _RECRUITMENT, "We know where in recruitment minority ethnic applicants fall "
        "away", "Review shortlisting and interview outcomes by ethnicity after every recruitment "
        "campaign", "HR Business Partner", "Outcomes reviewed for every campaign and reported "
        "to the Workforce Equality Board each quarter"),
    _catalogue(
        "M1 M9", _LEADERSHIP, "Minority ethnic staff progress to senior grades",
        "Run a positive action leadership programme preparing minority ethnic staff for posts "
        "at {senior}",
        "Workforce Development Manager", "Minority ethnic share of posts at {senior} "
        "matches the workforce share by {by}"),
    _catalogue(
        "M9", _LEADERSHIP, "Senior leaders understand the experience of minority ethnic staff",
        "Start a reverse mentoring scheme pairing each director with a minority ethnic "
        "colleague", "Director of Adult Social Services", "Every member of the senior "
        "leadership team mentored; scheme evaluated by {by}"),
    _catalogue(
        "M1", _LEADERSHIP, "Progress on representation is visible to staff and members",
        "Publish representation by pay band every six months to the Workforce Equality Board",
        "Workforce Insight Manager", "Six-monthly reports published; minority ethnic share "
        "rising at the upper pay bands by {by}"),
    _catalogue(
        "M1 M5", _DEVELOPMENT, "Every member of staff has a route to progress",
        "Hold a career conversation with every member of staff at annual appraisal",
        "Learning and Development Lead", "95% of appraisals record a career conversation; "
        "progression rates equal across ethnic groups by {by}"),
    _catalogue(
        "M5 M1", _DEVELOPMENT, "Care staff from all backgrounds can qualify as social workers",
        "Open a social work degree apprenticeship route to care and support staff",
        "Social Work Academy Lead", "At least two cohorts enrolled, reflecting the diversity "
        "of the care workforce, by {by}"),
    _catalogue(
        "M5", _DEVELOPMENT, "Funded training reaches minority ethnic staff as often as white "
        "staff", "Ring-fence funded CPD places and publish take-up by ethnicity each year",
        "Workforce Development Manager", "CPD access RL within 0.80-1.25 by {by}"),
    _catalogue(
        "M3", _JUST, "Minority ethnic staff are not drawn into formal processes more than "
        "white staff", "Require a decision panel review before any formal disciplinary "
        "investigation begins", "Head of HR", "Disciplinary RL (pooled over two years) within "
        "0.80-1.25 by {by}"),
    _catalogue(
        "M3", _JUST, "Concerns are resolved early and fairly",
        "Train investigating officers in just culture and cultural competence",
        "Employee Relations Manager", "All investigating officers trained; more cases "
        "resolved informally by {by}"),
    _catalogue(
        "M3 M4", _JUST, "Decisions in formal cases are consistent across ethnic groups",
        "Audit a sample of disciplinary and referral decisions each quarter for consistency",
        "Employee Relations Manager", "Quarterly audits completed and findings acted on to "
        "{by}"),
    _catalogue(
        "M4", _JUST, "Referrals to the regulator are proportionate and fair",
        "Require Principal Social Worker review before any referral to Social Work England",
        "Principal Social Worker", "Every referral reviewed; fitness-to-practise RL within "
        "0.80-1.25 by {by}"),
    _catalogue(
        "M4", _JUST, "Newly qualified social workers are supported to practise safely",
        "Give every newly qualified social worker protected supervision through the ASYE",
        "Social Work Academy Lead", "All ASYE social workers receive monthly supervision "
        "to {by}"),
    _catalogue(
        "M6", _SPEAK_UP, "Staff are protected from racist abuse by people who use services",
        "Run a zero-tolerance campaign on racist abuse from people using services and "
        "their families", "Assistant Director, Adult Social Care", "Fewer minority ethnic "
        "staff report abuse from the public in the {by} staff survey"),
    _catalogue(
        "M6 M7", _SPEAK_UP, "Staff know how to report racism and are supported when they do",
        "Introduce a clear reporting route and a debrief for staff who experience racism",
        "Health, Safety and Wellbeing Manager", "Reporting route in use; every report "
        "acknowledged within five working days"),
    _catalogue(
        "M7", _SPEAK_UP, "Staff can raise concerns without fear",
        "Appoint Freedom to Speak Up guardians who reflect the diversity of the workforce",
        "EDI Lead", "Guardians in every service; harassment from colleagues and managers "
        "RL within 0.80-1.25 by {by}"),
    _catalogue(
        "M7b", _SPEAK_UP, "Managers respond well to racism and to concerns raised",
        "Train all managers in anti-racist practice and in responding to concerns",
        "Learning and Development Lead", "All managers trained; harassment from managers RL "
        "within 0.80-1.25 by {by}"),
    _catalogue(
        "M7a M8", _RETENTION, "Minority ethnic staff have a collective voice",
        "Set up a Race Equality Staff Network with an executive sponsor and protected time",
        "Race Equality Network Chair", "Network meeting monthly and consulted on every "
        "workforce policy by {by}"),
    _catalogue(
        "M8", _RETENTION, "We understand why minority ethnic staff leave",
        "Run exit interviews and stay conversations and analyse them by ethnicity",
        "HR Business Partner", "Leaving RL within 0.80-1.25 by {by}"),
    _catalogue(
        "M8 M5", _RETENTION, "Minority ethnic staff see a future here",
        "Offer a development plan and flexible working review to staff thinking of leaving",
        "HR Business Partner", "Fewer minority ethnic staff leave in their first two years, "
        "by {by}"),
)

_UPDATES: dict[str, tuple[str, ...]] = {
    "Red": ("Not started: waiting for capacity in the HR team",
            "Delayed by the service restructure; new start date agreed",
            "Off track: funding not yet confirmed"),
    "Amber": ("Started, behind plan: first phase under way",
              "In progress; slower than planned because of vacancies",
              "Scoping complete; delivery started later than planned"),
    "Green": ("On track: delivered as planned this year",
              "On track; reviewed by the Workforce Equality Board",
              "On track: take-up monitored each quarter"),
    "Complete": ("Completed; now part of business as usual",
                 "Completed and evaluated; results reported to the Workforce Equality Board",
                 "Completed; to be reviewed at the next SC-WRES return"),
}

_ID_STYLES = ("A{:02d}", "WRES-{:02d}", "AP{}")
#: Stream key of the action plan (a child of the authority's seed sequence).
_PLAN_STREAM = 1
#: Log-scale distance from parity beyond which a metric counts as one the authority does badly
#: on: the four-fifths rule's bound, log(1.25).
WEAK_THRESHOLD = float(np.log(1.25))


def metric_scores(spec: AuthoritySpec, seed: int = DEFAULT_SEED) -> dict[str, float]:
    """How badly the authority does on each metric it collects, on the log scale: its RL's
    distance from parity towards the adverse side (negative when favourable); for M1 half the
    log-odds fall of the minority share from the lowest to the highest band."""
    profile = _profile(spec, seed)
    collected = {"M4": spec.fitness_to_practise, "M5": spec.cpd}
    scores = {"M1": profile.gradient / 2}
    for metric, log_rl in profile.log_rl.items():
        if collected.get(metric, True):
            scores[metric] = log_rl if METRICS[metric].adverse_when == "high" else -log_rl
    return scores


def weak_metrics(spec: AuthoritySpec, seed: int = DEFAULT_SEED) -> list[str]:
    """The metrics the authority does badly on (score above :data:`WEAK_THRESHOLD`), worst
    first: its action plan aims at these."""
    scores = metric_scores(spec, seed)
    weak = [m for m in METRICS if scores.get(m, -np.inf) > WEAK_THRESHOLD]
    return sorted(weak, key=lambda m: -scores[m])


@dataclass(frozen=True)
class PlannedAction:
    """One action of an authority's plan over the years: its number and its stage each year
    (0 Red, 1 Amber, 2 Green, 3 Complete)."""

    number: int
    entry: CatalogueAction
    start: int
    stages: dict[int, int]
    service: int | None  # index into the authority's services; None: both
    update: int  # which wording of the latest update


def _covers(entry: CatalogueAction, scores: dict[str, float]) -> bool:
    return all(m in scores or m == "M7" and {"M7a", "M7b"} <= set(scores) for m in entry.metrics)


def _entry_score(entry: CatalogueAction, scores: dict[str, float]) -> float:
    ids = [i for m in entry.metrics for i in (("M7a", "M7b") if m == "M7" else (m,))]
    return max(scores[m] for m in ids)


def plan_history(spec: AuthoritySpec, seed: int = DEFAULT_SEED,
                 until: int = YEARS[-1]) -> list[PlannedAction]:
    """Every action of the authority's plan from its first year to ``until``, drawn from the
    plan's own stream (the same actions whatever ``until`` is, for the years both cover)."""
    if spec.action_plan_from is None:
        return []
    seq = np.random.SeedSequence([seed, _key(spec.slug)], spawn_key=(_PLAN_STREAM,))
    rng = np.random.default_rng(seq)
    scores = metric_scores(spec, seed)
    candidates = [e for e in ACTION_CATALOGUE if _covers(e, scores)]
    actions: list[PlannedAction] = []
    for year in range(spec.action_plan_from, until + 1):
        for action in actions:
            before = action.stages.get(year - 1)
            if before is not None and before < 3:
                action.stages[year] = min(3, before + int(rng.choice([0, 1, 1, 2])))
        active = sum(1 for a in actions if year in a.stages)
        first = year == spec.action_plan_from
        wanted = int(rng.integers(5, 9)) if first else int(rng.integers(1, 4))
        wanted = int(np.clip(active + wanted, 4, 12)) - active
        used = {id(a.entry) for a in actions}
        free = [e for e in candidates if id(e) not in used]
        # the worst metrics first, with a little noise so that plans differ
        noisy = [_entry_score(e, scores) + rng.gumbel(0, 0.08) for e in free]
        for i in sorted(range(len(free)), key=lambda i: -noisy[i])[:wanted]:
            service = (int(rng.integers(0, 2)) if spec.service_split and rng.random() < 0.25
                       else None)
            start_stage = int(rng.choice([0, 1, 2], p=[0.4, 0.4, 0.2])) if first else int(
                rng.choice([0, 1], p=[0.6, 0.4]))
            actions.append(PlannedAction(len(actions) + 1, free[i], year, {year: start_stage},
                                         service, int(rng.integers(0, 3))))
    return actions


def action_plan_table(spec: AuthoritySpec, year: int,
                      seed: int = DEFAULT_SEED) -> pd.DataFrame | None:
    """The authority's action plan as its return for ``year`` writes it, or None when it has
    none that year: the actions under way and those completed in the year."""
    history = plan_history(spec, seed, until=max(year, YEARS[-1]))
    rows = []
    style = _ID_STYLES[_key(spec.slug) % len(_ID_STYLES)]
    separator = "; " if _key(spec.slug) % 2 else ", "
    senior = spec.senior_bands[0]
    senior = senior if senior.endswith(("and over", "and above")) else f"{senior} and above"
    for action in history:
        stage = action.stages.get(year)
        if stage is None:
            continue
        entry, by = action.entry, action.start + 2
        status = ACTION_STATUSES[stage]
        row: dict[str, str | None] = {
            "action_id": style.format(action.number),
            "objective": entry.objective,
            "aim": entry.aim,
            "metrics": separator.join(entry.metrics),
            "action": entry.action.format(senior=senior),
            "owner": entry.owner,
            "status": status,
            "success": entry.success.format(senior=senior, by=by),
            "latest_update": f"{_UPDATES[status][action.update]} (March {year + 1})",
        }
        if spec.service_split:
            row["service"] = (None if action.service is None
                              else spec.service_labels[action.service])
        row["due"] = f"{by + 1}-03-31"
        row["update_date"] = None
        if spec.plan_updates:
            rows += _dated_updates(row, action, year)
        else:
            rows.append(row)
    if not rows:
        return None
    columns = [*ACTION_PLAN_COLUMNS, *(["service"] if spec.service_split else []), "due",
               "update_date"]
    return pd.DataFrame(rows, columns=columns, dtype="str")


def _dated_updates(row: dict[str, str | None], action: PlannedAction,
                   year: int) -> list[dict[str, str | None]]:
    """The action's rows in a plan that keeps its updates through the year: its position at the
    end of May (the stage it ended last year with, or its first) and its autumn update at the
    end of October (this year's stage). The later row leaves blank what has not changed, as an
    analyst adding an update would."""
    stage = action.stages[year]
    may = action.stages.get(year - 1, stage)
    status_then = ACTION_STATUSES[may]
    first = {**row, "status": status_then, "update_date": f"{year}-05-31",
             "latest_update": _UPDATES[status_then][action.update]}
    later = {column: None for column in row} | {
        "action_id": row["action_id"], "status": row["status"],
        "update_date": f"{year}-10-31",
        "latest_update": _UPDATES[ACTION_STATUSES[stage]][action.update]}
    return [first, later]


# --------------------------------------------------------------------------- public API


def metadata_table(spec: AuthoritySpec, year: int, seed: int) -> pd.DataFrame:
    """The key/value table that marks a return as synthetic."""
    rows = {
        "synthetic": "true",
        "generator": GENERATOR,
        "seed": str(seed),
        "authority": spec.slug,
        "year": str(year),
        "note": SYNTHETIC_NOTE,
    }
    return pd.DataFrame({"key": list(rows), "value": list(rows.values())}, dtype="str")


def authority_return(
    spec: AuthoritySpec, year: int, seed: int = DEFAULT_SEED, *, staff: int | None = None
) -> dict[str, pd.DataFrame]:
    """The tables of one demo return (metadata first), exactly as :func:`generate` writes them.

    ``staff`` replaces the year's drawn headcount (benchmarks: a return of an exact size).
    """
    profile = _profile(spec, seed)
    y = _year(spec, profile, year, staff)
    rng = _rng(seed, spec.slug, year)
    build = _record_tables if spec.record_level else _aggregate_tables
    tables = {METADATA_TABLE: metadata_table(spec, year, seed), **build(spec, profile, y, rng)}
    plan = action_plan_table(spec, year, seed)
    if plan is not None:
        tables[ACTION_PLAN_TABLE] = plan
    return tables


def record_level_return(
    n_staff: int, seed: int = DEFAULT_SEED, year: int = YEARS[-1]
) -> dict[str, pd.DataFrame]:
    """A record-level return of ``n_staff`` staff rows (with applications and survey), for
    benchmarks and tests of the record-level path at scale."""
    return authority_return(BENCHMARK_SPEC, year, seed, staff=int(n_staff))


def population_shares(spec: AuthoritySpec, seed: int = DEFAULT_SEED) -> dict[str, float]:
    """The area's census population shares by high-level group label, summing to 1."""
    profile = _profile(spec, seed)
    minority = min(0.75, max(0.02, spec.minority_share * profile.population_ratio))
    shares = {
        GROUPS[g]: round(minority * float(w), 4)
        for g, w in zip(MINORITY_GROUPS, profile.population_mix, strict=True)
    }
    return {GROUPS["white"]: round(1 - sum(shares.values()), 4), **shares}


def parameters_yaml(spec: AuthoritySpec, seed: int = DEFAULT_SEED) -> str:
    """The authority's parameter file; 1-2 authorities leave the band order to be inferred."""
    data: dict[str, object] = {
        "display_name": spec.display_name,
        "ons_code": spec.ons_code,
        **({"region": spec.region} if spec.region is not None else {}),
        "synthetic": True,
        "notes": f"{SYNTHETIC_NOTE}. Made by {GENERATOR} with seed {seed}.",
    }
    if spec.bands_in_parameters:
        data["pay_bands"] = list(spec.bands)
        if spec.pay_bands in SKILLS_FOR_CARE_PLACES:
            data["skills_for_care_bands"] = {
                band: SKILLS_FOR_CARE_BANDS[place] for band, place in
                zip(spec.bands, SKILLS_FOR_CARE_PLACES[spec.pay_bands], strict=True)}
    data["senior_bands"] = list(spec.senior_bands)
    data["population"] = population_shares(spec, seed)
    header = f"# {SYNTHETIC_NOTE}: {spec.display_name} is fictional.\n"
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def generate(out: Path, seed: int = DEFAULT_SEED, *, authorities: int | None = None,
             years: int | None = None) -> list[Path]:
    """Write every demo return and parameter file under ``out``; the paths of the returns.

    ``authorities`` and ``years`` None: the 18 demo authorities x 2021-2023; otherwise the first
    ``authorities`` of :func:`authority_specs` x the first ``years`` of :func:`synthetic_years`.
    Layout: ``<out>/<authority>/<year>.xlsx`` or ``<out>/<authority>/<year>/<table>.csv``, and
    ``<out>/parameters/<authority>.yml``. The same seed gives the same bytes.
    """
    out = Path(out)
    specs, chosen_years = authority_specs(authorities), synthetic_years(years)
    written = []
    for spec in specs:
        for year in chosen_years:
            tables = authority_return(spec, year, seed)
            written.append(write_return(tables, out, spec.slug, year, spec.form))
        params = out / "parameters" / f"{spec.slug}.yml"
        params.parent.mkdir(parents=True, exist_ok=True)
        params.write_bytes(parameters_yaml(spec, seed).encode("utf-8"))
    return written
