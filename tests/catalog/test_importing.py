import json
from decimal import Decimal

import pytest

from catalog.importing import ImportFileError, parse_file, validate_file

GOOD_CSV = (
    "sku,title,brand,category,price,stock,material\n"
    "GL-100,Nitrile Gloves Box of 100,LabGuard,Safety > Gloves,12.99,140,nitrile\n"
    "BK-250,Glass Beaker 250 ml,ClearLab,Lab > Glassware,6.50,35,borosilicate glass\n"
)


def test_a_valid_csv_gives_every_row_with_typed_values_and_extra_columns_as_attributes():
    report = validate_file("products.csv", GOOD_CSV.encode())

    assert report.errors == []
    assert [row.sku for row in report.valid_rows] == ["GL-100", "BK-250"]
    first = report.valid_rows[0]
    assert first.price == Decimal("12.99")
    assert first.stock == 140
    assert first.category_path == ["Safety", "Gloves"]
    assert first.attributes == {"material": "nitrile"}


def test_bad_rows_are_reported_with_row_column_and_reason_and_kept_apart_from_good_rows():
    data = (
        b"sku,title,price,stock\n"
        b"A-1,Good product,5.00,3\n"
        b",Missing sku,5.00,3\n"
        b"A-3,Bad price,five dollars,3\n"
        b"A-4,Negative stock,1.00,-2\n"
        b"A-1,Duplicate of row 1,2.00,1\n"
    )

    report = validate_file("mixed.csv", data)

    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, "sku", "SKU is required"),
        (3, "price", "'five dollars' is not a price"),
        (4, "stock", "Stock cannot be negative"),
        (5, "sku", "SKU 'A-1' already appears in row 1"),
    ]
    assert [row.sku for row in report.valid_rows] == ["A-1"]
    assert report.invalid_row_numbers == {2, 3, 4, 5}


def test_utf8_with_bom_semicolons_and_decimal_commas_from_a_european_export():
    data = "\ufeffSKU;Name;Price;Quantity\nDE-1;Schutzbrille klar;12,50;7\n".encode()

    report = validate_file("export.csv", data)

    assert report.parsed.encoding == "utf-8-sig"
    assert report.parsed.delimiter == ";"
    row = report.valid_rows[0]
    assert (row.sku, row.title, row.price, row.stock) == ("DE-1", "Schutzbrille klar", Decimal("12.50"), 7)


def test_windows_1252_text_is_read():
    data = "sku,title\nW-1,Café thermometer – 10 °C\n".encode("cp1252")

    report = validate_file("legacy.csv", data)

    assert report.parsed.encoding == "cp1252"
    assert report.valid_rows[0].title == "Café thermometer – 10 °C"


def test_json_list_with_nested_attributes():
    data = json.dumps(
        [
            {"sku": "J-1", "title": "Beaker", "price": 4.5, "attributes": {"volume": "250 ml"}},
            {"sku": "J-2", "title": "Flask", "stock": "1.5"},
            "not an object",
        ]
    ).encode()

    report = validate_file("products.json", data)

    assert report.valid_rows[0].attributes == {"volume": "250 ml"}
    assert report.valid_rows[0].price == Decimal("4.50")
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, "stock", "'1.5' is not a whole number"),
        (3, "", "Expected an object, found str"),
    ]


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is not a CSV or JSON file"),
        ("sheet.csv", b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "looks binary"),
        ("empty.csv", b"   \n", "The file is empty."),
        ("nocols.csv", b"code,title\nx,1\n", "Missing required column: sku."),
        ("broken.json", b'[{"sku": "A"', "The JSON is not valid"),
        ("header-only.csv", b"sku,title\n", "The file has a header but no products."),
    ],
)
def test_files_that_cannot_be_read_get_a_clear_error(filename, data, message):
    with pytest.raises(ImportFileError, match=message.replace(".", r"\.")):
        parse_file(filename, data)


# --------------------------------------------------------------------------- hostile files
# Each one gives a clear file error or row error, quickly, and nothing that
# Postgres would refuse reaches a valid row (a refused row in the middle of an
# import would leave it half done).

def _json(text: str) -> bytes:
    return text.encode()


def _row_errors(data: bytes, name: str = "products.json") -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.message) for e in validate_file(name, data).errors]


@pytest.mark.timeout(60)  # int(Decimal("1e9999999")) alone runs for minutes
def test_a_stock_with_a_huge_exponent_is_a_row_error():
    data = b"sku,title,stock\nS-1,Beaker,1e9999999\nS-2,Flask,1E+400000\nS-3,Tube,12e-1\nS-4,Rack,3e2\n"

    report = validate_file("products.csv", data)

    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (1, "stock", "Stock is too large"),
        (2, "stock", "Stock is too large"),
        (3, "stock", "'12e-1' is not a whole number"),
    ]
    assert [(row.sku, row.stock) for row in report.valid_rows] == [("S-4", 300)]


@pytest.mark.timeout(60)
def test_huge_numbers_in_json_are_row_errors_not_a_crash():
    digits = "9" * 5000
    data = _json(
        f'[{{"sku": "N-1", "title": "Beaker", "stock": {digits}}},'
        f' {{"sku": "N-2", "title": "Flask", "attributes": {{"weight": {digits}}}}},'
        f' {{"sku": "N-3", "title": "Tube", "price": 1e9999999}},'
        f' {{"sku": "N-4", "title": "Rack", "weight": NaN, "height": -Infinity}},'
        f' {{"sku": "N-5", "title": "Clamp", "stock": 3}}]'
    )

    assert _row_errors(data) == [
        (1, "stock", "Stock is too large"),
        (2, "attributes", "A number with 5000 digits is too long"),
        (3, "price", "Price is too large"),
        (4, "weight", "NaN is not a number a product can store"),
        (4, "height", "-Infinity is not a number a product can store"),
    ]


def test_a_utf16_file_with_an_odd_number_of_bytes_is_a_file_error():
    data = "sku,title\nU-1,Beaker\n".encode("utf-16") + b"\x00"

    with pytest.raises(ImportFileError, match="The UTF-16 text is cut off"):
        parse_file("products.csv", data)


def test_a_deeply_nested_json_document_is_a_file_error():
    data = b"[" * 100_000 + b"]" * 100_000

    with pytest.raises(ImportFileError, match="nested too deeply"):
        parse_file("products.json", data)


def test_deeply_nested_attributes_are_a_row_error():
    nested = "[" * 50 + "1" + "]" * 50
    data = _json(f'[{{"sku": "D-1", "title": "Beaker", "attributes": {{"layers": {nested}}}}},'
                 f' {{"sku": "D-2", "title": "Flask", "attributes": {{"size": {{"ml": 250}}}}}}]')

    report = validate_file("products.json", data)

    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (1, "attributes", "Values nest more than 4 levels deep"),
    ]
    assert report.valid_rows[0].attributes == {"size": {"ml": 250}}


def test_nul_and_lone_surrogates_in_json_are_row_errors_and_never_reach_a_row():
    data = _json(
        '[{"sku": "Z-1", "title": "Bea\\u0000ker"},'
        ' {"sku": "Z-2", "title": "Flask", "attributes": {"no\\u0000te": "x"}},'
        ' {"sku": "Z-3", "title": "Tube", "material": "glass\\ud800"},'
        ' {"sku": "Z-4", "title": "Rack"}]'
    )

    report = validate_file("products.json", data)

    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (1, "title", "Contains a NUL character"),
        (2, "attributes", "Contains a NUL character"),
        (3, "material", "Contains a character that is not valid Unicode"),
    ]
    assert [row.sku for row in report.valid_rows] == ["Z-4"]
    # What the preview keeps of the bad rows can be stored: no NUL, no surrogate.
    shown = repr([(row.title, row.attributes) for row in report.rows])
    assert "\\x00" not in shown and "\\ud800" not in shown


def test_a_nul_byte_after_the_first_4_kb_of_a_csv_is_a_file_error():
    rows = "".join(f"P-{n},Product number {n}\n" for n in range(400))
    data = ("sku,title\n" + rows).encode() + b"P-999,Hidden\x00NUL\n"
    assert data.index(b"\x00") > 4096

    with pytest.raises(ImportFileError, match="NUL character on line 402"):
        parse_file("products.csv", data)


def test_a_category_path_longer_than_a_category_can_hold_is_a_row_error():
    deep = " > ".join(f"Level {n} " + "x" * 150 for n in range(8))
    data = f"sku,title,category\nC-1,Beaker,{deep}\nC-2,Flask,Lab > Glassware\n".encode()

    assert _row_errors(data, "products.csv") == [
        (1, "category", "The category path is longer than 1000 characters"),
    ]


def test_skus_that_differ_only_in_case_composition_or_zero_width_characters_are_one_sku():
    data = (
        "sku,title\n"
        "GL-100,Gloves\n"
        "gl-100,Gloves again\n"
        "GL\u200b-100,Gloves with a zero-width space\n"
        "Cafe\u0301-1,Decomposed accent\n"
        "Café-1,Composed accent\n"
        "BELL\x07-1,A control character\n"
    ).encode()

    report = validate_file("products.csv", data)

    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, "sku", "SKU 'gl-100' already appears in row 1"),
        (3, "sku", "SKU 'GL-100' already appears in row 1"),
        (5, "sku", "SKU 'Café-1' already appears in row 4"),
        (6, "sku", "SKU must not contain control characters"),
    ]
    assert [row.sku for row in report.valid_rows] == ["GL-100", "Café-1"]
    assert report.valid_rows[1].sku == "Caf\u00e9-1"  # stored composed (NFC)
