from django.urls import path

from catalog.views import imports, jobs, products

app_name = "catalog"

urlpatterns = [
    path("", products.product_list, name="products"),
    path("products/<int:product_id>/", products.product_detail, name="product"),
    path("import/", imports.import_upload, name="import"),
    path("import/<int:batch_id>/", imports.import_preview, name="import_preview"),
    path("import/<int:batch_id>/confirm/", imports.import_confirm, name="import_confirm"),
    path("import/<int:batch_id>/discard/", imports.import_discard, name="import_discard"),
]

# Included under their own namespace ("jobs:"): every app's jobs are listed there.
job_patterns = [
    path("", jobs.job_list, name="list"),
    path("<int:job_id>/", jobs.job_detail, name="detail"),
    path("<int:job_id>/cancel/", jobs.job_cancel_view, name="cancel"),
]
