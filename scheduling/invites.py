"""iCalendar invites (RFC 5545/5546 iTIP) and subscribable feeds for appointments: pure functions.

Nothing here touches the database or the clock: callers pass an :class:`InviteData`
(plain values read from an appointment) and ``now``. Every instant is written in
UTC with ``Z`` (no VTIMEZONE: long VTIMEZONE rule lists are misread by several
clients); texts are in the recipient's language with the start shown in the
recipient's zone and in the provider's zone.

Two writers share one description of the event (:func:`event_properties`):

* :func:`invite_build` serializes one appointment with ``icalendar`` 7 (the
  file attached to emails and served at ``invite.ics``);
* :func:`feed_build` writes a whole feed with the small content-line writer
  below (:func:`escape_text`, :func:`fold`), because icalendar needs ~4 s for
  10,000 events; tests check both writers agree event by event and that
  ``icalendar``, ``vobject`` and libical accept what they write.

icalendar quirks worked around (each has a test in tests/scheduling/test_invites.py):

1. ``vText`` turns a literal backslash-N of user text into a line break
   (``"C:\\Notes"`` became ``"C:" + newline + "otes"``): TEXT values go through
   :class:`_Text`, which escapes per RFC 5545 §3.3.11 only.
2. Control characters (``\\x00``, ``\\x07``, a lone ``\\r`` in parameters...) are
   written through unchanged, which makes the file invalid: :func:`clean_text`
   drops them first.
3. A ``"`` in a parameter (an attendee's CN) is written as RFC 6868 ``^'``,
   which libical 3.0 and vobject show literally: :func:`clean_param` turns
   ``"`` into ``'`` and ``^`` into ``ˆ`` so every parser reads the same name.
4. ``X-PUBLISHED-TTL`` given a ``timedelta`` is written as ``1:00:00`` (its
   ``str``) and ``REFRESH-INTERVAL`` lacks the ``VALUE=DURATION`` that RFC 7986
   §5.7 requires: both are passed as ``vDuration`` with explicit parameters.
5. On reading, icalendar returns ``NAME`` and ``X-WR-CALNAME`` as ``vUnknown``
   (still TEXT-escaped): tests compare their escaped form, vobject and libical
   their values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, vCalAddress, vDuration, vText

from .ical_text import (  # noqa: F401 - clean_header, fold and fold_bytes are part of this module's API
    clean_header,
    clean_param,
    clean_text,
    escape_text,
    fold,
    fold_bytes,
    ical_utc,
    one_line,
    quote_param,
)

PRODID = "-//Lexmeet//Lexmeet Scheduling 1.0//EN"
FEED_REFRESH = timedelta(hours=1)
ALARMS = (timedelta(hours=24), timedelta(minutes=15))  # VALARMs before the start (elapsed time)
MAX_TEXT = 4000  # characters of free text (notes) kept in a DESCRIPTION

CLIENT, PROVIDER = "client", "provider"


@dataclass(frozen=True)
class Party:
    """A participant: display name, mailbox, language (``en``/``zh-hans``) and IANA zone."""

    name: str
    email: str
    language: str
    zone: str


@dataclass(frozen=True)
class InviteData:
    """What an invite says about one appointment; instants are UTC-aware.

    ``uid`` is the full iCalendar UID (``<appointment uid>@<site domain>``),
    ``sequence`` the appointment's RFC 5546 SEQUENCE, ``stamp`` when it last
    changed (the feed's DTSTAMP, RFC 5545 §3.8.7.2: without METHOD it is the
    last modification).
    """

    uid: str
    sequence: int
    cancelled: bool
    start: datetime
    end: datetime
    stamp: datetime
    service_name: str
    service_name_zh: str
    provider_kind: str
    client: Party
    provider: Party
    organizer_email: str
    organizer_name: str
    room_url: str
    page_url: str
    notes: str = ""


# --- what the event says ------------------------------------------------------------

_WEEKDAYS = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "zh-hans": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

TEXTS = {
    "en": {
        "summary": "{service} with {other}",
        "cancelled": "Cancelled: ",
        "when": "When: {when}",
        "provider_time": "{provider_name}'s time: {when}",
        "with": "With: {other}",
        "service": "Service: {service}",
        "room": "Video room: {url}",
        "notes": "Notes: {notes}",
        "page": "Your appointments: {url}",
        "kinds": {"lawyer": "lawyer", "notary": "notary", "client": "client"},
    },
    "zh-hans": {
        "summary": "{service}：{other}",
        "cancelled": "已取消：",
        "when": "时间：{when}",
        "provider_time": "{provider_name}当地时间：{when}",
        "with": "对方：{other}",
        "service": "服务：{service}",
        "room": "视频会议室：{url}",
        "notes": "备注：{notes}",
        "page": "我的预约：{url}",
        "kinds": {"lawyer": "律师", "notary": "公证员", "client": "客户"},
    },
}


def language_of(code: str) -> str:
    """``zh-hans`` for any Chinese code (``zh``, ``zh-Hans``, ``zh-cn``), else ``en``."""
    return "zh-hans" if (code or "").lower().startswith("zh") else "en"


def _offset(value: datetime) -> str:
    seconds = int(value.utcoffset().total_seconds())
    sign = "+" if seconds >= 0 else "-"
    hours, minutes = divmod(abs(seconds) // 60, 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def format_span(start: datetime, end: datetime, zone_name: str, language: str) -> str:
    """The session in ``zone_name``: ``Mon 28 Dec 2020, 10:00-10:30 (Australia/Melbourne, UTC+11:00)``.

    Chinese: ``2020年12月28日 周一 10:00-10:30（Australia/Melbourne，UTC+11:00）``. An end on
    another local day carries its date.
    """
    zone = ZoneInfo(zone_name)
    s, e = start.astimezone(zone), end.astimezone(zone)
    day = _WEEKDAYS[language][s.weekday()]
    start_text = f"{s.hour:02d}:{s.minute:02d}"
    end_text = f"{e.hour:02d}:{e.minute:02d}"
    other_day = (e.year, e.month, e.day) != (s.year, s.month, s.day)
    if language == "zh-hans":
        if other_day:
            end_text = f"{e.month}月{e.day}日 {end_text}"
        return f"{s.year}年{s.month}月{s.day}日 {day} {start_text}-{end_text}（{zone_name}，{_offset(s)}）"
    if other_day:
        end_text = f"{e.day} {_MONTHS[e.month - 1]} {end_text}"
    return f"{day} {s.day} {_MONTHS[s.month - 1]} {s.year}, {start_text}-{end_text} ({zone_name}, {_offset(s)})"


def event_texts(data: InviteData, role: str) -> tuple[str, str]:
    """(SUMMARY, DESCRIPTION) for the participant ``role`` (``client``/``provider``), in their language."""
    me = data.client if role == CLIENT else data.provider
    language = language_of(me.language)
    t = TEXTS[language]
    service = one_line((data.service_name_zh or data.service_name) if language == "zh-hans" else data.service_name)
    provider_name = one_line(data.provider.name)
    if role == CLIENT:
        kind = t["kinds"].get(data.provider_kind, data.provider_kind)
        other = f"{provider_name}（{kind}）" if language == "zh-hans" else f"{provider_name} ({kind})"
    else:
        other = one_line(data.client.name)
    summary = t["summary"].format(service=service, other=other)
    if data.cancelled:
        summary = t["cancelled"] + summary
    lines = [
        t["service"].format(service=service),
        t["with"].format(other=other),
        t["when"].format(when=format_span(data.start, data.end, me.zone, language)),
    ]
    if role == CLIENT or me.zone != data.provider.zone:
        lines.append(
            t["provider_time"].format(
                provider_name=provider_name,
                when=format_span(data.start, data.end, data.provider.zone, language),
            )
        )
    if not data.cancelled:
        lines.append(t["room"].format(url=data.room_url))
    notes = clean_text(data.notes).strip()
    if notes:
        lines.append(t["notes"].format(notes=notes[:MAX_TEXT]))
    lines.append(t["page"].format(url=data.page_url))
    return summary, "\n".join(lines)


class Prop(NamedTuple):
    """One content line before serialization: ``kind`` is text, utc, raw, int, uri or cal-address."""

    name: str
    value: object
    kind: str
    params: tuple[tuple[str, str], ...] = ()


def _address(party_name: str, email: str, extra: tuple[tuple[str, str], ...] = ()) -> tuple:
    params = ((("CN", clean_param(party_name)),) if clean_param(party_name) else ()) + extra
    return f"mailto:{email}", params


ATTENDEE_PARAMS = (
    ("CUTYPE", "INDIVIDUAL"),
    ("ROLE", "REQ-PARTICIPANT"),
    ("PARTSTAT", "NEEDS-ACTION"),
    ("RSVP", "TRUE"),
)


def event_properties(data: InviteData, role: str, *, feed: bool) -> list[Prop]:
    """The VEVENT's properties for the participant ``role``; ``feed`` leaves out ORGANIZER and ATTENDEEs (I7)."""
    summary, description = event_texts(data, role)
    me = data.client if role == CLIENT else data.provider
    label = "视频会议室" if language_of(me.language) == "zh-hans" else "Video room"
    props = [
        Prop("UID", data.uid, "raw"),
        Prop("SEQUENCE", data.sequence, "int"),
        Prop("DTSTAMP", data.stamp, "utc"),
        Prop("DTSTART", data.start, "utc"),
        Prop("DTEND", data.end, "utc"),
        Prop("SUMMARY", summary, "text"),
        Prop("DESCRIPTION", description, "text"),
        Prop("STATUS", "CANCELLED" if data.cancelled else "CONFIRMED", "raw"),
        Prop("TRANSP", "OPAQUE", "raw"),
        Prop("CLASS", "PRIVATE", "raw"),
    ]
    if not data.cancelled:
        props += [
            Prop("LOCATION", data.room_url, "text"),
            Prop("URL", data.room_url, "uri"),
            Prop("CONFERENCE", data.room_url, "uri", (("VALUE", "URI"), ("FEATURE", "VIDEO"), ("LABEL", label))),
        ]
    if not feed:
        value, params = _address(data.organizer_name, data.organizer_email)
        props.append(Prop("ORGANIZER", value, "cal-address", params))
        for party in (data.client, data.provider):
            value, params = _address(party.name, party.email, ATTENDEE_PARAMS)
            props.append(Prop("ATTENDEE", value, "cal-address", params))
    return props


@lru_cache(maxsize=16)
def site_domain(site_url: str) -> str:
    """The host of ``SITE_URL`` (``https://lexmeet.example:8443/`` -> ``lexmeet.example``), the UID's right side."""
    return urlsplit(site_url).hostname or "localhost"


@lru_cache(maxsize=16)
def _parse_from(default_from: str) -> tuple[str, str]:
    return parseaddr(default_from)


def room_url_of(room_id: str | None, site_url: str) -> str:
    """``{SITE_URL}/rooms/{room_id}/`` once the appointment has a video room, else its page ``{SITE_URL}/appointments/``."""
    return f"{site_url}/rooms/{room_id}/" if room_id else f"{site_url}/appointments/"


# An appointment's fields an invite reads, named as ``QuerySet.values()`` names them.
INVITE_FIELDS = (
    "uid",
    "sequence",
    "status",
    "start",
    "end",
    "updated_at",
    "created_at",
    "notes",
    "language",
    "client_timezone",
    "service__name",
    "service__name_zh",
    "provider__kind",
    "provider__timezone",
    "provider__user__full_name",
    "provider__user__email",
    "provider__user__language",
    "client__full_name",
    "client__email",
    "client__language",
    "provider__organization__name",
    "provider__organization__email",
)


def invite_data_from_row(row, *, site_url: str, default_from: str, room_id: str | None = None) -> InviteData:
    """An :class:`InviteData` from a mapping with the :data:`INVITE_FIELDS` keys (a ``values()`` row).

    ORGANIZER is the provider's office mailbox, else the address in ``default_from``
    (``DEFAULT_FROM_EMAIL``: ``"Name <addr>"`` or a bare address). The client's
    language and zone are the ones chosen at booking.
    """
    site_url = site_url.rstrip("/")
    organizer_name, organizer_email = row["provider__organization__name"] or "", row["provider__organization__email"]
    if not organizer_email:
        fallback_name, organizer_email = _parse_from(default_from)
        organizer_name = organizer_name or fallback_name
    return InviteData(
        uid=f"{row['uid']}@{site_domain(site_url)}",
        sequence=row["sequence"],
        cancelled=row["status"] == "cancelled",
        start=row["start"],
        end=row["end"],
        stamp=row["updated_at"] or row["created_at"],
        service_name=row["service__name"],
        service_name_zh=row["service__name_zh"],
        provider_kind=row["provider__kind"],
        client=Party(
            row["client__full_name"],
            row["client__email"],
            row["language"] or row["client__language"],
            row["client_timezone"],
        ),
        provider=Party(
            row["provider__user__full_name"],
            row["provider__user__email"],
            row["provider__user__language"],
            row["provider__timezone"],
        ),
        organizer_email=organizer_email,
        organizer_name=organizer_name,
        room_url=room_url_of(room_id, site_url),
        page_url=f"{site_url}/appointments/",
        notes=row["notes"],
    )


def invite_data(appointment, *, site_url: str, default_from: str) -> InviteData:
    """:func:`invite_data_from_row` for a model instance (``provider__user``, ``provider__organization``,
    ``service`` and ``client`` loaded); its video room, if any, is ``appointment.room``."""
    row = {}
    for path in INVITE_FIELDS:
        value = appointment
        for part in path.split("__"):
            value = getattr(value, part) if value is not None else None
        row[path] = value
    room_id = getattr(getattr(appointment, "room", None), "room_id", None)
    return invite_data_from_row(row, site_url=site_url, default_from=default_from, room_id=room_id)


# --- writer 1: icalendar (one invite) -------------------------------------------------


class _Text(vText):
    """``vText`` with plain RFC 5545 escaping (quirk 1: icalendar reads ``\\N`` in user text as a newline)."""

    def to_ical(self) -> bytes:
        return escape_text(str(self)).encode()


def _ical_value(prop: Prop):
    if prop.kind == "text":
        return _Text(prop.value)
    if prop.kind == "cal-address":
        return vCalAddress(prop.value)
    return prop.value


def invite_build(*, data: InviteData, role: str, now: datetime) -> bytes:
    """One VCALENDAR for the participant ``role``: METHOD:REQUEST, or METHOD:CANCEL once cancelled.

    Source: RFC 5546 §3.2.2 (REQUEST) and §3.2.5 (CANCEL): same UID for the
    appointment's life, SEQUENCE from the appointment (raised by reschedule and
    cancel), DTSTAMP = ``now`` in UTC, ORGANIZER the office's mailbox and both
    participants as ATTENDEEs; CONFERENCE from RFC 7986 §5.11. VALARMs 24 h and
    15 min before the start ride along with a REQUEST. Returns CRLF-terminated
    UTF-8 bytes, folded at 75 octets.
    """
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "CANCEL" if data.cancelled else "REQUEST")
    event = Event()
    stamped = InviteData(**{**data.__dict__, "stamp": now})
    for prop in event_properties(stamped, role, feed=False):
        event.add(prop.name, _ical_value(prop), parameters=dict(prop.params) or None)
    if not data.cancelled:
        summary = event_texts(data, role)[0]
        for before in ALARMS:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", _Text(summary))
            alarm.add("trigger", -before)
            event.add_component(alarm)
    cal.add_component(event)
    return cal.to_ical()


def feed_build_icalendar(*, entries: Iterable[tuple[InviteData, str]], name: str) -> bytes:
    """The same feed as :func:`feed_build`, written by icalendar (the reference the tests and bench compare to)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("name", _Text(name))
    cal.add("x-wr-calname", _Text(name))
    # Quirk 4: a timedelta on an X- property is written as "1:00:00"; RFC 7986 wants VALUE=DURATION.
    cal.add("refresh-interval", vDuration(FEED_REFRESH), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(FEED_REFRESH))
    for data, role in entries:
        if data.cancelled:
            continue
        event = Event()
        for prop in event_properties(data, role, feed=True):
            event.add(prop.name, _ical_value(prop), parameters=dict(prop.params) or None)
        cal.add_component(event)
    return cal.to_ical()


# --- writer 2: content lines (feeds) ---------------------------------------------------


def _line(prop: Prop) -> bytes:
    if prop.kind == "text":
        value = escape_text(prop.value)
    elif prop.kind == "utc":
        value = ical_utc(prop.value)
    else:
        value = str(prop.value)
    if prop.params:
        params = "".join(f";{key}={quote_param(val)}" for key, val in prop.params)
        return fold_bytes(f"{prop.name}{params}:{value}".encode())
    return fold_bytes(f"{prop.name}:{value}".encode())


# Properties whose lines repeat across a feed's events (the same room page, status...): written once per feed.
_REPEATED = frozenset({"SEQUENCE", "STATUS", "TRANSP", "CLASS", "LOCATION", "URL", "CONFERENCE"})


def feed_build(*, entries: Iterable[tuple[InviteData, str]], name: str) -> bytes:
    """A subscribable VCALENDAR (case I7): no METHOD, ORGANIZER or ATTENDEE; cancelled entries left out.

    ``entries`` are (appointment data, the owner's role in it). ``NAME`` and
    ``X-WR-CALNAME`` carry ``name``; ``REFRESH-INTERVAL;VALUE=DURATION:PT1H``
    (RFC 7986 §5.7) and ``X-PUBLISHED-TTL:PT1H`` ask clients to poll hourly.
    Each DTSTAMP is the appointment's last change, so an unchanged feed is
    byte-identical (stable ETag).
    """
    escaped = escape_text(name).encode()
    memo: dict[Prop, bytes] = {}
    out = [
        b"BEGIN:VCALENDAR",
        b"VERSION:2.0",
        f"PRODID:{PRODID}".encode(),
        b"CALSCALE:GREGORIAN",
        fold_bytes(b"NAME:" + escaped),
        fold_bytes(b"X-WR-CALNAME:" + escaped),
        b"REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        b"X-PUBLISHED-TTL:PT1H",
    ]
    for data, role in entries:
        if data.cancelled:
            continue
        out.append(b"BEGIN:VEVENT")
        for prop in event_properties(data, role, feed=True):
            if prop.name in _REPEATED:
                line = memo.get(prop)
                if line is None:
                    line = memo[prop] = _line(prop)
                out.append(line)
            else:
                out.append(_line(prop))
        out.append(b"END:VEVENT")
    out.append(b"END:VCALENDAR")
    out.append(b"")
    return b"\r\n".join(out)
