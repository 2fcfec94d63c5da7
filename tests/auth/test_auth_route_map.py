"""Walks the whole route map: every staff route turns anonymous users to /login (401 JSON under
/api/), wrong roles get 403, officers only reach their own counters, and no route under /counter
or /admin is left unguarded (the check itself is shown to fail on an unguarded route).
"""
from __future__ import annotations

from loket.auth.models import ROLES

# Staff areas: every route under these prefixes must be guarded by `role_required`.
STAFF_PREFIXES = ("/counter", "/admin")
# Staff routes elsewhere (configuration pages of public screens) that must stay guarded too.
STAFF_ENDPOINTS = {"auth.change_password", "display.settings", "kiosk.printer", "kiosk.printer_test", "kiosk.printer_preview"}
# Deliberately public routes under a staff prefix (e.g. a customer-facing screen), with the reason.
PUBLIC_ALLOWED: dict[str, str] = {}

# A harmless value per converter type (counter, display and kiosk 1 exist after the first start).
DUMMY = {"IntegerConverter": 1, "FloatConverter": 1.0, "PathConverter": "x",
         "UUIDConverter": "00000000-0000-0000-0000-000000000000"}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _dummy(converter):
    if type(converter).__name__ == "AnyConverter":  # one of a fixed set (an export's format): its first
        return sorted(converter.items)[0]
    return DUMMY.get(type(converter).__name__, "1")


def build_path(app, rule, **overrides) -> str:
    """The rule's URL with a dummy value for every converter."""
    values = {name: overrides.get(name, _dummy(converter)) for name, converter in rule._converters.items()}
    return app.url_map.bind("loket.test").build(rule.endpoint, values, method=sorted(rule.methods)[0])


def roles_of(app, rule):
    return getattr(app.view_functions[rule.endpoint], "loket_roles", None)


def protected_rules(app):
    return [rule for rule in app.url_map.iter_rules() if roles_of(app, rule) is not None]


def unguarded_staff_rules(app) -> list[str]:
    """Routes that should be guarded but are not: the list this test keeps empty."""
    bad = []
    for rule in app.url_map.iter_rules():
        staff = rule.rule.startswith(STAFF_PREFIXES) or rule.endpoint in STAFF_ENDPOINTS
        if staff and roles_of(app, rule) is None and rule.endpoint not in PUBLIC_ALLOWED:
            bad.append(f"{rule.rule} ({rule.endpoint})")
    return bad


def _requests(app):
    """(method, path, rule) for every method of every protected rule."""
    for rule in sorted(protected_rules(app), key=lambda r: r.rule):
        for method in sorted(set(rule.methods) & set(METHODS)):
            yield method, build_path(app, rule), rule


def _login(client, username, password="rahasia-123"):
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def test_every_staff_route_is_guarded(app):
    assert unguarded_staff_rules(app) == []
    assert len(protected_rules(app)) >= 10
    assert all(set(roles_of(app, r)) <= set(ROLES) for r in protected_rules(app))


def test_the_guard_check_fails_on_an_unguarded_route(tmp_path):
    """A new /counter or /admin route without role_required is caught."""
    from support import migrated_app as create_app
    from loket.web import role_required

    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "i"),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/i.db"})
    app.add_url_rule("/admin/forgotten", "forgotten_admin", lambda: "secret")
    app.add_url_rule("/counter/<int:counter_id>/forgotten", "forgotten_counter", lambda counter_id: "secret")
    app.add_url_rule("/admin/guarded", "guarded_admin", role_required("admin")(lambda: "ok"))
    assert unguarded_staff_rules(app) == ["/admin/forgotten (forgotten_admin)",
                                          "/counter/<int:counter_id>/forgotten (forgotten_counter)"]


def test_anonymous_users_are_sent_to_login(app, client):
    checked = 0
    for method, path, rule in _requests(app):
        response = client.open(path, method=method)
        if path.startswith("/api/"):
            assert response.status_code == 401, (method, path)
            assert response.get_json()["message"], (method, path)
        else:
            assert response.status_code == 302, (method, path, response.status_code)
            location = response.headers["Location"]
            assert location.startswith("/login?next="), (method, path, location)
        checked += 1
    assert checked >= 15


def test_anonymous_api_calls_get_401_json(tmp_path):
    """No /api/ route needs a login yet; a guarded one answers 401 JSON, not a redirect."""
    from support import migrated_app as create_app
    from loket.web import role_required

    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "i"),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/i.db"})
    app.add_url_rule("/api/v1/staff-only", "staff_only", role_required("officer")(lambda: {"ok": True}))
    response = app.test_client().get("/api/v1/staff-only")
    assert response.status_code == 401 and response.is_json
    assert response.get_json()["message"] == "Silakan masuk terlebih dahulu."


def test_wrong_roles_get_403(app, make_user):
    clients = {}
    for role in ROLES:
        make_user(f"user-{role}", role=role, counters=(1,))
        clients[role] = _login(app.test_client(), f"user-{role}")
    checked = 0
    for method, path, rule in _requests(app):
        allowed = set(roles_of(app, rule))
        for role in ROLES:
            if role == "admin" or role in allowed:
                continue
            response = clients[role].open(path, method=method)
            assert response.status_code == 403, (role, method, path, response.status_code)
            checked += 1
    assert checked >= 10


def test_403_is_readable(app, make_user):
    make_user("sup", role="supervisor", counters=())
    client = _login(app.test_client(), "sup")
    response = client.get("/counter/")
    assert response.status_code == 403
    assert "Anda tidak berhak membuka halaman ini." in response.get_data(as_text=True)


def test_officers_only_reach_their_own_counters(app, make_user):
    """An officer assigned to counter 1 gets 403 on every route of counter 2; admins reach both."""
    from loket.extensions import db
    from loket.queue.models import Counter

    with app.app_context():
        other = db.session.scalar(db.select(Counter).where(Counter.number == 2)).id
        own = db.session.scalar(db.select(Counter).where(Counter.number == 1)).id
    make_user("loket1", role="officer", counters=(1,))
    officer = _login(app.test_client(), "loket1")
    counter_rules = [r for r in protected_rules(app) if "counter_id" in r.arguments]
    assert counter_rules
    for rule in counter_rules:
        for method in sorted(set(rule.methods) & set(METHODS)):
            response = officer.open(build_path(app, rule, counter_id=other), method=method)
            assert response.status_code == 403, (method, rule.rule, response.status_code)
    assert officer.get(f"/counter/{own}").status_code == 200
    make_user("boss", role="admin", counters=())
    assert _login(app.test_client(), "boss").get(f"/counter/{other}").status_code == 200


def test_dummy_urls_match_their_rules(app):
    """The walk really hits each rule (not a 404 because of a badly built URL)."""
    adapter = app.url_map.bind("loket.test")
    for method, path, rule in _requests(app):
        endpoint, _args = adapter.match(path, method=method)
        assert endpoint == rule.endpoint, (path, endpoint, rule.endpoint)


def test_an_officer_cannot_reach_another_counters_ticket_through_their_own(app, make_user):
    """The ticket always comes from the officer's own counter; naming another counter's ticket fails."""
    from loket.extensions import db
    from loket.queue import core
    from loket.queue.models import Counter, Ticket

    make_user("loket1", role="officer", counters=(1,))
    officer = _login(app.test_client(), "loket1")
    with app.app_context():
        other = db.session.scalar(db.select(Counter).where(Counter.number == 2))
        core.issue_ticket("B")
        theirs = core.call_next(other).id
    for action in ("recall", "start", "no-show", "close", "transfer"):
        response = officer.post(f"/counter/1/{action}", data={"ticket": str(theirs), "service": "A"})
        assert 400 <= response.status_code < 500, (action, response.status_code)
    with app.app_context():
        ticket = db.session.get(Ticket, theirs)
        assert (ticket.state, ticket.call_count, ticket.counter.number) == ("called", 1, 2)
