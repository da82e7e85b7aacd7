"""Login, logout (here and everywhere), the forced password change and the school switcher."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhurnal.audit.actor import Actor

from . import linking, services
from .forms import LoginForm
from .middleware import SESSION_SCHOOL_KEY


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        """The button of the region's provider where the server has one (issue 17)."""
        return {
            **super().get_context_data(**kwargs),
            "regional_sign_in": linking.is_configured(),
            "regional_name": settings.ZHURNAL_OIDC_PROVIDER_NAME,
        }


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Also the forced change after a one-time password (must_change_password)."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_changed(form.user)
        messages.success(self.request, _("Your password has been changed."))
        return response


@login_required
@require_POST
def logout_everywhere(request: HttpRequest) -> HttpResponse:
    """End every session of the user (other devices included) and revoke their API tokens."""
    user = request.user
    services.log_out_everywhere(user=user, actor=Actor.of(request))
    update_session_auth_hash(request, user)
    messages.success(request, _("All your other sessions and API tokens have been ended."))
    return redirect("home")


@login_required
@require_POST
def switch_school(request: HttpRequest) -> HttpResponse:
    """Choose the current school among those where the user holds a role."""
    try:
        school_id = int(request.POST.get("school", ""))
    except ValueError:
        school_id = None
    if any(s.pk == school_id for s in request.schools):
        request.session[SESSION_SCHOOL_KEY] = school_id
    else:
        messages.error(request, _("You have no role in that school."))
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return HttpResponseRedirect(target)
