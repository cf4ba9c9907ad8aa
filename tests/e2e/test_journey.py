"""The whole journey, on real servers with real browsers and no mocks (issue 8 of the plan).

A New York applicant signs up on the page, opens a power-of-attorney case with the Taiyuan
Notary Office on the "New case" page (declaring residence abroad), uploads a passport scan
and the draft on the case page and submits; notary Li accepts; from the case page the
applicant books a slot on Li's page, shown in New York time, and the case is scheduled; both get emails whose ``.ics`` parts libical and vobject read as the same UTC
instant; both open the room in Chromium with fake camera and microphone, Li admits the
applicant, video is decoded both ways, Li records identity and the applicant's consent,
the recording uploads, Li notarizes; the certificate's PAdES signature validates with
pyHanko, its QR code (rendered by pdftoppm, decoded by zbar) is the verify URL, and the
verify page says valid. Then Grandma Zhao (elderly, Chinese UI) books a free consultation
with lawyer Wang and they complete a call.

On the scaled setup (tests/e2e/stack.py) each person's browser talks to its own Daphne
process through nginx, so every relay crosses the Redis channel layer. Wall-clock per
phase is printed in pytest's summary.
"""

from __future__ import annotations

import io
import os
import re
import struct
import subprocess
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import vobject

from tests.scheduling.ical_check import libical_parse

NEW_YORK = ZoneInfo("America/New_York")
APPLICANT = {"email": "zhang.wei@example.com", "password": "Lexmeet-e2e-Passw0rd!", "name": "Zhang Wei"}

CONNECTED = """() => {
  const room = window.lexmeetRoom;
  return !!room && [...room.peers.values()].some((p) => p.pc && p.pc.connectionState === "connected");
}"""
FRAMES = """() => {
  const video = document.querySelector("#videos figure[data-peer] video");
  return video ? video.getVideoPlaybackQuality().totalVideoFrames : 0;
}"""
UPLOADED = "(n) => !!window.lexmeetRecorder && window.lexmeetRecorder.uploaded.length >= n"


# --- people's sign-in ------------------------------------------------------------------


def sign_in(page, base: str, email: str, password: str) -> None:
    """Sign in on the login page and land on the home page."""
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_email", email)
    page.fill("#id_password", password)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")


def notary_sign_in(page, base: str, email: str, password: str, otp_key: str) -> None:
    """A notary's (or staff member's) sign-in: password, then the TOTP code of the enrolled device (RFC 6238)."""
    from django_otp.oath import TOTP

    page.goto(f"{base}/accounts/login/")
    page.fill("#id_email", email)
    page.fill("#id_password", password)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/accounts/otp/**")
    totp = TOTP(bytes.fromhex(otp_key))  # the device's defaults: 30 s steps, 6 digits
    totp.time = time.time()
    page.fill("#id_code", f"{totp.token():06d}")
    page.click("#otp-submit")
    page.wait_for_url(f"{base}/")


# --- helpers -------------------------------------------------------------------------


def shot(page, name: str) -> None:
    """With LEXMEET_SCREENSHOTS=docs/screenshots, save a full-page screenshot (README's pictures)."""
    directory = os.environ.get("LEXMEET_SCREENSHOTS")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{directory}/{name}.png", full_page=True)


def new_context(browser, *, timezone_id: str, locale: str = "en-US"):
    context = browser.new_context(timezone_id=timezone_id, locale=locale, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    return context


def api_get(page, url: str) -> dict:
    response = page.request.get(url, headers={"Accept": "application/json"})
    assert response.ok, (url, response.status, response.text())
    return response.json()


def click_and_reload(page, selector: str) -> None:
    """Click a case-page action (static/js/notary.js posts it, then reloads the page on success).

    The tab is brought to the front first: a background tab of a context whose room page
    is busy recording may never get the click delivered.
    """
    page.bring_to_front()
    # notarize renders, signs and stores the certificate: on a loaded CI machine, seconds.
    with page.expect_navigation(timeout=60_000):
        page.click(selector)


def png_scan(width: int = 240, height: int = 160) -> bytes:
    """A real greyscale PNG (stands in for a passport scan): stripes, zlib-compressed, CRC-checked chunks."""
    rows = b"".join(b"\x00" + bytes(((x // 12 + y // 12) % 2) * 200 + 30 for x in range(width)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def pdf_draft(title: str) -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawString(72, 760, title)
    pdf.drawString(72, 740, "I, Zhang Wei, appoint Zhang Min to sell the flat at 12 Yingze Street, Taiyuan.")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def ics_parts(messages, recipient: str) -> list[bytes]:
    """The ``text/calendar`` parts of the emails sent to ``recipient``."""
    found = []
    for message in messages:
        if recipient not in message.get("To", ""):
            continue
        for part in message.walk():
            if part.get_content_type() == "text/calendar":
                found.append(part.get_payload(decode=True))
    return found


def slot_button(page, *, lead_seconds: int = 90):
    """The first offered slot starting at least ``lead_seconds`` from now (a nearer one may pass while we click)."""
    earliest = datetime.now(UTC).timestamp() + lead_seconds
    for start in page.locator("button[data-start-utc]").evaluate_all("(bs) => bs.map((b) => b.dataset.startUtc)"):
        if datetime.fromisoformat(start).timestamp() >= earliest:
            return page.locator(f'button[data-start-utc="{start}"]')
    raise AssertionError("no slot offered in the provider's hours")


def wait_for(predicate, *, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def wait_connected_with_video(*pages) -> None:
    for page in pages:
        page.wait_for_function(CONNECTED, timeout=45_000)
    for page in pages:
        page.wait_for_function(f"() => ({FRAMES})() > 10", timeout=45_000)


# --- the journey -----------------------------------------------------------------------


def test_the_whole_journey(browser, stack_and_clock, tmp_path):
    stack, clock = stack_and_clock
    seed = stack.seed
    scaled = stack.shape == "scaled"
    # The notary and the lawyer on Daphne 0, the applicant and Grandma Zhao on Daphne 1.
    staff_base, people_base = stack.worker_base(0), stack.worker_base(1)
    contexts = []

    def context(**kwargs):
        made = new_context(browser, **kwargs)
        contexts.append(made)
        return made

    try:
        with clock.phase("applicant signs up on the page (New York)"):
            applicant = context(timezone_id="America/New_York").new_page()
            applicant.goto(f"{people_base}/accounts/signup/")
            applicant.fill("#id_full_name", APPLICANT["name"])
            applicant.fill("#id_email", APPLICANT["email"])
            applicant.fill("#id_password", APPLICANT["password"])
            applicant.fill("#id_timezone", "America/New_York")
            applicant.select_option("#id_language", "en")
            applicant.click("main form button[type=submit]")
            applicant.wait_for_url(f"{people_base}/")

        with clock.phase("case opened, residence abroad, 4 documents uploaded, submitted"):
            # Opened on the "New case" page, reached from the applicant's list of cases.
            applicant.goto(f"{people_base}/notary/cases/")
            applicant.click("#new-case")
            applicant.wait_for_url(f"{people_base}/notary/cases/new/")
            applicant.select_option("#id_office", str(seed["office"]))
            applicant.select_option("#id_matter_type", "cn-power-of-attorney")
            applicant.fill("#id_destination_country", "CN")
            applicant.fill("#id_residence_country", "US")
            applicant.fill("#id_resident_abroad_since", "2019-08-15")
            applicant.fill("#id_nationality", "CN")
            applicant.fill("#id_description", "Power of attorney to sell a flat in Taiyuan")
            applicant.select_option("#id_language", "zh-hans")
            applicant.click("main form button[type=submit]")
            applicant.wait_for_url(re.compile(rf"{re.escape(people_base)}/notary/cases/\d+/$"))
            case = api_get(applicant, f"{people_base}/api/v1/notary/cases/{applicant.url.rstrip('/').split('/')[-1]}/")
            assert (case["status"], case["resident_abroad_since"], case["language"]) == (
                "draft",
                "2019-08-15",
                "zh-hans",
            )
            case_api = f"{people_base}/api/v1/notary/cases/{case['id']}/"
            files = {
                "passport": ("passport-scan.png", "image/png", png_scan()),
                "residence_abroad_proof": ("us-green-card.png", "image/png", png_scan(200, 120)),
                "poa_draft": ("power-of-attorney-draft.pdf", "application/pdf", pdf_draft("Power of attorney")),
                "agent_id": ("agent-id-card.pdf", "application/pdf", pdf_draft("Agent's identity card")),
            }
            for kind, (name, mime, data) in files.items():
                applicant.select_option("form[data-upload] select[name=kind]", kind)
                applicant.set_input_files(
                    "form[data-upload] input[type=file]", {"name": name, "mimeType": mime, "buffer": data}
                )
                click_and_reload(applicant, "form[data-upload] button")
            documents = api_get(applicant, case_api)["documents"]
            assert sorted((d["kind"], d["filename"]) for d in documents) == sorted(
                (kind, name) for kind, (name, _, _) in files.items()
            )
            shot(applicant, "journey-case")
            click_and_reload(applicant, "button[data-action=submit]")
            assert api_get(applicant, case_api)["status"] == "submitted"

        with clock.phase("notary signs in and accepts"):
            notary = context(timezone_id="Asia/Shanghai", locale="zh-CN").new_page()
            notary_sign_in(notary, staff_base, seed["notary"]["email"], seed["password"], seed["notary"]["otp_key"])
            notary.goto(f"{staff_base}/notary/cases/{case['id']}/")
            click_and_reload(notary, "button[data-action=accept]")
            assert api_get(notary, f"{staff_base}/api/v1/notary/cases/{case['id']}/")["status"] == "accepted"

        with clock.phase("applicant books a slot shown in New York time"):
            # From the accepted case's page to the notary's page, the case carried along.
            provider = seed["notary"]["provider"]
            applicant.goto(f"{people_base}/notary/cases/{case['id']}/")
            applicant.click(f'a[data-book-session="{provider}"]')
            applicant.wait_for_url(re.compile(rf"/providers/{provider}/\?.*case={case['id']}"))
            assert f"#{case['id']}" in applicant.inner_text("#booking-case")
            assert "America/New_York" in applicant.inner_text("#slots-heading")  # the applicant's own zone
            slot = slot_button(applicant)
            start_utc = datetime.fromisoformat(slot.get_attribute("data-start-utc"))
            local = start_utc.astimezone(NEW_YORK)
            shown = slot.inner_text().split()
            assert shown[0] == local.strftime("%H:%M")  # New York wall time first
            assert shown[-1] == "Asia/Shanghai"  # the notary's own time under it
            slot.click()
            applicant.wait_for_url("**/appointments/*/?booked=1")
            booked = api_get(applicant, f"{people_base}/api/v1/appointments/{applicant.url.split('/')[-2]}/")
            assert booked["start"] == local.isoformat()  # rendered back in New York, with its offset
            assert booked["start_utc"] == start_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
            scheduled = api_get(applicant, case_api)
            assert (scheduled["status"], scheduled["appointment"]) == ("scheduled", booked["id"])
            assert f"{local:%H:%M}–" in applicant.inner_text("main")
            assert "(America/New_York)" in applicant.inner_text("main")

        with clock.phase("both emails' .ics: libical and vobject, same UTC instant"):
            addresses = [APPLICANT["email"], seed["notary"]["email"]]
            invites = wait_for(
                lambda: (found := [ics_parts(stack.emails(), a) for a in addresses]) and all(found) and found,
                seconds=20,
                what="both invitation emails",
            )
            expected = start_utc.strftime("%Y%m%dT%H%M%SZ")
            for parts in invites:
                ics = parts[0]
                event = vobject.readOne(ics.decode(), validate=True).vevent
                assert event.dtstart.value.astimezone(UTC) == start_utc
                (parsed,) = libical_parse([ics])
                assert parsed["method"] == "REQUEST"
                assert [e["dtstart"] for e in parsed["events"]] == [expected]

        with clock.phase("room: notary admits, video decoded both ways"):
            room_id = booked["room_id"]
            notary.goto(f"{staff_base}/notary/cases/{case['id']}/")
            notary.fill("form[data-action=start_session] input[name=notary_location]", "Taiyuan Notary Office, room 3")
            click_and_reload(notary, "form[data-action=start_session] button")
            notary_room = notary.context.new_page()
            notary_room.goto(f"{staff_base}/rooms/{room_id}/")
            applicant_room = applicant.context.new_page()
            applicant_room.goto(f"{people_base}/rooms/{room_id}/")
            notary_room.locator("#lobby button").first.click()  # admit (the notary's page is in Chinese)
            wait_connected_with_video(notary_room, applicant_room)
            shot(notary_room, "journey-room-notary")
            if scaled:  # each browser's WebSocket on its own Daphne: every relay crossed Redis
                assert stack.ws_connects(0, room_id) >= 1 and stack.ws_connects(1, room_id) >= 1

        with clock.phase("consent, identity, recording uploaded, notarized"):
            applicant.goto(f"{people_base}/notary/cases/{case['id']}/")
            applicant.fill("form[data-action=consent] input[name=signer_location]", "Flushing, Queens, New York, US")
            click_and_reload(applicant, "form[data-action=consent] button")
            notary.goto(f"{staff_base}/notary/cases/{case['id']}/")
            form = notary.locator("form[data-action=verify_identity]")
            form.locator("select[name=document_type]").select_option("passport")
            form.locator("input[name=issuing_country]").fill("CN")
            form.locator("input[name=document_number]").fill("E12345678")
            form.locator("input[name=expires_on]").fill("2031-05-31")
            form.locator("select[name=method]").select_option("face_comparison")
            form.locator("select[name=result]").select_option("pass")
            click_and_reload(notary, "form[data-action=verify_identity] button")
            # The notary's room page has been recording since the consent; the act needs a chunk in.
            notary_room.wait_for_function(
                f"() => ({UPLOADED})(1) || document.getElementById('recording-status').dataset.state === 'failed'",
                timeout=60_000,
            )
            status = notary_room.locator("#recording-status")
            assert status.get_attribute("data-state") != "failed", status.inner_text()  # the server's refusal
            click_and_reload(notary, "button[data-action=notarize]")
            final = api_get(notary, f"{staff_base}/api/v1/notary/cases/{case['id']}/")
            assert final["status"] == "notarized"
            certificate = final["certificate"]
            assert certificate["verify_url"] == f"{stack.base}/verify/{certificate['verification_code']}/"
            chunks = api_get(notary, f"{staff_base}/api/v1/notary/cases/{case['id']}/recording/")["chunks"]
            assert len(chunks) >= 1 and chunks[0]["index"] == 0
            for page in (notary_room, applicant_room):
                page.close()

        with clock.phase("certificate: pyHanko signature, QR decoded, verify page valid"):
            pdf = notary.request.get(f"{staff_base}/api/v1/notary/cases/{case['id']}/certificate.pdf")
            assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
            assert_signature_valid(pdf.body(), stack.key_dir / "ca.pem")
            assert decode_qr(pdf.body(), tmp_path) == certificate["verify_url"]
            public = context(timezone_id="UTC").new_page()
            public.goto(certificate["verify_url"])
            assert "Valid" in public.inner_text("main p.status.valid")
            shot(public, "journey-verify")
            facts = httpx.get(certificate["verify_url"], headers={"Accept": "application/json"}).json()
            assert facts["status"] == "valid"
            assert facts["certificate_number"] == certificate["number"]

        with clock.phase("legal aid: elderly client, Chinese UI, books and completes a call"):
            elder = context(timezone_id="Asia/Shanghai", locale="zh-CN").new_page()
            sign_in(elder, people_base, seed["elder"]["email"], seed["password"])
            assert elder.locator("html").get_attribute("lang") == "zh-hans"
            elder.click("#large-text")
            lawyer_provider = seed["lawyer"]["provider"]
            elder.goto(f"{people_base}/providers/{lawyer_provider}/")
            assert "免费" in elder.inner_text("main")  # free of charge for her legal-aid group
            slot_button(elder).click()
            elder.wait_for_url("**/appointments/*/?booked=1")
            assert "预约成功" in elder.inner_text("[role=status]")
            join = elder.locator('a[href^="/rooms/"]')
            consult_room = join.get_attribute("href").split("/")[2]
            join.click()
            lawyer = context(timezone_id="Asia/Shanghai", locale="zh-CN").new_page()
            sign_in(lawyer, staff_base, seed["lawyer"]["email"], seed["password"])
            lawyer.goto(f"{staff_base}/rooms/{consult_room}/")
            wait_connected_with_video(lawyer, elder)
            if scaled:
                assert stack.ws_connects(0, consult_room) >= 1 and stack.ws_connects(1, consult_room) >= 1
            lawyer.once("dialog", lambda dialog: dialog.accept())  # "End the session for everyone?"
            lawyer.click("#btn-end")
            elder.wait_for_function("() => document.getElementById('status').textContent.includes('结束')")
            ended = elder.request.get(f"{people_base}/api/v1/rooms/{consult_room}/")
            assert (ended.status, ended.json()["error"]["code"]) == (409, "room_ended")
        for index, daphne in enumerate(stack.daphnes):  # no consumer or view crashed on the way
            log = Path(daphne.log.name).read_text(errors="replace")
            assert "Traceback" not in log, f"daphne-{index}.log:\n{log[log.index('Traceback') - 200 :][:3000]}"
    finally:
        for made in contexts:
            made.close()


def assert_signature_valid(data: bytes, trust_root: Path) -> None:
    """The PDF's one embedded signature is intact, valid and chains to the office's CA (pyHanko)."""
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    def validate():
        (signature,) = PdfFileReader(io.BytesIO(data)).embedded_signatures
        return validate_pdf_signature(
            signature, ValidationContext(trust_roots=[load_cert_from_pemder(str(trust_root))])
        )

    # pyHanko runs its own event loop; Playwright's sync API already has one in this thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        status = pool.submit(validate).result(timeout=60)
    assert (status.intact, status.valid, status.trusted, status.bottom_line) == (True, True, True, True)
    assert status.coverage.name == "ENTIRE_FILE"


def decode_qr(pdf: bytes, tmp: Path) -> str:
    """Render the certificate's page (poppler's pdftoppm) and decode its QR code with zbar; the text."""
    (tmp / "certificate.pdf").write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "200",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(tmp / "certificate.pdf"),
            str(tmp / "page"),
        ],
        check=True,
        timeout=60,
    )
    result = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(tmp / "page.png")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    codes = result.stdout.strip().splitlines()
    assert len(codes) == 1, codes
    return codes[0]
