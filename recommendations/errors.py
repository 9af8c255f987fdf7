"""The recommendations app's domain errors (catalog.errors.NotFound: a 404 in views)."""

from catalog.errors import NotFound


class ShopperNotFound(NotFound):
    pass
