import pytest
from django.conf import settings

from catalog.models import Membership, Product, Store
from demo.catalog import DEMO_SLUG, attributes_from_title, load_demo_catalog, split_category_paths


def test_category_levels_are_recovered_from_space_joined_paths():
    raw = [
        "Industrial & Scientific Abrasive & Finishing Products Abrasive Wheels & Discs",
        "Industrial & Scientific Abrasive & Finishing Products Manual Sanding Products Sanding Rolls",
        "Industrial & Scientific Abrasive & Finishing Products Manual Sanding Products Sanding Sheets",
        "Industrial & Scientific Abrasive & Finishing Products Manual Sanding Products Hand Sanders",
        "Tube, White, GE112A. Industrial & Scientific Tapes, Adhesives & Sealants Caulk",
        "",
    ]

    paths = split_category_paths(raw)

    assert paths[raw[0]] == ["Abrasive & Finishing Products", "Abrasive Wheels & Discs"]
    assert paths[raw[1]] == ["Abrasive & Finishing Products", "Manual Sanding Products", "Sanding", "Rolls"]
    assert paths[raw[3]] == ["Abrasive & Finishing Products", "Manual Sanding Products", "Hand Sanders"]
    assert paths[raw[4]] == ["Tapes, Adhesives & Sealants Caulk"]
    assert paths[""] == []


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("PORTER-CABLE 740000801 4 1/2-Inch x 10yd 80 Grit Adhesive-Backed Sanding Roll",
         {"grit": "80 grit", "size": "4 1/2-Inch x 10yd"}),
        ("Gorilla Original Gorilla Glue, Waterproof Polyurethane Glue, 8 ounce Bottle, Brown",
         {"volume": "8 ounce", "material": "polyurethane", "color": "brown"}),
        ("Medline Nitrile Exam Gloves, Box of 100", {"pack size": "100", "material": "nitrile"}),
    ],
)
def test_attributes_are_read_from_titles(title, expected):
    assert attributes_from_title(title) == expected


@pytest.mark.django_db
def test_the_demo_without_the_data_folder_uses_the_built_in_catalog(tmp_path):
    result = load_demo_catalog(data_dir=tmp_path / "missing")

    store = Store.objects.get(slug=DEMO_SLUG)
    assert result.created and result.source == "built-in sample catalog"
    assert Product.objects.filter(store=store).count() == result.products == 96
    assert set(Membership.objects.filter(store=store).values_list("user__username", "role")) == {
        ("admin", "admin"), ("editor", "editor"), ("viewer", "viewer")}
    assert load_demo_catalog(data_dir=tmp_path / "missing").created is False  # a second run changes nothing


@pytest.mark.django_db
def test_the_demo_loads_the_real_products_when_the_folder_is_there():
    if not (settings.DEMO_DATA_DIR / "products.csv").exists():
        pytest.skip(f"{settings.DEMO_DATA_DIR} is not on this machine")

    result = load_demo_catalog(data_dir=settings.DEMO_DATA_DIR)

    store = result.store
    assert result.products == 4385
    glue = Product.objects.get(store=store, sku="B0000223UV")
    assert glue.brand == "Gorilla"
    assert glue.category.path == "Tapes, Adhesives & Sealants > Urethane Adhesives"
    assert glue.attributes["volume"] == "8 ounce"
    assert glue.price is not None and glue.stock >= 0
