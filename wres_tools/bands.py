"""Pay band order: the authority's declared order, else by the money amounts the labels name.

Skills for Care bands ("less than £30,000", "£30,000 to £69,000", "£70,000 and over") sort by
their first £ amount; "less than"/"under" before an amount sorts below a band starting at it.
Labels that do not all name an amount keep the order in which they first appear.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_AMOUNT = re.compile(
    r"(?P<before>less than|under|below|up to|over|more than|above)?\s*£\s*"
    r"(?P<number>\d[\d,]*(?:\.\d+)?)\s*(?P<k>k\b)?",
    re.IGNORECASE,
)
_BELOW = {"less than", "under", "below", "up to"}


def _amount_key(label: str) -> tuple[float, int] | None:
    found = _AMOUNT.search(label)
    if found is None:
        return None
    amount = float(found["number"].replace(",", ""))
    if found["k"]:
        amount *= 1000
    before = (found["before"] or "").lower()
    return amount, 0 if before in _BELOW else (2 if before else 1)


def band_order(bands: Sequence[str], declared: Sequence[str] | None = None) -> list[str]:
    """The distinct bands of ``bands``, lowest first.

    ``declared`` (Parameters.pay_bands) wins when given; a band missing from it is an error
    naming the band. Otherwise bands are sorted by the first £ amount each names, or, when any
    names none, kept in order of first appearance.
    """
    distinct = list(dict.fromkeys(bands))
    if declared:
        missing = [b for b in distinct if b not in declared]
        if missing:
            raise ValueError(
                f"pay bands {missing} are not in the authority's band order {list(declared)}"
            )
        return [b for b in declared if b in distinct]
    keys = {b: _amount_key(b) for b in distinct}
    if all(k is not None for k in keys.values()):
        return sorted(distinct, key=lambda b: keys[b])  # stable: equal keys keep data order
    return distinct

