"""The Redis channel layer, with a connection pool that waits for a free connection.

redis-py 8 caps an asyncio ``ConnectionPool`` at 100 connections (earlier releases had no
cap) and raises ``MaxConnectionsError`` past it, a subclass of ``ConnectionError``. In
one Daphne process every socket's ``group_add``, ``send`` and ``group_send`` takes a
connection for the length of its command, so a burst of a few hundred sockets (a morning's
rooms opening together) ran past the cap: the sockets saw a Redis outage (``error
{code: "signaling_unavailable"}``, close 4503) while Redis was fine. ``bench/load_signaling.py``
lost 101 of 4000 relays that way with 200 rooms.

Here the pool is redis-py's ``BlockingConnectionPool``: past ``max_connections`` a command
waits (up to ``pool_timeout`` seconds) for a connection to come back instead of failing, so
a burst queues and Redis sees a bounded number of connections per process. A real outage
still fails at once (connecting is refused), and so does a wait past ``pool_timeout``.
"""

from __future__ import annotations

from channels_redis.core import RedisChannelLayer as _RedisChannelLayer
from redis.asyncio import BlockingConnectionPool

DEFAULT_MAX_CONNECTIONS = 100  # per process and Redis host; Redis' own limit is 10,000 clients
DEFAULT_POOL_TIMEOUT = 10.0  # seconds a command waits for a free connection


class RedisChannelLayer(_RedisChannelLayer):
    """channels_redis' layer; each ``hosts`` entry with an ``address`` gets a blocking pool.

    Extra keys of a host entry: ``max_connections`` (default 100) and ``pool_timeout``
    (seconds, default 10). Entries without ``address`` (sentinels, host/port pairs) keep
    channels_redis' own pools.
    """

    def create_pool(self, index):
        host = dict(self.hosts[index])
        if "address" not in host:
            return super().create_pool(index)
        address = host.pop("address")
        return BlockingConnectionPool.from_url(
            address,
            max_connections=host.pop("max_connections", DEFAULT_MAX_CONNECTIONS),
            timeout=host.pop("pool_timeout", DEFAULT_POOL_TIMEOUT),
            **host,
        )
