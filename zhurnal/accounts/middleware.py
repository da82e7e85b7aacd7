"""Per-request account context: the current school and the forced password change."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from . import linking, second_factor
from .memberships import memberships_of

SESSION_SCHOOL_KEY = "zhurnal_school_id"
SKIPPED_PREFIXES = ("/static/", "/api/", "/healthz")


def user_schools(user) -> list:
    """Schools where the user holds any role, in name order (``memberships_of``: no query
    of its own)."""
    if not user.is_authenticated:
        return []
    return [entry.school for entry in memberships_of(user).values()]


class CurrentSchoolMiddleware:
    """Sets ``request.schools`` (all of the user's schools, one query) and ``request.school``
    (the one chosen in the switcher, else the first), and activates the school's time zone so
    that ``timezone.localdate()`` is the school's today. The API resolves schools per call."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.schools = []
        request.school = None
        if request.user.is_authenticated and not request.path.startswith(SKIPPED_PREFIXES):
            request.schools = user_schools(request.user)
            chosen = request.session.get(SESSION_SCHOOL_KEY)
            request.school = next(
                (s for s in request.schools if s.pk == chosen),
                request.schools[0] if request.schools else None,
            )
        # Pages show times and compute "today" in the school's own time zone (DESIGN §5).
        if request.school is not None:
            timezone.activate(ZoneInfo(request.school.timezone))
        else:
            timezone.deactivate()
        return self.get_response(request)


class SessionKeepAliveMiddleware:
    """Renews the session of an active user at most every ``KEEPALIVE_SECONDS``: the session
    ends after ``SESSION_COOKIE_AGE`` of inactivity (8 hours by default) without a database
    write on every request."""

    KEY = "zhurnal_touched"
    KEEPALIVE_SECONDS = 300

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and session.session_key and request.user.is_authenticated:
            now = int(timezone.now().timestamp())
            if now - session.get(self.KEY, 0) >= self.KEEPALIVE_SECONDS:
                session[self.KEY] = now  # modifies the session: saved with a fresh expiry
        return self.get_response(request)


def mark_session_fresh(sender, request, user, **kwargs) -> None:
    """A login writes the session anyway: count it as the latest renewal (``user_logged_in``
    receiver, connected in ``AccountsConfig.ready``)."""
    if request is not None and hasattr(request, "session"):
        request.session[SessionKeepAliveMiddleware.KEY] = int(timezone.now().timestamp())


class SecondFactorMiddleware:
    """A session waiting for its second factor (``second_factor.PENDING_KEY``, set at sign-in)
    reaches only the code's page — or the set-up, where the school's policy requires one — and
    the logout. No query: the session is read anyway."""

    pages = {
        second_factor.VERIFY: "accounts:second_factor_verify",
        second_factor.ENROL: "accounts:second_factor",
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and not request.path.startswith(SKIPPED_PREFIXES):
            waiting = second_factor.pending(request)
            if waiting in self.pages:
                page = reverse(self.pages[waiting])
                if request.path not in {page, reverse("accounts:logout")}:
                    if request.headers.get("HX-Request"):
                        return HttpResponse(status=204)  # a fragment of a page: nothing
                    return redirect(page)
        return self.get_response(request)


class ForcePasswordChangeMiddleware:
    """A user with a one-time password must set their own before anything else — after a
    password login: a sign-in through the region's provider never used it."""

    allowed_url_names = ("accounts:password_change", "accounts:logout")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.must_change_password
            and not request.path.startswith(SKIPPED_PREFIXES)
            and not request.session.get(linking.SIGNED_IN_KEY)
            and request.path not in {reverse(n) for n in self.allowed_url_names}
        ):
            return redirect("accounts:password_change")
        return self.get_response(request)
