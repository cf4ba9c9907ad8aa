"""Our own system checks (``manage.py check``; every command that runs checks stops on an Error).

IDs: lexmeet.E001 secret key, E002 wildcard host, E003 plain-http trusted origin,
E004 plain-http SITE_URL. E002-E004 apply when DEBUG is off (production); the test
run (``settings.TESTING``) serves plain http on loopback and is exempt. E010 a URL
serving MEDIA_ROOT, E011 MEDIA_ROOT overlapping a static directory (always).
"""

import sys
from urllib.parse import urlsplit

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
    if not problem or _offline():
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
    URL may route ``django.views.static.serve`` at ``MEDIA_ROOT`` (lexmeet.E010),
    and ``MEDIA_ROOT`` must not sit inside, or contain, a directory that WhiteNoise
    or ``staticfiles`` serves: ``STATIC_ROOT``, ``STATICFILES_DIRS``, ``WHITENOISE_ROOT`` (lexmeet.E011).
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
                    id="lexmeet.E010",
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
                    id="lexmeet.E011",
                )
            )
    return errors


def _offline() -> bool:
    return len(sys.argv) > 1 and sys.argv[1] in OFFLINE_COMMANDS


def _production() -> bool:
    """DEBUG off, not under test, and not an offline command (which serves nothing)."""
    return not settings.DEBUG and not getattr(settings, "TESTING", False) and not _offline()


@register(Tags.security)
def allowed_hosts_check(app_configs=None, **kwargs):
    """With DEBUG off, ALLOWED_HOSTS names hosts exactly: no ``*`` and no ``.domain`` wildcard.

    A wildcard lets any Host header through, so absolute links built from the
    request (password-reset mails) can point at an attacker's host.
    """
    if not _production():
        return []
    wild = [host for host in settings.ALLOWED_HOSTS if "*" in host or host.startswith(".")]
    if not wild:
        return []
    return [
        Error(
            f"ALLOWED_HOSTS has wildcard entries with DEBUG off: {', '.join(wild)}.",
            hint="List the exact host names the site is served under.",
            id="lexmeet.E002",
        )
    ]


@register(Tags.security)
def https_origins_check(app_configs=None, **kwargs):
    """With DEBUG off, CSRF_TRUSTED_ORIGINS and SITE_URL are https URLs.

    A plain-http trusted origin accepts writes from a page an on-path attacker can
    rewrite; SITE_URL goes into emails, invites, feeds and certificates' verify links.
    """
    if not _production():
        return []
    errors = []
    plain = [origin for origin in settings.CSRF_TRUSTED_ORIGINS if urlsplit(origin).scheme != "https"]
    if plain:
        errors.append(
            Error(
                f"CSRF_TRUSTED_ORIGINS has non-https origins with DEBUG off: {', '.join(plain)}.",
                hint="Use https:// origins only.",
                id="lexmeet.E003",
            )
        )
    if urlsplit(settings.SITE_URL).scheme != "https":
        errors.append(
            Error(
                f"SITE_URL must be an https URL with DEBUG off (it is {settings.SITE_URL!r}).",
                hint="Set SITE_URL=https://your.host",
                id="lexmeet.E004",
            )
        )
    return errors
