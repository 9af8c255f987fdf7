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
import math
import re
import unicodedata
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
# Category.path's length, with names joined by Category.PATH_SEPARATOR.
MAX_CATEGORY_PATH = 1000
MAX_CATEGORY_NAME = 200
CATEGORY_PATH_SEPARATOR = " > "
# How deep attribute values may nest ({"size": {"ml": 250}} is 2 levels).
MAX_NESTING = 4
# The longest JSON integer kept as a number; longer ones are a row error, and
# never reach int() (whose conversion time grows with the square of the digits).
MAX_JSON_DIGITS = 30
# Stock is a 32-bit integer column.
MAX_STOCK = 2_000_000_000


# --------------------------------------------------------------------------- SKUs


def sku_normalize(raw: str) -> str:
    """A SKU as stored and shown: NFC, without format characters (zero-width
    spaces and joiners, soft hyphens, byte order marks) and surrounding space.
    The one rule for every app that reads a SKU: imports, events, lookups."""
    composed = unicodedata.normalize("NFC", str(raw))
    return "".join(ch for ch in composed if unicodedata.category(ch) != "Cf").strip()


def sku_key(raw: str) -> str:
    """What makes two SKUs the same product: the normalised SKU without case
    ("GL-100", "gl-100" and "GL\u200b-100" are one). Product.sku_key holds it,
    unique per store."""
    return sku_normalize(raw).casefold()


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
    that Excel writes) first, then UTF-16 with a BOM, then Windows-1252.
    ImportFileError for bytes none of them reads, and for a NUL character
    anywhere (no database column can hold one)."""
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError("The file looks binary (a spreadsheet or an archive?). Export it as CSV or JSON.")
    if data.startswith(b"\xef\xbb\xbf"):
        text, encoding = _decode_as(data[3:], "utf-8", label="UTF-8"), "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text, encoding = _decode_as(data, "utf-16", label="UTF-16"), "utf-16"
    else:
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, encoding = _decode_as(data, "cp1252", label="UTF-8 or Windows-1252"), "cp1252"
    return _without_nul(text), encoding


def _decode_as(data: bytes, encoding: str, *, label: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        if exc.reason == "truncated data":
            raise ImportFileError(f"The {label} text is cut off at the end (byte {exc.start}). "
                                  "Save the file again as UTF-8.") from None
        raise ImportFileError(f"The file is not {label} text (byte {exc.start} cannot be read). "
                              "Save it as UTF-8.") from None


def _without_nul(text: str) -> str:
    """The text, or ImportFileError naming the line of its first NUL character
    (no database column can hold one)."""
    position = text.find("\x00")
    if position < 0:
        return text
    line = text.count("\n", 0, position) + 1
    raise ImportFileError(f"The file contains a NUL character on line {line}. Export it again as text.")


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


class UnstorableNumber(str):
    """A JSON number no column can hold (thousands of digits, NaN, Infinity),
    kept as its text so that validation can say which row and column."""

    reason: str

    def __new__(cls, text: str, reason: str) -> UnstorableNumber:
        number = super().__new__(cls, text)
        number.reason = reason
        return number


def _json_int(text: str) -> int | UnstorableNumber:
    if len(text.lstrip("-")) > MAX_JSON_DIGITS:
        return UnstorableNumber(text, f"A number with {len(text.lstrip('-'))} digits is too long")
    return int(text)


def _json_float(text: str) -> float | UnstorableNumber:
    value = float(text)
    return value if math.isfinite(value) else UnstorableNumber(text, f"{text[:40]} is too large a number")


def _json_constant(name: str) -> UnstorableNumber:
    return UnstorableNumber(name, f"{name} is not a number a product can store")


def _parse_json(text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    try:
        document = json.loads(text, parse_int=_json_int, parse_float=_json_float, parse_constant=_json_constant)
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"The JSON is not valid: {exc.msg} at line {exc.lineno}, column {exc.colno}.") from None
    except RecursionError:
        raise ImportFileError("The JSON is nested too deeply to be a list of products.") from None
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
            earlier = first_row_of_sku.get(sku_key(row.sku))
            if earlier is not None:
                row_errors.append(RowError(number, "sku", f"SKU '{row.sku}' already appears in row {earlier}"))
            else:
                first_row_of_sku[sku_key(row.sku)] = number
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
    record = _storable_record(number, record, errors)

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

    sku = sku_normalize(text("sku"))
    if not sku:
        errors.append(RowError(number, "sku", "SKU is required"))
    elif len(sku) > MAX_SKU:
        errors.append(RowError(number, "sku", f"SKU is longer than {MAX_SKU} characters"))
    elif any(ch.isspace() for ch in sku):
        errors.append(RowError(number, "sku", "SKU must not contain spaces"))
    elif any(unicodedata.category(ch) == "Cc" for ch in sku):
        errors.append(RowError(number, "sku", "SKU must not contain control characters"))

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
    if len(CATEGORY_PATH_SEPARATOR.join(part[:MAX_CATEGORY_NAME] for part in category_path)) > MAX_CATEGORY_PATH:
        errors.append(RowError(number, "category", f"The category path is longer than {MAX_CATEGORY_PATH} characters"))

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


def _storable_record(number: int, record: dict, errors: list[RowError]) -> dict:
    """The record with every value made storable, and a row error for each
    column that held what no column can store: a NUL character, a lone
    surrogate (JSON allows "\\ud800"), a number no column holds, values nested
    deeper than MAX_NESTING. The cleaned values only feed the preview: the
    row is invalid."""
    cleaned = {}
    for column, value in record.items():
        if column.startswith("__"):
            cleaned[column] = value
            continue
        problems: list[str] = []
        # Price and stock read a number's text themselves, to say what is wrong with it.
        numbers_judged_here = column not in ("price", "stock")
        limit = MAX_NESTING if column == "attributes" else MAX_NESTING - 1
        cleaned[column] = _storable(value, problems, depth=0, limit=limit, judge_numbers=numbers_judged_here)
        for problem in dict.fromkeys(problems):
            errors.append(RowError(number, column, problem))
    return cleaned


def _storable(value, problems: list[str], *, depth: int, limit: int, judge_numbers: bool):
    if isinstance(value, UnstorableNumber):
        if not judge_numbers:
            return value
        problems.append(value.reason)
        return value[:40]
    if isinstance(value, str):
        if "\x00" in value:
            problems.append("Contains a NUL character")
            value = value.replace("\x00", "\ufffd")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            problems.append("Contains a character that is not valid Unicode")
            value = value.encode("utf-8", "replace").decode("utf-8")
        return value
    if isinstance(value, (dict, list)):
        if depth >= limit:
            problems.append(f"Values nest more than {MAX_NESTING} levels deep")
            return None
        if isinstance(value, list):
            return [_storable(item, problems, depth=depth + 1, limit=limit, judge_numbers=True) for item in value]
        return {_storable(key, problems, depth=depth, limit=limit, judge_numbers=True):
                _storable(item, problems, depth=depth + 1, limit=limit, judge_numbers=True)
                for key, item in value.items()}
    return value


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
        errors.append(RowError(number, "price", f"'{raw[:40]}' is not a price"))
        return None
    if not price.is_finite():
        errors.append(RowError(number, "price", f"'{raw[:40]}' is not a price"))
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
        amount = Decimal(raw)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        errors.append(RowError(number, "stock", f"'{raw[:40]}' is not a whole number"))
        return None
    if amount < 0:
        errors.append(RowError(number, "stock", "Stock cannot be negative"))
        return None
    # Compared before int(): int(Decimal("1e9999999")) builds a ten-million-digit number.
    if amount > MAX_STOCK:
        errors.append(RowError(number, "stock", "Stock is too large"))
        return None
    if amount != amount.to_integral_value():
        errors.append(RowError(number, "stock", f"'{raw[:40]}' is not a whole number"))
        return None
    return int(amount)


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
