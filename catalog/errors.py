"""Domain errors shared by every app. Services and selectors raise them; the
store views (catalog.access.store_view) answer a NotFound with a 404 and
Django answers PermissionDenied with a 403. A task or a command never sees an
Http404."""


class NotFound(Exception):
    """The object does not exist in this store (another store's is the same as none)."""


class JobNotFound(NotFound):
    pass


class ImportBatchNotFound(NotFound):
    pass


class ProductNotFound(NotFound):
    pass


class ApiKeyNotFound(NotFound):
    pass


class CategoryNotFound(NotFound):
    pass
