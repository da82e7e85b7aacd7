from django.contrib import admin
from django.urls import include, path

from zhurnal.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("zhurnal.accounts.urls")),
    path("", include("zhurnal.school.urls")),
    path("import/", include("zhurnal.imports.urls")),
    path("timetable/", include("zhurnal.timetable.urls")),
    path("plans/", include("zhurnal.planning.urls")),
    path("lessons/", include("zhurnal.planning.lesson_urls")),
    path("calendar/", include("zhurnal.timetable.feed_urls")),
    path("assessments/", include("zhurnal.assessments.urls")),
    path("journal/", include("zhurnal.journal.urls")),
    path("journal/", include("zhurnal.journal.control_urls")),
    path("audit/", include("zhurnal.audit.urls")),
    path("api/v1/", include("zhurnal.api.urls")),
    path("django-admin/", admin.site.urls),
]
