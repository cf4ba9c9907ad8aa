"""Two headless Chromium pages open the room page, reach ``connected`` and decode each other's fake video.

Debian's /usr/bin/chromium driven by Playwright (never ``playwright install``),
with a fake camera and microphone. Marker ``browser``: skipped without chromium.
"""

from __future__ import annotations

import os

import pytest

from tests.video.live import Daphne, live_env, manage, seed_room

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="browser: /usr/bin/chromium is absent"),
]

FLAGS = [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
]

CONNECTED = """() => {
  const room = window.lexmeetRoom;
  return !!room && [...room.peers.values()].some((p) => p.pc && p.pc.connectionState === "connected");
}"""

FRAMES = """() => {
  const video = document.querySelector("#videos figure[data-peer] video");
  return video ? video.getVideoPlaybackQuality().totalVideoFrames : 0;
}"""


def test_two_browsers_see_each_others_fake_video(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    db = tmp_path / "db.sqlite3"
    env = live_env(db, redis=False)
    manage(env, "migrate", "--noinput")
    seeded = seed_room(env)
    server = Daphne(env, tmp_path / "daphne.log")
    base = f"http://127.0.0.1:{server.port}"
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
            pages = []
            for role in ("host", "client"):
                context = browser.new_context()
                context.add_cookies([{"name": "sessionid", "value": seeded["sessions"][role], "url": base}])
                page = context.new_page()
                page.goto(f"{base}/rooms/{seeded['room_id']}/")
                page.wait_for_function(
                    "() => window.lexmeetRoom && window.lexmeetRoom.ws && window.lexmeetRoom.ws.readyState === 1"
                )
                pages.append(page)
            for page in pages:
                page.wait_for_function(CONNECTED, timeout=30000)
            for page in pages:
                page.wait_for_function(f"() => ({FRAMES})() > 10", timeout=30000)
                assert page.evaluate(FRAMES) > 10
            assert pages[0].locator("#peers li").count() == 1
            assert pages[0].locator("#peers li").get_attribute("data-connection") == "connected"
            browser.close()
    finally:
        server.stop()
