"""Our own system checks (``manage.py check``; every command that runs checks stops on an Error)."""

import sys

from django.conf import settings
from django.core.checks import Error, Tags, register

# Commands that only read code and sign nothing: they may run in a bare checkout
# without a SECRET_KEY (the process then holds a throwaway key, see settings).
OFFLINE_COMMANDS = {"makemigrations", "showmigrations", "sqlmigrate", "makemessages", "compilemessages", "spectacular"}


@register(Tags.security)
def secret_key_check(app_configs=None, **kwargs):
    """With DEBUG off the process needs a real SECRET_KEY (``settings.SECRET_KEY_PROBLEM``).

    The server itself refuses to start in config/asgi.py; this stops every
    management command that runs checks (check, migrate, send_reminders, ...),
    except the offline ones above.
    """
    problem = getattr(settings, "SECRET_KEY_PROBLEM", "")
    if not problem or (len(sys.argv) > 1 and sys.argv[1] in OFFLINE_COMMANDS):
        return []
    return [Error(problem, hint="Set SECRET_KEY in the environment.", id="lexmeet.E001")]


def _inside(path, root) -> bool:
    from pathlib import Path

    try:
        Path(path).resolve().relative_to(Path(root).resolve())
    except ValueError:
        return False
    return True


def _url_patterns(patterns):
    for pattern in patterns:
        if hasattr(pattern, "url_patterns"):
            yield from _url_patterns(pattern.url_patterns)
        else:
            yield pattern


@register(Tags.security)
def media_outside_web_root_check(app_configs=None, **kwargs):
    """Uploads (``MEDIA_ROOT``: identity documents, recordings, certificates) are never served as files.

    They are read only through the permission-checked views (notary/api), so no
    URL may route ``django.views.static.serve`` at ``MEDIA_ROOT`` (lexmeet.E002),
    and ``MEDIA_ROOT`` must not sit inside, or contain, a directory that WhiteNoise
    or ``staticfiles`` serves: ``STATIC_ROOT``, ``STATICFILES_DIRS``, ``WHITENOISE_ROOT`` (lexmeet.E003).
    """
    from django.urls import get_resolver
    from django.views.static import serve

    errors = []
    media = settings.MEDIA_ROOT
    for pattern in _url_patterns(get_resolver().url_patterns):
        root = (pattern.default_args or {}).get("document_root")
        if pattern.callback is serve and root and (_inside(media, root) or _inside(root, media)):
            errors.append(
                Error(
                    f"The URL {pattern.pattern} serves files from {root}, which overlaps MEDIA_ROOT.",
                    hint="Remove it; documents are served by permission-checked views.",
                    id="lexmeet.E002",
                )
            )
    served = [settings.STATIC_ROOT, *settings.STATICFILES_DIRS, getattr(settings, "WHITENOISE_ROOT", None)]
    for root in filter(None, served):
        root = root[1] if isinstance(root, tuple) else root
        if _inside(media, root) or _inside(root, media):
            errors.append(
                Error(
                    f"MEDIA_ROOT {media} overlaps the served directory {root}.",
                    hint="Keep MEDIA_ROOT outside every static directory (default: var/media).",
                    id="lexmeet.E003",
                )
            )
    return errors
