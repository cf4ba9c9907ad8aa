"""A Redis cache that degrades to misses while Redis is unreachable.

The cache only holds what can be rebuilt (calendar feeds, DRF throttle histories):
losing it for the length of a Redis outage must not turn bookings into 500s
(docs/reliability.md, "Redis goes away"). Reads answer the default, writes do
nothing, and one warning is logged per failing call. While Redis is down the
throttles count nothing, so rate limits are open for that time.
"""

from __future__ import annotations

import functools
import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)


def _degrade(name: str, fallback):
    original = getattr(RedisCache, name)

    @functools.wraps(original)
    def method(self, *args, **kwargs):
        try:
            return original(self, *args, **kwargs)
        except UNAVAILABLE as exc:
            logger.warning("cache: Redis unavailable, %s degraded: %r", name, exc)
            return fallback(*args, **kwargs)

    return method


def _default(key, default=None, *args, **kwargs):
    return default


class ResilientRedisCache(RedisCache):
    """``RedisCache`` whose calls answer a miss instead of raising when Redis cannot be reached."""

    get = _degrade("get", _default)
    get_many = _degrade("get_many", lambda *a, **k: {})
    has_key = _degrade("has_key", lambda *a, **k: False)
    set = _degrade("set", lambda *a, **k: None)
    set_many = _degrade("set_many", lambda *a, **k: [])
    add = _degrade("add", lambda *a, **k: False)
    touch = _degrade("touch", lambda *a, **k: False)
    delete = _degrade("delete", lambda *a, **k: False)
    delete_many = _degrade("delete_many", lambda *a, **k: None)
    clear = _degrade("clear", lambda *a, **k: None)
