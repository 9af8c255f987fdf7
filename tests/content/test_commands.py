"""The generate_content management command goes through generation_start."""

import io

import pytest
from django.core.management import CommandError, call_command

from catalog.models import Job
from content.models import GenerationJob
from tests.catalog.factories import ProductFactory

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("generate_content", *args, stdout=out)
    return out.getvalue()


def test_a_job_is_queued_for_the_given_skus_in_their_order(editor_member):
    store = editor_member.store
    first, second = ProductFactory(store=store, sku="A-1"), ProductFactory(store=store, sku="B-2")

    output = run(store.slug, "--user", editor_member.user.username, "--skus", "B-2,A-1", "--content-type",
                 "marketing", "--goal", "Black Friday, 20% off")

    generation = GenerationJob.objects.get()
    assert generation.product_ids == [second.pk, first.pk]
    assert (generation.content_type, generation.goal) == ("marketing", "Black Friday, 20% off")
    assert f"Job #{generation.pk} queued: Marketing copy (English) for 2 products (2 drafts to write)." in output


def test_a_limit_takes_the_first_products_of_the_catalog(editor_member):
    for n in range(3):
        ProductFactory(store=editor_member.store, title=f"Glove {n}")

    run(editor_member.store.slug, "--user", editor_member.user.username, "--limit", "2", "--language", "zh")

    generation = GenerationJob.objects.get()
    assert len(generation.product_ids) == 2 and generation.language == "zh"


def test_a_viewer_is_refused_and_nothing_is_queued(viewer_member):
    product = ProductFactory(store=viewer_member.store, sku="A-1")

    with pytest.raises(CommandError, match="cannot do this"):
        run(viewer_member.store.slug, "--user", viewer_member.user.username, "--skus", product.sku)

    assert not Job.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nowhere", "--user", "eddie-editor"], "No store 'nowhere'"),
        (["bench", "--user", "stranger"], "'stranger' is not a member of 'bench'"),
        (["bench", "--user", "eddie-editor", "--skus", "A-1,NOPE"], "Unknown SKU(s) in bench: NOPE"),
        (["bench", "--user", "eddie-editor", "--content-type", "marketing", "--skus", "A-1"], "campaign goal"),
    ],
)
def test_bad_arguments_are_refused_with_a_reason(editor_member, args, message):
    ProductFactory(store=editor_member.store, sku="A-1")

    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run(*args)

    assert not Job.objects.exists()
