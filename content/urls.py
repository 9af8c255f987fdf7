from django.urls import path

from content import views

app_name = "content"

urlpatterns = [
    path("generate/", views.generate, name="generate"),
    path("jobs/<int:job_id>/drafts/", views.job_panel, name="job_panel"),
    path("prompts/", views.prompt_list, name="prompts"),
    path("prompts/new/", views.prompt_template_create, name="template_new"),
    path("prompts/<int:template_id>/", views.prompt_template, name="template"),
    path("prompts/<int:template_id>/versions/", views.prompt_version_create, name="version_create"),
    path("prompts/versions/<int:version_id>/activate/", views.prompt_version_activate, name="version_activate"),
    path("brand-voice/", views.brand_voice, name="brand_voice"),
    path("products/<int:product_id>/questions/", views.question_create, name="question_create"),
]
