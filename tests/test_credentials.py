"""Issuing logins and one-time passwords (issue: credentials issuance; DESIGN §1, §4)."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from zhurnal.accounts.access import check_may_issue, reset_blocker
from zhurnal.accounts.credentials import (
    PASSWORD_ALPHABET,
    base_username,
    ensure_user,
    generate_password,
    issue_credentials,
    transliterate,
)
from zhurnal.accounts.models import ApiToken, LinkingCode, Membership, Role, SignInPolicy, User
from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction, AuditEvent
from zhurnal.school import models as m

from .factories import (
    GuardianFactory,
    SchoolClassFactory,
    StaffFactory,
    StudentFactory,
    UserFactory,
    enroll,
    grant,
)
from .personas import build_world


@pytest.fixture
def world(db):
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))):
        w = build_world()
        # 5А also has a student of login age (14 on 20.11.2026) with a mother without a login.
        w.teen = StudentFactory(
            school=w.school,
            last_name="Иванова",
            first_name="Мария",
            middle_name="Петровна",
            birth_date=date(2012, 5, 5),
        )
        enroll(w.teen, w.class_5a)
        w.mother = GuardianFactory(
            school=w.school, last_name="Иванова", first_name="Елена", middle_name="Сергеевна"
        )
        m.StudentGuardian.objects.create(
            school=w.school, student=w.teen, guardian=w.mother, relation="mother"
        )
        yield w


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _as(client, world, persona):
    client.force_login(world.users[persona])
    return _english(client)


def _class_url(world, school_class=None):
    return reverse("accounts:credentials_class", args=[(school_class or world.class_5a).pk])


def _issue(client, world, keys, output="screen", url=None):
    return client.post(url or _class_url(world), {"person": keys, "output": output})


def _results(response) -> dict[str, tuple[str, str]]:
    """Full name -> (login, password) of those issued, from the page's context."""
    return {
        r.person.full_name: (r.username, r.password)
        for r in response.context["results"]
        if r.issued
    }


# --- Logins ---------------------------------------------------------------------------------


def test_login_is_transliterated_last_name_and_initials():
    assert transliterate("Щукина-Ёлкина") == "shchukinaelkina"
    assert transliterate("Цой Юлия") == "tsoiiuliia"
    teen = m.Student(last_name="Иванова", first_name="Мария", middle_name="Петровна")
    assert base_username(teen) == "ivanova.mp"
    assert base_username(m.Student(last_name="Ли", first_name="Ян")) == "li.ia"


def test_a_taken_login_gets_a_number(world):
    UserFactory(username="ivanova.mp")
    user = ensure_user(world.teen)
    assert user.username == "ivanova.mp2"
    assert (user.last_name, user.first_name, user.middle_name) == ("Иванова", "Мария", "Петровна")
    assert not user.has_usable_password()
    world.teen.refresh_from_db()
    assert world.teen.user == user
    assert ensure_user(world.teen) == user  # no second login


def test_one_time_passwords_are_ten_unambiguous_characters():
    passwords = {generate_password() for _ in range(50)}
    assert len(passwords) == 50
    for password in passwords:
        assert len(password) == 10
        assert set(password) <= set(PASSWORD_ALPHABET)
        assert not set(password) & set("0O1lIi")


# --- Who may --------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["admin", "class_teacher"])
def test_admin_and_the_class_teacher_see_the_class_list(client, world, persona):
    response = _as(client, world, persona).get(_class_url(world))
    assert response.status_code == 200
    page = response.content.decode()
    assert world.teen.full_name in page
    assert world.mother.full_name in page
    assert world.guardian.full_name in page
    assert f'value="student:{world.teen.pk}"' in page
    assert f'value="guardian:{world.mother.pk}"' in page
    # The guardian "parent" already has a login: reissuing is announced.
    assert "reissuing invalidates the old password" in page
    # The 11-year-old has no checkbox, only the reason.
    assert f'value="student:{world.student.pk}"' not in page
    assert "no login: under the age of 14" in page


@pytest.mark.parametrize(
    "persona", ["teacher", "deputy", "director", "secretary", "hr", "parent", "student", "nobody"]
)
def test_others_may_neither_see_nor_issue(client, world, persona):
    _as(client, world, persona)
    assert client.get(_class_url(world)).status_code == 403
    response = _issue(client, world, [f"student:{world.teen.pk}"])
    assert response.status_code == 403
    world.teen.refresh_from_db()
    assert world.teen.user is None


def test_class_teacher_of_another_class_is_refused(client, world):
    other_staff = StaffFactory(school=world.school, user=UserFactory(username="ct6b"))
    grant(other_staff.user, world.school, Role.TEACHER)
    world.class_6b.class_teacher = other_staff
    world.class_6b.save()
    client.force_login(other_staff.user)
    assert client.get(_class_url(world)).status_code == 403
    assert client.get(_class_url(world, world.class_6b)).status_code == 200
    # Nor through the one-person page of a 5А student or parent.
    for kind, person in (("student", world.teen), ("guardian", world.mother)):
        url = reverse("accounts:credentials_person", args=[kind, person.pk])
        assert (
            client.post(url, {"person": [f"{kind}:{person.pk}"], "output": "screen"}).status_code
            == 403
        )
    world.teen.refresh_from_db()
    assert world.teen.user is None


def test_a_class_of_another_school_is_not_found(client, world):
    other_year = m.AcademicYear.objects.get(school=world.other_school)
    foreign = SchoolClassFactory(school=world.other_school, year=other_year)
    _as(client, world, "admin")
    assert client.get(_class_url(world, foreign)).status_code == 404
    assert _issue(client, world, [], url=_class_url(world, foreign)).status_code == 404
    foreign_student = StudentFactory(school=world.other_school, birth_date=date(2010, 1, 1))
    url = reverse("accounts:credentials_person", args=["student", foreign_student.pk])
    assert client.get(url).status_code == 404


def test_unknown_kind_of_person_is_not_found(client, world):
    _as(client, world, "admin")
    url = reverse("accounts:credentials_person", args=["director", world.teen.pk])
    assert client.get(url).status_code == 404


def test_a_person_outside_the_class_cannot_be_slipped_into_the_form(client, world):
    _as(client, world, "class_teacher")
    response = _issue(
        client, world, [f"student:{world.teen.pk}", f"student:{world.older_student.pk}"]
    )
    assert response.status_code == 400
    assert "no longer on this list" in response.content.decode()
    world.teen.refresh_from_db()
    world.older_student.refresh_from_db()
    assert world.teen.user is None
    assert world.older_student.user.check_password("correct-horse-42")


def test_the_rule_refuses_people_the_actor_may_not_reach(world):
    """The check every page and call makes before the service (which trusts its caller)."""
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        check_may_issue(actor=world.users["class_teacher"], people=[world.older_student])
    with pytest.raises(PermissionDenied):
        check_may_issue(
            actor=world.users["class_teacher"],
            people=[world.teacher_staff],
            school_class=world.class_5a,
        )


# --- Issuing --------------------------------------------------------------------------------


def test_issuing_on_screen_gives_working_one_time_passwords(client, world):
    _as(client, world, "class_teacher")
    keys = [
        f"student:{world.teen.pk}",
        f"guardian:{world.mother.pk}",
        f"guardian:{world.guardian.pk}",
    ]
    response = _issue(client, world, keys)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    issued = _results(response)
    assert set(issued) == {world.teen.full_name, world.mother.full_name, world.guardian.full_name}
    page = response.content.decode()
    for login, password in issued.values():
        assert login in page
        assert password in page
    world.teen.refresh_from_db()
    world.mother.refresh_from_db()
    teen_user, mother_user = world.teen.user, world.mother.user
    assert teen_user.username == "ivanova.mp"
    assert mother_user.username == "ivanova.es"
    assert world.guardian.user.username == "parent"  # an existing login keeps its name
    for user in (teen_user, mother_user):
        assert user.must_change_password
        assert user.check_password(issued[user.display_name][1])
    assert Membership.objects.filter(
        user=teen_user, school=world.school, role=Role.STUDENT
    ).exists()
    assert Membership.objects.filter(
        user=mother_user, school=world.school, role=Role.PARENT
    ).exists()
    # The passwords are kept nowhere but in the hash.
    session_data = str(dict(client.session))
    for _login, password in issued.values():
        assert password not in session_data


def test_issuing_is_audited_without_the_password(client, world):
    _as(client, world, "admin")
    response = _issue(client, world, [f"student:{world.teen.pk}"])
    ((_login, password),) = _results(response).values()
    event = AuditEvent.objects.get(action=AuditAction.CREDENTIALS_ISSUED)
    assert event.actor == world.users["admin"]
    assert event.student == world.teen
    assert event.after["username"] == "ivanova.mp"
    assert password not in str(event.after) + str(event.before) + event.reason


def test_reissuing_invalidates_the_old_password_sessions_and_tokens(client, world):
    _as(client, world, "class_teacher")
    key = f"guardian:{world.mother.pk}"
    first = _results(_issue(client, world, [key]))[world.mother.full_name]
    world.mother.refresh_from_db()
    user = world.mother.user
    user.must_change_password = False  # as if the parent had already chosen a password
    user.save()
    parent_browser = Client()
    parent_browser.force_login(user)
    assert parent_browser.get(reverse("home")).status_code == 200
    ApiToken.issue(user, name="phone")

    second = _results(_issue(client, world, [key]))[world.mother.full_name]

    user.refresh_from_db()
    assert second[0] == first[0]  # same login
    assert second[1] != first[1]
    assert not user.check_password(first[1])
    assert user.check_password(second[1])
    assert user.must_change_password
    response = parent_browser.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not ApiToken.objects.filter(user=user, revoked_at__isnull=True).exists()
    assert AuditEvent.objects.filter(action=AuditAction.CREDENTIALS_ISSUED).count() == 2
    assert (
        AuditEvent.objects.filter(action=AuditAction.CREDENTIALS_ISSUED).first().after["reissued"]
    )


def test_an_underage_student_gets_no_login_even_if_forged_into_the_form(client, world):
    _as(client, world, "class_teacher")
    response = _issue(client, world, [f"student:{world.student.pk}", f"student:{world.teen.pk}"])
    assert response.status_code == 200
    world.student.refresh_from_db()
    assert world.student.user is None
    assert set(_results(response)) == {world.teen.full_name}


def _issue_by_service(world, persona, *people):
    """Issue as the pages do: the rule first, then the service with the reset rule."""
    user = world.users[persona]
    check_may_issue(actor=user, people=list(people))
    return issue_credentials(
        people=list(people), actor=Actor(user), blocker=lambda p: reset_blocker(user, p)
    )


def test_an_underage_student_is_skipped_by_the_service(world):
    results = _issue_by_service(world, "admin", world.student)
    assert results[0].skipped_reason == "no login: under the age of 14"
    assert not results[0].password
    world.student.refresh_from_db()
    assert world.student.user is None


def test_the_school_age_setting_is_respected(client, world):
    world.school.student_min_age = 10
    world.school.save()
    _as(client, world, "class_teacher")
    response = _issue(client, world, [f"student:{world.student.pk}"])
    assert world.student.full_name in _results(response)


def test_a_post_without_anyone_chosen_is_an_error_and_changes_nothing(client, world):
    _as(client, world, "class_teacher")
    for output in ("screen", "pdf"):
        response = _issue(client, world, [], output=output)
        assert response.status_code == 400
        assert "Choose at least one person" in response.content.decode()
    assert not User.objects.filter(username__startswith="ivanova").exists()
    assert not AuditEvent.objects.filter(action=AuditAction.CREDENTIALS_ISSUED).exists()


def test_a_post_without_an_output_is_an_error(client, world):
    _as(client, world, "class_teacher")
    response = client.post(_class_url(world), {"person": [f"student:{world.teen.pk}"]})
    assert response.status_code == 400
    world.teen.refresh_from_db()
    assert world.teen.user is None


def test_the_class_teacher_cannot_reset_a_login_that_also_belongs_to_staff(client, world):
    """A parent who works at the school: resetting the parent's login would hand the teacher
    the colleague's staff access, so only the administrator does it."""
    colleague = world.users["teacher"]
    world.mother.user = colleague
    world.mother.save()
    _as(client, world, "class_teacher")
    page = client.get(_class_url(world)).content.decode()
    assert f'value="guardian:{world.mother.pk}"' not in page
    response = _issue(client, world, [f"guardian:{world.mother.pk}", f"student:{world.teen.pk}"])
    assert world.mother.full_name not in _results(response)
    colleague.refresh_from_db()
    assert colleague.check_password("correct-horse-42")
    _as(client, world, "admin")
    response = _issue(client, world, [f"guardian:{world.mother.pk}"])
    assert world.mother.full_name in _results(response)


def test_a_login_used_in_another_school_is_not_reset(world):
    grant(world.users["parent"], world.other_school, Role.PARENT)
    results = _issue_by_service(world, "admin", world.guardian)
    assert "another school" in results[0].skipped_reason
    assert world.users["parent"].check_password("correct-horse-42")


def test_one_person_pages(client, world):
    _as(client, world, "class_teacher")
    url = reverse("accounts:credentials_person", args=["guardian", world.mother.pk])
    assert world.mother.full_name in client.get(url).content.decode()
    response = client.post(url, {"person": [f"guardian:{world.mother.pk}"], "output": "screen"})
    assert world.mother.full_name in _results(response)
    # Staff: the administrator only, and no role is granted automatically.
    staff_url = reverse("accounts:credentials_person", args=["staff", world.teacher_staff.pk])
    assert client.get(staff_url).status_code == 403
    _as(client, world, "admin")
    new_staff = StaffFactory(
        school=world.school, last_name="Сидоров", first_name="Олег", middle_name=""
    )
    staff_url = reverse("accounts:credentials_person", args=["staff", new_staff.pk])
    response = client.post(staff_url, {"person": [f"staff:{new_staff.pk}"], "output": "screen"})
    login, password = _results(response)[new_staff.full_name]
    assert login == "sidorov.o"
    new_staff.refresh_from_db()
    assert new_staff.user.check_password(password)
    assert not Membership.objects.filter(user=new_staff.user).exists()


def test_the_page_costs_a_bounded_number_of_queries(client, world, django_assert_max_num_queries):
    for i in range(15):
        student = StudentFactory(school=world.school, birth_date=date(2011, 1, 1))
        enroll(student, world.class_5a)
        for relation in ("mother", "father"):
            user = UserFactory(username=f"g{i}{relation}")
            guardian = GuardianFactory(school=world.school, user=user)
            grant(guardian.user, world.school, Role.PARENT)
            m.StudentGuardian.objects.create(
                school=world.school, student=student, guardian=guardian, relation=relation
            )
    _as(client, world, "class_teacher")
    with django_assert_max_num_queries(20):
        response = client.get(_class_url(world))
    assert response.content.decode().count('name="person"') == 3 + 15 * 3


# --- PDF slips ------------------------------------------------------------------------------


def test_pdf_slips_carry_each_login_and_password(client, world):
    _as(client, world, "class_teacher")
    keys = [
        f"student:{world.teen.pk}",
        f"guardian:{world.mother.pk}",
        f"guardian:{world.guardian.pk}",
    ]
    response = _issue(client, world, keys, output="pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    text = "".join(page.extract_text() for page in reader.pages)
    issued = [r for page in response.context["pages"] for row in page for r in row]
    assert len(issued) == 3
    for r in issued:
        assert r.username in text
        assert r.password in text
        assert User.objects.get(username=r.username).check_password(r.password)
    assert world.school.name in text
    assert "http://testserver/" in text
    assert "Change the password at the first login" in text


def test_pdf_slips_are_eight_to_a_page(client, world):
    for _ in range(8):
        enroll(StudentFactory(school=world.school, birth_date=date(2010, 1, 1)), world.class_5a)
    _as(client, world, "admin")
    keys = [
        f"student:{s.pk}"
        for s in m.Student.objects.filter(
            birth_date=date(2010, 1, 1), enrollments__school_class=world.class_5a
        )
    ]
    assert len(keys) == 8
    response = _issue(client, world, [*keys, f"student:{world.teen.pk}"], output="pdf")
    assert len(PdfReader(io.BytesIO(response.content)).pages) == 2


# --- First login ----------------------------------------------------------------------------


def test_the_one_time_password_forces_a_password_change(client, world):
    _as(client, world, "class_teacher")
    login, password = _results(_issue(client, world, [f"student:{world.teen.pk}"]))[
        world.teen.full_name
    ]
    student = _english(Client())
    response = student.post(reverse("accounts:login"), {"username": login, "password": password})
    assert response.status_code == 302
    change = reverse("accounts:password_change")
    for url in (reverse("home"), _class_url(world)):
        response = student.get(url)
        assert response.status_code == 302
        assert response["Location"] == change
    assert "one-time password" in student.get(change).content.decode()
    response = student.post(
        change,
        {
            "old_password": password,
            "new_password1": "Zelenaya-Lampa-77",
            "new_password2": "Zelenaya-Lampa-77",
        },
    )
    assert response.status_code == 302
    assert student.get(reverse("home")).status_code == 200
    world.teen.refresh_from_db()
    assert not world.teen.user.must_change_password
    assert world.teen.user.check_password("Zelenaya-Lampa-77")


# --- Linking codes for the region's portal (issue 17) ------------------------------------------


def test_slips_carry_a_linking_code_where_the_school_uses_the_regional_sign_in(
    client, world, settings
):
    settings.ZHURNAL_OIDC_ISSUER = "https://id.region.test"
    settings.OIDC_RP_CLIENT_ID = "zhurnal"
    SignInPolicy.objects.create(school=world.school, external_sign_in=True)
    _as(client, world, "class_teacher")
    keys = [f"student:{world.teen.pk}", f"guardian:{world.mother.pk}"]
    screen = _issue(client, world, keys)
    codes = [r.linking_code for r in screen.context["results"] if r.issued]
    assert len(codes) == 2 and all(re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){2}", c) for c in codes)
    assert codes[0] in screen.content.decode()
    assert LinkingCode.objects.filter(used_at__isnull=True).count() == 2  # the first ones replaced

    pdf = _issue(client, world, keys, output="pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    for r in (r for page in pdf.context["pages"] for row in page for r in row):
        assert r.linking_code in text
    assert LinkingCode.objects.filter(used_at__isnull=True).count() == 2


def test_no_linking_code_where_the_school_does_not_use_it(client, world, settings):
    settings.ZHURNAL_OIDC_ISSUER = "https://id.region.test"
    settings.OIDC_RP_CLIENT_ID = "zhurnal"
    _as(client, world, "class_teacher")
    screen = _issue(client, world, [f"guardian:{world.mother.pk}"])
    assert [r.linking_code for r in screen.context["results"]] == [""]
    assert not LinkingCode.objects.exists()
