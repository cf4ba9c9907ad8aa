"""The notary's room page records a notarization session once the applicant consents.

Two headless Chromium pages (fake camera and microphone) join the room of a case in
session on a live Daphne (tests/video/live.py); the applicant consents through the API;
the notary's page (static/js/recorder.js) uploads WebM chunks (the first attempt is cut off
on the network and retried), and on hang up the last one.
Every stored chunk's bytes hash to the manifest's SHA-256.

Chromium cuts its first blob at the timeslice even inside the WebM header: when the first
encoded frame comes later than the timeslice after start() (a loaded machine), the first
blob is the single byte 1A and the next starts 45 DF A3 (seen with Chromium 156). The
notary's page here gets that split every time (SPLIT_FIRST_BLOB), so the recorder must
join blobs until its first chunk holds the header the server checks.
Timeouts are generous: this runs on a loaded 2-core machine.
"""

from __future__ import annotations

import hashlib
import json
import re

import httpx

from tests.browser.conftest import CSP_RECORDER, axe_violations, csp_violations, watch_page
from tests.notary.conftest import IDENTITY_PASS
from tests.video.live import Daphne, live_env, manage

CONNECTED = """() => {
  const room = window.lexmeetRoom;
  return !!room && [...room.peers.values()].some((p) => p.pc && p.pc.connectionState === "connected");
}"""
UPLOADED_OR_FAILED = "(n) => window.lexmeetRecorder.uploaded.length >= n || window.lexmeetRecorder.state === 'failed'"
STATE = "() => document.getElementById('recording-status').dataset.state"
LIVE_STATE = "() => document.getElementById('recording-live').dataset.state"
# MediaRecorder whose first blob comes as Chromium's on a loaded machine: the byte 1A alone, then the rest.
SPLIT_FIRST_BLOB = """(() => {
  const Native = window.MediaRecorder;
  if (!Native) return;
  window.MediaRecorder = class extends Native {
    set ondataavailable(handler) {
      let first = true;
      super.ondataavailable = handler && ((event) => {
        if (!first || !event.data || event.data.size < 2) return handler(event);
        first = false;
        const { data } = event;
        handler(new BlobEvent("dataavailable", { data: data.slice(0, 1, data.type) }));
        handler(new BlobEvent("dataavailable", { data: data.slice(1, data.size, data.type) }));
      });
    }
    get ondataavailable() {
      return super.ondataavailable;
    }
  };
})();"""

# Notarize signs a PDF (pyHanko); on a loaded CI machine that outlasts httpx's 5 s default.
HTTP_TIMEOUT = 60


def live_case(tmp_path) -> tuple[Daphne, dict]:
    """A Daphne on a fresh SQLite file seeded by tests/notary/live_seed.py (a case in session, its room open)."""
    env = live_env(tmp_path / "db.sqlite3", redis=False)
    env["MEDIA_ROOT"] = str(tmp_path / "media")
    manage(env, "migrate", "--noinput")
    out = manage(env, "shell", "-c", "from tests.notary.live_seed import main; main()")
    return Daphne(env, tmp_path / "daphne.log"), json.loads(out.strip().splitlines()[-1])


def test_notary_page_records_after_consent_and_uploads_hashed_chunks(browser, tmp_path):
    server, seeded = live_case(tmp_path)
    base = f"http://127.0.0.1:{server.port}"
    api = f"{base}/api/v1/notary/cases/{seeded['case_id']}"
    auth = {role: {"Authorization": f"Token {key}"} for role, key in seeded["tokens"].items()}
    contexts = []
    try:
        pages = {}
        for role in ("host", "client"):
            context = browser.new_context()
            contexts.append(context)
            context.add_cookies([{"name": "sessionid", "value": seeded["sessions"][role], "url": base}])
            pages[role] = context.new_page()
            pages[role].add_init_script(CSP_RECORDER)  # the room records under our Content-Security-Policy
            pages[role].set_default_timeout(60000)
        pages["host"].add_init_script(SPLIT_FIRST_BLOB)
        for role in ("host", "client"):
            pages[role].goto(f"{base}/rooms/{seeded['room_id']}/")
        host, client = pages["host"], pages["client"]

        # Both are told; only the notary's page records, and it waits for consent.
        for page in (host, client):
            notice = page.locator("#recording-notice [role=status]").first.inner_text()
            assert "This notarial session is recorded (audio and video) once the applicant consents." in notice
        assert client.locator("#recording-status").count() == 0
        assert client.evaluate("() => window.lexmeetRecorder === undefined")
        host.wait_for_function(
            "() => document.getElementById('recording-status').textContent"
            " === 'Recording starts when the applicant consents.'",
            timeout=60000,
        )
        assert host.locator("#recording-status").get_attribute("aria-live") == "polite"

        host.locator("#lobby button", has_text="Admit").click()
        for page in (host, client):
            page.wait_for_function(CONNECTED, timeout=90000)
        assert httpx.get(f"{api}/recording/", headers=auth["host"], timeout=HTTP_TIMEOUT).json() == {
            "chunks": [],
            "sha256": "",
        }

        # The first chunk upload fails on the network: it must be retried, in order.
        posts = []  # (index, first 4 bytes of the chunk) of every POST the page sends

        def flaky(route):
            if route.request.method == "POST":
                body = route.request.post_data_buffer
                index = re.search(rb'name="index"\r\n\r\n(\d+)\r\n', body)
                start = body.index(b"\r\n\r\n", body.index(b'filename="chunk-')) + 4
                posts.append((int(index.group(1)), body[start : start + 4]))
                if len(posts) == 1:
                    return route.abort("connectionreset")
            return route.continue_()

        host.route("**/recording/", flaky)
        consent = httpx.post(
            f"{api}/consent/",
            json={"signer_location": "Queens, New York"},
            headers=auth["client"],
            timeout=HTTP_TIMEOUT,
        )
        assert consent.status_code == 200, consent.text
        host.wait_for_function(f"() => ({STATE})() === 'recording'", timeout=60000)
        assert host.locator("#recording-status").inner_text() == "Recording: this session is being recorded."
        assert host.evaluate("() => window.lexmeetRecorder.audio.state") == "running"
        assert host.evaluate("() => window.lexmeetRecorder.sources.size") == 2  # the notary's and the applicant's
        host.wait_for_function("() => window.lexmeetRecorder.peak() > 0.05", timeout=30000)  # the fake beeps
        host.wait_for_function(UPLOADED_OR_FAILED, arg=1, timeout=90000)
        assert host.locator("#recording-status").inner_text() == "Recording: this session is being recorded."
        assert axe_violations(host) == []

        host.locator("#btn-hangup").click()  # stops the recorder: the last chunk goes up
        host.wait_for_function(f"() => ({STATE})() === 'stopped'", timeout=90000)
        uploaded = host.evaluate("() => window.lexmeetRecorder.uploaded")
        assert len(uploaded) >= 2
        assert len(posts) == len(uploaded) + 1  # the aborted first attempt, then one each
        assert posts[0] == posts[1] == (0, b"\x1a\x45\xdf\xa3")  # the header whole, though Chromium split it
        assert [index for index, _ in posts[1:]] == list(range(len(uploaded)))
        assert host.locator("#recording-status").inner_text() == f"Recording stopped; {len(uploaded)} parts saved."
        # The last chunk said so: the applicant's page hears from the server that recording stopped.
        client.wait_for_function(f"() => ({LIVE_STATE})() === 'stopped'", timeout=30000)
        assert client.locator("#recording-live").inner_text() == "The recording has stopped."

        manifest = httpx.get(f"{api}/recording/", headers=auth["host"], timeout=HTTP_TIMEOUT).json()
        assert [c["index"] for c in manifest["chunks"]] == list(range(len(uploaded)))
        assert [(c["index"], c["sha256"]) for c in manifest["chunks"]] == [
            (u["index"], u["local_sha256"]) for u in uploaded
        ]  # what the browser hashed before sending is what the server kept
        stored = sorted((tmp_path / "media" / "notary" / "recordings" / str(seeded["case_id"])).iterdir())
        assert [(int(p.name[:5]), len(p.read_bytes()), hashlib.sha256(p.read_bytes()).hexdigest()) for p in stored] == [
            (c["index"], c["size"], c["sha256"]) for c in manifest["chunks"]
        ]
        head = stored[0].read_bytes()
        assert head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in head[:64]
        assert b"V_VP8" in head and b"A_OPUS" in head  # the composite video and the mixed audio
        canonical = json.dumps(manifest["chunks"], sort_keys=True, separators=(",", ":")).encode()
        assert manifest["sha256"] == hashlib.sha256(canonical).hexdigest()
        assert {role: csp_violations(page) for role, page in pages.items()} == {"host": [], "client": []}
    finally:
        for context in contexts:
            context.close()
        server.stop()


def test_applicant_page_is_told_recording_runs_and_the_recorder_stops_cleanly_on_notarize(browser, tmp_path):
    """The server tells every page of the room when recording starts and stops (``recording`` event).

    The applicant's page shows "This session is being recorded." (a live region) from the first
    chunk on; after Notarize the notary's recorder stops at once: no upload refused with 409, no
    console error; the applicant's page says the recording stopped.
    """
    server, seeded = live_case(tmp_path)
    base = f"http://127.0.0.1:{server.port}"
    api = f"{base}/api/v1/notary/cases/{seeded['case_id']}"
    auth = {role: {"Authorization": f"Token {key}"} for role, key in seeded["tokens"].items()}
    contexts, pages, problems = [], {}, {}
    try:
        for role in ("host", "client"):
            context = browser.new_context()
            contexts.append(context)
            context.add_cookies([{"name": "sessionid", "value": seeded["sessions"][role], "url": base}])
            pages[role] = context.new_page()
            pages[role].set_default_timeout(60000)
            problems[role] = watch_page(pages[role])
            pages[role].goto(f"{base}/rooms/{seeded['room_id']}/")
        host, client = pages["host"], pages["client"]
        live = client.locator("#recording-live")
        assert live.get_attribute("aria-live") == "polite" and live.get_attribute("role") == "status"
        assert live.get_attribute("data-state") == "off" and not live.is_visible()
        host.wait_for_function(f"() => ({STATE})() === 'waiting'", timeout=60000)
        host.locator("#lobby button", has_text="Admit").click()
        for page in (host, client):
            page.wait_for_function(CONNECTED, timeout=90000)
        assert live.get_attribute("data-state") == "off"  # admitted, connected, no consent yet: not recorded

        consent = httpx.post(
            f"{api}/consent/",
            json={"signer_location": "Queens, New York"},
            headers=auth["client"],
            timeout=HTTP_TIMEOUT,
        )
        assert consent.status_code == 200, consent.text
        host.wait_for_function(UPLOADED_OR_FAILED, arg=1, timeout=90000)
        assert host.evaluate(STATE) == "recording"
        client.wait_for_function(f"() => ({LIVE_STATE})() === 'recording'", timeout=30000)
        assert live.is_visible() and live.inner_text() == "This session is being recorded."
        assert axe_violations(client) == []

        identity = httpx.post(f"{api}/verify_identity/", json=IDENTITY_PASS, headers=auth["host"], timeout=HTTP_TIMEOUT)
        assert identity.status_code == 200, identity.text
        notarized = httpx.post(f"{api}/notarize/", json={}, headers=auth["host"], timeout=HTTP_TIMEOUT)
        assert notarized.status_code == 200, notarized.text
        host.wait_for_function(f"() => ({STATE})() === 'closed'", timeout=30000)
        client.wait_for_function(f"() => ({LIVE_STATE})() === 'stopped'", timeout=30000)
        assert live.inner_text() == "The recording has stopped."
        host.wait_for_timeout(6000)  # longer than a chunk: nothing more is sent
        assert host.evaluate(STATE) == "closed"
        assert problems == {"host": [], "client": []}
        assert {role: csp_violations(page) for role, page in pages.items()} == {"host": [], "client": []}
    finally:
        for context in contexts:
            context.close()
        server.stop()
