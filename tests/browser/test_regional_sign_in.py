"""Issue 17 end to end: a parent signs in through the region's portal (a real OpenID provider,
the npm `oidc-provider` on the loopback), links the account with the code from the slip the
class teacher gave, reaches the diary's home page and signs out."""

from __future__ import annotations

import pytest

from zhurnal.accounts.credentials import issue_credentials
from zhurnal.accounts.models import ExternalIdentity, SignInPolicy
from zhurnal.audit.actor import Actor

from .. import oidc_provider
from ..factories import GuardianFactory, SchoolFactory
from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def regional(live_server, settings):
    provider = oidc_provider.start([f"{live_server.url}/accounts/regional/callback/"])
    oidc_provider.settings_for(settings, provider)
    settings.ZHURNAL_OIDC_PROVIDER_NAME = "Госуслуги"
    yield provider
    provider.stop()


def test_a_parent_signs_in_through_the_regions_portal_and_links_with_the_code(page, regional):
    school = SchoolFactory(short_name="СОШ № 7")
    SignInPolicy.objects.create(school=school, external_sign_in=True)
    guardian = GuardianFactory(school=school, last_name="Иванова", first_name="Мария")
    [issued] = issue_credentials(people=[guardian], actor=Actor.system(), blocker=lambda p: "")

    page.goto("/accounts/login/")
    page.click("#regional-sign-in")
    page.fill("#provider-login", "ivanova-esia")
    page.fill("#provider-password", "секрет")
    page.click("#provider-submit")

    page.wait_for_url("**/accounts/regional/link/")
    assert "ещё не связана с логином Журнала" in page.inner_text("main")
    page.fill("input[name=code]", "zzzz-zzzz-zzzz")
    page.click("main button[type=submit]")
    assert "Код неверен" in page.inner_text("main")
    page.fill("input[name=code]", issued.linking_code)
    screenshot(page, "regional-link")
    page.click("main button[type=submit]")

    page.wait_for_url(lambda url: "/accounts/" not in url)
    assert "Иванова Мария" in page.inner_text("header")
    assert ExternalIdentity.objects.get(subject="ivanova-esia").user.username == issued.username
    screenshot(page, "regional-signed-in")

    page.click("header form[action$='/logout/'] button")
    page.wait_for_url("**/accounts/login/")
    assert "Войти через Госуслуги" in page.inner_text("#regional-sign-in")

    # The account is linked now: the portal alone signs her in again (its session forgotten,
    # so that it asks as on another day).
    page.context.clear_cookies()
    page.click("#regional-sign-in")
    page.fill("#provider-login", "ivanova-esia")
    page.click("#provider-submit")
    page.wait_for_url(lambda url: "/accounts/" not in url and "127.0.0.1" not in url)
    assert "Иванова Мария" in page.inner_text("header")
