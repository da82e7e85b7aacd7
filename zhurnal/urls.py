from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.cache import cache_page
from django.views.i18n import JavaScriptCatalog

from zhurnal.api.api import not_found as api_not_found

urlpatterns = [
    path("", include("zhurnal.home.urls")),
    path("", include("zhurnal.core.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # The texts of our scripts (djangojs catalogue); the same for everyone, cached a day.
    path(
        "jsi18n/",
        cache_page(86400)(JavaScriptCatalog.as_view()),  # the catalogues of LOCALE_PATHS
        name="javascript-catalog",
    ),
    path("accounts/", include("zhurnal.accounts.urls")),
    path("", include("zhurnal.school.urls")),
    path("import/", include("zhurnal.imports.urls")),
    path("timetable/", include("zhurnal.timetable.urls")),
    path("plans/", include("zhurnal.planning.urls")),
    path("lessons/", include("zhurnal.journal.lesson_urls")),
    path("calendar/", include("zhurnal.timetable.feed_urls")),
    path("assessments/", include("zhurnal.assessments.urls")),
    path("journal/", include("zhurnal.journal.urls")),
    path("journal/", include("zhurnal.journal.control_urls")),
    path("diary/", include("zhurnal.diary.urls")),
    path("notifications/", include("zhurnal.notifications.urls")),
    path("audit/", include("zhurnal.audit.urls")),
    path("messages/", include("zhurnal.messaging.urls")),
    path("reports/", include("zhurnal.reports.urls")),
    path("control/", include("zhurnal.oversight.urls")),
    path("archive/", include("zhurnal.archive.urls")),
    path("backups/", include("zhurnal.backups.urls")),
    path("exchange/", include("zhurnal.exchange.urls")),
    path("year-end/", include("zhurnal.yearend.urls")),
    path("api/v1/", include("zhurnal.api.urls")),
    # Every other address under /api/ (another version, a line break in the path) answers
    # the API's JSON 404, not the HTML page (issue 16, finding 3).
    re_path(r"^api/", api_not_found, name="api_not_found"),
    path("django-admin/", admin.site.urls),
]
