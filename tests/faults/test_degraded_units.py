"""The two small pieces behind the fault tests, without processes: 503 on a lost database, cache misses without Redis."""

from __future__ import annotations

import pytest
from django.db import InterfaceError, OperationalError
from rest_framework.permissions import AllowAny
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from config.cache import ResilientRedisCache
from tests.video.live import free_port


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_lost_database_connection_answers_503_service_unavailable(error):
    class BrokenApi(APIView):
        permission_classes = [AllowAny]
        authentication_classes = []

        def get(self, request):
            raise error("server closed the connection unexpectedly")

    response = BrokenApi.as_view()(APIRequestFactory().get("/api/v1/broken/"))
    assert response.status_code == 503
    assert response.data == {
        "error": {
            "code": "service_unavailable",
            "message": "The service is briefly unavailable; try again in a few seconds.",
            "fields": {},
        }
    }
    assert response["Retry-After"] == "5"


def test_cache_without_redis_answers_misses_and_swallows_writes():
    cache = ResilientRedisCache(
        f"redis://127.0.0.1:{free_port()}/0", {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}
    )
    assert cache.get("throttle_booking_1", []) == []
    assert cache.set("throttle_booking_1", [1.0], 60) is None
    assert cache.add("k", 1) is False
    assert cache.get_many(["a", "b"]) == {}
    assert cache.delete("k") is False
