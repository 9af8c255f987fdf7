"""Template helpers for the review workflow: the prompt versions' review record."""

from django import template

register = template.Library()


@register.simple_tag
def version_review_stats(versions) -> dict:
    """{version id: VersionReviewStats}, one grouped query for the list."""
    from content.selectors.review import version_review_stats as stats

    return stats(versions=list(versions))


@register.filter
def stats_for(stats: dict, version):
    return stats.get(getattr(version, "pk", version))


@register.filter
def percent(value) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


@register.filter
def duration(seconds) -> str:
    """Seconds as a merchant reads a review time: 45 s, 12 min, 3.5 h, 2.1 d."""
    if seconds is None:
        return "—"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 36 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"
