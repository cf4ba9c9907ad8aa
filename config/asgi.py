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

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from video.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AuthMiddlewareStack(URLRouter(websocket_urlpatterns)),
    }
)
