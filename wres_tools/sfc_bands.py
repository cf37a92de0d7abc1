"""The three pay bands of Skills for Care's national SC-WRES report, and which of them an
authority's own pay band falls in.

Skills for Care reports representation by pay in three bands: "less than £30,000", "£30,000 to
£69,000" and "£70,000 and over". An authority's band maps to one of them in one of three ways,
the first that applies:

1. its parameter file says so (``skills_for_care_bands:``, own band -> one of the three names);
2. the band's name is one of the three (spaces and capitals aside);
3. the band's name states a pay range in pounds that lies wholly inside one of the three:
   "Up to £24,999" or "less than £25,000" (an upper end only), "£30,000 to £34,999" or
   "£45,000-£59,999" (both ends), "£70,000 and over" or "over £80,000" (a lower end only).
   A range that crosses £30,000 or £70,000 ("£25,000 to £34,999", "£60,000 and over") maps
   to none: its staff cannot be split between two national bands.

A band with no pounds in its name ("Grade 7", "PO1-PO3") maps only by rule 1.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

#: The national bands, lowest first, spelt as Skills for Care spells them.
SKILLS_FOR_CARE_BANDS: tuple[str, ...] = (
    "less than £30,000", "£30,000 to £69,000", "£70,000 and over")
#: Where the national bands meet: the lowest pay of the second and of the third band.
_EDGES = (30_000, 70_000)
_AMOUNT = re.compile(r"£\s*(\d[\d,]*)(\.\d+)?\s*(k\b)?", re.IGNORECASE)
_UPPER_ONLY = re.compile(r"\b(less than|under|below|up to|upto)\b|<", re.IGNORECASE)
_LOWER_ONLY = re.compile(r"\b(over|more than|above|and over|and above|or more)\b|\+|>",
                         re.IGNORECASE)


def _normal(text: str) -> str:
    return " ".join(text.lower().split())


def _amounts(band: str) -> list[tuple[int, int, int]]:
    """(pounds, start, end) of every £ amount the band's name states."""
    found = []
    for match in _AMOUNT.finditer(band):
        pounds = int(match.group(1).replace(",", "")) * (1000 if match.group(3) else 1)
        found.append((pounds, match.start(), match.end()))
    return found


def pay_range(band: str) -> tuple[float, float] | None:
    """The pay range a band's name states, (lowest, highest) in pounds with both ends included
    ("less than £25,000" -> (0, 24999.99...)): None when the name states none it can be sure of
    (no amount, or more than two)."""
    amounts = _amounts(band)
    if len(amounts) == 2:
        return float(amounts[0][0]), float(amounts[1][0])
    if len(amounts) != 1:
        return None
    pounds, start, end = amounts[0]
    before, after = band[:start], band[end:]
    if _UPPER_ONLY.search(before):
        inclusive = re.search(r"\bup\s*to\b", before, re.IGNORECASE) is not None
        return 0.0, float(pounds) if inclusive else pounds - 0.01
    if _LOWER_ONLY.search(after) or _LOWER_ONLY.search(before):
        return float(pounds), float("inf")
    return None


def national_band(band: str, declared: Mapping[str, str] | None = None) -> str | None:
    """The Skills for Care band an authority's ``band`` falls in (rules 1-3 of the module's
    text), or None when it cannot be mapped."""
    if declared and band in declared:
        return declared[band]
    by_name = {_normal(b): b for b in SKILLS_FOR_CARE_BANDS}
    if _normal(band) in by_name:
        return by_name[_normal(band)]
    span = pay_range(band)
    if span is None:
        return None
    low, high = span
    if high < _EDGES[0]:
        return SKILLS_FOR_CARE_BANDS[0]
    if low >= _EDGES[0] and high < _EDGES[1]:
        return SKILLS_FOR_CARE_BANDS[1]
    if low >= _EDGES[1]:
        return SKILLS_FOR_CARE_BANDS[2]
    return None


def map_bands(bands: Sequence[str],
              declared: Mapping[str, str] | None = None) -> tuple[dict[str, str], list[str]]:
    """(own band -> national band for every band that maps, the bands that do not)."""
    mapped: dict[str, str] = {}
    unmapped: list[str] = []
    for band in bands:
        target = national_band(band, declared)
        if target is None:
            unmapped.append(band)
        else:
            mapped[band] = target
    return mapped, unmapped


def declared_problem(value: str) -> str | None:
    """Why ``value`` is not a national band's name (with the names expected), or None."""
    if value in SKILLS_FOR_CARE_BANDS:
        return None
    return (f"found {value!r}; expected one of the Skills for Care bands: "
            f"{', '.join(repr(b) for b in SKILLS_FOR_CARE_BANDS)}")
