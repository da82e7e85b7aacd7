"""Issue 17 end to end: a teacher sets up the second factor — the QR code and the key as text —
with a code the test computes as the phone would, keeps the recovery codes, then logs in again
with the password and the next code."""

from __future__ import annotations

import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from zhurnal.accounts.models import Role

from ..factories import SchoolFactory, StaffFactory, UserFactory, grant
from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-42"


def phone_code(secret: str, steps_ahead: int = 0) -> str:
    """What a code generator app shows for the key typed from the page."""
    key = secret.replace(" ", "")
    totp = TOTP(b32decode(key + "=" * (-len(key) % 8)))
    totp.time = time.time() + steps_ahead * 30
    return f"{totp.token():06d}"


def _log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")


def test_a_teacher_sets_up_the_second_factor_and_logs_in_with_it(page):
    school = SchoolFactory(short_name="СОШ № 7")
    user = grant(UserFactory(username="petrova.ap", first_name="Анна"), school, Role.TEACHER)
    StaffFactory(school=school, user=user, last_name="Петрова", first_name="Анна")

    _log_in(page, "petrova.ap")
    page.wait_for_url(lambda url: "/accounts/" not in url)
    page.click("header a[href$='/accounts/security/']")
    page.click("main a[href$='/accounts/security/second-factor/']")
    page.click("main button[type=submit]")  # «Настроить»
    assert page.locator("figure.qr svg").count() == 1
    secret = page.inner_text("#totp-secret")
    screenshot(page, "second-factor-setup")
    page.fill("input[name=code]", phone_code(secret))
    page.click("main button[type=submit]")
    codes = page.locator("ul.recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    screenshot(page, "second-factor-recovery-codes")

    page.click("header form[action$='/logout/'] button")
    _log_in(page, "petrova.ap")
    page.wait_for_url("**/accounts/second-factor/")
    page.goto("/")  # every page waits for the code
    assert page.url.endswith("/accounts/second-factor/")
    page.fill("input[name=code]", "000000")
    page.click("main form:not([action]) button[type=submit]")
    expect(page.locator("main .errorlist")).to_contain_text("Код неверен")
    page.fill("input[name=code]", phone_code(secret, steps_ahead=1))
    screenshot(page, "second-factor-verify")
    page.click("main form:not([action]) button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/" not in url)
    assert "Петрова" in page.inner_text("header") or "Анна" in page.inner_text("main")
