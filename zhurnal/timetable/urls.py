from django.urls import path

from . import views

app_name = "timetable"

urlpatterns = [
    path("", views.index, name="index"),
    path("bells/", views.bells, name="bells"),
    path("bells/new/", views.bells_create, name="bells_create"),
    path("bells/<int:schedule_id>/", views.bells_edit, name="bells_edit"),
    path("grid/", views.grid, name="grid"),
    path("grid/class/<int:class_id>/", views.grid, name="grid_class"),
    path("entries/new/", views.entry_create, name="entry_create"),
    path("entries/<int:entry_id>/", views.entry_edit, name="entry_edit"),
    path("generate/", views.generate, name="generate"),
    path("day/", views.day, name="day"),
    path("substitutions/", views.substitutions, name="substitutions"),
]
