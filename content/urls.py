from django.urls import path

from content.views import brand_voice, campaigns, generate, models, playground, prompts, questions, review

app_name = "content"

urlpatterns = [
    path("generate/", generate.generate, name="generate"),
    path("jobs/<int:job_id>/drafts/", generate.job_panel, name="job_panel"),
    path("prompts/", prompts.prompt_list, name="prompts"),
    path("prompts/new/", prompts.prompt_template_create, name="template_new"),
    path("prompts/<int:template_id>/", prompts.prompt_template, name="template"),
    path("prompts/<int:template_id>/versions/", prompts.prompt_version_create, name="version_create"),
    path("prompts/versions/<int:version_id>/activate/", prompts.prompt_version_activate, name="version_activate"),
    # Playground and Compare: a version's prompt for one product, two versions side by side
    path("prompts/<int:template_id>/playground/", playground.playground, name="playground"),
    path("prompts/<int:template_id>/playground/preview/", playground.playground_preview,
         name="playground_preview"),
    path("prompts/trials/<int:trial_id>/", playground.trial_panel, name="trial_panel"),
    path("prompts/<int:template_id>/compare/", playground.compare, name="compare"),
    path("prompts/<int:template_id>/compare/start/", playground.compare_start, name="compare_start"),
    path("prompts/comparisons/<int:comparison_id>/", playground.comparison, name="comparison"),
    path("brand-voice/", brand_voice.brand_voice, name="brand_voice"),
    path("products/<int:product_id>/questions/", questions.question_create, name="question_create"),
    # Review: the queue, the pane and its decisions, exports
    path("review/", review.review_queue, name="review"),
    path("review/bulk/", review.review_bulk, name="review_bulk"),
    path("review/export.csv", review.review_export_csv, name="review_export_csv"),
    path("review/export.json", review.review_export_json, name="review_export_json"),
    path("review/<int:draft_id>/", review.review_draft, name="review_draft"),
    path("review/<int:draft_id>/edit/", review.review_edit, name="review_edit"),
    path("review/<int:draft_id>/approve/", review.review_approve, name="review_approve"),
    path("review/<int:draft_id>/reject/", review.review_reject, name="review_reject"),
    path("review/<int:draft_id>/reopen/", review.review_reopen, name="review_reopen"),
    path("review/<int:draft_id>/publish/", review.review_publish, name="review_publish"),
    path("review/<int:draft_id>/regenerate/", review.review_regenerate, name="review_regenerate"),
    path("review/<int:draft_id>/comment/", review.review_comment, name="review_comment"),
    path("published/<int:version_id>/restore/", review.published_restore, name="published_restore"),
    # Model versions (tuned adapters), which one writes, and the copy yardstick
    path("models/", models.model_list, name="models"),
    path("models/activate/", models.model_activate, name="model_activate"),
    path("models/roll-back/", models.model_roll_back, name="model_roll_back"),
    path("models/train/", models.model_train, name="model_train"),
    path("models/retrain/", models.model_retrain, name="model_retrain"),
    path("models/install-bundled/", models.model_install_bundled, name="model_install_bundled"),
    path("models/<int:version_id>/", models.model_version_detail, name="model_version"),
    path("models/<int:version_id>/best-of/", models.model_set_candidates, name="model_set_candidates"),
    path("copy-quality/", models.copy_quality, name="copy_quality"),
    path("copy-quality/start/", models.copy_evaluation_create, name="copy_evaluation_start"),
    path("copy-quality/<int:evaluation_id>/", models.copy_evaluation_detail, name="copy_evaluation"),
    path("copy-quality/<int:evaluation_id>/drafts/<int:draft_id>/verdict/", models.copy_evaluation_judge,
         name="copy_evaluation_judge"),
    # Personalised campaigns
    path("campaigns/", campaigns.campaign_list, name="campaigns"),
    path("campaigns/<int:campaign_id>/", campaigns.campaign_detail, name="campaign"),
    path("campaigns/<int:campaign_id>/end/", campaigns.campaign_end_view, name="campaign_end"),
]
