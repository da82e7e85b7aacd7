"""The second factor of staff (issue 17): a code generator app (TOTP, django-otp) with recovery
codes; optional per person, required of the administration where the school says so; asked
after the password and before any page; the API's tokens only with it; wrong codes lock as
wrong passwords do; a lost device reset by the administrator, audited."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhurnal.accounts import second_factor
from zhurnal.accounts.models import ApiToken, Role, SignInPolicy
from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction, AuditEvent
from zhurnal.notifications.models import Kind, Notification

from .factories import GuardianFactory, SchoolFactory, StaffFactory, UserFactory, grant

PASSWORD = "correct-horse-42"


def code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the phone shows now (or ``steps_ahead`` steps of 30 s later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


@pytest.fixture
def school(db):
    return SchoolFactory()


@pytest.fixture
def teacher(school):
    user = grant(UserFactory(username="petrova.ap"), school, Role.TEACHER)
    StaffFactory(school=school, user=user, last_name="Петрова")
    return user


@pytest.fixture
def admin(school):
    return grant(UserFactory(username="admin.school"), school, Role.ADMIN)


def login(username: str, password: str = PASSWORD) -> Client:
    client = Client()
    client.post(reverse("accounts:login"), {"username": username, "password": password})
    return client


def enrol(user) -> tuple[TOTPDevice, list[str]]:
    device = second_factor.start_enrolment(user)
    codes = second_factor.confirm_enrolment(device=device, code=code(device), actor=Actor.system())
    device.refresh_from_db()
    return device, codes


def test_a_teacher_sets_up_the_app_with_a_qr_code_and_gets_recovery_codes(client, teacher):
    client.force_login(teacher)
    page = client.get(reverse("accounts:security"))
    assert "Второй фактор" in page.content.decode()
    client.post(reverse("accounts:second_factor"), {"action": "start"})
    setup = client.get(reverse("accounts:second_factor"))
    text = setup.content.decode()
    assert "<svg" in text
    device = TOTPDevice.objects.get(user=teacher, confirmed=False)
    assert second_factor.secret_text(device) in text
    assert "otpauth://" not in text  # the key only as the QR code and as typed text

    wrong = client.post(reverse("accounts:second_factor"), {"action": "confirm", "code": "000000"})
    assert wrong.status_code == 400
    done = client.post(
        reverse("accounts:second_factor"), {"action": "confirm", "code": code(device)}
    )
    assert done.status_code == 200
    codes = re.findall(
        r'<code class="secret">([a-z2-9]{5}-[a-z2-9]{5})</code>', done.content.decode()
    )
    assert len(codes) == 10
    assert done["Cache-Control"].startswith("max-age=0")
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(action=AuditAction.SECOND_FACTOR_ON, actor=teacher).exists()


def test_after_the_password_every_page_waits_for_the_code(teacher):
    device, _codes = enrol(teacher)
    client = login("petrova.ap")
    assert client.get(reverse("home"))["Location"] == reverse("accounts:second_factor_verify")
    assert client.get(reverse("accounts:security")).status_code == 302
    assert (
        client.post(reverse("accounts:second_factor_verify"), {"code": "123456"}).status_code == 400
    )
    response = client.post(reverse("accounts:second_factor_verify"), {"code": code(device, 1)})
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_a_code_is_accepted_once(teacher):
    device, _codes = enrol(teacher)
    used = code(device, 1)
    first = login("petrova.ap")
    first.post(reverse("accounts:second_factor_verify"), {"code": used})
    second = login("petrova.ap")
    response = second.post(reverse("accounts:second_factor_verify"), {"code": used})
    assert response.status_code == 400


def test_a_recovery_code_opens_once(teacher):
    _device, codes = enrol(teacher)
    client = login("petrova.ap")
    response = client.post(reverse("accounts:second_factor_verify"), {"code": codes[0].upper()})
    assert response["Location"] == reverse("home")
    assert StaticToken.objects.filter(device__user=teacher).count() == 9
    again = login("petrova.ap")
    assert (
        again.post(reverse("accounts:second_factor_verify"), {"code": codes[0]}).status_code == 400
    )


def test_wrong_codes_lock_as_wrong_passwords_do(teacher, settings):
    device, _codes = enrol(teacher)
    client = login("petrova.ap")
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(reverse("accounts:second_factor_verify"), {"code": "111111"})
    locked = client.post(reverse("accounts:second_factor_verify"), {"code": "111111"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session  # signed out
    # Even the right code, after the password again, waits for the cool-down.
    retry = login("petrova.ap")
    refused = retry.post(reverse("accounts:second_factor_verify"), {"code": code(device, 1)})
    assert refused.status_code == 429


def test_the_password_alone_does_not_forget_the_wrong_codes(teacher, settings):
    enrol(teacher)
    for _round in range(settings.AXES_FAILURE_LIMIT):
        client = login("petrova.ap")  # a right password each time
        response = client.post(reverse("accounts:second_factor_verify"), {"code": "111111"})
    assert response.status_code == 429


def test_the_school_requires_it_of_the_administration_only(school, admin, teacher):
    SignInPolicy.objects.create(school=school, second_factor_for_administration=True)
    client = login("admin.school")
    assert client.get(reverse("home"))["Location"] == reverse("accounts:second_factor")
    page = client.get(reverse("accounts:second_factor"))
    assert "Ваша школа требует второй фактор" in page.content.decode()
    client.post(reverse("accounts:second_factor"), {"action": "start"})
    device = TOTPDevice.objects.get(user=admin)
    client.post(reverse("accounts:second_factor"), {"action": "confirm", "code": code(device)})
    assert client.get(reverse("home")).status_code == 200
    # Required: the administrator may not turn it off.
    client.post(reverse("accounts:second_factor_off"))
    assert TOTPDevice.objects.filter(user=admin, confirmed=True).exists()
    # A teacher of the school is not asked.
    assert login("petrova.ap").get(reverse("home")).status_code == 200


def test_a_teacher_may_turn_it_off(client, teacher):
    enrol(teacher)
    client.force_login(teacher)
    session = client.session
    session.pop(second_factor.PENDING_KEY)  # as after the code
    session.save()
    client.post(reverse("accounts:second_factor_off"))
    assert not TOTPDevice.objects.filter(user=teacher).exists()
    assert AuditEvent.objects.filter(action=AuditAction.SECOND_FACTOR_OFF).exists()


def test_parents_have_no_second_factor_page(client, school):
    guardian = GuardianFactory(school=school, user=UserFactory(username="parent"))
    grant(guardian.user, school, Role.PARENT)
    client.force_login(guardian.user)
    assert client.get(reverse("accounts:second_factor")).status_code == 403
    assert client.get(reverse("accounts:security")).status_code == 200


def api_token(username: str, otp: str = "") -> tuple[int, dict]:
    response = Client().post(
        "/api/v1/auth/token",
        {"username": username, "password": PASSWORD, "otp": otp},
        content_type="application/json",
    )
    return response.status_code, response.json()


def test_the_api_issues_a_token_only_after_the_second_factor(teacher):
    device, _codes = enrol(teacher)
    status, body = api_token("petrova.ap")
    assert (status, body["code"]) == (401, "second_factor_required")
    assert api_token("petrova.ap", "000000")[1]["code"] == "invalid_second_factor"
    status, body = api_token("petrova.ap", code(device, 1))
    assert status == 200 and body["token"]


def test_the_api_refuses_one_who_must_set_it_up_first(school, admin):
    SignInPolicy.objects.create(school=school, second_factor_for_administration=True)
    status, body = api_token("admin.school")
    assert (status, body["code"]) == (403, "second_factor_setup_required")
    assert not ApiToken.objects.exists()


def test_the_administrator_resets_a_lost_device(school, admin, teacher):
    enrol(teacher)
    staff = school.staff.get(user=teacher)
    ApiToken.issue(teacher, "phone")
    lost_phone = login("petrova.ap")
    client = Client()
    client.force_login(admin)
    card = client.get(reverse("school:staff_card", args=[staff.pk]))
    assert reverse("accounts:staff_second_factor", args=[staff.pk]) in card.content.decode()
    response = client.post(
        reverse("accounts:staff_second_factor", args=[staff.pk]), {"reason": "телефон утерян"}
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=teacher).exists()
    assert not ApiToken.objects.filter(user=teacher, revoked_at__isnull=True).exists()
    assert lost_phone.get(reverse("home")).status_code == 302
    assert lost_phone.get(reverse("home"))["Location"].startswith(reverse("accounts:login"))
    event = AuditEvent.objects.get(action=AuditAction.SECOND_FACTOR_RESET)
    assert (event.actor, event.reason, event.school) == (admin, "телефон утерян", school)


def test_only_the_administrator_resets(school, teacher):
    enrol(teacher)
    staff = school.staff.get(user=teacher)
    other = grant(UserFactory(username="deputy"), school, Role.DEPUTY)
    client = Client()
    client.force_login(other)
    response = client.post(
        reverse("accounts:staff_second_factor", args=[staff.pk]), {"reason": "x"}
    )
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=teacher).exists()


def test_the_administrator_is_told_of_a_lock_by_wrong_codes(school, teacher, admin, settings):
    enrol(teacher)
    client = login("petrova.ap")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:second_factor_verify"), {"code": "111111"})
    notice = Notification.objects.get(user=admin, kind=Kind.LOCKOUT)
    assert "petrova.ap" in notice.title
