"""Which objects have a history page, and the selector that decides who may see each.

Apps register in their AppConfig.ready(): `register_history("regions.district", district_history_scope)`.
The history of an object is visible exactly to those who can see the object itself.
"""

from collections.abc import Callable

from django.db.models import QuerySet

_SCOPES: dict[str, Callable[..., QuerySet]] = {}


def register_history(label: str, scope: Callable[..., QuerySet]) -> None:
    _SCOPES[label] = scope


def history_scope(label: str) -> Callable[..., QuerySet] | None:
    return _SCOPES.get(label)
