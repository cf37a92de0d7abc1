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


_BRITISH = "English, Welsh, Scottish, Northern Irish or British"
_OTHER_BLACK = "Any other Black, Black British or Caribbean background"
_OTHER_MIXED = "Any other Mixed or multiple ethnic background"

# The 2001 census questionnaire (England and Wales): group, then category.
CENSUS_2001 = [
    ("White: British", _BRITISH, "white"),
    ("White: Irish", "Irish", "white"),
    ("White: Any other White background", "Any other White background", "white"),
    ("Mixed: White and Black Caribbean", "White and Black Caribbean", "mixed"),
    ("Mixed: White and Black African", "White and Black African", "mixed"),
    ("Mixed: White and Asian", "White and Asian", "mixed"),
    ("Mixed: Any other Mixed background", _OTHER_MIXED, "mixed"),
    ("Asian or Asian British: Indian", "Indian", "asian"),
    ("Asian or Asian British: Pakistani", "Pakistani", "asian"),
    ("Asian or Asian British: Bangladeshi", "Bangladeshi", "asian"),
    ("Asian or Asian British: Any other Asian background", "Any other Asian background", "asian"),
    ("Black or Black British: Caribbean", "Caribbean", "black"),
    ("Black or Black British: African", "African", "black"),
    ("Black or Black British: Any other Black background", _OTHER_BLACK, "black"),
    ("Chinese or other ethnic group: Chinese", "Chinese", "asian"),
    ("Chinese or other ethnic group: Any other ethnic group", "Any other ethnic group", "other"),
    ("Chinese or other ethnic group: Any other", "Any other ethnic group", "other"),
]

# The 2011 census questionnaire (England): slashes in group and category names.
CENSUS_2011 = [
    ("White: English/Welsh/Scottish/Northern Irish/British", _BRITISH, "white"),
    ("White: Irish", "Irish", "white"),
    ("White: Gypsy or Irish Traveller", "Gypsy or Irish Traveller", "white"),
    ("White: Any other White background", "Any other White background", "white"),
    ("Mixed/multiple ethnic groups: White and Black Caribbean", "White and Black Caribbean",
     "mixed"),
    ("Mixed/multiple ethnic groups: White and Black African", "White and Black African",
     "mixed"),
    ("Mixed/multiple ethnic groups: White and Asian", "White and Asian", "mixed"),
    ("Mixed/multiple ethnic groups: Any other Mixed/multiple ethnic background", _OTHER_MIXED,
     "mixed"),
    ("Asian/Asian British: Indian", "Indian", "asian"),
    ("Asian/Asian British: Pakistani", "Pakistani", "asian"),
    ("Asian/Asian British: Bangladeshi", "Bangladeshi", "asian"),
    ("Asian/Asian British: Chinese", "Chinese", "asian"),
    ("Asian/Asian British: Any other Asian background", "Any other Asian background", "asian"),
    ("Black/African/Caribbean/Black British: African", "African", "black"),
    ("Black/African/Caribbean/Black British: Caribbean", "Caribbean", "black"),
    ("Black/African/Caribbean/Black British: Any other Black/African/Caribbean background",
     _OTHER_BLACK, "black"),
    ("Other ethnic group: Arab", "Arab", "other"),
    ("Other ethnic group: Any other ethnic group", "Any other ethnic group", "other"),
]

# NHS ESR exports: the code, a space, the data dictionary description; and lower-case codes.
ESR = [
    ("A White - British", _BRITISH, "white"),
    ("B White - Irish", "Irish", "white"),
    ("C White - Any other White background", "Any other White background", "white"),
    ("D Mixed - White and Black Caribbean", "White and Black Caribbean", "mixed"),
    ("G Mixed - Any other mixed background", _OTHER_MIXED, "mixed"),
    ("H Asian or Asian British - Indian", "Indian", "asian"),
    ("L Asian or Asian British - Any other Asian background", "Any other Asian background",
     "asian"),
    ("N Black or Black British - African", "African", "black"),
    ("P Black or Black British - Any other Black background", _OTHER_BLACK, "black"),
    ("R Other Ethnic Groups - Chinese", "Chinese", "asian"),
    ("S Other Ethnic Groups - Any other ethnic group", "Any other ethnic group", "other"),
    ("s", "Any other ethnic group", "other"),
]

# Spellings met in HR-system exports: other separators, "Other" after a group, word order.
HR_EXPORTS = [
    ("Black - Other", _OTHER_BLACK, "black"),
    ("Black/Other", _OTHER_BLACK, "black"),
    ("Black: Other", _OTHER_BLACK, "black"),
    ("Mixed - Other", _OTHER_MIXED, "mixed"),
    ("White - Other", "Any other White background", "white"),
    ("Asian - Other", "Any other Asian background", "asian"),
    ("Asian - Any other", "Any other Asian background", "asian"),
    ("Other - Other", "Any other ethnic group", "other"),
    ("Other White background", "Any other White background", "white"),
    ("Any other ethnic background", "Any other ethnic group", "other"),
    ("Mixed - White/Black Caribbean", "White and Black Caribbean", "mixed"),
    ("Mixed White/Black African", "White and Black African", "mixed"),
    ("Mixed - White & Asian", "White and Asian", "mixed"),
    ("Mixed White and Asian", "White and Asian", "mixed"),
    ("White/Irish", "Irish", "white"),
    ("White-British", _BRITISH, "white"),
    ("White English", _BRITISH, "white"),
    ("Scottish", _BRITISH, "white"),
    ("Asian/Indian", "Indian", "asian"),
    ("Asian-Pakistani", "Pakistani", "asian"),
    ("Black-African", "African", "black"),
    ("Black : Caribbean", "Caribbean", "black"),
    ("Gypsy", "Gypsy or Irish Traveller", "white"),
    ("Irish Traveller", "Gypsy or Irish Traveller", "white"),
    ("White - Roma", "Roma", "white"),
    ("Other ethnic group - Arab", "Arab", "other"),
]


@pytest.mark.parametrize(("label", "category", "group"),
                         CENSUS_2001 + CENSUS_2011 + ESR + HR_EXPORTS)
def test_census_2001_2011_esr_and_hr_export_forms(label: str, category: str, group: str) -> None:
    assert classify(label) == Ethnicity(category, group, CLASS[group])


@pytest.mark.parametrize(
    ("label", "group"),
    [("Gypsy/Roma", "white"), ("Gypsy, Roma and Traveller", "white"), ("Black British", "black"),
     ("Asian British", "asian")],
)
def test_labels_that_name_a_group_but_no_single_category(label: str, group: str) -> None:
    expected_class = "white" if group == "white" else "minority"
    assert classify(label) == Ethnicity(None, group, expected_class)


@pytest.mark.parametrize(
    "label",
    ["Undisclosed", "I do not wish to disclose", "Do not wish to disclose", "Prefer not to say",
     "prefer not to say", "Prefer not to state", "Not specified", "Unspecified", "Not given",
     "Not provided", "I do not wish to disclose my ethnic origin", "Declined to state",
     "Not stated/Not known", "Unknown - Not stated"],
)
def test_not_disclosed_phrasings(label: str) -> None:
    assert classify(label) == Ethnicity(None, "unknown", "unknown")


@pytest.mark.parametrize("label", ["White - Indian", "Black/Irish", "Asian - Arab", "Mixed/Other "
                                   "Asian", "Other - Black"])
def test_a_category_under_the_wrong_group_is_still_an_error(label: str) -> None:
    with pytest.raises(UnknownEthnicityLabel):
        classify(label)
