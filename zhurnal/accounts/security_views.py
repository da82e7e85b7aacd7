"""The pages of signing in safely (issue 17): the user's own «Вход и безопасность» (the linked
regional accounts, the second factor of staff), the code asked after a sign-in, the
administrator's reset of a lost device and the school's sign-in policy."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from zhurnal.audit.actor import Actor
from zhurnal.core.access import current_school, school_permission
from zhurnal.school.access import staff_for

from . import linking, second_factor, services
from .access import own_identity_for
from .models import SignInPolicy


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class ResetForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("reason"),
        max_length=500,
        help_text=gettext_lazy("e.g. the phone was lost; kept in the audit trail"),
    )


class PolicyForm(forms.ModelForm):
    class Meta:
        model = SignInPolicy
        fields = list(services.POLICY_FIELDS)


def _no_store(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    return response


def _require_staff(user) -> None:
    """The second factor is for staff (parents and students sign in with a password or the
    region's provider)."""
    if not second_factor.is_staff_user(user):
        raise PermissionDenied


@login_required
def security(request: HttpRequest) -> HttpResponse:
    """The user's own sign-in: linked regional accounts, the second factor (staff)."""
    user = request.user
    is_staff = second_factor.is_staff_user(user)
    return render(
        request,
        "accounts/security.html",
        {
            "identities": list(user.external_identities.order_by("linked_at")),
            "is_staff": is_staff,
            "device": second_factor.device_of(user) if is_staff else None,
            "codes_left": second_factor.recovery_codes_left(user) if is_staff else 0,
            "required": is_staff and second_factor.required_for(user),
            "regional": linking.is_configured(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def second_factor_setup(request: HttpRequest) -> HttpResponse:
    """Setting up a code generator app: a QR code and the key as text, then its first code;
    the recovery codes are shown once."""
    user = request.user
    _require_staff(user)
    actor = Actor.of(request)
    device = second_factor.enrolling_device(user)
    form = CodeForm(request.POST if request.POST.get("action") == "confirm" else None)
    if request.method == "POST" and request.POST.get("action") == "start":
        second_factor.start_enrolment(user)
        return redirect("accounts:second_factor")
    if request.method == "POST" and device is not None and form.is_valid():
        codes = second_factor.confirm_enrolment(
            device=device, code=form.cleaned_data["code"], actor=actor
        )
        if codes is not None:
            if second_factor.pending(request) == second_factor.ENROL:
                second_factor.passed(request)
            return _no_store(
                render(request, "accounts/recovery_codes.html", {"codes": codes, "new": True})
            )
        form.add_error("code", _("The code is wrong. Check the time on the phone and try again."))
    context = {
        "device": device,
        "form": form,
        "in_use": second_factor.has_second_factor(user),
        "enrolment_required": second_factor.pending(request) == second_factor.ENROL,
    }
    if device is not None:
        context["qr"] = second_factor.qr_svg(device)
        context["secret"] = second_factor.secret_text(device)
    status = 400 if form.is_bound and form.errors else 200
    return _no_store(render(request, "accounts/second_factor.html", context, status=status))


@login_required
@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes (the earlier ones stop working), shown once."""
    _require_staff(request.user)
    if not second_factor.has_second_factor(request.user):
        return redirect("accounts:security")
    codes = second_factor.new_recovery_codes(user=request.user, actor=Actor.of(request))
    return _no_store(render(request, "accounts/recovery_codes.html", {"codes": codes}))


@login_required
@require_POST
def second_factor_off(request: HttpRequest) -> HttpResponse:
    """Turning the second factor off: the user's choice, unless their school requires it."""
    _require_staff(request.user)
    if second_factor.required_for(request.user):
        messages.error(request, _("Your school requires the second factor of your role."))
    else:
        second_factor.turn_off(user=request.user, actor=Actor.of(request))
        messages.success(request, _("The second factor is turned off."))
    return redirect("accounts:security")


@require_http_methods(["GET", "POST"])
def second_factor_verify(request: HttpRequest) -> HttpResponse:
    """The code after the password (or the region's provider): from the app, or a recovery
    code. Wrong codes lock as wrong passwords do."""
    user = request.user
    if not user.is_authenticated or second_factor.pending(request) != second_factor.VERIFY:
        return redirect("home")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = second_factor.check_code(request, user, form.cleaned_data["code"])
        if result is second_factor.Check.OK:
            second_factor.passed(request)
            return redirect("home")
        if result is second_factor.Check.LOCKED:
            logout(request)
            return render(request, "accounts/locked_out.html", status=429)
        form.add_error("code", _("The code is wrong."))
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "accounts/second_factor_verify.html", {"form": form}, status=status)


@login_required
@require_POST
def identity_unlink(request: HttpRequest, identity_id: int) -> HttpResponse:
    """The user's own regional account stops signing them in (another user's: 404)."""
    row = own_identity_for(request.user, identity_id)
    linking.unlink(row=row, actor=Actor.of(request))
    messages.success(request, _("The regional account is unlinked."))
    return redirect("accounts:security")


@login_required
@require_http_methods(["GET", "POST"])
def staff_second_factor(request: HttpRequest, staff_id: int) -> HttpResponse:
    """The administrator resets a staff member's lost second factor, with the reason."""
    staff = staff_for(request.user, current_school(request), staff_id, "accounts.manage_users")
    device = second_factor.device_of(staff.user) if staff.user_id else None
    form = ResetForm(request.POST or None)
    if request.method == "POST" and device is not None and form.is_valid():
        second_factor.reset(
            staff=staff, actor=Actor.of(request), reason=form.cleaned_data["reason"]
        )
        messages.success(
            request,
            _("The second factor of %(name)s is reset; they set it up again at the next login.")
            % {"name": staff.full_name},
        )
        return redirect("school:staff_card", staff_id=staff.pk)
    return render(
        request,
        "accounts/staff_second_factor.html",
        {"staff": staff, "device": device, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


@school_permission("accounts.manage_users")
def sign_in_settings(request: HttpRequest) -> HttpResponse:
    """The school's sign-in policy: the region's provider, linking by verified e-mail, the
    second factor of the administration."""
    school = request.school
    form = PolicyForm(request.POST or None, instance=services.sign_in_policy(school))
    if request.method == "POST" and form.is_valid():
        services.set_sign_in_policy(school=school, data=form.cleaned_data, actor=Actor.of(request))
        messages.success(request, _("Sign-in settings saved."))
        return redirect("accounts:sign_in_settings")
    return render(
        request,
        "accounts/sign_in_settings.html",
        {"form": form, "regional": linking.is_configured()},
        status=400 if form.is_bound and form.errors else 200,
    )
