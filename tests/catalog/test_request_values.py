import pytest

from catalog.request_values import id_or_none, ids_from, whole_number_or_none


@pytest.mark.parametrize("value, expected", [
    ("42", 42), (" 7 ", 7), (42, 42), (str(2**63 - 1), 2**63 - 1),
    ("0", None), ("-3", None), (str(2**63), None), ("9" * 40, None), ("²", None), ("١٢٣", None),
    ("4.0", None), ("", None), (None, None), (True, None), ([1], None), (2**63, None),
])
def test_an_id_is_ascii_digits_within_bigint(value, expected):
    assert id_or_none(value) == expected


def test_ids_from_keeps_the_readable_ones_in_order():
    assert ids_from(["3", "²", "1", "x", "0"]) == [3, 1]


@pytest.mark.parametrize("value, expected", [("0", 0), ("12", 12), ("9" * 30, int("9" * 30)), ("9" * 31, None),
                                             ("²", None), ("-1", None), (None, None)])
def test_a_whole_number_keeps_zero_and_large_values_for_the_service_to_judge(value, expected):
    assert whole_number_or_none(value) == expected
