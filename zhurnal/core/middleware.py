"""The interface language: Russian unless the user chose another one."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class SchoolLanguageMiddleware(LocaleMiddleware):
    """Like Django's LocaleMiddleware, but the browser's Accept-Language is not consulted.

    Schools order a Russian interface (DESIGN §5: "The UI speaks Russian by default"); a school
    computer with an English browser must still show it in Russian. English is there for whoever
    picks it with the language switch (stored in the language cookie).
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


# Browser features no page of Zhurnal uses, denied to it and to anything it embeds (issue 16,
# finding 8): a script injected despite the CSP still cannot reach the camera or the position.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)
API_PREFIX = "/api/"
# The API's answers that are the same for everybody and carry no personal data.
API_PUBLIC_PATHS = frozenset({"/api/v1/openapi.json"})


class SecurityHeadersMiddleware:
    """Headers of every answer (issue 16, finding 8).

    * ``Permissions-Policy`` denies the browser features above on every page.
    * ``Cache-Control: no-store`` on every API answer but the OpenAPI document: the API answers
      a bearer token's user with marks, attendance, messages and personal cards (152-FZ: no
      copy left in a shared proxy's or a phone's cache), and an answer of the same URL differs
      by user, so none is safe to keep. Whole-prefix rather than per-endpoint, so that a new
      endpoint cannot forget it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if request.path.startswith(API_PREFIX) and request.path not in API_PUBLIC_PATHS:
            response["Cache-Control"] = "private, no-store"
        return response
