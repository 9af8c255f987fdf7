"""Writes of the catalog: stores and members, products, imports, and the life
of every background job. Views, tasks, management commands and other apps all
come through these functions."""

from catalog.services.api_keys import apikey_create, apikey_mark_used, apikey_revoke
from catalog.services.imports import IMPORT_CHUNK_SIZE, import_confirm, import_discard, import_run, import_upload
from catalog.services.products import category_for_path, products_upsert
from catalog.services.stores import membership_set, store_create, user_get_or_create

__all__ = [
    "apikey_create",
    "apikey_mark_used",
    "apikey_revoke",
    "IMPORT_CHUNK_SIZE",
    "category_for_path",
    "import_confirm",
    "import_discard",
    "import_run",
    "import_upload",
    "membership_set",
    "products_upsert",
    "store_create",
    "user_get_or_create",
]
