"""bands.band_order: declared order, else by the amounts named, else first appearance."""

from __future__ import annotations

import pytest

from wres_tools.bands import band_order

SKILLS_FOR_CARE = ["less than £30,000", "£30,000 to £69,000", "£70,000 and over"]


def test_skills_for_care_bands_by_amount_whatever_the_data_order():
    shuffled = ["£70,000 and over", "less than £30,000", "£30,000 to £69,000", "less than £30,000"]
    # "less than £30,000" and "£30,000 to £69,000" both name 30,000 first: "less than" sorts below
    assert band_order(shuffled) == SKILLS_FOR_CARE


def test_amounts_with_k_and_over():
    bands = ["over £50k", "£20k-£35k", "up to £20k", "£35,000 - £50,000"]
    assert band_order(bands) == ["up to £20k", "£20k-£35k", "£35,000 - £50,000", "over £50k"]


def test_labels_without_amounts_keep_first_appearance():
    bands = ["Grade 3", "Grade 1", "£20,000 to £30,000", "Grade 3", "Grade 2"]
    assert band_order(bands) == ["Grade 3", "Grade 1", "£20,000 to £30,000", "Grade 2"]


def test_declared_order_wins_and_drops_bands_not_in_the_data():
    declared = ["Band A", "Band B", "Band C", "Band D"]
    assert band_order(["Band C", "Band A"], declared) == ["Band A", "Band C"]


def test_band_missing_from_declared_order_is_an_error_naming_it():
    with pytest.raises(ValueError, match=r"pay bands \['Band Z'\] are not in"):
        band_order(["Band A", "Band Z"], ["Band A", "Band B"])


def test_band_order_from_parameters() -> None:
    declared = ["low", "mid", "high"]
    assert band_order(["high", "low", "high"], declared) == ["low", "high"]
    assert band_order(["odd", "mid"], declared, strict=False) == ["mid", "odd"]


@pytest.mark.parametrize(
    ("bands", "expected"),
    [
        # Skills for Care: "less than £30,000" and "£30,000 to £69,000" both name 30,000 first;
        # "less than" puts the first below the second.
        ([SKILLS_FOR_CARE[2], SKILLS_FOR_CARE[1], SKILLS_FOR_CARE[0]], SKILLS_FOR_CARE),
        (["£40k-£50k", "£25k-£40k", "up to £25k", "£50k+"],
         ["up to £25k", "£25k-£40k", "£40k-£50k", "£50k+"]),
        (["£1,000.50 to £2,000", "Under £1,000", "£999 to £1,000"],
         ["£999 to £1,000", "Under £1,000", "£1,000.50 to £2,000"]),
        # one band names no amount: order of first appearance for all
        (["Grade C", "Grade A", "£20,000 or more"], ["Grade C", "Grade A", "£20,000 or more"]),
    ],
)
def test_band_order_without_parameters(bands: list[str], expected: list[str]) -> None:
    assert band_order(bands) == expected
    assert band_order(bands, None) == expected
