"""The public Standar Pelayanan renders all six services in a real Chromium."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_standard_page_renders_all_services_in_chromium(live_server, page, artifacts, app):
    from loket.extensions import db
    from loket.queue.models import Service

    page.goto(f"{live_server.url}/standar-pelayanan")
    items = page.locator(".service-item")
    assert items.count() == 6
    assert page.locator("#maklumat blockquote").inner_text().startswith("Dengan ini")
    page.screenshot(path=str(artifacts / "standar-pelayanan.png"), full_page=True)
    with app.app_context():
        services = db.session.scalars(db.select(Service).order_by(Service.position)).all()
        expected = [(s.code, s.name, s.standard["requirements"]) for s in services]
    for code, name, requirements in expected:
        page.goto(f"{live_server.url}/standar-pelayanan")
        page.locator(f".service-item[data-code='{code}'] a").click()
        assert page.locator("h1").inner_text().endswith(name)
        shown = page.locator("#persyaratan > ol > li")
        assert shown.count() == len(requirements)
        for i, requirement in enumerate(requirements):
            text = requirement if isinstance(requirement, str) else requirement["text"]
            assert text in shown.nth(i).inner_text()
