"""The pure invite and feed builders: cases I1-I5, I7 and S7 of cases/invites.md and cases/scheduling.md,
checked with icalendar, vobject and libical, plus the icalendar quirks worked around (scheduling/invites.py)."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event, vText

from scheduling import invites
from scheduling.invites import CLIENT, PROVIDER, InviteData, Party, feed_build, fold, invite_build
from tests.scheduling.ical_check import (
    assert_wire_format,
    icalendar_events,
    libical_parse,
    unfold,
    vobject_calendar,
)

NOW = datetime(2020, 12, 1, 8, 0, tzinfo=UTC)
ROOM = "https://lexmeet.example/rooms/r0om-t0ken/"
CHINESE = "关于跨境继承公证的免费法律咨询，请准备护照、户口簿和亲属关系证明😀；谢谢！"


def sample(**changes) -> InviteData:
    """S7: a Melbourne lawyer's Mon 2020-12-28 10:00 (local), 30 minutes, booked from New York."""
    start = datetime(2020, 12, 28, 10, 0, tzinfo=ZoneInfo("Australia/Melbourne"))
    data = InviteData(
        uid="7f3c0a9e5b2d4c1f8e6a0b9c8d7e6f50@lexmeet.example",
        sequence=0,
        cancelled=False,
        start=start.astimezone(UTC),
        end=(start + timedelta(minutes=30)).astimezone(UTC),
        stamp=datetime(2020, 11, 30, tzinfo=UTC),
        service_name="Free legal consultation",
        service_name_zh="免费法律咨询",
        provider_kind="lawyer",
        client=Party("Ana Souza", "ana@example.com", "en", "America/New_York"),
        provider=Party("Li Wei", "li.wei@example.com", "zh-hans", "Australia/Melbourne"),
        organizer_email="office@lawfirm.example",
        organizer_name="Taiyuan Legal Aid Centre",
        room_url=ROOM,
        page_url="https://lexmeet.example/appointments/",
    )
    return replace(data, **changes)


def event_of(ics: bytes):
    cal, events = icalendar_events(ics)
    assert len(events) == 1
    return cal, events[0]


def lines_named(ics: bytes, name: str) -> list[str]:
    return [line for line in unfold(ics) if line.split(":", 1)[0].split(";", 1)[0] == name]


# --- S7, I4: instants in UTC ---------------------------------------------------------------


def test_s7_melbourne_monday_ten_is_sunday_2300_utc_never_floating():
    ics = invite_build(data=sample(), role=CLIENT, now=NOW)
    assert lines_named(ics, "DTSTART") == ["DTSTART:20201227T230000Z"]
    assert lines_named(ics, "DTEND") == ["DTEND:20201227T233000Z"]
    assert b"VTIMEZONE" not in ics and b"TZID" not in ics and b"+1000" not in ics
    feed = feed_build(entries=[(sample(), PROVIDER)], name="Li Wei")
    assert lines_named(feed, "DTSTART") == ["DTSTART:20201227T230000Z"]
    assert lines_named(feed, "DTEND") == ["DTEND:20201227T233000Z"]
    [parsed] = libical_parse([ics])
    assert (parsed["events"][0]["dtstart"], parsed["events"][0]["dtend"]) == ("20201227T230000Z", "20201227T233000Z")
    event = vobject_calendar(ics).vevent
    assert event.dtstart.value == datetime(2020, 12, 27, 23, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "local", "expected"),
    [
        ("Europe/Berlin", datetime(2026, 3, 30, 9, 0), "DTSTART:20260330T070000Z"),
        ("America/Sao_Paulo", datetime(2026, 7, 15, 10, 0), "DTSTART:20260715T130000Z"),
    ],
)
def test_i4_local_start_is_written_in_utc(zone, local, expected):
    start = local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    data = sample(start=start, end=start + timedelta(minutes=30), provider=Party("P", "p@example.com", "en", zone))
    ics = invite_build(data=data, role=CLIENT, now=NOW)
    assert lines_named(ics, "DTSTART") == [expected]
    [parsed] = libical_parse([ics])
    assert parsed["events"][0]["dtstart"] == expected.split(":")[1]
    assert vobject_calendar(ics).vevent.dtstart.value == start


# --- I1: the invite ----------------------------------------------------------------------


def test_i1_request_invite_has_every_field_in_order():
    ics = invite_build(data=sample(), role=CLIENT, now=NOW)
    lines = unfold(ics)
    assert lines.index("METHOD:REQUEST") < lines.index("BEGIN:VEVENT")
    assert lines_named(ics, "UID") == ["UID:7f3c0a9e5b2d4c1f8e6a0b9c8d7e6f50@lexmeet.example"]
    assert lines_named(ics, "SEQUENCE") == ["SEQUENCE:0"]
    assert lines_named(ics, "DTSTAMP") == ["DTSTAMP:20201201T080000Z"]
    assert lines_named(ics, "STATUS") == ["STATUS:CONFIRMED"]
    assert lines_named(ics, "ORGANIZER") == ['ORGANIZER;CN="Taiyuan Legal Aid Centre":mailto:office@lawfirm.example']
    assert lines_named(ics, "ATTENDEE") == [
        'ATTENDEE;CN="Ana Souza";CUTYPE=INDIVIDUAL;PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;RSVP=TRUE:'
        "mailto:ana@example.com",
        'ATTENDEE;CN="Li Wei";CUTYPE=INDIVIDUAL;PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;RSVP=TRUE:'
        "mailto:li.wei@example.com",
    ]
    assert lines_named(ics, "CONFERENCE") == [f"CONFERENCE;FEATURE=VIDEO;LABEL=Video room;VALUE=URI:{ROOM}"]
    assert lines_named(ics, "LOCATION") == [f"LOCATION:{ROOM}"]
    assert lines_named(ics, "URL") == [f"URL:{ROOM}"]
    assert [line for line in lines if line.startswith("TRIGGER")] == ["TRIGGER:-P1D", "TRIGGER:-PT15M"]
    _, event = event_of(ics)
    assert f"Video room: {ROOM}" in str(event["DESCRIPTION"])


def test_i1_organizer_is_the_office_never_the_recipient():
    for role in (CLIENT, PROVIDER):
        ics = invite_build(data=sample(), role=role, now=NOW)
        [organizer] = lines_named(ics, "ORGANIZER")
        assert organizer.endswith(":mailto:office@lawfirm.example")


def test_i1_description_is_in_the_recipients_language_and_zones():
    _, client_event = event_of(invite_build(data=sample(), role=CLIENT, now=NOW))
    assert str(client_event["SUMMARY"]) == "Free legal consultation with Li Wei (lawyer)"
    assert str(client_event["DESCRIPTION"]) == (
        "Service: Free legal consultation\n"
        "With: Li Wei (lawyer)\n"
        "When: Sun 27 Dec 2020, 18:00-18:30 (America/New_York, UTC-05:00)\n"
        "Li Wei's time: Mon 28 Dec 2020, 10:00-10:30 (Australia/Melbourne, UTC+11:00)\n"
        f"Video room: {ROOM}\n"
        "Your appointments: https://lexmeet.example/appointments/"
    )
    _, provider_event = event_of(invite_build(data=sample(), role=PROVIDER, now=NOW))
    assert str(provider_event["SUMMARY"]) == "免费法律咨询：Ana Souza"
    assert str(provider_event["DESCRIPTION"]) == (
        "服务：免费法律咨询\n"
        "对方：Ana Souza\n"
        "时间：2020年12月28日 周一 10:00-10:30（Australia/Melbourne，UTC+11:00）\n"
        f"视频会议室：{ROOM}\n"
        "我的预约：https://lexmeet.example/appointments/"
    )


def test_i1_every_parser_reads_the_invite_alike():
    ics = invite_build(data=sample(), role=CLIENT, now=NOW)
    [lib] = libical_parse([ics])
    assert lib["method"] == "REQUEST"
    [ev] = lib["events"]
    assert (ev["uid"], ev["sequence"], ev["status"], ev["alarms"]) == (
        "7f3c0a9e5b2d4c1f8e6a0b9c8d7e6f50@lexmeet.example",
        0,
        "CONFIRMED",
        2,
    )
    assert ev["organizer"] == "mailto:office@lawfirm.example"
    assert [(a["cn"], a["value"], a["role"], a["partstat"], a["rsvp"]) for a in ev["attendees"]] == [
        ("Ana Souza", "mailto:ana@example.com", "REQ-PARTICIPANT", "NEEDS-ACTION", "TRUE"),
        ("Li Wei", "mailto:li.wei@example.com", "REQ-PARTICIPANT", "NEEDS-ACTION", "TRUE"),
    ]
    vcal = vobject_calendar(ics)
    assert vcal.method.value == "REQUEST"
    assert vcal.vevent.uid.value == ev["uid"]
    assert vcal.vevent.summary.value == ev["summary"] == "Free legal consultation with Li Wei (lawyer)"
    assert vcal.vevent.description.value == ev["description"]
    _, event = event_of(ics)
    assert str(event["DESCRIPTION"]) == ev["description"]


# --- I2, I3: reschedule and cancel ---------------------------------------------------------------


def test_i2_reschedule_keeps_uid_raises_sequence_and_dtstamp():
    first = invite_build(data=sample(), role=CLIENT, now=NOW)
    moved_start = datetime(2020, 12, 28, 0, 0, tzinfo=UTC)
    moved = invite_build(
        data=sample(sequence=1, start=moved_start, end=moved_start + timedelta(minutes=30)),
        role=CLIENT,
        now=NOW + timedelta(hours=2),
    )
    assert lines_named(moved, "UID") == lines_named(first, "UID")
    assert lines_named(moved, "SEQUENCE") == ["SEQUENCE:1"]
    assert lines_named(moved, "DTSTAMP") == ["DTSTAMP:20201201T100000Z"]
    assert lines_named(moved, "METHOD") == ["METHOD:REQUEST"]
    assert lines_named(moved, "DTSTART") == ["DTSTART:20201228T000000Z"]
    old, new = libical_parse([first, moved])
    assert old["events"][0]["uid"] == new["events"][0]["uid"]
    assert new["events"][0]["sequence"] == 1


def test_i3_cancel_has_method_cancel_same_uid_one_higher_sequence_same_people():
    request = invite_build(data=sample(sequence=1), role=CLIENT, now=NOW)
    cancel = invite_build(data=sample(sequence=2, cancelled=True), role=CLIENT, now=NOW + timedelta(minutes=5))
    lines = unfold(cancel)
    assert lines.index("METHOD:CANCEL") < lines.index("BEGIN:VEVENT")
    assert lines_named(cancel, "STATUS") == ["STATUS:CANCELLED"]
    assert lines_named(cancel, "SEQUENCE") == ["SEQUENCE:2"]
    assert lines_named(cancel, "UID") == lines_named(request, "UID")
    assert lines_named(cancel, "ORGANIZER") == lines_named(request, "ORGANIZER")
    assert lines_named(cancel, "ATTENDEE") == lines_named(request, "ATTENDEE")
    assert lines_named(cancel, "DTSTART") == lines_named(request, "DTSTART")
    assert b"BEGIN:VALARM" not in cancel
    [lib] = libical_parse([cancel])
    assert (lib["method"], lib["events"][0]["status"], lib["events"][0]["sequence"]) == ("CANCEL", "CANCELLED", 2)
    assert vobject_calendar(cancel).method.value == "CANCEL"
    _, event = event_of(cancel)
    assert str(event["SUMMARY"]).startswith("Cancelled: ")


# --- I5: folding, UTF-8, escaping --------------------------------------------------------------


def test_i5_chinese_and_emoji_fold_at_every_position_into_valid_utf8_lines():
    """Shift the text by 0..80 ASCII characters so every fold lands at every offset of 3- and 4-byte characters."""
    files, expected = [], []
    for shift in range(81):
        name = "x" * shift + CHINESE * 2
        data = sample(
            client=Party(name, "ana@example.com", "zh-hans", "Asia/Shanghai"),
            notes=("p" * shift) + CHINESE * 3,
        )
        for ics in (
            invite_build(data=data, role=CLIENT, now=NOW),
            invite_build(data=data, role=PROVIDER, now=NOW),
            feed_build(entries=[(data, PROVIDER)], name=name),
        ):
            assert_wire_format(ics)
            _, event = event_of(ics)
            assert "p" * shift + CHINESE * 3 + "\n" in str(event["DESCRIPTION"])
            vevent = vobject_calendar(ics).vevent
            assert vevent.description.value == str(event["DESCRIPTION"])
            files.append(ics)
            expected.append(str(event["DESCRIPTION"]))
    parsed = libical_parse(files)
    assert [p["events"][0]["description"] for p in parsed] == expected


@pytest.mark.parametrize("shift", range(0, 12))
def test_fold_never_splits_a_character_nor_an_escape(shift):
    line = "DESCRIPTION:" + "a" * shift + "\\n😀好\\,\\;\\\\" * 40
    folded = fold(line)
    physical = folded.encode().split(b"\r\n")
    assert all(len(p) <= 75 for p in physical)
    for p in physical[:-1]:  # no fold between a backslash and the character it escapes
        run = len(p) - len(p.rstrip(b"\\"))
        assert run % 2 == 0, p
    assert folded.replace("\r\n ", "") == line
    for p in physical:
        p.decode()


def test_i5_text_escaping_of_comma_semicolon_backslash_and_newlines():
    data = sample(notes='a,b;c\\d\nline2\r\nline3 "q"')
    ics = invite_build(data=data, role=CLIENT, now=NOW)
    description = lines_named(ics, "DESCRIPTION")[0]  # the VEVENT's; the VALARMs' follow
    assert 'Notes: a\\,b\\;c\\\\d\\nline2\\nline3 "q"\\n' in description
    _, event = event_of(ics)
    assert 'Notes: a,b;c\\d\nline2\nline3 "q"\n' in str(event["DESCRIPTION"])
    [lib] = libical_parse([ics])
    assert 'Notes: a,b;c\\d\nline2\nline3 "q"\n' in lib["events"][0]["description"]
    assert 'Notes: a,b;c\\d\nline2\nline3 "q"\n' in vobject_calendar(ics).vevent.description.value


def test_crlf_endings_everywhere():
    ics = invite_build(data=sample(), role=CLIENT, now=NOW)
    assert ics.count(b"\r\n") == ics.count(b"\n")
    feed = feed_build(entries=[(sample(), PROVIDER)], name="x")
    assert feed.count(b"\r\n") == feed.count(b"\n")


# --- bad input ------------------------------------------------------------------------------------

NASTY = 'Eve\r\nBcc: victim@example.com\x00\x07\x1b[31m;, \\ "quoted" ^n\u2028\ud800 😀'


def test_names_and_notes_with_controls_crlf_and_10000_characters_give_a_valid_file():
    data = sample(
        client=Party(NASTY, "eve@example.com", "en", "Asia/Kolkata"),
        provider=Party('O\'Brien, "Pat"; 王', "pat@example.com", "zh-hans", "Europe/Berlin"),
        notes=(NASTY + CHINESE) * 200 + "x" * 10_000,
    )
    files = [
        invite_build(data=data, role=CLIENT, now=NOW),
        invite_build(data=data, role=PROVIDER, now=NOW),
        invite_build(data=replace(data, cancelled=True, sequence=1), role=CLIENT, now=NOW),
        feed_build(entries=[(data, CLIENT), (data, PROVIDER)], name=NASTY),
    ]
    for ics in files:
        assert_wire_format(ics)
        assert b"\x00" not in ics and b"\x1b" not in ics and b"\x07" not in ics
        assert not any(line.startswith(b"Bcc") for line in ics.split(b"\r\n"))
        cal = Calendar.from_ical(ics)
        for event in cal.walk("VEVENT"):
            assert "Bcc: victim@example.com" in str(event["DESCRIPTION"])
        vobject_calendar(ics)
    parsed = libical_parse(files)
    attendees = parsed[0]["events"][0]["attendees"]
    assert [a["cn"] for a in attendees] == [
        "Eve Bcc: victim@example.com[31m;, \\ 'quoted' \u02c6n\u2028 😀",
        "O'Brien, 'Pat'; 王",
    ]
    cal = Calendar.from_ical(files[0])
    [event] = cal.walk("VEVENT")
    assert [str(a.params["CN"]) for a in event["ATTENDEE"]] == [a["cn"] for a in attendees]


def test_header_clean_leaves_one_line():
    assert invites.clean_header(NASTY) == "Eve Bcc: victim@example.com[31m;, \\ 'quoted' \u02c6n 😀"


# --- I7: the feed ----------------------------------------------------------------------------------


def test_i7_feed_has_names_refresh_hints_and_no_itip_properties():
    cancelled = sample(uid="gone@lexmeet.example", cancelled=True, sequence=1)
    feed = feed_build(entries=[(sample(), PROVIDER), (cancelled, PROVIDER)], name="Lexmeet: Li Wei")
    assert_wire_format(feed)
    lines = unfold(feed)
    for name in ("METHOD", "ORGANIZER", "ATTENDEE"):
        assert lines_named(feed, name) == []
    assert "NAME:Lexmeet: Li Wei" in lines
    assert "X-WR-CALNAME:Lexmeet: Li Wei" in lines
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in lines
    assert "X-PUBLISHED-TTL:PT1H" in lines
    assert lines_named(feed, "UID") == ["UID:7f3c0a9e5b2d4c1f8e6a0b9c8d7e6f50@lexmeet.example"]
    assert lines_named(feed, "DTSTAMP") == ["DTSTAMP:20201130T000000Z"]  # the last change: stable bytes
    [lib] = libical_parse([feed])
    assert lib["method"] is None
    assert lib["x"]["X-WR-CALNAME"] == "Lexmeet: Li Wei"
    assert [e["uid"] for e in lib["events"]] == ["7f3c0a9e5b2d4c1f8e6a0b9c8d7e6f50@lexmeet.example"]
    vcal = vobject_calendar(feed)
    assert len(vcal.vevent_list) == 1
    cal, events = icalendar_events(feed)
    assert cal["REFRESH-INTERVAL"].dt == timedelta(hours=1)


def test_feed_writer_matches_the_icalendar_writer_event_by_event():
    entries = [
        (sample(), PROVIDER),
        (sample(uid="b@lexmeet.example", notes=NASTY + CHINESE * 5), CLIENT),
        (sample(uid="c@lexmeet.example", client=Party(NASTY, "e@example.com", "zh-hans", "Asia/Kolkata")), PROVIDER),
    ]
    fast = Calendar.from_ical(feed_build(entries=entries, name="Li Wei, 李伟; \\ feed"))
    reference = Calendar.from_ical(invites.feed_build_icalendar(entries=entries, name="Li Wei, 李伟; \\ feed"))
    # icalendar reads NAME and X-WR-CALNAME as vUnknown (no TEXT unescaping): compare the escaped form.
    assert (
        fast["X-WR-CALNAME"].to_ical() == reference["X-WR-CALNAME"].to_ical() == "Li Wei\\, 李伟\\; \\\\ feed".encode()
    )
    assert fast["NAME"].to_ical() == reference["NAME"].to_ical()
    fast_events, reference_events = fast.walk("VEVENT"), reference.walk("VEVENT")
    assert len(fast_events) == len(reference_events) == 3
    for a, b in zip(fast_events, reference_events, strict=True):
        assert sorted(a.keys()) == sorted(b.keys())
        for key in a.keys():
            assert a[key].to_ical() == b[key].to_ical(), key
            assert dict(a[key].params) == dict(b[key].params), key


# --- icalendar quirks worked around -----------------------------------------------------------------


def test_quirk_icalendar_vtext_turns_backslash_n_into_a_newline_and_ours_does_not():
    assert (
        Event.from_ical(b"BEGIN:VEVENT\r\n" + b"SUMMARY:" + vText("C:\\Notes").to_ical() + b"\r\nEND:VEVENT\r\n")[
            "SUMMARY"
        ]
        == "C:\notes"
    )  # upstream behaviour, the reason for invites._Text
    ics = invite_build(data=sample(notes="C:\\Notes\\N1"), role=CLIENT, now=NOW)
    _, event = event_of(ics)
    assert "Notes: C:\\Notes\\N1\n" in str(event["DESCRIPTION"])


def test_quirk_icalendar_writes_control_characters_unchanged_and_ours_drops_them():
    event = Event()
    event.add("summary", "a\x07b")
    assert b"SUMMARY:a\x07b" in event.to_ical()  # upstream behaviour
    ics = invite_build(data=sample(client=Party("a\x07b", "a@example.com", "en", "UTC")), role=PROVIDER, now=NOW)
    assert b"\x07" not in ics
    assert "with" not in lines_named(ics, "SUMMARY")[0] and lines_named(ics, "SUMMARY") == ["SUMMARY:免费法律咨询：ab"]


def test_quirk_dquote_in_cn_would_be_rfc6868_which_libical_and_vobject_show_raw():
    event = Event()
    event.add("attendee", "mailto:a@example.com", parameters={"CN": 'Jim "JJ" Doe'})
    assert b"CN=\"Jim ^'JJ^' Doe\"" in event.to_ical() or b"CN=Jim ^'JJ^' Doe" in event.to_ical()
    ics = invite_build(data=sample(client=Party('Jim "JJ" Doe', "a@example.com", "en", "UTC")), role=CLIENT, now=NOW)
    assert "ATTENDEE;CN=\"Jim 'JJ' Doe\";" in lines_named(ics, "ATTENDEE")[0]
    [lib] = libical_parse([ics])
    assert lib["events"][0]["attendees"][0]["cn"] == "Jim 'JJ' Doe"
    assert vobject_calendar(ics).vevent.attendee.params["CN"] == ["Jim 'JJ' Doe"]


def test_quirk_published_ttl_and_refresh_interval_need_duration_values():
    cal = Calendar()
    cal.add("x-published-ttl", timedelta(hours=1))
    assert b"X-PUBLISHED-TTL:1:00:00" in cal.to_ical()  # upstream behaviour: str(timedelta)
    reference = invites.feed_build_icalendar(entries=[], name="x")
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in reference
    assert b"X-PUBLISHED-TTL:PT1H\r\n" in reference


# --- small pure helpers --------------------------------------------------------------------------------


def test_site_domain_is_the_host_of_site_url():
    assert invites.site_domain("https://lexmeet.example:8443/") == "lexmeet.example"
    assert invites.site_domain("http://127.0.0.1:8000") == "127.0.0.1"


def test_span_crossing_midnight_names_the_end_day():
    start = datetime(2024, 3, 10, 4, 30, tzinfo=UTC)
    assert invites.format_span(start, start + timedelta(hours=1), "America/New_York", "en") == (
        "Sat 9 Mar 2024, 23:30-10 Mar 00:30 (America/New_York, UTC-05:00)"
    )
    assert invites.format_span(start, start + timedelta(hours=1), "America/New_York", "zh-hans") == (
        "2024年3月9日 周六 23:30-3月10日 00:30（America/New_York，UTC-05:00）"
    )


def test_icalendar_round_trip_keeps_every_property():
    data = sample(notes=NASTY + CHINESE, client=Party('Doe, "J"; 王', "d@example.com", "zh-hans", "Asia/Kolkata"))
    for ics in (
        invite_build(data=data, role=CLIENT, now=NOW),
        invite_build(data=replace(data, cancelled=True, sequence=3), role=PROVIDER, now=NOW),
        feed_build(entries=[(data, CLIENT), (data, PROVIDER)], name="Lexmeet：王"),
    ):
        once = Calendar.from_ical(ics)
        twice = Calendar.from_ical(once.to_ical())
        assert once == twice
        for a, b in zip(once.walk(), twice.walk(), strict=True):
            assert a.name == b.name
            assert {k: a[k].to_ical() if hasattr(a[k], "to_ical") else a[k] for k in a} == {
                k: b[k].to_ical() if hasattr(b[k], "to_ical") else b[k] for k in b
            }


def test_libical_check_skips_with_the_reason_when_gi_is_missing(monkeypatch):
    import importlib.util
    import sys

    from tests.scheduling import ical_check

    if importlib.util.find_spec("gi") is not None:
        pytest.skip("this Python can import gi, so it cannot stand in for one that lacks it")
    monkeypatch.setattr(ical_check, "SYSTEM_PYTHON", sys.executable)  # our venv's Python has no gi
    with pytest.raises(pytest.skip.Exception, match="cannot import gi/ICalGLib"):
        ical_check.libical_parse([invite_build(data=sample(), role=CLIENT, now=NOW)])
