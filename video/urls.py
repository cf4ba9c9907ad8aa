from django.urls import path

from . import api

urlpatterns = [
    path("rooms/<str:room_id>/", api.RoomDetailApi.as_view(), name="room-detail"),
    path("rooms/<str:room_id>/participants/", api.RoomInviteApi.as_view(), name="room-invite"),
    path("rooms/<str:room_id>/guest/", api.RoomGuestApi.as_view(), name="room-guest"),
]
