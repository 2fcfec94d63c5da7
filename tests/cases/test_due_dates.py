"""Due dates of the bundled standard's milestones on the office calendar, worked out by hand:
weekends, a national holiday, cuti bersama, the office's own day off and a stopped clock.

The calendar used throughout (December 2026 / January 2027, office Monday to Friday):
    Fri 18 | Sat 19 Sun 20 | Mon 21 Tue 22 Wed 23 | Thu 24 cuti bersama Natal | Fri 25 Natal |
    Sat 26 Sun 27 | Mon 28 the office's own day off (rapat kerja) | Tue 29 Wed 30 Thu 31 |
    Fri 1 Jan Tahun Baru | Sat 2 Sun 3 | Mon 4 Tue 5 Wed 6 …
"""

from datetime import date

import pytest
from sqlalchemy import select

from loket.cases.calendar import (Due, OfficeCalendar, add_days, days_between, lead_time_ok, office_calendar,
                                  schedule)
from loket.cases.milestones import CALENDAR, WORKING, LeadTime, Milestone
from loket.extensions import db
from loket.offices import settings
from loket.offices.scope import default_office
from loket.queue import hours
from loket.queue.models import Service


@pytest.fixture
def app_config():
    return {"LOKET_OFFICE_HOURS": "mon-thu 07:30-15:30; fri 07:30-13:00"}


@pytest.fixture
def year_end(ctx):
    """The office calendar above: the holidays as the `holidays` package lists them for Indonesia
    (added by hand, so the test does not follow the package's updates) and one closed day of its own."""
    hours.add_holiday(date(2026, 12, 24), "Cuti Bersama Hari Raya Natal")
    hours.add_holiday(date(2026, 12, 25), "Hari Raya Natal")
    hours.add_holiday(date(2027, 1, 1), "Tahun Baru Masehi")
    settings.set_exception(default_office(), "2026-12-28", "", "Rapat kerja akhir tahun", None)
    return office_calendar(start=date(2026, 12, 1))


def milestones(code: str) -> tuple[Milestone, ...]:
    return db.session.scalar(select(Service).where(Service.code == code)).milestones


def dues(items: list[Due]) -> list[date | None]:
    return [item.due for item in items]


# --- the calendar ------------------------------------------------------------------------------

def test_working_days_skip_weekends_holidays_cuti_bersama_and_the_offices_day_off(year_end):
    # Fri 18 + 1: Mon 21. Wed 23 + 1: Thu 24 cuti bersama, Fri 25 Natal, weekend, Mon 28 closed → Tue 29.
    assert add_days(date(2026, 12, 18), 1, WORKING, year_end) == date(2026, 12, 21)
    assert add_days(date(2026, 12, 23), 1, WORKING, year_end) == date(2026, 12, 29)
    # A letter of Saturday counts from Monday: Sat 19 + 1 is Mon 21. Zero days is the day itself.
    assert add_days(date(2026, 12, 19), 1, WORKING, year_end) == date(2026, 12, 21)
    assert add_days(date(2026, 12, 22), 0, WORKING, year_end) == date(2026, 12, 22)
    assert [year_end.is_working_day(date(2026, 12, d)) for d in range(21, 30)] == [
        True, True, True, False, False, False, False, False, True]


def test_a_calendar_day_milestone_ignores_holidays_and_weekends(year_end):
    # Wed 16 Dec + 10 calendar days: Sat 26 Dec, through cuti bersama and Natal, and not moved off the Saturday.
    assert add_days(date(2026, 12, 16), 10, CALENDAR, year_end) == date(2026, 12, 26)
    assert days_between(date(2026, 12, 16), date(2026, 12, 26), CALENDAR, year_end) == 10


def test_the_week_comes_from_the_office_hours(ctx):
    office = default_office()
    week = {day: "07:30-15:30" for day in ("mon", "tue", "wed", "thu", "fri")} | {"sat": "08:00-12:00", "sun": ""}
    settings.update(office, {"hours": week}, None)
    calendar = office_calendar(start=date(2026, 12, 1))
    # An office open on Saturdays works them: Fri 18 + 1 is Sat 19, + 2 is Mon 21.
    assert add_days(date(2026, 12, 18), 1, WORKING, calendar) == date(2026, 12, 19)
    assert add_days(date(2026, 12, 18), 2, WORKING, calendar) == date(2026, 12, 21)


def test_an_exception_with_hours_opens_a_holiday(year_end):
    settings.set_exception(default_office(), "2026-12-24", "08:00-12:00", "Piket akhir tahun", None)
    calendar = office_calendar(start=date(2026, 12, 1))
    # Wed 23 + 1: Thu 24 is open by exception this time.
    assert add_days(date(2026, 12, 23), 1, WORKING, calendar) == date(2026, 12, 24)


@pytest.mark.parametrize("app_config", [{"LOKET_OFFICE_HOURS": "24/7"}])
def test_an_office_open_around_the_clock_counts_monday_to_friday(ctx):
    hours.add_holiday(date(2026, 12, 25), "Hari Raya Natal")
    assert hours.schedule().always
    calendar = office_calendar(start=date(2026, 12, 1))
    # Kiosk hours of "24/7" say nothing about the staff's week: Thu 24 + 1 skips Natal and the weekend.
    assert add_days(date(2026, 12, 24), 1, WORKING, calendar) == date(2026, 12, 28)


def test_the_calendar_reads_the_holidays_once_not_per_day(year_end, monkeypatch):
    calls = []
    real = hours.holidays_between
    monkeypatch.setattr(hours, "holidays_between", lambda a, b: calls.append((a, b)) or real(a, b))
    calendar = office_calendar(start=date(2026, 12, 1))
    schedule(milestones("D"), date(2026, 12, 23), calendar, variant="seleksi")
    schedule(milestones("F"), date(2026, 12, 18), calendar)
    assert len(calls) == 1
    # Far ahead: one more read for the next stretch, then none for the days within it.
    add_days(date(2028, 3, 1), 5, WORKING, calendar)
    add_days(date(2028, 3, 20), 5, WORKING, calendar)
    assert len(calls) == 2


def test_a_pause_that_ends_before_it_starts_is_refused(year_end):
    with pytest.raises(ValueError, match="ends"):
        add_days(date(2026, 12, 18), 1, WORKING, year_end, pauses=[(date(2026, 12, 22), date(2026, 12, 21))])
    with pytest.raises(ValueError, match="unknown unit"):
        add_days(date(2026, 12, 18), 1, "hours", year_end)


def test_a_calendar_without_working_days_is_an_error_not_a_hang():
    with pytest.raises(ValueError, match="no working day"):
        add_days(date(2026, 12, 18), 1, WORKING, OfficeCalendar(workweek=frozenset()))


# --- Helpdesk LPSE ----------------------------------------------------------------------------

def test_helpdesk_two_working_days(year_end):
    # Tue 22 + 2: Wed 23 (1), Thu 24 cuti bersama, Fri 25 Natal, weekend, Mon 28 closed, Tue 29 (2).
    [due] = schedule(milestones("B"), date(2026, 12, 22), year_end)
    assert (due.key, due.days, due.start, due.due, due.stopped) == ("penyelesaian", 2, date(2026, 12, 22),
                                                                   date(2026, 12, 29), 0)


def test_helpdesk_escalated_to_lkpp_takes_seven_working_days_with_a_stopped_clock(year_end):
    # Fri 18 + 7: Mon 21 (1), Tue 22 (2), Wed 23 (3), [24, 25, weekend, 28 off] Tue 29 (4), Wed 30 (5),
    # Thu 31 (6), [Fri 1 Tahun Baru, weekend] Mon 4 Jan (7).
    [escalated] = schedule(milestones("B"), date(2026, 12, 18), year_end, variant="lkpp")
    assert (escalated.days, escalated.variant.key, escalated.due) == (7, "lkpp", date(2027, 1, 4))
    # The office asks the user for the SPSE error screen on Mon 21; it arrives Wed 23: Tue 22 and Wed 23
    # do not count, so two working days later: Tue 5 (6), Wed 6 Jan (7).
    [paused] = schedule(milestones("B"), date(2026, 12, 18), year_end, variant="lkpp",
                        pauses=[(date(2026, 12, 21), date(2026, 12, 23))])
    assert (paused.due, paused.stopped) == (date(2027, 1, 6), 2)


# --- Pemilihan Penyedia ----------------------------------------------------------------------

@pytest.mark.parametrize(("method", "days", "due"), [
    # Pemilihan starts Tue 5 Jan 2027 (below): + 30 calendar days = Thu 4 Feb.
    ("tender", 30, date(2027, 2, 4)),
    # + 50: 26 days to Sun 31 Jan, 24 more = Wed 24 Feb.
    ("seleksi", 50, date(2027, 2, 24)),
    # + 10: Fri 15 Jan.
    ("tender_cepat", 10, date(2027, 1, 15)),
])
def test_pemilihan_penyedia_with_a_stopped_clock_for_each_selection_method(year_end, method, days, due):
    # Letter and DPP received Wed 23 Dec. Disposisi, 1 working day: [24, 25, weekend, 28 off] Tue 29.
    # Reviu DPP starts Tue 29; the DPP lacks a document, asked on Tue 29, brought on Mon 4 Jan: Wed 30,
    # Thu 31 and Mon 4 do not count (Fri 1 is Tahun Baru anyway); 1 working day later is Tue 5 Jan.
    stopped = [(date(2026, 12, 29), date(2027, 1, 4))]
    disposisi, reviu, pemilihan = schedule(milestones("D"), date(2026, 12, 23), year_end, variant=method,
                                           pauses=stopped)
    assert dues([disposisi, reviu]) == [date(2026, 12, 29), date(2027, 1, 5)]
    assert (disposisi.stopped, reviu.stopped) == (0, 3)
    assert (pemilihan.start, pemilihan.days, pemilihan.variant.key, pemilihan.due) == (date(2027, 1, 5), days,
                                                                                        method, due)


def test_pemilihan_without_a_method_has_no_last_due_date_yet(year_end):
    items = schedule(milestones("D"), date(2026, 12, 23), year_end)
    assert dues(items) == [date(2026, 12, 29), date(2026, 12, 30), None]
    assert items[2].days is None and items[2].variant is None


def test_a_stopped_clock_in_a_calendar_day_milestone_moves_it_by_calendar_days(year_end):
    # Tender from Tue 5 Jan (reviu completed then): due Thu 4 Feb; a stop from Sun 10 to Thu 14 Jan
    # (11, 12, 13, 14: four days) moves it to Mon 8 Feb.
    done = {"disposisi": date(2026, 12, 29), "reviu_dpp": date(2027, 1, 5)}
    *_, tender = schedule(milestones("D"), date(2026, 12, 23), year_end, variant="tender", completed=done,
                          pauses=[(date(2027, 1, 10), date(2027, 1, 14))])
    assert (tender.due, tender.stopped) == (date(2027, 2, 8), 4)


def test_the_next_milestone_starts_when_the_one_before_is_completed(year_end):
    # Disposisi due Tue 29 but completed late on Wed 30: reviu runs from Wed 30, due Thu 31.
    disposisi, reviu, _ = schedule(milestones("D"), date(2026, 12, 23), year_end,
                                   completed={"disposisi": date(2026, 12, 30)})
    assert (disposisi.due, disposisi.completed, disposisi.on_time) == (date(2026, 12, 29), date(2026, 12, 30), False)
    assert (reviu.start, reviu.due, reviu.on_time) == (date(2026, 12, 30), date(2026, 12, 31), None)
    # Completed early (the same day, Wed 23): reviu runs from Wed 23, due Tue 29.
    early, reviu, _ = schedule(milestones("D"), date(2026, 12, 23), year_end,
                               completed={"disposisi": date(2026, 12, 23)})
    assert early.on_time is True and reviu.due == date(2026, 12, 29)


def test_schedule_refuses_an_unknown_variant_or_milestone(year_end):
    with pytest.raises(ValueError, match="variant 'lelang'"):
        schedule(milestones("D"), date(2026, 12, 23), year_end, variant="lelang")
    with pytest.raises(ValueError, match="unknown milestones: reviu"):
        schedule(milestones("D"), date(2026, 12, 23), year_end, completed={"reviu": date(2026, 12, 24)})


# --- Bimbingan Teknis / pendampingan / konsultasi hukum --------------------------------------

def test_bimtek_five_working_days_with_a_stopped_clock(year_end):
    # Letter by e-Surat Fri 18: Mon 21 (1), Tue 22 (2), Wed 23 (3), [24, 25, weekend, 28 off] Tue 29 (4), Wed 30 (5).
    [plain] = schedule(milestones("F"), date(2026, 12, 18), year_end)
    assert plain.due == date(2026, 12, 30)
    # The letter lacks the contact person: asked Mon 21, sent Tue 22; Tue 22 does not count → Thu 31.
    [paused] = schedule(milestones("F"), date(2026, 12, 18), year_end,
                        pauses=[(date(2026, 12, 21), date(2026, 12, 22))])
    assert (paused.due, paused.stopped) == (date(2026, 12, 31), 1)


def test_bimtek_lead_time_is_flagged_at_four_working_days_and_accepted_at_five(year_end):
    rule = db.session.scalar(select(Service).where(Service.code == "F")).lead_time
    assert rule == LeadTime(5, WORKING)
    # Activity Mon 14 Dec: a letter of Mon 7 has Tue 8 … Mon 14 = 5 working days; of Tue 8, 4.
    assert lead_time_ok(date(2026, 12, 7), date(2026, 12, 14), rule, year_end) == (True, 5)
    assert lead_time_ok(date(2026, 12, 8), date(2026, 12, 14), rule, year_end) == (False, 4)
    # Activity Mon 4 Jan 2027: Tue 22 Dec has Wed 23, Tue 29, Wed 30, Thu 31, Mon 4 = 5 (holidays and the
    # office's day off do not count); Wed 23 Dec has 4 and is flagged.
    assert lead_time_ok(date(2026, 12, 22), date(2027, 1, 4), rule, year_end) == (True, 5)
    ok, counted = lead_time_ok(date(2026, 12, 23), date(2027, 1, 4), rule, year_end)
    assert (ok, counted) == (False, 4)
    # The rule and the due-date count agree: 5 working days after Tue 22 Dec is Mon 4 Jan.
    assert add_days(date(2026, 12, 22), 5, WORKING, year_end) == date(2027, 1, 4)
