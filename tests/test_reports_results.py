"""The results of a period (issue 12): period marks where entered, forecasts before, the lists
of the reference day, halves next to quarters — on the hand-worked school of reports_world."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from zhurnal.journal.models import PeriodKind, PeriodMark
from zhurnal.journal.queries import journal_grid
from zhurnal.reports.periods import Period
from zhurnal.reports.results import period_results
from zhurnal.reports.statistics import Figures, Grade, Tally
from zhurnal.school.models import School, SchoolClass

from .reports_world import AFTER_Q2, ENTERED, build_reports_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def rw():
    return build_reports_world()


def classes(rw):
    return list(SchoolClass.objects.filter(school=rw.school).select_related("grade_level"))


def results_of(rw, period, today=AFTER_Q2):
    return period_results(rw.school, period, classes(rw), today)


def values(results, rw, course):
    return {
        s.last_name: results.of(s.pk).get(course.pk)
        for c in results.classes
        for s in c.students
        if course.pk in results.of(s.pk)
    }


def test_the_term_takes_period_marks_and_forecasts_where_none_is_entered(rw):
    results = results_of(rw, Period(rw.year, rw.q2))
    maths = values(results, rw, rw.maths)
    assert {name: (r.value, r.forecast) for name, r in maths.items()} == {
        "Аксенов": ("5", False),
        "Борисова": ("4", False),
        "Воронин": ("5", True),  # 4 (×1) and 5 (×2): 4.67
        "Дмитриева": ("н/а", False),
    }
    russian = values(results, rw, rw.russian)
    assert {name: r.value for name, r in russian.items()} == {
        "Аксенов": "5",  # 5 and 4: 4.50 (the 1st quarter's «2» is not this term's)
        "Борисова": "3",  # 3, 4, 3: 3.33
        "Воронин": "",  # no marks
        "Дмитриева": "3",  # 2 and 3: 2.50; the «•» is a mark but has no number
    }
    assert russian["Борисова"].average == Decimal("3.33")
    assert (russian["Дмитриева"].marks, russian["Дмитриева"].average) == (3, Decimal("2.50"))


def test_who_left_before_the_terms_end_is_not_counted_and_who_arrived_is(rw):
    results = results_of(rw, Period(rw.year, rw.q2))
    class_5a = next(c for c in results.classes if c.school_class == rw.class_5a)
    assert [s.last_name for s in class_5a.students] == [
        "Аксенов",
        "Борисова",
        "Воронин",
        "Дмитриева",
    ]
    assert class_5a.day == rw.q2.end


def test_while_the_term_runs_its_lists_are_todays(rw):
    results = results_of(rw, Period(rw.year, rw.q2), today=date(2026, 12, 5))
    class_5a = next(c for c in results.classes if c.school_class == rw.class_5a)
    assert class_5a.day == date(2026, 12, 5)
    assert "Григорьева" in [s.last_name for s in class_5a.students]


def test_the_half_year_closing_with_the_quarter_is_reported_with_it(rw):
    results = results_of(rw, Period(rw.year, rw.q2))
    tenth = next(c for c in results.classes if c.school_class == rw.class_10a)
    assert tenth.term == rw.h1
    assert values(results, rw, rw.algebra)["Ефимов"].value == "4"
    first = results_of(rw, Period(rw.year, rw.q1))
    assert [c.school_class for c in first.classes] == [rw.class_5a]
    assert [(c, [t.title for t in terms]) for c, terms in first.other_classes] == [
        (rw.class_10a, ["1-е полугодие", "2-е полугодие"])
    ]


def test_the_hand_worked_figures_of_the_class_and_its_subjects(rw):
    results = results_of(rw, Period(rw.year, rw.q2))
    class_5a = next(c for c in results.classes if c.school_class == rw.class_5a)
    figures = Figures()
    for student in class_5a.students:
        figures.add_student([r.grade for r in results.of(student.pk).values()])
    assert figures.students == 4
    assert figures.success_rate == Decimal("75.0")  # Дмитриева fails
    assert figures.quality == Decimal("50.0")  # Аксенов and Воронин
    # Four «5», two «4», two «3», one «н/а»: (400 + 128 + 72 + 7) / 9.
    assert figures.sou == Decimal("67.4")
    assert figures.average == Decimal("4.25")  # 34 / 8: «н/а» has no number

    def tally(course):
        return Tally.of(r.grade for _s, r in results.course_results(course.pk))

    maths = tally(rw.maths)
    assert (maths.success_rate, maths.quality, maths.sou, maths.average) == (
        Decimal("75.0"),
        Decimal("75.0"),
        Decimal("67.8"),  # 271 / 4 = 67.75, half up
        Decimal("4.67"),
    )
    russian = tally(rw.russian)
    assert (russian.counted, russian.quality, russian.sou) == (3, Decimal("33.3"), Decimal("57.3"))
    pe = tally(rw.pe)
    assert (pe[Grade.EXEMPT], pe.success_rate, pe.quality) == (1, Decimal("66.7"), None)


def test_electives_and_courses_without_marks_are_not_counted(rw):
    results = results_of(rw, Period(rw.year, rw.q2))
    assert {info.subject for info in results.courses.values()} == {
        "Алгебра",
        "Английский язык",
        "Математика",
        "Русский язык",
        "Физическая культура",
    }


def test_the_forecast_is_the_journals(rw):
    results = results_of(rw, Period(rw.year, rw.q2))
    grid = journal_grid(rw.russian, rw.q2)
    for row in grid.rows:
        own = results.of(row.student.pk).get(rw.russian.pk)
        if own is not None:
            assert (own.value or None, own.average) == (row.forecast, row.average)


def test_the_years_result_is_the_year_mark_else_the_mean_of_the_terms(rw):
    aksenov = rw.students["Аксенов"]
    PeriodMark.objects.create(
        school=rw.school,
        course=rw.maths,
        student=aksenov,
        kind=PeriodKind.TERM,
        term=rw.q1,
        value="4",
        number=Decimal(4),
        entered_at=ENTERED,
        changed_at=ENTERED,
    )
    year = Period(rw.year)
    results = results_of(rw, year)
    # Terms 1 and 2: 4 and 5 → 4.50 → «5», a forecast.
    maths = values(results, rw, rw.maths)["Аксенов"]
    assert (maths.value, maths.forecast) == ("5", True)
    PeriodMark.objects.create(
        school=rw.school,
        course=rw.maths,
        student=aksenov,
        kind=PeriodKind.YEAR,
        value="4",
        number=Decimal(4),
        entered_at=ENTERED,
        changed_at=ENTERED,
    )
    maths = values(results_of(rw, year), rw, rw.maths)["Аксенов"]
    assert (maths.value, maths.forecast) == ("4", False)


def test_the_results_cost_a_fixed_number_of_queries(rw, django_assert_num_queries):
    all_classes = classes(rw)
    # The school as a request has it: loaded with its policy (accounts.memberships).
    school = School.objects.select_related("journal_policy").get(pk=rw.school.pk)
    with django_assert_num_queries(7):
        period_results(school, Period(rw.year, rw.q2), all_classes, AFTER_Q2)
    with django_assert_num_queries(7):
        period_results(school, Period(rw.year), all_classes, AFTER_Q2)
