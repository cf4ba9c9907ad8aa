"""N6: the audit log and the journal are hash-chained and append-only; tampering is named by audit_verify."""

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from notary.audit import GENESIS, audit_append, canonical, chain_verify, row_hash
from notary.models import AuditEvent, JournalEntry
from tests.notary.conftest import IDENTITY_PASS, act, in_session_case, record

pytestmark = pytest.mark.django_db


def _rows(n):
    rows, prev = [], GENESIS
    for seq in range(1, n + 1):
        fields = {"seq": seq, "action": f"a{seq}"}
        h = row_hash(prev, fields)
        rows.append({"id": seq, **fields, "prev_hash": prev, "row_hash": h})
        prev = h
    return rows


def _check(rows):
    return chain_verify(rows, number_field="seq", fields=("seq", "action"), label="row")


def test_pure_chain_finds_the_first_edited_deleted_or_swapped_row():
    assert _check(_rows(4)) is None
    edited = _rows(4)
    edited[2]["action"] = "forged"
    assert str(_check(edited)) == "row seq=3 (id=3): row_hash does not match the row's content: the row was edited"
    deleted = _rows(4)
    del deleted[1]
    assert str(_check(deleted)).startswith("row seq=3 (id=3): expected seq=2")
    swapped = _rows(4)
    swapped[1], swapped[2] = swapped[2], swapped[1]
    assert str(_check(swapped)).startswith("row seq=3 (id=3): expected seq=2")


def test_canonical_form_is_stable():
    assert canonical({"b": 1, "a": {"y": 2, "x": "中"}}) == '{"a":{"x":"中","y":2},"b":1}'


# --- against the database --------------------------------------------------------------


def _disable_guards(table):
    """What an attacker with owner rights would do first: switch the append-only trigger off."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Fire the deferred foreign-key checks of this test's inserts first: ALTER TABLE refuses pending ones.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
        else:
            cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")


def _raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def five_events():
    with time_machine.travel("2026-01-06T01:00:00Z", tick=False):
        return [audit_append(action=f"notary.test.{i}", data={"i": i}) for i in range(1, 6)]


def verify_output():
    with pytest.raises(CommandError) as raised:
        call_command("audit_verify")
    return str(raised.value)


def test_intact_log_verifies(five_events, capsys):
    call_command("audit_verify")
    assert capsys.readouterr().out.strip() == "intact: 5 audit events, 0 journal entries"


def test_n6_audit_row_edited_with_raw_sql(five_events):
    _disable_guards("notary_auditevent")
    _raw("UPDATE notary_auditevent SET data = %s WHERE seq = 3", ['{"i": 99}'])
    assert verify_output() == (
        f"audit log broken at audit_event seq=3 (id={five_events[2].pk}): "
        "row_hash does not match the row's content: the row was edited"
    )


def test_n6_audit_row_deleted(five_events):
    _disable_guards("notary_auditevent")
    _raw("DELETE FROM notary_auditevent WHERE seq = 2")
    assert verify_output() == (
        f"audit log broken at audit_event seq=3 (id={five_events[2].pk}): "
        "expected seq=2: a row is missing or out of place"
    )


def test_n6_two_audit_rows_swapped(five_events):
    _disable_guards("notary_auditevent")
    a, b = five_events[1], five_events[3]
    _raw("UPDATE notary_auditevent SET action = %s, data = %s WHERE id = %s", [b.action, '{"i": 4}', a.pk])
    _raw("UPDATE notary_auditevent SET action = %s, data = %s WHERE id = %s", [a.action, '{"i": 2}', b.pk])
    assert verify_output().startswith(f"audit log broken at audit_event seq=2 (id={a.pk}): row_hash does not match")


def test_n6_swapping_whole_rows_including_hashes_breaks_the_links(five_events):
    _disable_guards("notary_auditevent")
    a, b = five_events[1], five_events[2]
    _raw("UPDATE notary_auditevent SET seq = 1000 WHERE id = %s", [a.pk])
    _raw("UPDATE notary_auditevent SET seq = 2 WHERE id = %s", [b.pk])
    _raw("UPDATE notary_auditevent SET seq = 3 WHERE id = %s", [a.pk])
    assert verify_output().startswith(f"audit log broken at audit_event seq=2 (id={b.pk}): prev_hash does not match")


@pytest.fixture
def journal_with_two_entries(as_applicant, as_notary, office, notary, notary_service, settings):
    """Two notarized acts of the same notary: journal entries 1 and 2."""
    for slot, session_at in [
        ("2026-01-06T09:00:00+08:00", "2026-01-06T01:02:00Z"),
        ("2026-01-06T10:00:00+08:00", "2026-01-06T02:00:00Z"),
    ]:
        case_id, traveller = in_session_case(
            as_applicant, as_notary, office, notary, notary_service, slot=slot, session_at=session_at
        )
        act(as_applicant, case_id, "consent", signer_location="New York, US")
        act(as_notary, case_id, "verify_identity", **IDENTITY_PASS)
        record(as_notary, case_id)
        assert act(as_notary, case_id, "notarize").status_code == 200
        traveller.stop()
    return list(JournalEntry.objects.order_by("entry_number"))


def test_n6_journal_entry_edited_is_named(journal_with_two_entries, notary):
    first = journal_with_two_entries[0]
    _disable_guards("notary_journalentry")
    _raw("UPDATE notary_journalentry SET fee = 0 WHERE id = %s", [first.pk])
    assert verify_output() == (
        f"journal broken at journal_entry notary={notary.pk} entry_number=1 (id={first.pk}): "
        "row_hash does not match the row's content: the row was edited"
    )


@pytest.mark.postgres
def test_postgres_triggers_refuse_update_and_delete(five_events, journal_with_two_entries):
    for sql in [
        "UPDATE notary_auditevent SET action = 'x' WHERE seq = 1",
        "DELETE FROM notary_auditevent WHERE seq = 1",
        "UPDATE notary_journalentry SET fee = 0",
        "DELETE FROM notary_journalentry",
    ]:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            _raw(sql)
    assert AuditEvent.objects.filter(seq=1, action="notary.test.1").exists()
    assert JournalEntry.objects.count() == 2


def test_update_is_refused_by_a_trigger_on_sqlite_too(five_events):
    if connection.vendor != "sqlite":
        pytest.skip("sqlite: the PostgreSQL twin is test_postgres_triggers_refuse_update_and_delete")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _raw("UPDATE notary_auditevent SET action = 'x' WHERE seq = 1")
