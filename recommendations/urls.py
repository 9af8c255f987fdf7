from django.urls import path

from recommendations.views import discovery, manage, shoppers

app_name = "recommendations"

urlpatterns = [
    path("", shoppers.shopper_list, name="shoppers"),
    path("shoppers/<int:shopper_id>/", shoppers.shopper_detail, name="shopper"),
    path("shoppers/<int:shopper_id>/recommendations/", shoppers.shopper_recommendations,
         name="shopper_recommendations"),
    path("shoppers/<int:shopper_id>/events/", shoppers.shopper_events, name="shopper_events"),
    path("shoppers/<int:shopper_id>/profile/rebuild/", shoppers.profile_rebuild, name="profile_rebuild"),
    path("shoppers/<int:shopper_id>/summary/", shoppers.summary_create, name="summary"),
    path("search/", discovery.search, name="search"),
    path("preview/", discovery.storefront_preview, name="preview"),
    path("products/<int:product_id>/similar/", discovery.similar_section, name="similar"),
    path("settings/", manage.settings_page, name="settings"),
    path("settings/save/", manage.settings_save, name="settings_save"),
    path("settings/reset/", manage.settings_reset_view, name="settings_reset"),
    path("settings/preview/", manage.settings_preview, name="settings_preview"),
    path("embeddings/refresh/", manage.embeddings_refresh, name="embeddings_refresh"),
    path("profiles/rebuild/", manage.profiles_rebuild, name="profiles_rebuild"),
    path("events/import/", manage.events_import, name="events_import"),
    path("evaluation/", manage.evaluation_page, name="evaluation"),
    path("evaluation/run/", manage.evaluation_create, name="evaluation_run"),
]
