from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "content"
    verbose_name = "Content generation and review"

    def ready(self) -> None:
        from catalog.selectors import PRODUCT_FILTER_HOOKS
        from catalog.views import HOME_SECTIONS, PRODUCT_SECTIONS
        from content import review_views, views
        from content.review_selectors import product_filter_published_copy, published_descriptions_for
        from recommendations.embeddings import PUBLISHED_DESCRIPTION_HOOKS

        # Embeddings read the published description instead of the imported one.
        if published_descriptions_for not in PUBLISHED_DESCRIPTION_HOOKS:
            PUBLISHED_DESCRIPTION_HOOKS.append(published_descriptions_for)

        # Sections on catalog pages: the product's live copy, drafts and shopper questions, and
        # what waits for review on the home page.
        for hooks, hook in (
            (PRODUCT_SECTIONS, review_views.product_section_published),
            (PRODUCT_SECTIONS, views.product_section_drafts),
            (PRODUCT_SECTIONS, views.product_section_questions),
            (HOME_SECTIONS, views.home_section_drafts),
            (HOME_SECTIONS, views.home_section_acceptance),
            (PRODUCT_FILTER_HOOKS, product_filter_published_copy),
        ):
            if hook not in hooks:
                hooks.append(hook)
