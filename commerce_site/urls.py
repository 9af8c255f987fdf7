from django.contrib.auth import views as auth_views
from django.urls import include, path

from catalog.urls import job_patterns
from catalog.views import stores as store_views
from commerce_site.login import LoginView

# Everything a merchant sees lives under /s/<store>/ so the store is always
# explicit and checked against the user's membership (catalog.access).
store_patterns = [
    path("", store_views.home, name="home"),
    path("catalog/", include("catalog.urls")),
    path("jobs/", include((job_patterns, "jobs"))),
    path("content/", include("content.urls")),
    path("recommendations/", include("recommendations.urls")),
]

urlpatterns = [
    path("", store_views.store_index, name="store_index"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("s/<slug:store_slug>/", include(store_patterns)),
]
