from django.urls import path

from content import playground_views, review_views, views

app_name = "content"

urlpatterns = [
    path("generate/", views.generate, name="generate"),
    path("jobs/<int:job_id>/drafts/", views.job_panel, name="job_panel"),
    path("prompts/", views.prompt_list, name="prompts"),
    path("prompts/new/", views.prompt_template_create, name="template_new"),
    path("prompts/<int:template_id>/", views.prompt_template, name="template"),
    path("prompts/<int:template_id>/versions/", views.prompt_version_create, name="version_create"),
    path("prompts/versions/<int:version_id>/activate/", views.prompt_version_activate, name="version_activate"),
    # Playground and Compare (screen 5)
    path("prompts/<int:template_id>/playground/", playground_views.playground, name="playground"),
    path("prompts/<int:template_id>/playground/preview/", playground_views.playground_preview,
         name="playground_preview"),
    path("prompts/trials/<int:trial_id>/", playground_views.trial_panel, name="trial_panel"),
    path("prompts/<int:template_id>/compare/", playground_views.compare, name="compare"),
    path("prompts/<int:template_id>/compare/start/", playground_views.compare_start, name="compare_start"),
    path("prompts/comparisons/<int:comparison_id>/", playground_views.comparison, name="comparison"),
    path("brand-voice/", views.brand_voice, name="brand_voice"),
    path("products/<int:product_id>/questions/", views.question_create, name="question_create"),
    # Review (issue 4)
    path("review/", review_views.review_queue, name="review"),
    path("review/bulk/", review_views.review_bulk, name="review_bulk"),
    path("review/export.csv", review_views.review_export_csv, name="review_export_csv"),
    path("review/export.json", review_views.review_export_json, name="review_export_json"),
    path("review/<int:draft_id>/", review_views.review_draft, name="review_draft"),
    path("review/<int:draft_id>/edit/", review_views.review_edit, name="review_edit"),
    path("review/<int:draft_id>/approve/", review_views.review_approve, name="review_approve"),
    path("review/<int:draft_id>/reject/", review_views.review_reject, name="review_reject"),
    path("review/<int:draft_id>/reopen/", review_views.review_reopen, name="review_reopen"),
    path("review/<int:draft_id>/publish/", review_views.review_publish, name="review_publish"),
    path("review/<int:draft_id>/regenerate/", review_views.review_regenerate, name="review_regenerate"),
    path("review/<int:draft_id>/comment/", review_views.review_comment, name="review_comment"),
    path("published/<int:version_id>/restore/", review_views.published_restore, name="published_restore"),
]
