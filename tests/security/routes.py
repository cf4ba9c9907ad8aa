"""The URL conf walked: every named route that captures a parameter, with the methods its view answers.

``id_routes()`` is what the access-control matrix must cover; the admin site is walked separately
(``admin_routes()``) and checked as staff-only.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

# Methods probed on views that do not declare theirs (function views): read and the plain form write.
FUNCTION_VIEW_METHODS = ("GET", "POST")
CLASS_VIEW_METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name" for namespaced routes
    pattern: str  # the route as written, e.g. "api/v1/notary/cases/<str:case_id>/"
    params: tuple[str, ...]  # captured parameter names, in order
    methods: tuple[str, ...]  # upper-case HTTP methods the view answers (GET first)


def _methods(callback) -> tuple[str, ...]:
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view_class is None:
        return FUNCTION_VIEW_METHODS
    return tuple(m.upper() for m in CLASS_VIEW_METHODS if hasattr(view_class, m))


def _walk(patterns, prefix: str = "", namespace: str = "", regex_groups: tuple[str, ...] = ()):
    for entry in patterns:
        groups = regex_groups + tuple(entry.pattern.regex.groupindex)
        text = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, text, inner, groups)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else ""
            yield Route(name=name, pattern=text, params=groups, methods=_methods(entry.callback))


def all_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns))


def id_routes() -> list[Route]:
    """Routes outside the admin that capture at least one parameter."""
    return [r for r in all_routes() if r.params and not _is_admin(r)]


def admin_routes() -> list[Route]:
    return [r for r in all_routes() if _is_admin(r)]


def _is_admin(route: Route) -> bool:
    return route.name.startswith("admin:") or route.pattern.startswith("admin/")
