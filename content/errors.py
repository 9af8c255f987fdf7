"""The content app's domain errors (catalog.errors.NotFound: a 404 in views)."""

from catalog.errors import NotFound


class TemplateNotFound(NotFound):
    pass


class VersionNotFound(NotFound):
    pass


class GenerationNotFound(NotFound):
    pass


class DraftNotFound(NotFound):
    pass


class PublishedCopyNotFound(NotFound):
    pass


class TrialNotFound(NotFound):
    pass


class ComparisonNotFound(NotFound):
    pass


class QuestionNotFound(NotFound):
    pass


class CampaignNotFound(NotFound):
    pass


class ModelVersionNotFound(NotFound):
    pass


class CopyEvaluationNotFound(NotFound):
    pass
