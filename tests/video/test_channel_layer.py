"""The Redis channel layer (config/layers.py): a burst past the pool's size waits, it does not fail.

redis-py 8 raises ``MaxConnectionsError`` (a ``ConnectionError``, which the room consumer
takes for a Redis outage) when a plain pool has no connection left; found by
``bench/load_signaling.py`` (101 relays lost with 200 rooms on one process).
"""

import asyncio
import os

import pytest
from channels_redis.core import RedisChannelLayer as PlainLayer
from redis.asyncio import BlockingConnectionPool
from redis.exceptions import MaxConnectionsError

from config.layers import RedisChannelLayer
from tests.video.ws import run_async

pytestmark = pytest.mark.redis

BURST = 60  # concurrent group_add + send, against a pool of 4 connections


def hosts(max_connections=None):
    host = {"address": os.environ.get("REDIS_URL", ""), "socket_timeout": 16, "socket_connect_timeout": 5}
    if max_connections is not None:
        host["max_connections"] = max_connections
    return [host]


async def burst(layer) -> list:
    """BURST sockets join one group and send to their own channel at once; then read everything back."""
    names = [await layer.new_channel() for _ in range(BURST)]

    async def one(i, name):
        await layer.group_add("burst", name)
        await layer.send(name, {"type": "relay", "n": i})

    try:
        results = await asyncio.gather(*(one(i, n) for i, n in enumerate(names)), return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            return errors
        received = [await asyncio.wait_for(layer.receive(name), 10) for name in names]
        return [m["n"] for m in received]
    finally:
        for name in names:
            await layer.group_discard("burst", name)
        await layer.flush()


def test_a_burst_past_the_pool_size_queues_and_every_message_arrives():
    layer = RedisChannelLayer(hosts=hosts(max_connections=4), prefix="lexmeet-test-burst")
    assert isinstance(layer.create_pool(0), BlockingConnectionPool)
    assert run_async(lambda: burst(layer)) == list(range(BURST))


def test_channels_redis_plain_pool_fails_the_same_burst():
    """The failure the blocking pool prevents, shown on channels_redis' own pool of the same size."""
    layer = PlainLayer(hosts=hosts(max_connections=4), prefix="lexmeet-test-burst-plain")
    errors = run_async(lambda: burst(layer))
    assert errors and all(isinstance(e, MaxConnectionsError) for e in errors), errors


def test_settings_use_the_blocking_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "config.layers.RedisChannelLayer", "CONFIG": {"hosts": hosts()}}}
    from channels.layers import channel_layers

    channel_layers.backends.pop("default", None)
    try:
        layer = channel_layers["default"]
        pool = layer.create_pool(0)
        assert isinstance(pool, BlockingConnectionPool)
        assert (pool.max_connections, pool.timeout) == (100, 10.0)
    finally:
        channel_layers.backends.pop("default", None)
