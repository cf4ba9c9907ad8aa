"""Two headless Chromium pages open the room page, reach ``connected`` and decode each other's fake video.

Uses the session browser of tests/browser/conftest.py (Debian's chromium with a
fake camera and microphone) and a live Daphne of its own (tests/video/live.py).
"""

from __future__ import annotations

from tests.browser.conftest import CSP_RECORDER, axe_violations, csp_violations
from tests.video.live import Daphne, live_env, manage, seed_room

CONNECTED = """() => {
  const room = window.lexmeetRoom;
  return !!room && [...room.peers.values()].some((p) => p.pc && p.pc.connectionState === "connected");
}"""

FRAMES = """() => {
  const video = document.querySelector("#videos figure[data-peer] video");
  return video ? video.getVideoPlaybackQuality().totalVideoFrames : 0;
}"""

SOCKET_OPEN = "() => !!window.lexmeetRoom && !!window.lexmeetRoom.ws && window.lexmeetRoom.ws.readyState === 1"


def test_two_browsers_see_each_others_fake_video(browser, tmp_path):
    env = live_env(tmp_path / "db.sqlite3", redis=False)
    manage(env, "migrate", "--noinput")
    seeded = seed_room(env)
    server = Daphne(env, tmp_path / "daphne.log")
    base = f"http://127.0.0.1:{server.port}"
    contexts = []
    try:
        pages = []
        for role in ("host", "client"):
            context = browser.new_context()
            contexts.append(context)
            context.add_cookies([{"name": "sessionid", "value": seeded["sessions"][role], "url": base}])
            page = context.new_page()
            page.add_init_script(CSP_RECORDER)  # the room runs under our Content-Security-Policy
            page.goto(f"{base}/rooms/{seeded['room_id']}/")
            page.wait_for_function(SOCKET_OPEN, timeout=15000)
            pages.append(page)
        for page in pages:
            page.wait_for_function(CONNECTED, timeout=30000)
        for page in pages:
            page.wait_for_function(f"() => ({FRAMES})() > 10", timeout=30000)
            assert page.evaluate(FRAMES) > 10
        host_list = pages[0].locator("#peers li")
        assert host_list.count() == 1
        assert host_list.get_attribute("data-connection") == "connected"
        assert "Chen Client (client)" in host_list.inner_text()
        assert axe_violations(pages[0]) == []
        assert [csp_violations(page) for page in pages] == [[], []]
    finally:
        for context in contexts:
            context.close()
        server.stop()
