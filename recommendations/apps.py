from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    name = "recommendations"
    verbose_name = "Personalised recommendations"

    def ready(self) -> None:
        from catalog import services as catalog_services
        from catalog import views as catalog_views
        from recommendations import sections
        from recommendations.embeddings import embeddings_mark_dirty

        catalog_views.PRODUCT_SECTIONS.append(sections.product_similar_section)
        catalog_views.HOME_SECTIONS.append(sections.home_evaluation_section)
        # New and changed products get (re-)embedded by the batched job.
        catalog_services.PRODUCTS_CHANGED_HOOKS.append(embeddings_mark_dirty)
