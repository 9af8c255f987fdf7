from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "content"
    verbose_name = "Content generation and review"

    def ready(self) -> None:
        from catalog import hooks
        from catalog.permissions import Role, permission_register
        from content import selectors
        from content.selectors.review import product_filter_published_copy, published_descriptions_for
        from content.services import store_setup_content
        from content.views import sections

        permission_register("content.generate", least_role=Role.EDITOR)
        permission_register("content.review", least_role=Role.EDITOR)
        permission_register("content.publish", least_role=Role.EDITOR)
        permission_register("prompts.manage", least_role=Role.ADMIN)
        # Training model versions and choosing which one a store writes with.
        permission_register("models.manage", least_role=Role.ADMIN)

        hooks.store_created.register(store_setup_content)
        # Embeddings and search read the published description instead of the imported one.
        hooks.product_descriptions.register(published_descriptions_for)

        for hook, provider in (
            (hooks.product_sections, sections.product_section_published),
            (hooks.product_sections, sections.product_section_drafts),
            (hooks.product_sections, sections.product_section_questions),
            (hooks.product_actions, sections.product_action_generate),
            (hooks.product_list_actions, sections.product_list_action_generate),
            (hooks.home_sections, sections.home_section_drafts),
            (hooks.home_sections, sections.home_section_acceptance),
            (hooks.job_panels, sections.job_panel_generation),
        ):
            hook.register(provider)
        hooks.product_list_filters.register(hooks.ProductListFilter(
            param="copy", template="content/includes/filter_published_copy.html",
            apply=product_filter_published_copy, label="copy",
        ))

        for item in (
            hooks.NavItem(group="Content", label="Generate", url_name="content:generate", order=20,
                          permission="content.generate"),
            hooks.NavItem(group="Content", label="Review", url_name="content:review", order=21,
                          active=("content:review*",), badge=selectors.drafts_waiting_count,
                          badge_title="Drafts to review or flagged"),
            hooks.NavItem(group="Content", label="Prompts", url_name="content:prompts", order=22,
                          active=("content:prompts", "content:template", "content:template_new")),
            hooks.NavItem(group="Content", label="Brand voice", url_name="content:brand_voice", order=23),
            hooks.NavItem(group="Content", label="Campaigns", url_name="content:campaigns", order=24,
                          active=("content:campaign*",)),
            hooks.NavItem(group="Content", label="Models", url_name="content:models", order=25,
                          active=("content:model*",)),
            hooks.NavItem(group="Content", label="Copy quality", url_name="content:copy_quality", order=26,
                          active=("content:copy_*",)),
        ):
            hooks.nav_items.register(item)
