"""WebSocket routes (wired into config/asgi.py)."""

from django.urls import re_path

from . import consumers

websocket_urlpatterns = [
    re_path(r"^ws/rooms/(?P<room_id>[A-Za-z0-9_-]{1,64})/$", consumers.RoomConsumer.as_asgi()),
]
