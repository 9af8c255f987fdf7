from django.urls import path

from catalog import job_views

app_name = "jobs"

urlpatterns = [
    path("", job_views.job_list, name="list"),
    path("<int:job_id>/", job_views.job_detail, name="detail"),
    path("<int:job_id>/cancel/", job_views.job_cancel_view, name="cancel"),
]
