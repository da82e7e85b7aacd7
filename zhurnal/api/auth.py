"""Bearer tokens for mobile apps and integrations (DESIGN §5 "API").

A token is issued for a username and password through ``django.contrib.auth.authenticate``, so
the same rules as the login page apply: django-axes lockout (AXES_FAILURE_LIMIT failures lock
the username from that address), students below the school's login age are refused (seed 002,
3.3.2), and a user holding a one-time password must first set their own on the web. Only the
hash of a token is stored (``ApiToken.key_hash``); "logout everywhere" and new credentials
revoke every token of the user. A user with a second factor gives its code too (issue 17).
"""

from datetime import datetime

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.security import HttpBearer

from zhurnal.accounts import second_factor, services
from zhurnal.accounts.access import own_token_for
from zhurnal.accounts.backends import is_underage_student_only
from zhurnal.accounts.models import ApiToken, hash_token
from zhurnal.audit.actor import Actor, client_address

from .errors import ApiError, ErrorOut

# last_used_at is written at most this often per token, not on every call.
MAX_TOKEN_LENGTH = 200


def invalid_token() -> ApiError:
    return ApiError(401, "invalid_token", _("The token is invalid or has been revoked."))


def password_change_required() -> ApiError:
    return ApiError(
        403,
        "password_change_required",
        _("You have a one-time password. Log in on the website and set your own password first."),
    )


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``: the token's user becomes ``request.user``."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        if not token or len(token) > MAX_TOKEN_LENGTH:
            raise invalid_token()
        api_token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=hash_token(token), revoked_at__isnull=True)
            .first()
        )
        if api_token is None or not api_token.user.is_active:
            raise invalid_token()
        if api_token.user.must_change_password:
            raise password_change_required()
        # Not audited: a usage timestamp, written at most once a minute.
        services.touch_token(api_token, timezone.now())
        request.user = api_token.user
        return api_token


token_auth = TokenAuth()
router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=4096)
    name: str = Field("", max_length=100, description="The device or integration, e.g. 'phone'")
    otp: str = Field(
        "",
        max_length=32,
        description="The second factor, for staff who use one: the code of their code "
        "generator app or one of their recovery codes",
    )


class TokenOut(Schema):
    token: str = Field(description="Send as 'Authorization: Bearer <token>'. Shown only once.")
    token_type: str = "Bearer"
    id: int
    name: str
    created_at: datetime
    user_id: int
    username: str


class TokenInfoOut(Schema):
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    current: bool = Field(description="This is the token of the request.")


def _locked_out() -> ApiError:
    return ApiError(
        settings.AXES_HTTP_RESPONSE_CODE,
        "locked_out",
        _("Too many failed login attempts. Try again later or ask the administrator."),
    )


def _reset_lockout(request: HttpRequest, username: str) -> None:
    """Forget the failures of this username from this address (AXES_RESET_ON_SUCCESS)."""
    if not getattr(settings, "AXES_RESET_ON_SUCCESS", False):
        return
    from axes.helpers import get_client_ip_address
    from axes.utils import reset

    reset(ip=get_client_ip_address(request), username=username)


@router.post(
    "/token",
    auth=None,
    response={200: TokenOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="Issue a token for a username and password",
)
def issue_token(request: HttpRequest, data: TokenIn):
    user = authenticate(request, username=data.username, password=data.password)
    if getattr(request, "axes_locked_out", False):
        # Answer in JSON ourselves; left set, AxesMiddleware would render the HTML lockout page.
        request.axes_locked_out = False
        raise _locked_out()
    if user is None:
        # Same message as the login page for a student below the school's age (seed 002, 3.3.2).
        candidate = get_user_model().objects.filter(username=data.username).first()
        if (
            candidate is not None
            and candidate.is_active
            and candidate.check_password(data.password)
            and is_underage_student_only(candidate)
        ):
            raise ApiError(
                403,
                "student_underage",
                _(
                    "Students get their own access from the age set by the school. "
                    "Your parents can see your diary."
                ),
            )
        raise ApiError(401, "invalid_credentials", _("Wrong username or password."))
    _reset_lockout(request, data.username)
    if user.must_change_password:
        raise password_change_required()
    _check_second_factor(request, user, data.otp)
    api_token, raw = services.issue_token(
        user=user, name=data.name, actor=Actor(user, client_address(request))
    )
    return TokenOut(
        token=raw,
        id=api_token.pk,
        name=api_token.name,
        created_at=api_token.created_at,
        user_id=user.pk,
        username=user.username,
    )


def _check_second_factor(request: HttpRequest, user, code: str) -> None:
    """Issue 17: a token only after the second factor, for a user who has one (wrong codes
    lock as wrong passwords do); one whose school requires it sets it up on the website first."""
    if second_factor.has_second_factor(user):
        if not code:
            raise ApiError(
                401,
                "second_factor_required",
                _("Enter the code of your code generator app (otp)."),
            )
        result = second_factor.check_code(request, user, code)
        if result is second_factor.Check.LOCKED:
            request.axes_locked_out = False  # answered here in JSON, not by axes' page
            raise _locked_out()
        if result is second_factor.Check.WRONG:
            raise ApiError(401, "invalid_second_factor", _("The code is wrong."))
    elif second_factor.required_for(user):
        raise ApiError(
            403,
            "second_factor_setup_required",
            _("Your school requires a second factor: set it up on the website first."),
        )


@router.delete(
    "/token",
    auth=token_auth,
    response={204: None, 401: ErrorOut},
    summary="Revoke the token of this request",
)
def revoke_current_token(request: HttpRequest):
    _revoke(request, request.auth)
    return Status(204, None)


@router.get(
    "/tokens",
    auth=token_auth,
    response={200: list[TokenInfoOut], 401: ErrorOut},
    summary="The user's tokens in use",
)
def list_tokens(request: HttpRequest):
    current = request.auth
    tokens = ApiToken.objects.filter(user=current.user, revoked_at__isnull=True).order_by(
        "-created_at", "-pk"
    )
    return [
        TokenInfoOut(
            id=t.pk,
            name=t.name,
            created_at=t.created_at,
            last_used_at=t.last_used_at,
            current=t.pk == current.pk,
        )
        for t in tokens
    ]


@router.delete(
    "/tokens/{token_id}",
    auth=token_auth,
    response={204: None, 401: ErrorOut, 404: ErrorOut},
    summary="Revoke one of the user's tokens (e.g. of a lost phone)",
)
def revoke_token(request: HttpRequest, token_id: int):
    # Another user's token id is a 404, like any object the user cannot reach.
    api_token = own_token_for(request.auth.user, token_id)
    _revoke(request, api_token)
    return Status(204, None)


def _revoke(request: HttpRequest, api_token: ApiToken) -> None:
    services.revoke_token(api_token=api_token, actor=Actor(api_token.user, client_address(request)))
