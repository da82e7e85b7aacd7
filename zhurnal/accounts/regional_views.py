"""Sign-in through the region's identity provider (issue 17): the start (to the provider, with
PKCE), the callback (mozilla-django-oidc's, with our backend ``oidc.RegionalBackend``) and the
linking of a new regional account by the code from the credentials slip."""

from __future__ import annotations

import logging

import requests
from django import forms
from django.contrib import auth, messages
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from zhurnal.audit.actor import Actor

from . import linking, lockout
from .oidc import ProviderError, oidc_setting

logger = logging.getLogger(__name__)
BACKEND = "zhurnal.accounts.oidc.RegionalBackend"


def _failed(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    return render(request, "accounts/regional_failed.html", {"message": message}, status=status)


def _provider_failed(request: HttpRequest) -> HttpResponse:
    return _failed(
        request,
        _(
            "The sign-in through the region's portal could not be completed. Try again, or "
            "log in with your Zhurnal login and password."
        ),
    )


def _sign_in(request: HttpRequest, user, row) -> HttpResponse:
    """The rules of a login, then the session (the second factor follows, for staff who have
    one: ``second_factor.on_sign_in``)."""
    if reason := linking.refusal(request, user):
        return _failed(request, reason, status=403)
    linking.forget_pending(request)
    auth.login(request, user, backend=BACKEND)
    request.session[linking.SIGNED_IN_KEY] = True
    linking.signed_in(row=row, actor=Actor.of(request))
    return redirect(request.session.pop("oidc_login_next", None) or "home")


class RegionalStartView(OIDCAuthenticationRequestView):
    """To the provider's authorization endpoint: code flow, PKCE (S256), state and nonce."""

    get_settings = staticmethod(oidc_setting)

    def dispatch(self, request, *args, **kwargs):
        if not linking.is_configured():
            raise Http404
        try:
            self.OIDC_OP_AUTH_ENDPOINT = oidc_setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
            self.OIDC_RP_CLIENT_ID = oidc_setting("OIDC_RP_CLIENT_ID")
        except ProviderError as exc:
            logger.warning("Regional sign-in: %s", exc)
            return _provider_failed(request)
        return super().dispatch(request, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        # The endpoint is read in ``dispatch``, where a failure can be answered.
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)


class RegionalCallbackView(OIDCAuthenticationCallbackView):
    """The provider's answer: the ID token verified (``oidc.RegionalBackend``), then the
    linked login signed in under the rules of a login, or the linking page for a new
    regional account."""

    get_settings = staticmethod(oidc_setting)

    def get(self, request):
        if not linking.is_configured():
            raise Http404
        linking.forget_pending(request)
        try:
            return super().get(request)
        except (SuspiciousOperation, ProviderError, requests.RequestException) as exc:
            logger.warning("Regional sign-in refused: %s", exc)
            return _provider_failed(request)

    def login_success(self):
        user, row = linking.linked_user(self.request.zhurnal_identity)
        if row is None:  # found by its verified e-mail where the school allows it
            if reason := linking.refusal(self.request, user):
                return _failed(self.request, reason, status=403)
            row = linking.link(
                user=user, identity=self.request.zhurnal_identity, actor=Actor.of(self.request)
            )
        return _sign_in(self.request, user, row)

    def login_failure(self):
        user = getattr(self, "user", None)
        if user is not None and not user.is_active:
            return _failed(self.request, linking.refusal(self.request, user), status=403)
        if linking.pending(self.request) is not None:
            return redirect("accounts:regional_link")
        return _provider_failed(self.request)


class LinkForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("linking code"),
        max_length=40,
        help_text=gettext_lazy("from the slip with your login, e.g. abcd-efgh-jkmn"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )


@require_http_methods(["GET", "POST"])
def regional_link(request: HttpRequest) -> HttpResponse:
    """A regional account not linked yet: the code from the credentials slip links it to the
    login it was issued with, once. Wrong codes lock as wrong passwords do."""
    identity = linking.pending(request)
    if identity is None:
        messages.error(request, _("Sign in through the region's portal again."))
        return redirect("accounts:login")
    form = LinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if lockout.is_locked(request, identity.lock_key):
            return render(request, "accounts/locked_out.html", status=429)
        code = linking.valid_code(form.cleaned_data["code"])
        if code is None:
            if lockout.record_failure(request, identity.lock_key):
                return render(request, "accounts/locked_out.html", status=429)
            form.add_error(
                "code",
                _(
                    "This code is wrong, used or expired. Check it on the slip, or ask the "
                    "class teacher for a new one."
                ),
            )
        elif reason := linking.refusal(request, code.user):
            return _failed(request, reason, status=403)
        else:
            lockout.forget_failures(request, identity.lock_key)
            row = linking.link(
                user=code.user, identity=identity, actor=Actor.of(request), code=code
            )
            messages.success(request, _("Your regional account is linked to your login."))
            return _sign_in(request, code.user, row)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "accounts/regional_link.html", {"form": form}, status=status)
