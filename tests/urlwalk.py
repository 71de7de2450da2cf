"""Walking the URL configuration: every URLPattern with its full route, name, view and the methods it answers.

Shared by the generated tests (tests/test_access_generated.py); plain functions, no fixtures, no database.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver

# A named regex group, or a path converter: `(?P<pk>[0-9]+)`, `<int:pk>`.
ARGUMENT = re.compile(r"\(\?P<(\w+)>([^)]*)\)|<(?:\w+:)?(\w+)>")
UNSAFE = ("post", "put", "patch", "delete")


@dataclass(frozen=True)
class Route:
    """One URLPattern: `route` is the full path without the leading slash (regex parts kept as written)."""

    route: str
    name: str
    view: Callable = field(compare=False, repr=False)

    @property
    def arguments(self) -> list[str]:
        return [m.group(1) or m.group(3) for m in ARGUMENT.finditer(self.route)]

    @property
    def choices(self) -> dict[str, list[str]]:
        """Arguments that a regex restricts to alternatives (`(?P<action>submit|record)`): their values."""
        found = {}
        for match in ARGUMENT.finditer(self.route):
            if match.group(1) and re.fullmatch(r"[\w-]+(\|[\w-]+)+", match.group(2)):
                found[match.group(1)] = match.group(2).split("|")
        return found

    @property
    def view_class(self):
        """The class behind the view (DRF `cls`, Django `view_class`), None for a function view."""
        return getattr(self.view, "cls", None) or getattr(self.view, "view_class", None)

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")

    @property
    def qualified_view(self) -> str:
        target = self.view_class or self.view
        return f"{target.__module__}.{target.__qualname__}"

    def unsafe_methods(self) -> list[str]:
        """The unsafe methods the view declares. A function view does not say: forms post, so POST is tried
        (a view that refuses it answers 405, which the tests accept)."""
        cls = self.view_class
        if cls is None:
            return ["post"]
        declared = [m for m in UNSAFE if hasattr(cls, m) and m in getattr(cls, "http_method_names", UNSAFE)]
        return declared


def pattern_text(pattern) -> str:
    text = str(pattern.pattern)
    return text.removeprefix("^").removesuffix("$").removesuffix(r"\Z")


def walk(patterns=None, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    """Every URLPattern under `patterns` (the project's by default), recursively through includes."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
            yield from walk(entry.url_patterns, prefix + pattern_text(entry), inner or "")
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name or ""
            yield Route(prefix + pattern_text(entry), name, entry.callback)


def fill(route: str, values: dict[str, object]) -> str:
    """The concrete path for `route` with each argument replaced by `values[name]`."""
    names = iter(m.group(1) or m.group(3) for m in ARGUMENT.finditer(route))

    def replace(_match):
        return str(values[next(names)])

    path = "/" + ARGUMENT.sub(replace, route)
    if re.search(r"[\\()\[\]*+?^$|]", path):
        raise ValueError(f"{route} is still a regex after filling: {path}")
    return path


def combinations(options: dict[str, Iterable]) -> list[dict[str, object]]:
    keys = list(options)
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*(options[k] for k in keys))]
