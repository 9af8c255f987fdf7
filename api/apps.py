from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "Storefront API"

    def ready(self) -> None:
        from catalog import hooks

        hooks.nav_items.register(hooks.NavItem(group="Operations", label="API keys", url_name="api:keys", order=91,
                                               permission="apikeys.manage", active=("api:*",)))
