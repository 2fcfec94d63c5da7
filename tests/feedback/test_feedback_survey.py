"""The SKM survey pages: after a finished ticket (once, no login, no JavaScript needed) and from the kiosk.

Answers are stored anonymously: nothing links a SurveyResponse to a ticket or a person.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, inspect, select

from loket.extensions import db
from loket.feedback.models import FormSubmission, SurveyResponse, SurveyTicketUse
from loket.queue import core
from loket.queue.models import Counter


def done_ticket(code="A"):
    """Issue, call and close a ticket through the domain; returns its token."""
    ticket = core.issue_ticket(code)
    counter = db.session.scalar(select(Counter).where(Counter.services.any(code=code)).order_by(Counter.number))
    called = core.call_next(counter)
    assert called.id == ticket.id
    core.close_case(called)
    return ticket.token


def answers(values=(4, 3, 4, 3, 4, 4, 4, 3, 2), **extra):
    data = {f"u{i}": str(v) for i, v in enumerate(values, start=1)}
    data.update(extra)
    return data


def nonce_of(html: str) -> str:
    return re.search(r'name="nonce" value="([^"]+)"', html).group(1)


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def test_ticket_page_links_to_survey_once_case_is_done(ctx, client):
    ticket = core.issue_ticket("A")
    page = client.get(f"/t/{ticket.token}").get_data(as_text=True)
    assert f"/t/{ticket.token}/survei" not in page
    counter = db.session.scalar(select(Counter).where(Counter.number == 1))
    core.close_case(core.call_next(counter))
    page = client.get(f"/t/{ticket.token}").get_data(as_text=True)
    assert f"/t/{ticket.token}/survei" in page


def test_survey_before_the_case_is_done_is_refused(ctx, client):
    ticket = core.issue_ticket("A")
    response = client.get(f"/t/{ticket.token}/survei")
    assert response.status_code == 409
    assert "setelah layanan Anda selesai" in response.get_data(as_text=True)
    response = client.post(f"/t/{ticket.token}/survei", data=answers())
    assert response.status_code == 409
    assert count(SurveyResponse) == 0


def test_survey_form_shows_nine_elements_with_their_own_answers_without_login(ctx, client):
    token = done_ticket()
    response = client.get(f"/t/{token}/survei")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for key in [f"u{i}" for i in range(1, 10)]:
        assert html.count(f'name="{key}"') == 4
    # answers are worded per element, as in the PermenPANRB 14/2017 questionnaire
    for label in ("Sangat sesuai", "Sangat mudah", "Sangat cepat", "Gratis", "Sangat kompeten",
                  "Sangat sopan dan ramah", "Sangat Baik", "Dikelola dengan baik", "Cukup mahal"):
        assert label in html
    assert 'method="post"' in html and "<script" not in html.split("<main")[1].split("</main>")[0]


def test_survey_submission_is_stored_anonymously_and_only_once(ctx, client, published):
    token = done_ticket("B")
    form = client.get(f"/t/{token}/survei").get_data(as_text=True)
    response = client.post(f"/t/{token}/survei", data=answers(gender="P", age_band="30-39", education="S1",
                                                              occupation="SWASTA", suggestion="Ruang tunggu panas",
                                                              nonce=nonce_of(form)))
    assert response.status_code == 303
    assert client.get(response.headers["Location"]).status_code == 200
    stored = db.session.scalars(select(SurveyResponse)).one()
    assert stored.answers == (4, 3, 4, 3, 4, 4, 4, 3, 2)
    assert stored.service.code == "B"
    assert (stored.gender, stored.age_band, stored.education, stored.occupation) == ("P", "30-39", "S1", "SWASTA")
    assert stored.suggestion == "Ruang tunggu panas"
    # no column of the answer points at a ticket, officer or time of day
    columns = {c.key for c in inspect(SurveyResponse).columns}
    assert not columns & {"ticket_id", "token", "user_id", "officer_id", "created_at", "counter_id"}
    assert {c.key for c in inspect(SurveyTicketUse).columns} == {"ticket_id"}
    event = [e for e in published if e.name == "survey.submitted"][-1]
    assert event.public == {"service": "B"} and event.private == {}

    # the same ticket again: a clear answer, nothing stored twice
    again = client.post(f"/t/{token}/survei", data=answers((1,) * 9))
    assert again.status_code == 409
    assert "sudah diisi" in again.get_data(as_text=True)
    assert count(SurveyResponse) == 1
    # and the page itself now says it was filled in
    page = client.get(f"/t/{token}/survei")
    assert page.status_code == 200 and "Survei sudah diisi" in page.get_data(as_text=True)


def test_incomplete_survey_keeps_the_answers_and_says_what_is_missing(ctx, client):
    token = done_ticket()
    data = answers()
    del data["u7"]
    response = client.post(f"/t/{token}/survei", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "setiap unsur perlu satu jawaban" in html
    assert re.search(r'<fieldset class="question has-error" id="q-u7">', html)
    assert re.search(r'name="u1" value="4" required\s+checked', html)
    assert count(SurveyResponse) == 0 and count(SurveyTicketUse) == 0


@pytest.mark.parametrize("field, value", [("u3", "5"), ("u3", "0"), ("u3", "x"), ("gender", "X"),
                                          ("education", "<b>S9</b>"), ("suggestion", "x" * 1001)])
def test_bad_survey_values_are_refused(ctx, client, field, value):
    token = done_ticket()
    response = client.post(f"/t/{token}/survei", data=answers(**{field: value}))
    assert response.status_code == 400
    assert count(SurveyResponse) == 0
    if field == "suggestion":
        assert "maksimal 1000 karakter" in response.get_data(as_text=True)


def test_unknown_ticket_is_a_404(client):
    assert client.get("/t/no-such-token/survei").status_code == 404


def test_kiosk_survey_without_a_ticket(ctx, client):
    form = client.get("/survei?kiosk=1")
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    assert 'name="service"' in html and 'name="kiosk" value="1"' in html
    response = client.post("/survei", data=answers(service="C", kiosk="1", nonce=nonce_of(html)))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/survei/terima-kasih?kiosk=1")
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Terima kasih" in thanks and 'href="/kiosk/1"' in thanks
    stored = db.session.scalars(select(SurveyResponse)).one()
    assert stored.service.code == "C"


def test_kiosk_survey_needs_a_known_service(ctx, client):
    missing = client.post("/survei", data=answers())
    assert missing.status_code == 400 and "Pilih layanan" in missing.get_data(as_text=True)
    unknown = client.post("/survei", data=answers(service="Z"))
    assert unknown.status_code == 400 and "Layanan tidak dikenal" in unknown.get_data(as_text=True)
    assert count(SurveyResponse) == 0


def test_the_same_kiosk_form_sent_twice_counts_once(ctx, client):
    nonce = nonce_of(client.get("/survei").get_data(as_text=True))
    first = client.post("/survei", data=answers(service="A", nonce=nonce))
    second = client.post("/survei", data=answers(service="A", nonce=nonce))
    assert first.status_code == 303
    assert second.status_code == 409
    assert "hanya dicatat sekali" in second.get_data(as_text=True)
    assert count(SurveyResponse) == 1
    # a fresh form is a new respondent
    other = nonce_of(client.get("/survei").get_data(as_text=True))
    assert other != nonce
    assert client.post("/survei", data=answers(service="A", nonce=other)).status_code == 303
    assert count(SurveyResponse) == 2
    # the form keys hold nothing that points at an answer
    assert {c.key for c in inspect(FormSubmission).columns} == {"nonce", "complaint_id", "day"}
    assert all(row.complaint_id is None for row in db.session.scalars(select(FormSubmission)))


def test_suggestion_with_html_is_shown_escaped_to_the_supervisor(app, ctx, client, make_user):
    token = done_ticket()
    text = '<script>alert("x")</script><b>panas</b>'
    assert client.post(f"/t/{token}/survei", data=answers(suggestion=text)).status_code == 303
    make_user("kepala", role="supervisor", counters=())
    boss = app.test_client()
    assert boss.post("/login", data={"username": "kepala", "password": "rahasia-123"}).status_code == 302
    html = boss.get("/admin/laporan/skm").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;panas&lt;/b&gt;" in html
    assert "<script>alert" not in html


def test_racing_submissions_for_one_ticket_store_one_answer(ctx, monkeypatch):
    """Both requests passed the 'already surveyed?' check; the marker's primary key lets one through."""
    from loket.feedback import survey

    token = done_ticket()
    ticket = core.ticket_by_token(token)
    form = survey.parse_form(answers())
    survey.submit(form, ticket=ticket)
    monkeypatch.setattr(survey, "ticket_surveyed", lambda _ticket: False)  # the second saw the old state
    with pytest.raises(survey.AlreadySurveyed):
        survey.submit(form, ticket=core.ticket_by_token(token))
    assert count(SurveyResponse) == 1 and count(SurveyTicketUse) == 1


def test_racing_posts_of_one_complaint_form_store_one_complaint(ctx, monkeypatch):
    from loket.feedback import complaints, once
    from loket.feedback.models import Complaint

    key = once.new()
    first = complaints.submit(category="saran", message="sekali saja", nonce=key)
    real_seen = once.seen
    looks = []

    def seen(nonce):
        looks.append(nonce)
        # the second POST's first look happened before the first one committed
        return None if len(looks) == 1 else real_seen(nonce)

    monkeypatch.setattr(once, "seen", seen)
    with pytest.raises(complaints.AlreadySubmitted) as raised:
        complaints.submit(category="saran", message="sekali saja", nonce=key)
    assert raised.value.complaint.id == first.id
    assert len(looks) == 2  # the database refused the key, then the first complaint was looked up
    assert count(Complaint) == 1


def test_kiosk_thank_you_page_goes_home_by_itself(ctx, client):
    response = client.post("/survei", data=answers(service="A", kiosk="1"))
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<noscript><meta http-equiv="refresh" content="20;url=/kiosk/1?lang=id"></noscript>' in thanks


def test_survey_page_keeps_the_ticket_token_out_of_referrers(ctx, client):
    token = done_ticket()
    assert client.get(f"/t/{token}/survei").headers["Referrer-Policy"] == "no-referrer"


def test_error_summary_names_the_problem(ctx, client):
    token = done_ticket()
    html = client.post(f"/t/{token}/survei", data=answers(suggestion="s" * 1001)).get_data(as_text=True)
    assert "Periksa kembali isian Anda." in html and "setiap unsur perlu satu jawaban" not in html
    assert "s" * 1001 in html  # what was typed is kept to shorten
