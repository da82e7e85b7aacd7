from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from zhurnal.accounts.models import Membership, Role
from zhurnal.audit.actor import client_address
from zhurnal.journal.models import ScaleRule
from zhurnal.journal.scales import ScaleKind
from zhurnal.school.models import GradeLevel, School

pytestmark = pytest.mark.django_db


def test_createschool_makes_a_school_and_an_admin_with_a_one_time_password(rf):
    out = StringIO()
    call_command(
        "createschool", name="МБОУ СОШ № 4", short_name="СОШ № 4", admin="ivanova", stdout=out
    )
    school = School.objects.get(short_name="СОШ № 4")
    assert GradeLevel.objects.filter(school=school).count() == 11
    # Grade 1 learns without marks, by a rule the school may change.
    rule = ScaleRule.objects.get(school=school)
    assert (rule.grade_level.number, rule.subject, rule.scale) == (1, None, ScaleKind.NONE)
    password = out.getvalue().split("One-time password:")[1].split()[0]
    request = rf.post("/accounts/login/")
    user = authenticate(request, username="ivanova", password=password)
    assert user is not None and user.must_change_password
    assert Membership.objects.filter(user=user, school=school, role=Role.ADMIN).exists()
    with pytest.raises(CommandError):
        call_command("createschool", name="x", short_name="y", admin="ivanova", stdout=out)


def test_client_address_trusts_only_our_proxy_hop(rf, settings):
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.0.0.7", REMOTE_ADDR="127.0.0.1")
    settings.ZHURNAL_BEHIND_PROXY = False
    assert client_address(request) == "127.0.0.1"
    settings.ZHURNAL_BEHIND_PROXY = True
    assert client_address(request) == "10.0.0.7"
