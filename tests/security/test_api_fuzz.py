"""Schemathesis against our OpenAPI schema (issue 7, part 3): every operation, in-process, as real users.

Each operation gets ``FUZZ_MAX_EXAMPLES`` generated requests (default 8 here; ``make fuzz`` runs 200),
valid and invalid by the schema, each sent as one of: nobody, the client, the notary, staff; half of
them with the path's ids replaced by real objects of the client's (its appointment, room, case and
documents, the lawyer's provider, a host site; in the query, a provider and a service it offers). Every answer must be:

- never a 5xx;
- a 4xx in the contract's shape ``{"error": {"code", "message", "fields"}}`` and nothing else;
- a 2xx conforming to the schema's response for the operation.
"""

from __future__ import annotations

import json
import os
from collections import Counter

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "8"))
# CI replays the same examples each run; `make fuzz` draws new ones.
RANDOM = os.environ.get("FUZZ_RANDOM") == "1"
AS = ["anon", "client", "notary", "staff"]
REAL_QUERY_IDS = {"provider", "service"}


@pytest.fixture
def in_process_app():
    """Keep the test's database connection across requests sent through the WSGI app (as Django's test client does)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        # The same middleware and URL conf as config.asgi's HTTP side, called through WSGI in this thread.
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def error_shape_problem(body: bytes) -> str | None:
    """Why ``body`` is not the contract's error body, or ``None`` when it is."""
    try:
        data = json.loads(body)
    except ValueError:
        return f"not JSON: {body[:120]!r}"
    if not isinstance(data, dict) or set(data) != {"error"} or not isinstance(data["error"], dict):
        return f"not {{'error': {{...}}}}: {body[:200]!r}"
    error = data["error"]
    if set(error) != {"code", "message", "fields"}:
        return f"error keys {sorted(error)}, expected code, message, fields"
    if not (isinstance(error["code"], str) and error["code"].isidentifier() and error["code"] == error["code"].lower()):
        return f"code {error['code']!r} is not snake_case"
    if not isinstance(error["message"], str) or not error["message"]:
        return "message is not a non-empty string"
    if not isinstance(error["fields"], dict):
        return "fields is not an object"
    return None


def operations(schema):
    return [result.ok() for result in schema.get_all_operations()]


def test_every_operation_answers_in_the_contract_whatever_it_is_sent(world, in_process_app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", in_process_app)
    tokens = {role: world.token(role) for role in AS}
    real_ids = dict(world.params)
    failures: list[str] = []
    seen: Counter[int] = Counter()
    by_role: Counter[tuple[str, int]] = Counter()
    calls: Counter[str] = Counter()

    for operation in operations(schema):
        label = f"{operation.method.upper()} {operation.path}"
        strategy = st.one_of(
            operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
            operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
        )

        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=not RANDOM,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def run(case):
            # Round robin over the roles, then the same with real ids: hypothesis would favour the first role.
            number = calls["n"]
            calls["n"] += 1
            role = AS[number % len(AS)]
            if (number // len(AS)) % 2:
                for name in case.path_parameters or {}:
                    if name in real_ids:
                        case.path_parameters[name] = real_ids[name]
                # Ids in the query too (a notary and its service for host-site slots), the rest stays fuzzed.
                try:
                    route = resolve(case.formatted_path).url_name
                except Resolver404:
                    route = None
                for name, value in world.queries.get(route, {}).items():
                    if name in REAL_QUERY_IDS and isinstance(case.query, dict) and name in case.query:
                        case.query[name] = value
            headers = {"Authorization": f"Token {tokens[role]}"} if tokens[role] else {}
            response = case.call(headers=headers)
            seen[response.status_code] += 1
            by_role[role, response.status_code] += 1
            sent = f"{case.method} {case.path} as {role}: {case.path_parameters} {case.query} {str(case.body)[:200]}"
            assert response.status_code < 500, f"{sent} -> {response.status_code} {response.content[:300]!r}"
            if 400 <= response.status_code < 500:
                problem = error_shape_problem(response.content)
                assert problem is None, f"{sent} -> {response.status_code}: {problem}"
            if 200 <= response.status_code < 300:
                case.validate_response(response, checks=[response_schema_conformance])

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collect every operation's failure first
            failures.append(f"{label}: {type(exc).__name__}: {str(exc)[:1500]}")
    print(f"schemathesis: {sum(seen.values())} requests, statuses {dict(sorted(seen.items()))}")
    print(f"schemathesis: by role and status {sorted(by_role.items())}")
    assert not failures, "\n\n".join(failures)
    # The budget reached past the front door: real objects were served and inputs refused.
    assert seen[200] > 0 and seen[400] > 0 and seen[404] > 0, seen
