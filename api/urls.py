from django.urls import path

from api.views import keys

app_name = "api"

urlpatterns = [
    path("", keys.key_list, name="keys"),
    path("new/", keys.key_create, name="key_create"),
    path("<int:key_id>/revoke/", keys.key_revoke, name="key_revoke"),
]
