"""Every row of the ethnicity mapping, against expectations written out here from the census 2021
classification and the NHS data dictionary (not read back from the module under test)."""

from __future__ import annotations

import pandas as pd
import pytest

from wres_tools.ethnicity import (
    MAPPING,
    Ethnicity,
    UnknownEthnicityLabel,
    classify,
    classify_series,
    unrecognised,
)

# The 19 census 2021 categories (England and Wales) and their high-level group.
CENSUS_2021 = [
    ("Bangladeshi", "asian"),
    ("Chinese", "asian"),
    ("Indian", "asian"),
    ("Pakistani", "asian"),
    ("Any other Asian background", "asian"),
    ("African", "black"),
    ("Caribbean", "black"),
    ("Any other Black, Black British or Caribbean background", "black"),
    ("White and Asian", "mixed"),
    ("White and Black African", "mixed"),
    ("White and Black Caribbean", "mixed"),
    ("Any other Mixed or multiple ethnic background", "mixed"),
    ("English, Welsh, Scottish, Northern Irish or British", "white"),
    ("Irish", "white"),
    ("Gypsy or Irish Traveller", "white"),
    ("Roma", "white"),
    ("Any other White background", "white"),
    ("Arab", "other"),
    ("Any other ethnic group", "other"),
]
CLASS = {"asian": "minority", "black": "minority", "mixed": "minority", "other": "minority",
         "white": "white"}
# The census 2021 high-level group name each category is published under.
GROUP_NAME = {
    "asian": "Asian, Asian British or Asian Welsh",
    "black": "Black, Black British, Black Welsh, Caribbean or African",
    "mixed": "Mixed or Multiple ethnic groups",
    "white": "White",
    "other": "Other ethnic group",
}


def test_there_are_19_census_categories_and_each_is_in_the_mapping() -> None:
    assert len(CENSUS_2021) == 19
    mapped = set(MAPPING["census_category"].dropna())
    assert mapped == {category for category, _ in CENSUS_2021}


@pytest.mark.parametrize(("category", "group"), CENSUS_2021)
def test_census_category(category: str, group: str) -> None:
    assert classify(category) == Ethnicity(category, group, CLASS[group])


@pytest.mark.parametrize(("category", "group"), CENSUS_2021)
def test_census_category_under_its_group_name(category: str, group: str) -> None:
    # "Asian, Asian British or Asian Welsh: Indian" as the census 2021 questionnaire prints it
    assert classify(f"{GROUP_NAME[group]}: {category}") == Ethnicity(category, group, CLASS[group])


@pytest.mark.parametrize(
    ("label", "group"),
    [
        # the contract's five high-level groups
        ("Asian or Asian British", "asian"),
        ("Black, Black British, Caribbean or African", "black"),
        ("Mixed or multiple", "mixed"),
        ("White", "white"),
        ("Other ethnic group", "other"),
        # census 2021 and 2011 spellings of the same groups
        ("Asian, Asian British or Asian Welsh", "asian"),
        ("Black, Black British, Black Welsh, Caribbean or African", "black"),
        ("Mixed or Multiple ethnic groups", "mixed"),
        ("Asian/Asian British", "asian"),
        ("Black/African/Caribbean/Black British", "black"),
        ("Mixed/Multiple ethnic groups", "mixed"),
        # labels that say only "minority"
        ("BAME", "minority"),
        ("Minority ethnic", "minority"),
    ],
)
def test_group_label(label: str, group: str) -> None:
    expected_class = "white" if group == "white" else "minority"
    assert classify(label) == Ethnicity(None, group, expected_class)


# NHS data dictionary ethnic category codes; R (Chinese) goes to the census 2021 Asian group.
NHS = [
    ("A", "English, Welsh, Scottish, Northern Irish or British", "white"),
    ("B", "Irish", "white"),
    ("C", "Any other White background", "white"),
    ("D", "White and Black Caribbean", "mixed"),
    ("E", "White and Black African", "mixed"),
    ("F", "White and Asian", "mixed"),
    ("G", "Any other Mixed or multiple ethnic background", "mixed"),
    ("H", "Indian", "asian"),
    ("J", "Pakistani", "asian"),
    ("K", "Bangladeshi", "asian"),
    ("L", "Any other Asian background", "asian"),
    ("M", "Caribbean", "black"),
    ("N", "African", "black"),
    ("P", "Any other Black, Black British or Caribbean background", "black"),
    ("R", "Chinese", "asian"),
    ("S", "Any other ethnic group", "other"),
]
NHS_DESCRIPTION = {
    "A": "White - British", "B": "White - Irish", "C": "White - Any other White background",
    "D": "Mixed - White and Black Caribbean", "E": "Mixed - White and Black African",
    "F": "Mixed - White and Asian", "G": "Mixed - Any other mixed background",
    "H": "Asian or Asian British - Indian", "J": "Asian or Asian British - Pakistani",
    "K": "Asian or Asian British - Bangladeshi",
    "L": "Asian or Asian British - Any other Asian background",
    "M": "Black or Black British - Caribbean", "N": "Black or Black British - African",
    "P": "Black or Black British - Any other Black background",
    "R": "Other Ethnic Groups - Chinese", "S": "Other Ethnic Groups - Any other ethnic group",
}


@pytest.mark.parametrize(("code", "category", "group"), NHS)
def test_nhs_code(code: str, category: str, group: str) -> None:
    expected = Ethnicity(category, group, CLASS[group])
    assert classify(code) == expected
    assert classify(code.lower()) == expected
    assert classify(f"{code} - {category}") == expected


@pytest.mark.parametrize(("code", "category", "group"), NHS)
def test_nhs_data_dictionary_description(code: str, category: str, group: str) -> None:
    expected = Ethnicity(category, group, CLASS[group])
    description = NHS_DESCRIPTION[code]
    assert classify(description) == expected
    assert classify(f"{code} - {description}") == expected
    assert classify(f"{code} {description}") == expected


@pytest.mark.parametrize(
    "label",
    ["Z", "99", 99, 99.0, "Z - Not stated", "99 - Not known", "Z Not stated", "Not stated",
     "Unknown", "Not known", "Prefer not to say", "Prefer not to disclose", "Not declared",
     "Declined", "Refused", "Information refused", "Not disclosed", "Withheld", "Not recorded",
     "", "   ", None, float("nan"), pd.NA],
)
def test_unknown_marker(label: object) -> None:
    assert classify(label) == Ethnicity(None, "unknown", "unknown")


@pytest.mark.parametrize(
    ("label", "category"),
    [
        ("  indian ", "Indian"),
        ("INDIAN", "Indian"),
        ("White:Irish", "Irish"),
        ("White \u2013 Irish", "Irish"),  # en dash
        ("White British", "English, Welsh, Scottish, Northern Irish or British"),
        ("White: English/Welsh/Scottish/Northern Irish/British",
         "English, Welsh, Scottish, Northern Irish or British"),
        ("Black African", "African"),
        ("Asian/Asian British: Pakistani", "Pakistani"),
        ("Gypsy/Irish Traveller", "Gypsy or Irish Traveller"),
        ("Chinese or other ethnic group: Chinese", "Chinese"),
        ("White Other", "Any other White background"),
        ("Other Asian", "Any other Asian background"),
        ("Black Other", "Any other Black, Black British or Caribbean background"),
        ("Mixed - Other Mixed", "Any other Mixed or multiple ethnic background"),
    ],
)
def test_other_spellings_of_a_category(label: str, category: str) -> None:
    assert classify(label).census_category == category


@pytest.mark.parametrize("label", ["Martian", "Whit", "Asian: Irish", "Q", "100", "White: Indian"])
def test_unrecognised_label_is_an_error_naming_it(label: str) -> None:
    with pytest.raises(UnknownEthnicityLabel) as caught:
        classify(label)
    assert repr(label) in str(caught.value)
    assert caught.value.label == label


def test_mapping_table_is_one_row_per_label_with_consistent_classes() -> None:
    assert MAPPING["label"].is_unique
    assert set(MAPPING["ethnic_class"]) == {"white", "minority", "unknown"}
    white = MAPPING[MAPPING["group"] == "white"]
    assert (white["ethnic_class"] == "white").all()
    unknown = MAPPING[MAPPING["group"] == "unknown"]
    assert unknown["census_category"].isna().all()


def test_classify_series_and_unrecognised_keep_the_index() -> None:
    labels = pd.Series(["Indian", "X-ray", "", "A"], index=[10, 11, 12, 13])
    assert unrecognised(labels).tolist() == [False, True, False, False]
    good = classify_series(labels.drop(11))
    assert good.index.tolist() == [10, 12, 13]
    assert good["ethnic_class"].tolist() == ["minority", "unknown", "white"]
    with pytest.raises(UnknownEthnicityLabel):
        classify_series(labels)
