"""The optional interest summary: the prompt carries only the profile's facts,
and the job writes the generation model's text onto the profile."""

import pytest

from catalog.models import Job
from catalog.services.jobs import run_job
from recommendations.models import Shopper, ShopperProfile
from recommendations.services.profiles import profile_refresh_one
from recommendations.services.summaries import LEAD, summary_prompt, summary_run, summary_start

pytestmark = pytest.mark.django_db


def test_the_prompt_holds_the_profiles_facts_and_ends_where_the_model_continues(store, behaviour):
    profile = profile_refresh_one(shopper=Shopper.objects.get(store=store, external_id="s-gloves"))

    prompt = summary_prompt(profile=profile, recent_titles=["Nitrile Exam Gloves Powder-Free Blue, Box of 100"])

    last = prompt.split("\n\n")[-1]
    assert last == (
        "Customer facts: Categories: Gloves (100%). Brands: LabGuard, SafeHands. Recent products: Nitrile Exam "
        "Gloves Powder-Free Blue, Box of 100. Recent searches: 'gloves for handling chemicals'.\n"
        f"Summary for the shop owner: {LEAD}"
    )


def test_only_members_who_may_generate_start_a_summary(viewer_member, behaviour):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        summary_start(shopper=Shopper.objects.get(store=viewer_member.store, external_id="s-gloves"),
                      membership=viewer_member)
    assert not Job.objects.filter(kind=Job.Kind.PROFILES).exists()


@pytest.mark.model
def test_the_job_writes_the_models_summary_on_the_profile(editor_member, behaviour):
    shopper = Shopper.objects.get(store=editor_member.store, external_id="s-gloves")
    job = summary_start(shopper=shopper, membership=editor_member)

    run_job(job.pk, summary_run)

    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    profile = ShopperProfile.objects.get(shopper=shopper)
    assert profile.summary.startswith(f"{LEAD} ") and len(profile.summary) > len(LEAD) + 5
    assert profile.summary_model == job.result["model"] and profile.summary_built_at is not None
