from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.product_list, name="products"),
    path("products/<int:product_id>/", views.product_detail, name="product"),
    path("import/", views.import_upload, name="import"),
    path("import/<int:batch_id>/", views.import_preview, name="import_preview"),
    path("import/<int:batch_id>/confirm/", views.import_confirm, name="import_confirm"),
    path("import/<int:batch_id>/discard/", views.import_discard, name="import_discard"),
]
