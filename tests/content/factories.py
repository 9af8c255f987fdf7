import factory
from django.utils import timezone

from catalog.models import Job
from content.models import (
    ContentType,
    Draft,
    GenerationJob,
    Language,
    PromptTemplate,
    PromptVersion,
    ShopperQuestion,
)
from tests.catalog.factories import ProductFactory, StoreFactory

SIMPLE_TEXT = "Product: {title}\nBrand: {brand}\nFeatures: {attributes}\nDescription:"


class PromptTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PromptTemplate

    store = factory.SubFactory(StoreFactory)
    content_type = ContentType.DESCRIPTION
    language = Language.EN
    name = factory.Sequence(lambda n: f"Template {n}")


class PromptVersionFactory(factory.django.DjangoModelFactory):
    """A version row as a test needs it; services validate, factories do not
    (so a test can plant a row that an older release might have left)."""

    class Meta:
        model = PromptVersion

    template = factory.SubFactory(PromptTemplateFactory)
    number = factory.Sequence(lambda n: n + 1)
    text = SIMPLE_TEXT
    params = factory.LazyFunction(lambda: {"max_new_tokens": 24, "temperature": 0.7, "stop": ["\n\n"]})


class ShopperQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShopperQuestion

    product = factory.SubFactory(ProductFactory)
    store = factory.SelfAttribute("product.store")
    text = "Is it latex-free?"
    asked_at = factory.LazyFunction(timezone.now)


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    store = factory.SubFactory(StoreFactory)
    kind = Job.Kind.GENERATION
    title = "Generation"
    task_name = "content.tasks.run_generation"
    queue = "gpu"


class GenerationJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GenerationJob

    job = factory.SubFactory(JobFactory, store=factory.SelfAttribute("..store"))
    store = factory.SubFactory(StoreFactory)
    content_type = ContentType.DESCRIPTION
    language = Language.EN
    template_version = factory.SubFactory(PromptVersionFactory, template__store=factory.SelfAttribute("...store"))


class DraftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Draft

    store = factory.SubFactory(StoreFactory)
    product = factory.SubFactory(ProductFactory, store=factory.SelfAttribute("..store"))
    job = factory.SubFactory(GenerationJobFactory, store=factory.SelfAttribute("..store"))
    prompt_version = factory.SelfAttribute("job.template_version")
    content_type = factory.SelfAttribute("job.content_type")
    language = factory.SelfAttribute("job.language")
    generated_text = "Powder-free nitrile gloves for the lab bench."
    current_text = factory.SelfAttribute("generated_text")
    status = Draft.Status.TO_REVIEW
