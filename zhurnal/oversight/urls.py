"""The control of the journals, mounted at /control/ (issue 12)."""

from django.urls import path

from . import views

app_name = "oversight"
urlpatterns = [
    path("", views.indicators, name="indicators"),
    path("cases/<slug:key>/", views.indicator_cases, name="cases"),
    path("remarks/", views.remark_list, name="remarks"),
    path("remarks/new/", views.remark_new, name="remark_new"),
    path("remarks/<int:remark_id>/", views.remark_detail, name="remark"),
    path("journals/<int:course_id>/remarks/", views.journal_remarks, name="journal_remarks"),
    path("check-report/", views.check_report, name="check_report"),
    path("lagging/", views.lagging_page, name="lagging"),
    path("students/<int:student_id>/support/", views.support, name="support"),
    path("settings/", views.settings_page, name="settings"),
]
