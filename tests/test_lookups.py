"""core.lookups: ``field__any_of`` selects what ``field__in`` selects, with the list as one
parameter on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhurnal.school import models as m

from .factories import SchoolClassFactory, StudentFactory, YearFactory, enroll

pytestmark = pytest.mark.django_db


@pytest.fixture
def classes():
    year = YearFactory()
    made = [SchoolClassFactory(school=year.school, year=year, letter=letter) for letter in "АБВ"]
    for school_class in made:
        for _ in range(2):
            enroll(StudentFactory(school=year.school), school_class)
    return made


def test_any_of_selects_what_in_selects(classes):
    ids = [classes[0].pk, classes[2].pk, 10**12]  # an id that does not exist matches nothing
    assert set(m.SchoolClass.objects.filter(pk__any_of=ids)) == {classes[0], classes[2]}
    # Over a relation by its id, and through a join.
    by_fk = m.Enrollment.objects.filter(school_class_id__any_of=ids)
    assert set(by_fk) == set(m.Enrollment.objects.filter(school_class_id__in=ids))
    assert by_fk.count() == 4
    through = m.Student.objects.filter(enrollments__school_class__pk__any_of=[classes[1].pk])
    assert through.count() == 2


def test_an_empty_list_matches_nothing(classes):
    with CaptureQueriesContext(connection) as captured:
        assert list(m.SchoolClass.objects.filter(pk__any_of=[])) == []
    assert len(captured) == 0  # as ``__in=[]``: no statement at all
    assert m.SchoolClass.objects.exclude(pk__any_of=[]).count() == 3


def test_one_parameter_on_postgresql_whatever_the_length(classes):
    with CaptureQueriesContext(connection) as captured:
        list(m.SchoolClass.objects.filter(pk__any_of=[c.pk for c in classes]))
    (sql,) = [q["sql"] for q in captured]
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql
    else:
        assert " IN (" in sql
