from django import template

register = template.Library()


@register.filter
def thousands(value) -> str:
    """12748262 -> 12,748,262; empty for missing figures (shown as a dash)."""
    if value is None or value == "":
        return "—"
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)
