"""Floods of feedback POSTs are rate limited per client: a readable 429, nothing beyond the limit stored."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from loket.extensions import db
from loket.feedback.models import Complaint, SurveyResponse


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": True, "LOKET_FEEDBACK_RATE_LIMIT": "3/minute"}


def stored(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_complaint_flood_is_limited(app, client):
    codes = [client.post("/pengaduan/baru", data={"category": "saran", "message": f"pesan {i}"}).status_code
             for i in range(6)]
    assert codes == [303, 303, 303, 429, 429, 429]
    answer = client.post("/pengaduan/baru", data={"category": "saran", "message": "lagi"})
    assert answer.status_code == 429
    assert "Terlalu banyak permintaan" in answer.get_data(as_text=True)
    assert stored(app, Complaint) == 3
    # reading stays possible while posting is limited
    assert client.get("/pengaduan/baru").status_code == 200


def test_survey_flood_is_limited(app, client):
    data = {f"u{i}": "3" for i in range(1, 10)} | {"service": "A"}
    codes = [client.post("/survei", data=data).status_code for _ in range(5)]
    assert codes == [303, 303, 303, 429, 429]
    assert stored(app, SurveyResponse) == 3
