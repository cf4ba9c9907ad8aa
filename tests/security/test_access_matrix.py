"""Access-control matrix (issue 7, part 2): every route that takes an id, called by every role.

The URL conf is walked (``routes.py``); each route and method the view answers must have a row in
``access_matrix.txt`` (route x role -> status), so a new route cannot escape the table. Each cell is
called with real objects owned by the client, the lawyer and the notary's office (``conftest.World``),
each call inside a rolled-back savepoint so no call sees another's writes. Beyond the table:

- an id that names nothing gets the same status as an id that is not yours, with the same body
  (STYLE rule 6: a probe cannot tell "missing" from "forbidden");
- no answer is a 5xx;
- no stranger's 2xx answer carries the client's personal data;
- the admin site is staff-only.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse

from notary.models import Case
from scheduling.models import Appointment
from tests.factories import sign_in
from tests.notary.conftest import PDF, WEBM_NEXT

from .conftest import ROLES, World
from .routes import admin_routes, id_routes

TABLE = Path(__file__).with_name("access_matrix.txt")
STRANGERS = ("anon", "other_client", "other_lawyer", "other_notary")
# Capability URLs: the secret in the address is the permission (a feed token, a password-reset link).
CAPABILITY_ROUTES = {"calendar-feed", "password_reset_confirm"}


def answered_before_lookup(role: str, status: int) -> bool:
    """Statuses given before any object is looked up: no credentials, the login redirect, a wrong method."""
    return status in (401, 405) or (role == "anon" and status == 302)


def load_table(path: Path = TABLE) -> dict[tuple[str, str, str], dict[str, int]]:
    """``{(route, variant, method): {role: status}}`` from the whitespace-aligned table."""
    rows: dict[tuple[str, str, str], dict[str, int]] = {}
    header: list[str] | None = None
    for number, line in enumerate(path.read_text().splitlines(), 1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        cells = text.split()
        if cells[0] == "route":
            header = cells[2:]
            assert header == ROLES, f"{path.name}:{number}: role columns must be {ROLES}"
            continue
        assert header is not None, f"{path.name}:{number}: a row before the header line"
        assert len(cells) == 2 + len(ROLES), f"{path.name}:{number}: expected {2 + len(ROLES)} cells: {line!r}"
        route, _, variant = cells[0].partition("@")
        key = (route, variant, cells[1].upper())
        assert key not in rows, f"{path.name}:{number}: duplicate row {cells[0]} {cells[1]}"
        rows[key] = dict(zip(ROLES, (int(c) for c in cells[2:]), strict=True))
    return rows


def format_row(route: str, variant: str, method: str, statuses: dict[str, int]) -> str:
    name = f"{route}@{variant}" if variant else route
    return f"{name:<44}{method:<7}" + "".join(f"{statuses[r]:<{max(len(r), 3) + 1}}" for r in ROLES).rstrip()


# --- the table covers the URL conf ---------------------------------------------------------------------


def test_every_route_that_takes_an_id_has_a_row_for_each_of_its_methods():
    table = load_table()
    routes = id_routes()
    unnamed = sorted(r.pattern for r in routes if not r.name)
    assert not unnamed, f"Routes without a name cannot be listed in {TABLE.name}: {unnamed}"
    missing = [f"{r.name} {method}" for r in routes for method in r.methods if (r.name, "", method) not in table]
    assert not missing, (
        f"Routes found in the URL conf but not in {TABLE.name} (add a row per method, one status per role: "
        f"{' '.join(ROLES)}):\n  " + "\n  ".join(missing)
    )
    known = {(r.name, m) for r in routes for m in r.methods}
    stale = sorted(f"{route}{'@' + v if v else ''} {m}" for route, v, m in table if (route, m) not in known)
    assert not stale, f"Rows in {TABLE.name} for routes or methods the URL conf no longer has: {stale}"


# --- calling every cell ----------------------------------------------------------------------------


def _clients(world: World) -> dict[str, Client]:
    clients = {}
    for role in ROLES:
        client = Client(raise_request_exception=False)
        if world.users[role] is not None:
            sign_in(client, world.users[role])  # notaries and staff with their second factor
        clients[role] = client
    # Logging in changes last_login, which invalidates reset tokens made before.
    client_user = type(world.users["client"]).objects.get(pk=world.users["client"].pk)
    world.params["token"] = default_token_generator.make_token(client_user)
    return clients


def _body(world: World, route: str):
    if route == "notary-document-upload":
        return {"kind": "passport", "file": SimpleUploadedFile("passport.pdf", PDF, "application/pdf")}
    if route == "notary-recording":
        return {"index": "1", "chunk": SimpleUploadedFile("chunk-1.webm", WEBM_NEXT, "video/webm")}
    return world.bodies.get(route, {})


def call(world: World, clients: dict[str, Client], role: str, route: str, method: str, params: dict[str, str]):
    """One request as ``role``, rolled back afterwards; returns the response."""
    url = reverse(route, kwargs=params)
    client = clients[role]
    extra = {}
    is_api = url.startswith("/api/")
    if is_api and world.users[role] is not None:
        extra["HTTP_AUTHORIZATION"] = f"Token {world.token(role)}"
    body = _body(world, route)
    multipart = route in ("notary-document-upload", "notary-recording")
    with transaction.atomic():
        if method == "GET":
            response = client.get(url, world.queries.get(route, {}), **extra)
        elif is_api and not multipart:
            response = client.generic(method, url, data=_json(body), content_type="application/json", **extra)
        elif method == "POST":
            response = client.post(url, body, **extra)
        else:
            from urllib.parse import urlencode

            response = client.generic(
                method, url, data=urlencode(body), content_type="application/x-www-form-urlencoded", **extra
            )
        transaction.set_rollback(True)
    return response


def _json(body) -> str:
    import json

    return json.dumps(body)


def _content(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def test_every_role_gets_the_tables_answer_and_strangers_cannot_tell_missing_from_forbidden(world):
    table = load_table()
    clients = _clients(world)
    routes = {r.name: r for r in id_routes()}
    actual: list[str] = []
    problems: list[str] = []
    for (route, variant, method), expected in sorted(table.items()):
        params_needed = routes[route].params
        params = {p: world.variants.get(variant, {}).get(p, world.params[p]) for p in params_needed}
        missing_params = {p: world.missing[p] for p in params_needed}
        got: dict[str, int] = {}
        for role in ROLES:
            response = call(world, clients, role, route, method, params)
            got[role] = response.status_code
            content = _content(response)
            where = f"{route}{'@' + variant if variant else ''} {method} as {role}"
            if response.status_code >= 500:
                problems.append(f"{where}: {response.status_code} {content[:200]!r}")
            if (
                role in STRANGERS
                and 200 <= response.status_code < 300
                and route not in CAPABILITY_ROUTES
                and any(s.encode() in content for s in world.secrets)
            ):
                problems.append(f"{where}: {response.status_code} carries the client's personal data")
            if variant or answered_before_lookup(role, expected[role]):
                continue
            # The same request for ids that name nothing: 404 with the same body a stranger gets.
            miss = call(world, clients, role, route, method, missing_params)
            want = 200 if route == "password_reset_confirm" else 404  # Django's "invalid link" page
            if miss.status_code != want:
                problems.append(f"{where} with ids that name nothing: {miss.status_code}, expected {want}")
            elif response.status_code == 404 and routes[route].pattern.startswith("api/") and _content(miss) != content:
                problems.append(f"{where}: the 404 body differs from a missing id's: {content!r} vs {_content(miss)!r}")
        actual.append(format_row(route, variant, method, got))
        if got != expected:
            diff = ", ".join(f"{r} {expected[r]}->{got[r]}" for r in ROLES if got[r] != expected[r])
            problems.append(f"{route}{'@' + variant if variant else ''} {method}: {diff}")
    # Every call was rolled back: the objects are as the world made them.
    assert Case.objects.get(pk=world.params["case_id"]).status == "notarized"
    assert Appointment.objects.get(pk=world.params["appointment_id"]).status == "confirmed"
    assert not problems, (
        "Access-control matrix:\n  " + "\n  ".join(problems) + "\n\nActual table:\n" + "\n".join(actual)
    )


# --- the admin site -----------------------------------------------------------------------------------


def _admin_url(pattern: str) -> str:
    url = re.sub(r"<(?:\w+:)?\w+>", "1", pattern)
    url = url.replace("(?P<url>.*)$", "x").lstrip("^")
    return "/" + url


@pytest.mark.django_db
def test_the_admin_site_is_staff_only(world):
    clients = _clients(world)
    problems = []
    for route in admin_routes():
        if not route.params:
            continue
        url = _admin_url(route.pattern)
        for role in ROLES:
            # A write is refused by the same admin_view check as a read: one role tries it, to keep the run short.
            for method in ("GET", "POST") if role == "client" else ("GET",):
                response = clients[role].generic(method, url)
                if role == "staff":
                    if response.status_code >= 500:
                        problems.append(f"{method} {url} as staff: {response.status_code}")
                elif not (response.status_code == 302 and response["Location"].startswith("/admin/login/")):
                    problems.append(f"{method} {url} as {role}: {response.status_code}, not the admin login")
    assert not problems, "\n".join(problems)
