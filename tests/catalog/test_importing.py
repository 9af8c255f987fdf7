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
