from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from catalog import hooks, selectors
from catalog.access import store_view
from catalog.models import Job
from catalog.services.jobs import job_cancel


@store_view()
@require_GET
def job_list(request):
    kind = request.GET.get("kind") if request.GET.get("kind") in Job.Kind.values else None
    jobs = selectors.jobs_for_store(store=request.store, kind=kind)
    context = {"jobs": jobs, "kind": kind, "kinds": Job.Kind.choices,
               "any_active": any(job.is_active for job in jobs)}
    if request.htmx:
        return render(request, "catalog/job_list.html#job-table", context)
    return render(request, "catalog/job_list.html", context)


@store_view()
@require_GET
def job_detail(request, job_id: int):
    job = selectors.job_for_store(store=request.store, job_id=job_id)
    errors = job.errors.select_related("product")[:200]
    context = {"job": job, "errors": errors}
    if request.htmx:
        return render(request, "catalog/job_detail.html#job-progress", context)
    context["panels"] = hooks.collect(hooks.job_panels, request, job)
    return render(request, "catalog/job_detail.html", context)


@store_view("jobs.cancel")
@require_POST
def job_cancel_view(request, job_id: int):
    job = job_cancel(job=selectors.job_for_store(store=request.store, job_id=job_id), membership=request.membership)
    if job.cancel_requested_at:
        messages.info(request, "Cancelling: the job stops after the batch it is working on.")
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = job.get_absolute_url()
    return redirect(next_url)
