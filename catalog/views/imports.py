from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog import selectors, services
from catalog.access import store_view
from catalog.forms import ImportUploadForm
from catalog.importing import ImportFileError


@store_view("catalog.edit")
@require_http_methods(["GET", "POST"])
def import_upload(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.import_upload(
                store=request.store, membership=request.membership, filename=upload.name, data=upload.read()
            )
        except ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("catalog:import_preview", store_slug=request.store.slug, batch_id=batch.pk)
    recent = selectors.recent_imports(store=request.store)
    status = 400 if form.errors else 200
    return render(request, "catalog/import_upload.html", {"form": form, "recent": recent}, status=status)


@store_view()
@require_GET
def import_preview(request, batch_id: int):
    batch = selectors.import_batch_for_store(store=request.store, batch_id=batch_id)
    return render(request, "catalog/import_preview.html", {"batch": batch})


@store_view("catalog.edit")
@require_POST
def import_confirm(request, batch_id: int):
    batch = selectors.import_batch_for_store(store=request.store, batch_id=batch_id)
    try:
        job = services.import_confirm(
            batch=batch, membership=request.membership, skip_invalid=request.POST.get("skip_invalid") == "1"
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(batch.get_absolute_url())
    messages.success(request, f"Importing {job.total} products from {batch.original_name}.")
    return redirect(job.get_absolute_url())


@store_view("catalog.edit")
@require_POST
def import_discard(request, batch_id: int):
    batch = selectors.import_batch_for_store(store=request.store, batch_id=batch_id)
    try:
        services.import_discard(batch=batch, membership=request.membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(batch.get_absolute_url())
    messages.info(request, f"Discarded {batch.original_name}; nothing was imported.")
    return redirect("catalog:import", store_slug=request.store.slug)
