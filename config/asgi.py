"""ASGI entry point: HTTP through Django, WebSockets through Channels (routes in video/routing.py).

No ``AllowedHostsOriginValidator`` around the WebSocket stack: it refuses
sockets without an ``Origin``, which non-browser clients with a join ticket
never send, and it refuses before ``accept`` so no contract close code reaches
the client. ``video.consumers.origin_allowed`` checks the Origin instead (4403).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from django.conf import settings  # noqa: E402
from django.core.exceptions import ImproperlyConfigured  # noqa: E402

if settings.SECRET_KEY_PROBLEM:  # never serve on a missing or development secret with DEBUG off
    raise ImproperlyConfigured(settings.SECRET_KEY_PROBLEM)

from importlib import import_module  # noqa: E402

from channels.auth import AuthMiddleware  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.sessions import CookieMiddleware  # noqa: E402

from video.routing import websocket_urlpatterns  # noqa: E402


class ReadOnlySessionMiddleware:
    """Put the Django session named by the session cookie into ``scope["session"]``; ``send`` passes through.

    Channels' ``SessionMiddleware`` without its per-message ``send`` wrapper: the session is
    loaded lazily (by ``AuthMiddleware``, in a worker thread) and never saved, so what a
    consumer sends goes straight to Daphne. Needs ``CookieMiddleware`` above it.
    """

    def __init__(self, inner):
        self.inner = inner
        self.session_store = import_module(settings.SESSION_ENGINE).SessionStore

    async def __call__(self, scope, receive, send):
        key = scope["cookies"].get(settings.SESSION_COOKIE_NAME)
        return await self.inner({**scope, "session": self.session_store(key)}, receive, send)


application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": CookieMiddleware(ReadOnlySessionMiddleware(AuthMiddleware(URLRouter(websocket_urlpatterns)))),
    }
)
