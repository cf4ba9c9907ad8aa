"""The pure case state machine and identity lockout rule (no database)."""

from datetime import UTC, datetime, timedelta

from notary import workflow

T0 = datetime(2026, 1, 6, 1, 0, tzinfo=UTC)


def test_every_documented_transition_and_nothing_else():
    assert workflow.next_state("draft", "submit") == "submitted"
    assert workflow.next_state("needs_info", "submit") == "submitted"
    assert workflow.next_state("submitted", "request_info") == "needs_info"
    assert workflow.next_state("submitted", "accept") == "accepted"
    assert workflow.next_state("needs_info", "reject") == "rejected"
    assert workflow.next_state("accepted", "schedule") == "scheduled"
    assert workflow.next_state("scheduled", "start_session") == "in_session"
    assert workflow.next_state("in_session", "notarize") == "notarized"
    assert workflow.next_state("in_session", "terminate") == "terminated"
    assert workflow.next_state("notarized", "revoke") == "revoked"
    assert workflow.next_state("draft", "notarize") is None
    assert workflow.next_state("in_session", "withdraw") is None
    assert workflow.next_state("rejected", "accept") is None
    withdrawable = {
        s for s in ["draft", "submitted", "needs_info", "accepted", "scheduled"] if workflow.next_state(s, "withdraw")
    }
    assert withdrawable == {"draft", "submitted", "needs_info", "accepted", "scheduled"}


def test_missing_documents_keep_the_jurisdictions_order():
    assert workflow.missing_documents(["passport", "poa_draft", "agent_id"], {"poa_draft"}) == ["passport", "agent_id"]


def test_two_failures_lock_for_24_hours_after_the_second():
    attempts = [(T0, False), (T0 + timedelta(minutes=5), False)]
    until = T0 + timedelta(minutes=5, hours=24)
    assert workflow.identity_lock_until(attempts, now=T0 + timedelta(minutes=6)) == until
    assert workflow.identity_lock_until(attempts, now=until - timedelta(seconds=1)) == until
    assert workflow.identity_lock_until(attempts, now=until) is None


def test_a_pass_resets_the_failure_count():
    attempts = [(T0, False), (T0 + timedelta(minutes=1), True), (T0 + timedelta(minutes=2), False)]
    assert workflow.identity_lock_until(attempts, now=T0 + timedelta(minutes=3)) is None
    assert workflow.identity_passed(attempts) is False


def test_after_the_lock_ends_one_failure_does_not_lock_again():
    attempts = [(T0, False), (T0 + timedelta(minutes=1), False), (T0 + timedelta(hours=25), False)]
    assert workflow.identity_lock_until(attempts, now=T0 + timedelta(hours=25, minutes=1)) is None


def test_document_numbers_are_masked_but_the_last_four():
    assert workflow.mask_document_number("E12345678") == "*****5678"
    assert workflow.mask_document_number("123") == "****"
