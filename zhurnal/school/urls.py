from django.urls import path

from .specs import STRUCTURE_SPECS
from .views import classes, settings, staff, students
from .views.reference import urls_for

app_name = "school"

urlpatterns = [
    path("school/settings/", settings.school_settings, name="settings"),
    path("school/structure/", settings.structure_index, name="structure"),
    *[p for spec in STRUCTURE_SPECS for p in urls_for(spec)],
    path("classes/<int:class_id>/", classes.class_detail, name="class_detail"),
    path("groups/<int:group_id>/members/", classes.group_members, name="group_members"),
    path("students/", students.register, name="students"),
    path("students/new/", students.admit, name="student_admit"),
    path("students/<int:student_id>/", students.card, name="student_card"),
    path("students/<int:student_id>/edit/", students.edit, name="student_edit"),
    path("students/<int:student_id>/export/", students.export, name="student_export"),
    path("students/<int:student_id>/transfer/", students.transfer, name="student_transfer"),
    path("students/<int:student_id>/depart/", students.depart, name="student_depart"),
    path("students/<int:student_id>/guardians/new/", students.guardian_add, name="guardian_add"),
    path(
        "students/<int:student_id>/guardians/<int:guardian_id>/",
        students.guardian_edit,
        name="guardian_edit",
    ),
    path(
        "students/<int:student_id>/guardians/<int:guardian_id>/consent/",
        students.guardian_consent,
        name="guardian_consent",
    ),
    path("staff/", staff.staff_list, name="staff"),
    path("staff/new/", staff.staff_edit, name="staff_create"),
    path("staff/<int:staff_id>/", staff.staff_card, name="staff_card"),
    path("staff/<int:staff_id>/edit/", staff.staff_edit, name="staff_edit"),
    path("staff/<int:staff_id>/positions/", staff.staff_position_add, name="staff_position_add"),
    path("staff/<int:staff_id>/consent/", staff.staff_consent, name="staff_consent"),
]
