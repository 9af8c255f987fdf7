from django import template

from content.checks import CHECK_LABELS

register = template.Library()


@register.filter
def check_label(name: str) -> str:
    return CHECK_LABELS.get(name, name.replace("_", " ").capitalize())
