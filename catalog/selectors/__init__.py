"""Reads of the catalog: products and categories, jobs, stores."""

from catalog.selectors.api_keys import api_key_authenticate, api_key_for_store, api_keys_for_store
from catalog.selectors.imports import import_batch_for_store, recent_imports
from catalog.selectors.jobs import job_for_store, jobs_for_store
from catalog.selectors.products import (
    SORTS,
    Page,
    ProductFilters,
    brand_choices,
    category_by_name,
    category_choices,
    count_capped,
    describe_filters,
    paginate_keyset,
    product_for_sku,
    product_for_store,
    product_ids_by_sku,
    product_page,
    product_queryset,
    says_only_its_title,
    title_only_count,
)
from catalog.selectors.stores import first_membership, store_overview

__all__ = [
    "SORTS",
    "api_key_authenticate",
    "api_key_for_store",
    "api_keys_for_store",
    "category_by_name",
    "product_for_sku",
    "Page",
    "ProductFilters",
    "brand_choices",
    "category_choices",
    "count_capped",
    "says_only_its_title",
    "title_only_count",
    "describe_filters",
    "first_membership",
    "import_batch_for_store",
    "job_for_store",
    "jobs_for_store",
    "paginate_keyset",
    "product_for_store",
    "product_ids_by_sku",
    "product_page",
    "product_queryset",
    "recent_imports",
    "store_overview",
]
