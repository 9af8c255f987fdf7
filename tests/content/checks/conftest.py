"""Real products from shared/data/amazon-scientific/products.csv, copied here so tests never read the file."""

import pytest

from content.checks import ProductFacts


@pytest.fixture
def sanding_roll() -> ProductFacts:
    return ProductFacts(
        title="PORTER-CABLE 740000801 4 1/2-Inch x 10yd 80 Grit Adhesive-Backed Sanding Roll",
        brand="PORTER-CABLE",
        category="Industrial & Scientific Abrasive & Finishing Products Manual Sanding Products Sanding Rolls",
    )


@pytest.fixture
def gorilla_glue() -> ProductFacts:
    return ProductFacts(
        title="Gorilla Original Gorilla Glue, Waterproof Polyurethane Glue, 8 ounce Bottle, Brown",
        brand="Gorilla",
        category="Industrial & Scientific Tapes, Adhesives & Sealants Urethane Adhesives",
    )


@pytest.fixture
def grinding_wheel() -> ProductFacts:
    return ProductFacts(
        title="DEWALT DW4524 4-1/2-Inch by 1/4-Inch by 7/8-Inch Concrete/Masonry Grinding Wheel",
        brand="DEWALT",
        category="Industrial & Scientific Abrasive & Finishing Products Abrasive Wheels & Discs",
    )


@pytest.fixture
def microscope_camera() -> ProductFacts:
    return ProductFacts(
        title=(
            "AmScope 3.0 MP USB2.0 Microscope Digital Camera + Software 3.0 MP, Compatible with "
            "Windows XP/Vista/7/8/10, Mac OS X and Linux"
        ),
        brand="AmScope",
        category=(
            "Industrial & Scientific Lab & Scientific Products Lab Instruments & Equipment Microscopes & "
            "Equipment Microscope Accessories"
        ),
    )


@pytest.fixture
def filament_made_in_usa() -> ProductFacts:
    return ProductFacts(
        title=(
            "IC3D Natural 1.75mm PLA 3D Printer Filament - 1kg Spool - Dimensional Accuracy +/- 0.05mm - "
            "Professional Grade 3D Printing Filament - Made in USA"
        ),
        brand="IC3D",
        category="Industrial & Scientific Additive Manufacturing Products 3D Printing Supplies 3D Printing Filament",
    )


@pytest.fixture
def nitrile_gloves() -> ProductFacts:
    return ProductFacts(
        title="Dynarex 2513 SafeTouch Nitrile Exam Gloves, Non-Latex, Powder Free, Large, Blue (Pack of 100)",
        brand="Dynarex",
        category=(
            "Industrial & Scientific Professional Medical Supplies Apparel Protective Apparel & Gloves Exam Gloves"
        ),
    )
