"""What the recommendations app adds to other apps' pages (registered in
RecommendationsConfig.ready): similar products on the product page, the latest
evaluation on the home page."""

from __future__ import annotations

from recommendations import selectors
from recommendations.evaluating import evaluation_table


def product_similar_section(request, product) -> dict:
    # The card loads its content with htmx after the page: the product page
    # never waits for the recommender.
    return {"template": "recommendations/sections/similar_products.html", "context": {"product": product},
            "main": False}


def home_evaluation_section(request) -> dict | None:
    store = request.store
    run = selectors.latest_evaluation(store=store)
    numbers = selectors.store_numbers(store=store)
    if run is None and not numbers["shoppers"]:
        return None
    return {
        "stat": {"template": "recommendations/sections/home_stat.html", "context": {"numbers": numbers}},
        "template": "recommendations/sections/home_evaluation.html" if run else None,
        "context": {"run": run, "rows": evaluation_table(run)},
    }
