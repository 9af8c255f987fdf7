import pytest

from content.checks.quantities import FactQuantities, find_quantities, lookup_unit, parse_number, same_quantity


def read(text):
    return [(q.text, q.value, q.unit.symbol if q.unit else q.unit_text, q.weak) for q in find_quantities(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("4 1/2", 4.5),
        ("4-1/2", 4.5),
        ("7/64", 7 / 64),
        ("5,000", 5000.0),
        (".020", 0.02),
        ("4½", 4.5),
        ("4 ½", 4.5),
        ("-40", -40.0),
    ],
)
def test_parse_number(text, expected):
    assert parse_number(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    "spelling, symbol",
    [
        ("Inch", "in"),
        ("inches", "in"),
        ('"', "in"),
        ("in.", "in"),
        ("英寸", "in"),
        ("OZ", "oz"),
        ("ounce", "oz"),
        ("盎司", "oz"),
        ("fl. oz.", "fl oz"),
        ("fluid ounces", "fl oz"),
        ("yd", "yd"),
        ("Yards", "yd"),
        ("码", "yd"),
        ("mm", "mm"),
        ("毫米", "mm"),
        ("cm", "cm"),
        ("m", "m"),
        ("ML", "ml"),
        ("L", "l"),
        ("KG", "kg"),
        ("g", "g"),
        ("lbs", "lb"),
        ("pounds", "lb"),
        ("V", "V"),
        ("volts", "V"),
        ("w", "W"),
        ("mAh", "mAh"),
        ("PSI", "psi"),
        ("°F", "°F"),
        ("℃", "°C"),
        ("%", "%"),
        ("hours", "h"),
        ("yrs", "years"),
        ("年", "years"),
        ("Pack", "count"),
        ("pcs", "count"),
        ("Count", "count"),
        ("件", "count"),
        ("Grit", "grit"),
        ("目", "grit"),
        ("DPI", "DPI"),
    ],
)
def test_unit_spellings(spelling, symbol):
    assert lookup_unit(spelling).symbol == symbol


def test_units_that_are_case_sensitive():
    assert lookup_unit("M") is None  # 3M is a brand, not three metres
    assert lookup_unit("mA").symbol == "mA"
    assert lookup_unit("MA") is None


def test_sizes_from_real_titles():
    assert read("PORTER-CABLE 740000801 4 1/2-Inch x 10yd 80 Grit Adhesive-Backed Sanding Roll") == [
        ("4 1/2-Inch", 4.5, "in", False),
        ("10yd", 10.0, "yd", False),
        ("80 Grit", 80.0, "grit", False),
    ]
    assert read("DEWALT DW4524 4-1/2-Inch by 1/4-Inch by 7/8-Inch Concrete/Masonry Grinding Wheel") == [
        ("4-1/2-Inch", 4.5, "in", False),
        ("1/4-Inch", 0.25, "in", False),
        ("7/8-Inch", 0.875, "in", False),
    ]
    assert read("Signswise 200x200mm 12v 150w Silicone Rubber Heating Heater") == [
        ("200x200mm", 200.0, "mm", True),
        ("200x200mm", 200.0, "mm", False),
        ("12v", 12.0, "V", False),
        ("150w", 150.0, "W", False),
    ]
    assert read("B&C Eagle 9018 3/4-Inch Length x 18 Gauge Galvanized Finish Staples (5,000 per box)") == [
        ("3/4-Inch", 0.75, "in", False),
        ("18 Gauge", 18.0, "gauge", False),
        ("5,000 per box", 5000.0, "count", False),
    ]
    assert read("Allstar Performance ALL14261 White 4 x 165' Gaffer's Tape") == [
        ("4 x 165'", 4.0, "ft", True),
        ("4 x 165'", 165.0, "ft", False),
    ]


def test_model_numbers_are_not_quantities():
    assert read("DEWALT DW4524 wheel, Sintron MK8 0.4mm nozzle, SUNKEE 1N4148, STCR5019-38 staples") == [
        ("0.4mm", 0.4, "mm", False),
    ]


def test_in_as_a_preposition_is_not_inches():
    assert read("Available in 3 sizes, a 2-in-1 tool that fits 5 in the box.") == []


def test_chinese_quantities():
    assert read("宽4-1/2英寸，长10码，80目，8盎司，3年质保，12件装") == [
        ("4-1/2英寸", 4.5, "in", False),
        ("10码", 10.0, "yd", False),
        ("80目", 80.0, "grit", False),
        ("8盎司", 8.0, "oz", False),
        ("3年质保", 3.0, "years", False),
        ("12件", 12.0, "count", False),
    ]


def test_a_year_is_not_a_duration():
    assert read("始于2018年") == []


def test_number_words_only_for_sizes_and_warranties():
    assert read("one day you will need ten inches and a two-year warranty, not two pieces") == [
        ("ten inches", 10.0, "in", False),
        ("two-year warranty", 2.0, "years", False),
    ]
    assert read("one foot in front of the other, one in ten, a one-year warranty") == [
        ("one-year warranty", 1.0, "years", False),
    ]


def test_negative_temperatures_and_ranges():
    assert read("Works from -40°C, input 3-32V") == [
        ("-40°C", -40.0, "°C", False),
        ("3-32V", 3.0, "V", True),
        ("3-32V", 32.0, "V", False),
    ]


@pytest.mark.parametrize(
    "a, b, same",
    [
        ("8 oz", "8 ounce", True),
        ("8 oz", "8 fl oz", True),
        ("8 oz", "227 g", True),
        ("8 fl oz", "237 ml", True),
        ("8 oz", "8.2 oz", False),
        ("10 yd", "9.1 m", True),
        ("10 yd", "8 m", False),
        ("1 kg", "2.2 lbs", True),
        ("200°F", "93°C", True),
        ("1 hp", "746 W", True),
        ("24 hours", "1 day", True),
        ("12 months", "1 year", True),
        ("80 grit", "80 mesh", False),
        ("12 pack", "pack of 12", True),
    ],
)
def test_same_quantity_after_conversion(a, b, same):
    (qa,), (qb,) = find_quantities(a), find_quantities(b)
    assert same_quantity(qa, qb) is same


def test_fact_quantities_allow_a_size_whose_unit_the_title_left_out():
    facts = FactQuantities.from_text("Stainless Steel Woven Mesh Sheet, 12 Width, 0.009 Wire Diameter")

    assert facts.supports(find_quantities("a 12-inch sheet")[0]) is True
    assert facts.supports(find_quantities("0.009 in wire")[0]) is True
    assert facts.supports(find_quantities("a 12 V supply")[0]) is False
