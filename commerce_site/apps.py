from django.apps import AppConfig


class CommerceSiteConfig(AppConfig):
    name = "commerce_site"
    verbose_name = "Commerce Studio site"

    def ready(self) -> None:
        from commerce_site import checks  # noqa: F401 - registers the system checks
