"""Pay band order: the authority's declared order, else by the money amounts the labels name.

Skills for Care bands ("less than £30,000", "£30,000 to £69,000", "£70,000 and over") sort by
their first £ amount; "less than"/"under" before an amount sorts below a band starting at it, and
"over"/"more than" above. Labels that do not all name an amount keep the order in which they
first appear. Validation and the metric engine both order bands here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

_MONEY = re.compile(
    r"£\s*(\d[\d,]*(?:\.\d+)?)\s*(k\b)?|(\d[\d,]*(?:\.\d+)?)\s*k\b", re.IGNORECASE
)
_BELOW = re.compile(r"\b(less than|under|below|up to|upto)\b|<", re.IGNORECASE)
_ABOVE = re.compile(r"\b(over|more than|above)\b|>", re.IGNORECASE)

OrderSource = Literal["parameters", "amounts", "appearance"]


def band_amount(band: str) -> tuple[float, int] | None:
    """Sort key of a band by the first money amount it names, or None when it names none."""
    match = _MONEY.search(band)
    if match is None:
        return None
    digits = (match.group(1) or match.group(3)).replace(",", "")
    amount = float(digits) * (1000 if (match.group(2) or match.group(3)) else 1)
    before = band[: match.start()]
    rank = -1 if _BELOW.search(before) else (1 if _ABOVE.search(before) else 0)
    return amount, rank


def _present(bands: Sequence[object]) -> list[str]:
    return list(dict.fromkeys(b for b in bands if isinstance(b, str)))


def band_order_source(
    bands: Sequence[object], declared: Sequence[str] | None = None
) -> OrderSource:
    """How :func:`band_order` orders these bands."""
    if declared:
        return "parameters"
    present = _present(bands)
    return "amounts" if present and all(band_amount(b) for b in present) else "appearance"


def band_order(
    bands: Sequence[object], declared: Sequence[str] | None = None, *, strict: bool = True
) -> list[str]:
    """The distinct bands of ``bands``, lowest first.

    ``declared`` (Parameters.pay_bands) wins when given. A band missing from it is an error
    naming the band when ``strict``; otherwise it goes last, in order of first appearance (the
    validator reports it). Without ``declared``, bands sort by the first £ amount each names,
    or, when any names none, keep their order of first appearance.
    """
    present = _present(bands)
    if declared:
        missing = [b for b in present if b not in declared]
        if missing and strict:
            raise ValueError(
                f"pay bands {missing} are not in the authority's band order {list(declared)}"
            )
        return [b for b in declared if b in present] + missing
    if band_order_source(present) == "amounts":
        # every band names an amount here; sorted is stable: equal keys keep data order
        keys = {b: key for b in present if (key := band_amount(b)) is not None}
        return sorted(present, key=keys.__getitem__)
    return present
