"""Run by Debian's /usr/bin/python3 (python3-gi + gir1.2-ical-3.0): parse iCalendar files with libical.

stdin: a JSON list of iCalendar texts. stdout: a JSON list, one entry per file:
``{"errors": [...X-LIC-ERROR texts...], "method": ..., "calname": ..., "events": [{uid, sequence, dtstart, dtend,
summary, description, status, location, organizer, attendees: [{cn, value}], alarms}]}``.
Exit code 3 when gi or ICalGLib cannot be imported (the test then skips with that reason).
"""

import json
import sys

try:
    import gi

    gi.require_version("ICalGLib", "3.0")
    from gi.repository import ICalGLib as I  # noqa: N814
except Exception as exc:  # noqa: BLE001
    print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
    sys.exit(3)


def utc(prop_time):
    t = prop_time
    suffix = "Z" if t.is_utc() else ""
    date = f"{t.get_year():04d}{t.get_month():02d}{t.get_day():02d}"
    return f"{date}T{t.get_hour():02d}{t.get_minute():02d}{t.get_second():02d}{suffix}"


def props(comp, kind):
    prop = comp.get_first_property(kind)
    while prop is not None:
        yield prop
        prop = comp.get_next_property(kind)


def errors(comp, found):
    for prop in props(comp, I.PropertyKind.XLICERROR_PROPERTY):
        found.append(prop.get_value_as_string())
    child = comp.get_first_component(I.ComponentKind.ANY_COMPONENT)
    while child is not None:
        errors(child, found)
        child = comp.get_next_component(I.ComponentKind.ANY_COMPONENT)
    return found


def first_value(comp, kind):
    prop = comp.get_first_property(kind)
    return None if prop is None else prop.get_value_as_string()


def text(comp, kind):
    prop = comp.get_first_property(kind)
    if prop is None:
        return None
    return prop.get_value().get_text() if hasattr(prop.get_value(), "get_text") else prop.get_value_as_string()


def one(source):
    try:
        cal = I.Component.new_from_string(source)
    except TypeError:  # "constructor returned NULL": libical refused the whole text (e.g. a NUL in it)
        cal = None
    if cal is None:
        return {"errors": ["not parsed"], "events": []}
    out = {
        "errors": errors(cal, []),
        "events": [],
        "kind": cal.isa().value_nick if hasattr(cal.isa(), "value_nick") else str(cal.isa()),
    }
    out["method"] = first_value(cal, I.PropertyKind.METHOD_PROPERTY)
    xs = {}
    for prop in props(cal, I.PropertyKind.X_PROPERTY):
        xs[prop.get_x_name()] = prop.get_value_as_string()
    out["x"] = xs
    ev = cal.get_first_component(I.ComponentKind.VEVENT_COMPONENT)
    while ev is not None:
        attendees = []
        for prop in props(ev, I.PropertyKind.ATTENDEE_PROPERTY):
            attendees.append(
                {
                    "cn": prop.get_parameter_as_string("CN"),
                    "value": prop.get_value_as_string(),
                    "role": prop.get_parameter_as_string("ROLE"),
                    "partstat": prop.get_parameter_as_string("PARTSTAT"),
                    "rsvp": prop.get_parameter_as_string("RSVP"),
                }
            )
        org = ev.get_first_property(I.PropertyKind.ORGANIZER_PROPERTY)
        alarms = 0
        al = ev.get_first_component(I.ComponentKind.VALARM_COMPONENT)
        while al is not None:
            alarms += 1
            al = ev.get_next_component(I.ComponentKind.VALARM_COMPONENT)
        out["events"].append(
            {
                "uid": ev.get_uid(),
                "sequence": ev.get_sequence(),
                "dtstart": utc(ev.get_dtstart()),
                "dtend": utc(ev.get_dtend()),
                "dtstamp": utc(ev.get_dtstamp()),
                "summary": ev.get_summary(),
                "description": ev.get_description(),
                "location": ev.get_location(),
                "status": first_value(ev, I.PropertyKind.STATUS_PROPERTY),
                "organizer": None if org is None else org.get_value_as_string(),
                "attendees": attendees,
                "alarms": alarms,
            }
        )
        ev = cal.get_next_component(I.ComponentKind.VEVENT_COMPONENT)
    return out


print(json.dumps([one(source) for source in json.load(sys.stdin)], ensure_ascii=False))
