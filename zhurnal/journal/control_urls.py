"""Journal control and settings pages (issue 4), mounted at /journal/ next to the journal."""

from django.urls import path

from .views import absence_sheet
from .views import control as views

app_name = "journal_control"
urlpatterns = [
    path("absences/<int:class_id>/", views.absences, name="absences"),
    path("absences/<int:class_id>/sheet/", absence_sheet.sheet, name="absence_sheet"),
    path("absences/<int:class_id>/week/", absence_sheet.week, name="absence_week"),
    path("control/unlocks/", views.unlocks, name="unlocks"),
    path("control/changes/", views.changes, name="changes"),
    path("control/debts/", views.debts, name="debts"),
    path("settings/", views.settings_page, name="settings"),
]
