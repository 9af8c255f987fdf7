from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Stores and catalog"

    def ready(self) -> None:
        from catalog import worker_signals  # noqa: F401  (each worker sweeps the jobs on a timer)
        from catalog.hooks import NavItem, nav_items

        for item in (
            NavItem(group="Catalog", label="Products", url_name="catalog:products", order=10,
                    active=("catalog:products", "catalog:product")),
            NavItem(group="Catalog", label="Import", url_name="catalog:import", order=11, permission="catalog.edit",
                    active=("catalog:import*",)),
            NavItem(group="Operations", label="Jobs", url_name="jobs:list", order=90, active=("jobs:*",)),
        ):
            nav_items.register(item)
