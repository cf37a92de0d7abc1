"""The nine ADASS regions of England, which a national report groups councils by.

The Association of Directors of Adult Social Services (ADASS) groups England's 153 councils
with social services responsibilities into nine regions; Skills for Care reports the adult
social care workforce by the same nine. An authority's parameter file may name its region
(``region:``); a national report then gives each region's pooled figures.
"""

from __future__ import annotations

#: The nine regions, in the order ADASS lists them; the spelling a parameter file must use.
ADASS_REGIONS: tuple[str, ...] = (
    "East Midlands",
    "Eastern",
    "London",
    "North East",
    "North West",
    "South East",
    "South West",
    "West Midlands",
    "Yorkshire and the Humber",
)


def region_problem(value: str) -> str | None:
    """Why ``value`` is not a region's name (with the names expected), or None when it is one."""
    if value in ADASS_REGIONS:
        return None
    return f"found {value!r}; expected one of the nine ADASS regions: {', '.join(ADASS_REGIONS)}"
