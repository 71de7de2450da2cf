from decimal import Decimal, InvalidOperation

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


@register.filter
def with_class(field, css: str):
    """Render a bound field's widget with Bootstrap classes (and `is-invalid` when it has errors)."""
    classes = [css, field.field.widget.attrs.get("class", "")]
    if field.errors:
        classes.append("is-invalid")
    attrs = {"class": " ".join(c for c in classes if c)}
    if field.errors:
        attrs["aria-describedby"] = f"{field.id_for_label}-errors"
    return field.as_widget(attrs=attrs)


@register.filter
def money(value) -> str:
    """An amount in yuan with thousands separators and the fen: 125147940 -> 125,147,940.00; missing -> —."""
    if value is None or value == "":
        return "—"
    try:
        return f"{Decimal(str(value)):,.2f}"
    except (InvalidOperation, ValueError):
        return str(value)
