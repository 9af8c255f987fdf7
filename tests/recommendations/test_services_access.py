"""The member-facing services check the role and the store themselves, so a
view, a task or another app cannot skip the check; a refusal changes nothing."""

import pytest
from django.core.exceptions import PermissionDenied

from catalog.models import Job
from catalog.permissions import Role
from recommendations.errors import ShopperNotFound
from recommendations.models import Shopper, ShopperProfile
from recommendations.services import embeddings, profiles
from tests.catalog.factories import MembershipFactory
from tests.recommendations.factories import ingest

pytestmark = pytest.mark.django_db


def test_a_viewer_cannot_start_embedding_or_profile_jobs(viewer_member):
    with pytest.raises(PermissionDenied):
        embeddings.embeddings_refresh(membership=viewer_member, everything=True)
    with pytest.raises(PermissionDenied):
        profiles.profiles_rebuild(membership=viewer_member)

    assert not Job.objects.filter(store=viewer_member.store).exists()


def test_an_editor_starts_them_for_their_own_store(editor_member):
    embedding_job = embeddings.embeddings_refresh(membership=editor_member, everything=True)
    profile_job = profiles.profiles_rebuild(membership=editor_member)

    assert (embedding_job.store, embedding_job.kind, embedding_job.params) == (
        editor_member.store, Job.Kind.EMBEDDING, {"everything": True})
    assert (profile_job.store, profile_job.kind) == (editor_member.store, Job.Kind.PROFILES)


def test_rebuilding_one_profile_needs_the_role_and_the_store(store, catalog, viewer_member, other_store):
    ingest(store, [{"shopper": "s-1", "type": "view", "sku": next(iter(catalog))}])
    shopper = Shopper.objects.get(store=store, external_id="s-1")
    outsider = MembershipFactory(store=other_store, role=Role.ADMIN)

    with pytest.raises(PermissionDenied):
        profiles.profile_rebuild(shopper=shopper, membership=viewer_member)
    with pytest.raises(ShopperNotFound):
        profiles.profile_rebuild(shopper=shopper, membership=outsider)

    assert not ShopperProfile.objects.filter(shopper=shopper).exists()
