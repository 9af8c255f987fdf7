from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    name = "recommendations"
    verbose_name = "Personalised recommendations"

    def ready(self) -> None:
        from catalog import hooks
        from catalog.permissions import Role, permission_register
        from recommendations import embedding_model, scoring_data
        from recommendations.selectors.audience import AUDIENCE
        from recommendations.services.embeddings import embeddings_mark_dirty
        from recommendations.views import sections

        # Writing a shopper's interest summary runs the generation model.
        permission_register("shoppers.summarize", least_role=Role.EDITOR)
        # New and changed products (imports, published descriptions) get re-embedded by the batched job.
        hooks.products_changed.register(embeddings_mark_dirty)
        # Campaigns (content) segment shoppers and pick products through this.
        hooks.shopper_audiences.register(AUDIENCE)
        # Semantic search embeds the query in the web process, and reads the store's scoring data:
        # load the model, and build the busiest stores' data, before the first request.
        hooks.web_warmups.register(embedding_model.warm)
        hooks.web_warmups.register(scoring_data.warm_recent_stores)
        hooks.product_sections.register(sections.product_similar_section)
        hooks.home_sections.register(sections.home_evaluation_section)
        for item in (
            hooks.NavItem(group="Recommendations", label="Shoppers", url_name="recommendations:shoppers", order=30,
                          active=("recommendations:shoppers", "recommendations:shopper")),
            hooks.NavItem(group="Recommendations", label="Semantic search", url_name="recommendations:search",
                          order=31),
            hooks.NavItem(group="Recommendations", label="Storefront preview", url_name="recommendations:preview",
                          order=32),
            hooks.NavItem(group="Recommendations", label="Evaluation", url_name="recommendations:evaluation",
                          order=33),
            hooks.NavItem(group="Recommendations", label="Recommendation settings",
                          url_name="recommendations:settings", order=34),
            hooks.NavItem(group="Recommendations", label="Import events", url_name="recommendations:events_import",
                          order=35, permission="catalog.edit"),
        ):
            hooks.nav_items.register(item)
