"""What the recommendations app adds to catalog pages (catalog.hooks, filled in
RecommendationsConfig.ready): similar products on the product page, the
shoppers and the latest evaluation on the home page."""

from __future__ import annotations

from catalog.hooks import Section
from recommendations import selectors
from recommendations.selectors.evaluation import evaluation_table


def product_similar_section(request, product) -> list[Section]:
    # The card loads its content with htmx after the page: the product page
    # never waits for the recommender.
    return [Section("recommendations/sections/similar_products.html", {"product": product}, placement="side")]


def home_evaluation_section(request) -> list[Section]:
    store = request.store
    run = selectors.latest_evaluation(store=store)
    numbers = selectors.store_numbers(store=store)
    if run is None and not numbers["shoppers"]:
        return []
    sections = [Section("recommendations/sections/home_stat.html", {"numbers": numbers}, placement="stat")]
    if run is not None:
        sections.append(Section("recommendations/sections/home_evaluation.html",
                                {"run": run, "rows": evaluation_table(run)}))
    return sections
