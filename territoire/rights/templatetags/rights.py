from django import template

from territoire.rights.catalogue import BENEFITS, CSS

register = template.Library()

_LABELS = {b.code: b.label for b in BENEFITS} | {CSS.code: CSS.label}


@register.filter
def benefit_label(code: str) -> str:
    return _LABELS.get(code, code)
