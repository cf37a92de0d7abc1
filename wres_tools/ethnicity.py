"""The one ethnicity mapping: any label a return may use -> census 2021 category -> high-level
group -> white / minority / unknown.

Returns arrive with census 2021 categories ("Indian", "White: Irish"), high-level groups
("Asian or Asian British"), NHS data dictionary codes (A-S, Z, 99) or unknown markers ("Not
stated", blank). Every one of them resolves through :data:`MAPPING`; anything else is an error
that names the label, because guessing an ethnicity is worse than stopping.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import pandas as pd

EthnicClass = Literal["white", "minority", "unknown"]

#: High-level census 2021 groups: key -> display name used in reports.
GROUPS: dict[str, str] = {
    "asian": "Asian or Asian British",
    "black": "Black, Black British, Caribbean or African",
    "mixed": "Mixed or multiple ethnic groups",
    "other": "Other ethnic group",
    "white": "White",
    "unknown": "Unknown or not stated",
}

#: The minority high-level groups, in report order.
MINORITY_GROUPS: tuple[str, ...] = ("asian", "black", "mixed", "other")

#: Census 2021 categories (England and Wales, 19 categories) and their high-level group.
CENSUS_CATEGORIES: dict[str, str] = {
    "Bangladeshi": "asian",
    "Chinese": "asian",
    "Indian": "asian",
    "Pakistani": "asian",
    "Any other Asian background": "asian",
    "African": "black",
    "Caribbean": "black",
    "Any other Black, Black British or Caribbean background": "black",
    "White and Asian": "mixed",
    "White and Black African": "mixed",
    "White and Black Caribbean": "mixed",
    "Any other Mixed or multiple ethnic background": "mixed",
    "English, Welsh, Scottish, Northern Irish or British": "white",
    "Irish": "white",
    "Gypsy or Irish Traveller": "white",
    "Roma": "white",
    "Any other White background": "white",
    "Arab": "other",
    "Any other ethnic group": "other",
}

_BRITISH = "English, Welsh, Scottish, Northern Irish or British"
_OTHER_BLACK = "Any other Black, Black British or Caribbean background"

#: Other spellings of a census category seen in HR systems (label -> census category).
CATEGORY_ALIASES: dict[str, str] = {
    "British": "English, Welsh, Scottish, Northern Irish or British",
    "White British": "English, Welsh, Scottish, Northern Irish or British",
    "English, Welsh, Scottish, Northern Irish, British": _BRITISH,
    "White Irish": "Irish",
    "Gypsy, Traveller or Irish Traveller": "Gypsy or Irish Traveller",
    "Any other Black background": "Any other Black, Black British or Caribbean background",
    "Any other Black, African or Caribbean background": _OTHER_BLACK,
    "Any other Mixed background": "Any other Mixed or multiple ethnic background",
    "Any other mixed or multiple background": "Any other Mixed or multiple ethnic background",
    "Black African": "African",
    "Black Caribbean": "Caribbean",
    "Asian Indian": "Indian",
    "Asian Pakistani": "Pakistani",
    "Asian Bangladeshi": "Bangladeshi",
    "Asian Chinese": "Chinese",
    # short "other" forms common in HR systems
    "White Other": "Any other White background",
    "Other White": "Any other White background",
    "Asian Other": "Any other Asian background",
    "Other Asian": "Any other Asian background",
    "Black Other": _OTHER_BLACK,
    "Other Black": _OTHER_BLACK,
    "Mixed Other": "Any other Mixed or multiple ethnic background",
    "Other Mixed": "Any other Mixed or multiple ethnic background",
    "Other ethnic": "Any other ethnic group",
    "Other White background": "Any other White background",
    "Any other ethnic background": "Any other ethnic group",
    "White and Black Caribbean (Mixed)": "White and Black Caribbean",
    # the parts of British, as HR systems list them
    "English": _BRITISH, "Welsh": _BRITISH, "Scottish": _BRITISH, "Northern Irish": _BRITISH,
    "Gypsy": "Gypsy or Irish Traveller",
    "Traveller": "Gypsy or Irish Traveller",
    "Irish Traveller": "Gypsy or Irish Traveller",
    "Gypsy or Traveller": "Gypsy or Irish Traveller",
    # mixed categories with a separator for "and" ("White/Black Caribbean", "White & Asian")
    "White/Black Caribbean": "White and Black Caribbean",
    "White/Black African": "White and Black African",
    "White/Asian": "White and Asian",
    # 2011 census spellings
    "English/Welsh/Scottish/Northern Irish/British": _BRITISH,
    "Any other Black/African/Caribbean background": _OTHER_BLACK,
    "Any other Mixed/Multiple ethnic background": "Any other Mixed or multiple ethnic background",
    "Gypsy/Irish Traveller": "Gypsy or Irish Traveller",
}

#: Prefixes a return may put before a category ("White: Irish", "Asian or Asian British - Indian").
GROUP_PREFIXES: dict[str, str] = {
    "White": "white",
    "Asian": "asian",
    "Asian or Asian British": "asian",
    "Asian, Asian British or Asian Welsh": "asian",
    "Black": "black",
    "Black or Black British": "black",
    "Black, Black British, Caribbean or African": "black",
    "Black, Black British, Black Welsh, Caribbean or African": "black",
    "Mixed": "mixed",
    "Mixed or multiple": "mixed",
    "Mixed or multiple ethnic groups": "mixed",
    "Mixed or Multiple ethnic groups": "mixed",
    "Other": "other",
    "Other ethnic group": "other",
    "Other ethnic groups": "other",
    # 2011 census group names
    "Asian/Asian British": "asian",
    "Black/African/Caribbean/Black British": "black",
    "Mixed/Multiple ethnic groups": "mixed",
}

#: Prefixes used only before a category, never as a group on their own: the 2001 census group
#: "Chinese or other ethnic group" holds Chinese (Asian in census 2021) and the other categories.
PREFIX_ONLY: dict[str, str] = {
    "Chinese or other ethnic group": "other",
}

#: The "any other" category of each group, which a prefix followed by "Other" means
#: ("Black - Other", "Mixed: Other", "Asian/Any other").
OTHER_OF_GROUP: dict[str, str] = {
    "white": "Any other White background",
    "asian": "Any other Asian background",
    "black": _OTHER_BLACK,
    "mixed": "Any other Mixed or multiple ethnic background",
    "other": "Any other ethnic group",
}
#: What follows a group prefix to mean its "any other" category.
OTHER_WORDS: tuple[str, ...] = ("Other", "Any other", "Any other background", "Other background")

#: A group given with no category but more than one census category in it (census_category None).
GROUP_ONLY_ALIASES: dict[str, str] = {
    "Gypsy/Roma": "white",
    "Gypsy, Roma or Traveller": "white",
    "Gypsy, Roma and Traveller": "white",
    "Gypsy, Roma, Traveller": "white",
    "Gypsy/Roma/Traveller": "white",
    "White Gypsy/Roma": "white",
    "White: Gypsy/Roma": "white",
    "Black British": "black",
    "Asian British": "asian",
}

#: Group prefixes of the 2001 census / NHS data dictionary, which put Chinese under "Other":
#: ("Other Ethnic Groups - Chinese", "Chinese or other ethnic group: Chinese").
CHINESE_UNDER_OTHER: tuple[str, ...] = (
    "Other", "Other ethnic group", "Other ethnic groups", "Chinese or other ethnic group",
)

#: A high-level group given on its own (no category).
GROUP_LABELS: dict[str, str] = {
    **{name: key for name, key in GROUP_PREFIXES.items()},
    "Mixed or multiple ethnic group": "mixed",
    "Minority ethnic": "minority",
    "Ethnic minority": "minority",
    "BME": "minority",
    "BAME": "minority",
}

#: NHS data dictionary ethnic category codes (2001 census based). R (Chinese) sits under
#: "Other" in the 2001 scheme but under Asian in census 2021; the census 2021 group is used.
NHS_CODES: dict[str, str | None] = {
    "A": "English, Welsh, Scottish, Northern Irish or British",
    "B": "Irish",
    "C": "Any other White background",
    "D": "White and Black Caribbean",
    "E": "White and Black African",
    "F": "White and Asian",
    "G": "Any other Mixed or multiple ethnic background",
    "H": "Indian",
    "J": "Pakistani",
    "K": "Bangladeshi",
    "L": "Any other Asian background",
    "M": "Caribbean",
    "N": "African",
    "P": "Any other Black, Black British or Caribbean background",
    "R": "Chinese",
    "S": "Any other ethnic group",
    "Z": None,
    "99": None,
}

#: The NHS data dictionary's own descriptions of its codes (2001 census groups), which HR
#: systems export with or without the code in front ("H - Asian or Asian British - Indian").
NHS_DESCRIPTIONS: dict[str, str] = {
    "A": "White - British",
    "B": "White - Irish",
    "C": "White - Any other White background",
    "D": "Mixed - White and Black Caribbean",
    "E": "Mixed - White and Black African",
    "F": "Mixed - White and Asian",
    "G": "Mixed - Any other mixed background",
    "H": "Asian or Asian British - Indian",
    "J": "Asian or Asian British - Pakistani",
    "K": "Asian or Asian British - Bangladeshi",
    "L": "Asian or Asian British - Any other Asian background",
    "M": "Black or Black British - Caribbean",
    "N": "Black or Black British - African",
    "P": "Black or Black British - Any other Black background",
    "R": "Other Ethnic Groups - Chinese",
    "S": "Other Ethnic Groups - Any other ethnic group",
    "Z": "Not stated",
    "99": "Not known",
}

#: Markers meaning the ethnicity is not known; blank counts too.
UNKNOWN_MARKERS: tuple[str, ...] = (
    "Not stated",
    "Unknown",
    "Not known",
    "Prefer not to say",
    "Prefer not to disclose",
    "Not declared",
    "Declined",
    "Refused",
    "Information refused",
    "Withheld",
    "Not recorded",
    "Not specified",
    "Unspecified",
    "Not given",
    "Not provided",
    "Not answered",
    "No response",
    "Undisclosed",
    "Not disclosed",
    "Do not wish to disclose",
    "I do not wish to disclose",
    "I do not wish to disclose my ethnicity",
    "I do not wish to disclose my ethnic origin",
    "Do not wish to say",
    "I would prefer not to say",
    "Prefer not to state",
    "Prefer not to answer",
    "Declined to state",
    "Declined to answer",
    "Decline to state",
    "Not stated/Not known",
    "Unknown/Not stated",
    "Z - Not stated",
    "99 - Not known",
)


@dataclass(frozen=True)
class Ethnicity:
    """Where one label lands: census category (if one), high-level group and class."""

    census_category: str | None
    group: str  # a key of GROUPS, or "minority" for a label that says only that
    ethnic_class: EthnicClass


class UnknownEthnicityLabel(ValueError):
    """A label that is none of the contract's categories, groups, codes or unknown markers."""

    def __init__(self, label: object) -> None:
        self.label = label
        super().__init__(
            f"unrecognised ethnicity label {label!r}: expected a census 2021 category, a "
            "high-level group, an NHS ethnic category code (A-S, Z, 99) or an unknown marker"
        )


#: The separators HR systems put between a group and a category: ":", "-", "/" (with or without
#: spaces), folded to one so that "Black - Other", "Black/Other" and "Black: Other" compare equal.
_SEPARATOR = re.compile(r"\s*[:/\-]\s*")


def normalise(label: str) -> str:
    """Case, spacing, quotes, dashes, "&" and separators folded, so that spellings compare equal."""
    text = label.replace("\u2019", "'").replace("\u2013", "-").replace("\u2014", "-")
    text = re.sub(r"\s*&\s*", " and ", text)
    text = re.sub(r"\s+", " ", text).strip().lower()
    return _SEPARATOR.sub(": ", text)  # "White:Irish" = "White - Irish" = "White/Irish"


def _class_of(group: str) -> EthnicClass:
    if group == "white":
        return "white"
    if group == "unknown":
        return "unknown"
    return "minority"


def _build_lookup() -> dict[str, Ethnicity]:
    lookup: dict[str, Ethnicity] = {}

    def add(label: str, category: str | None, group: str) -> None:
        key, found = normalise(label), Ethnicity(category, group, _class_of(group))
        if lookup.setdefault(key, found) != found:  # two rows of the mapping disagree
            raise RuntimeError(f"ethnicity mapping: {label!r} is {lookup[key]} and {found}")

    # ":" stands for every separator normalise folds to it ("-", "/"); "White Irish" has none
    separators = (": ", ", ", " ")
    prefixes = {**GROUP_PREFIXES, **PREFIX_ONLY}
    categories = {**{c: c for c in CENSUS_CATEGORIES}, **CATEGORY_ALIASES}
    for label, category in categories.items():
        group = CENSUS_CATEGORIES[category]
        add(label, category, group)
        for prefix, prefix_group in prefixes.items():
            if prefix_group == group:
                for sep in separators:
                    add(f"{prefix}{sep}{label}", category, group)
    for prefix, group in prefixes.items():
        for word in OTHER_WORDS:
            for sep in separators:
                add(f"{prefix}{sep}{word}", OTHER_OF_GROUP[group], group)
    for prefix in CHINESE_UNDER_OTHER:
        for sep in separators:
            add(f"{prefix}{sep}Chinese", "Chinese", "asian")
    for label, group in GROUP_ONLY_ALIASES.items():
        add(label, None, group)
    for label, group in GROUP_LABELS.items():
        add(label, None, group)
    for code, nhs_category in NHS_CODES.items():
        if nhs_category is None:
            add(code, None, "unknown")
        else:
            add(code, nhs_category, CENSUS_CATEGORIES[nhs_category])
            add(f"{code} - {nhs_category}", nhs_category, CENSUS_CATEGORIES[nhs_category])
            add(f"{code} {nhs_category}", nhs_category, CENSUS_CATEGORIES[nhs_category])
    for code, description in NHS_DESCRIPTIONS.items():
        nhs_category = NHS_CODES[code]
        group = "unknown" if nhs_category is None else CENSUS_CATEGORIES[nhs_category]
        for label in (description, f"{code} - {description}", f"{code} {description}"):
            add(label, nhs_category, group)
    for marker in UNKNOWN_MARKERS:
        add(marker, None, "unknown")
    add("", None, "unknown")
    return lookup


_LOOKUP = _build_lookup()

#: The whole mapping as a table (label, census_category, group, ethnic_class), for reports,
#: documentation and tests.
MAPPING = pd.DataFrame(
    [
        {"label": label, "census_category": e.census_category, "group": e.group,
         "ethnic_class": e.ethnic_class}
        for label, e in sorted(_LOOKUP.items())
    ]
)


def is_blank(value: object) -> bool:
    """True for None, NaN and strings of white space: all mean 'not stated'."""
    if value is None:
        return True
    if isinstance(value, float) and value != value:
        return True
    try:
        if pd.isna(value):
            return True
    except (TypeError, ValueError):
        pass
    return isinstance(value, str) and not value.strip()


def classify(label: object) -> Ethnicity:
    """Resolve one label, or raise :class:`UnknownEthnicityLabel`."""
    if is_blank(label):
        return _LOOKUP[""]
    if isinstance(label, float) and label.is_integer():
        label = int(label)  # a code column read as numbers: 99.0 -> "99"
    found = _LOOKUP.get(normalise(str(label)))
    if found is None:
        raise UnknownEthnicityLabel(label)
    return found
