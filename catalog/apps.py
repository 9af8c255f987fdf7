from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Stores and catalog"

    def ready(self) -> None:
        from catalog import worker_signals  # noqa: F401  (re-queues interrupted jobs at worker start)
