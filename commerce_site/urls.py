from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from api.v1 import api as api_v1
from api.v1 import not_found as api_not_found
from api.views.docs import api_docs
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
    path("api-keys/", include("api.urls")),
]

urlpatterns = [
    path("", store_views.store_index, name="store_index"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("s/<slug:store_slug>/", include(store_patterns)),
    # The storefront API (api/v1.py) and its reference page.
    path("api/v1/docs/", api_docs, name="api_docs"),
    path("api/v1/", api_v1.urls),
    re_path(r"^api/v1/(?P<rest>.*)$", api_not_found),
]
