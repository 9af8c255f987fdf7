"""Reading and validating catalog files (CSV or JSON) into product rows.

Pure functions over bytes: the upload view validates the whole file for the
preview, and the import task reads the same file again with the same code, so
what the merchant saw is what gets imported.

Columns: `sku` and `title` are required; `brand`, `category` (a path such as
"Tools > Sanding > Discs"), `price`, `currency`, `stock`, `language`,
`description` and `attributes` (a JSON object) are known; any other column
becomes an attribute ("color", "material"...).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

REQUIRED_COLUMNS = ("sku", "title")
KNOWN_COLUMNS = (
    "sku",
    "title",
    "brand",
    "category",
    "price",
    "currency",
    "stock",
    "language",
    "description",
    "attributes",
)
# Names real exports use for our columns.
COLUMN_ALIASES = {
    "id": "sku",
    "product_id": "sku",
    "item_sku": "sku",
    "variant_sku": "sku",
    "name": "title",
    "product_name": "title",
    "product_title": "title",
    "vendor": "brand",
    "manufacturer": "brand",
    "product_type": "category",
    "category_path": "category",
    "categories": "category",
    "quantity": "stock",
    "inventory": "stock",
    "inventory_quantity": "stock",
    "qty": "stock",
    "variant_price": "price",
    "lang": "language",
    "body": "description",
    "body_html": "description",
}
CATEGORY_SEPARATORS = re.compile(r"\s*(?:>|/|\|)\s*")
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")
MAX_SKU = 64
MAX_TITLE = 500
MAX_ERRORS_KEPT = 500


class ImportFileError(ValueError):
    """The file as a whole cannot be read; the message tells the merchant why."""


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based data row number (the header is row 0 for CSV)
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ProductRow:
    row: int
    sku: str
    title: str
    brand: str = ""
    category_path: list[str] = field(default_factory=list)
    price: Decimal | None = None
    currency: str = ""
    stock: int | None = None
    language: str = ""
    description: str = ""
    attributes: dict = field(default_factory=dict)


@dataclass
class ParsedFile:
    file_format: str  # "csv" | "json"
    encoding: str
    delimiter: str
    columns: list[str]
    records: list[tuple[int, dict[str, str]]]  # (row number, raw values by normalized column)


@dataclass
class ValidationReport:
    parsed: ParsedFile
    rows: list[ProductRow]
    errors: list[RowError]
    invalid_row_numbers: set[int]

    @property
    def total_rows(self) -> int:
        return len(self.parsed.records)

    @property
    def valid_rows(self) -> list[ProductRow]:
        return [row for row in self.rows if row.row not in self.invalid_row_numbers]


# --------------------------------------------------------------------------- reading


def detect_format(filename: str, data: bytes) -> str:
    name = filename.lower()
    if name.endswith(".json"):
        return "json"
    if name.endswith((".csv", ".tsv", ".txt")):
        return "csv"
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head in (b"[", b"{"):
        return "json"
    raise ImportFileError(
        f"'{filename}' is not a CSV or JSON file. Upload a .csv export (comma, semicolon or tab separated) "
        "or a .json list of products."
    )


def decode(data: bytes) -> tuple[str, str]:
    """Text and the encoding it was read with. UTF-8 (with or without the BOM
    that Excel writes) first, then UTF-16 with a BOM, then Windows-1252."""
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError("The file looks binary (a spreadsheet or an archive?). Export it as CSV or JSON.")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"The file is not UTF-8 or Windows-1252 text (byte {exc.start} cannot be read). Save it as UTF-8."
        ) from None


def normalize_column(name: str) -> str:
    key = re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")
    return COLUMN_ALIASES.get(key, key)


def parse_file(filename: str, data: bytes) -> ParsedFile:
    if not data.strip():
        raise ImportFileError("The file is empty.")
    file_format = detect_format(filename, data)
    text, encoding = decode(data)
    if file_format == "json":
        columns, records = _parse_json(text)
        delimiter = ""
    else:
        columns, records, delimiter = _parse_csv(text)
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise ImportFileError(
            f"Missing required column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}. "
            f"Columns found: {', '.join(columns) or 'none'}."
        )
    if not records:
        raise ImportFileError("The file has a header but no products.")
    return ParsedFile(file_format, encoding, delimiter, columns, records)


def _parse_csv(text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]], str]:
    sample = text[:20000]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError("The file is empty.") from None
    except csv.Error as exc:
        raise ImportFileError(f"The CSV header cannot be read: {exc}") from None
    columns = [normalize_column(name) for name in header]
    duplicates = sorted({name for name in columns if name and columns.count(name) > 1})
    if duplicates:
        raise ImportFileError(f"Column names repeat: {', '.join(duplicates)}.")
    records: list[tuple[int, dict[str, str]]] = []
    try:
        for number, values in enumerate(reader, start=1):
            if not any(value.strip() for value in values):
                continue  # blank line
            record = {name: value for name, value in zip(columns, values, strict=False) if name}
            if len(values) > len(columns):
                record["__extra__"] = str(len(values) - len(columns))
            records.append((number, record))
    except csv.Error as exc:
        raise ImportFileError(f"The CSV cannot be read after row {len(records)}: {exc}") from None
    return [name for name in columns if name], records, delimiter


def _parse_json(text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"The JSON is not valid: {exc.msg} at line {exc.lineno}, column {exc.colno}.") from None
    if isinstance(document, dict):
        document = document.get("products", document.get("items"))
    if not isinstance(document, list):
        raise ImportFileError('The JSON must be a list of products, or an object with a "products" list.')
    columns: list[str] = []
    records: list[tuple[int, dict]] = []
    for number, item in enumerate(document, start=1):
        if not isinstance(item, dict):
            records.append((number, {"__not_object__": type(item).__name__}))
            continue
        record = {}
        for key, value in item.items():
            name = normalize_column(str(key))
            if name not in columns:
                columns.append(name)
            record[name] = value
        records.append((number, record))
    return columns, records


# --------------------------------------------------------------------------- validation


def validate_file(filename: str, data: bytes) -> ValidationReport:
    parsed = parse_file(filename, data)
    rows: list[ProductRow] = []
    errors: list[RowError] = []
    invalid: set[int] = set()
    first_row_of_sku: dict[str, int] = {}
    for number, record in parsed.records:
        row, row_errors = validate_record(number, record)
        if row is not None and not row_errors:
            earlier = first_row_of_sku.get(row.sku.lower())
            if earlier is not None:
                row_errors.append(RowError(number, "sku", f"SKU '{row.sku}' already appears in row {earlier}"))
            else:
                first_row_of_sku[row.sku.lower()] = number
        if row is not None:
            rows.append(row)
        if row_errors:
            invalid.add(number)
            errors.extend(row_errors)
    return ValidationReport(parsed=parsed, rows=rows, errors=errors, invalid_row_numbers=invalid)


def validate_record(number: int, record: dict) -> tuple[ProductRow | None, list[RowError]]:
    if "__not_object__" in record:
        return None, [RowError(number, "", f"Expected an object, found {record['__not_object__']}")]
    errors: list[RowError] = []

    def text(column: str) -> str:
        value = record.get(column)
        if value is None:
            return ""
        if isinstance(value, (dict, list)):
            errors.append(RowError(number, column, "Expected text, found a nested value"))
            return ""
        return str(value).strip()

    if "__extra__" in record:
        errors.append(RowError(number, "", f"{record['__extra__']} more value(s) than there are columns"))

    sku = text("sku")
    if not sku:
        errors.append(RowError(number, "sku", "SKU is required"))
    elif len(sku) > MAX_SKU:
        errors.append(RowError(number, "sku", f"SKU is longer than {MAX_SKU} characters"))
    elif any(ch.isspace() for ch in sku):
        errors.append(RowError(number, "sku", "SKU must not contain spaces"))

    title = text("title")
    if not title:
        errors.append(RowError(number, "title", "Title is required"))
    elif len(title) > MAX_TITLE:
        errors.append(RowError(number, "title", f"Title is longer than {MAX_TITLE} characters"))

    price = _parse_price(record.get("price"), number, errors)
    stock = _parse_stock(record.get("stock"), number, errors)

    currency = text("currency").upper()
    if currency and not CURRENCY_CODE.match(currency):
        errors.append(RowError(number, "currency", f"'{currency}' is not a 3-letter currency code such as USD"))

    language = text("language")
    if language and not LANGUAGE_CODE.match(language):
        errors.append(RowError(number, "language", f"'{language}' is not a language code such as en or zh"))

    attributes = _parse_attributes(record, number, errors)
    category_path = [part for part in CATEGORY_SEPARATORS.split(text("category")) if part]

    row = ProductRow(
        row=number,
        sku=sku,
        title=title,
        brand=text("brand")[:200],
        category_path=category_path,
        price=price,
        currency=currency,
        stock=stock,
        language=language,
        description=text("description"),
        attributes=attributes,
    )
    return row, errors


def _parse_price(value, number: int, errors: list[RowError]) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        errors.append(RowError(number, "price", "Price must be a number"))
        return None
    raw = str(value).strip()
    cleaned = re.sub(r"^[^\d\-.,]+|[^\d.,]+$", "", raw)  # "$12.50", "12,50 €"
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")  # decimal comma, as in ;-separated exports
    elif "," in cleaned:
        cleaned = cleaned.replace(",", "")  # thousands separator
    try:
        price = Decimal(cleaned)
    except InvalidOperation:
        errors.append(RowError(number, "price", f"'{raw}' is not a price"))
        return None
    if not price.is_finite():
        errors.append(RowError(number, "price", f"'{raw}' is not a price"))
        return None
    if price < 0:
        errors.append(RowError(number, "price", "Price cannot be negative"))
        return None
    if price >= Decimal("10000000000"):
        errors.append(RowError(number, "price", "Price is too large"))
        return None
    return price.quantize(Decimal("0.01"))


def _parse_stock(value, number: int, errors: list[RowError]) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        errors.append(RowError(number, "stock", "Stock must be a whole number"))
        return None
    raw = str(value).strip()
    try:
        stock = int(Decimal(raw))
        if Decimal(raw) != stock:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors.append(RowError(number, "stock", f"'{raw}' is not a whole number"))
        return None
    if stock < 0:
        errors.append(RowError(number, "stock", "Stock cannot be negative"))
        return None
    if stock > 2_000_000_000:
        errors.append(RowError(number, "stock", "Stock is too large"))
        return None
    return stock


def _parse_attributes(record: dict, number: int, errors: list[RowError]) -> dict:
    attributes: dict = {}
    raw = record.get("attributes")
    if isinstance(raw, dict):
        attributes.update(raw)
    elif isinstance(raw, str) and raw.strip():
        try:
            parsed = json.loads(raw)
        except json.JSONDecodeError:
            errors.append(RowError(number, "attributes", 'Attributes must be a JSON object such as {"color": "red"}'))
        else:
            if isinstance(parsed, dict):
                attributes.update(parsed)
            else:
                errors.append(RowError(number, "attributes", "Attributes must be a JSON object"))
    elif raw not in (None, ""):
        errors.append(RowError(number, "attributes", "Attributes must be a JSON object"))
    for column, value in record.items():
        if column in KNOWN_COLUMNS or column.startswith("__"):
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        attributes[column] = value.strip() if isinstance(value, str) else value
    return attributes
