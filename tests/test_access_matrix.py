"""Every role × every page: allowed and denied (DESIGN §4, issue: "A test walks the whole matrix").

Each named URL of the site must appear in MATRIX; a new page without a row fails
``test_every_page_is_in_the_matrix``. The API has its own matrix in test_api.py.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from .personas import PERSONAS, build_world

STAFF = {"admin", "director", "deputy", "teacher", "class_teacher", "secretary", "hr"}
EVERYONE = set(PERSONAS)
ADMINISTRATION = {"admin", "director", "deputy"}

# url name -> (kwargs keys, personas allowed). Objects are of the world's school; the outsider
# (admin of another school) gets 404 for them, and is treated as an admin of their own school
# on school-wide pages.
MATRIX: dict[str, tuple[tuple[str, ...], set[str]]] = {
    "home": ((), EVERYONE),
    "accounts:password_change": ((), EVERYONE),
    # The user guides: every signed-in user (a guide's page: tests/test_guides.py).
    "help": ((), EVERYONE),
    "school:settings": ((), {"admin", "outsider"}),
    "school:structure": ((), STAFF | {"outsider"}),
    "school:class_detail": (("class_id",), ADMINISTRATION | {"secretary", "class_teacher"}),
    "school:group_members": (("group_id",), {"admin", "deputy"}),
    "school:students": ((), ADMINISTRATION | {"secretary", "outsider"}),
    "school:student_admit": ((), {"admin", "secretary", "outsider"}),
    "school:student_card": (("student_id",), ADMINISTRATION | {"secretary", "class_teacher"}),
    "school:student_edit": (("student_id",), {"admin", "secretary", "class_teacher"}),
    "school:student_export": (("student_id",), ADMINISTRATION | {"secretary", "class_teacher"}),
    "school:student_transfer": (("student_id",), {"admin", "secretary"}),
    "school:student_depart": (("student_id",), {"admin", "secretary"}),
    "school:guardian_add": (("student_id",), {"admin", "secretary", "class_teacher"}),
    "school:guardian_edit": (
        ("student_id", "guardian_id"),
        {"admin", "secretary", "class_teacher"},
    ),
    "school:guardian_consent": (
        ("student_id", "guardian_id"),
        {"admin", "secretary", "class_teacher"},
    ),
    "school:staff": ((), STAFF | {"outsider"}),
    "school:staff_create": ((), {"admin", "hr", "outsider"}),
    "school:staff_card": (("staff_id",), {"admin", "director", "hr"}),
    "school:staff_edit": (("staff_id",), {"admin", "hr"}),
    "school:staff_position_add": (("staff_id",), {"admin", "hr"}),
    "school:staff_consent": (("staff_id",), {"admin", "hr"}),
    "accounts:staff_roles": (("staff_id",), {"admin"}),
    "accounts:credentials_class": (("class_id",), {"admin", "class_teacher"}),
    # Sign-in and security (issue 17): everyone's own page; the second factor for staff; the
    # administrator resets a staff member's and sets the school's sign-in policy.
    "accounts:security": ((), EVERYONE),
    "accounts:second_factor": ((), STAFF | {"outsider"}),
    "accounts:staff_second_factor": (("staff_id",), {"admin"}),
    "accounts:sign_in_settings": ((), {"admin", "outsider"}),
    "audit:trail": ((), {"admin", "director", "outsider"}),
    # Reports (issue 12): the school's figures for the administration, a class's for its class
    # teacher too, a teacher's report for the teacher themself.
    "reports:index": ((), ADMINISTRATION | {"teacher", "class_teacher", "outsider"}),
    "reports:results": ((), ADMINISTRATION | {"outsider"}),
    "reports:lists": ((), ADMINISTRATION | {"outsider"}),
    "reports:attendance": ((), ADMINISTRATION | {"outsider"}),
    "reports:class_report": (("class_id",), ADMINISTRATION | {"class_teacher"}),
    "reports:class_summary": (("class_id",), ADMINISTRATION | {"class_teacher"}),
    "reports:class_attendance": (("class_id",), ADMINISTRATION | {"class_teacher"}),
    "reports:teacher_report": (("staff_id",), ADMINISTRATION | {"teacher"}),
    # The control of the journals (issue 12): the indicators and remarks of the whole school
    # for the administration, a teacher's own; the справка for the deputies and the director;
    # a student's support log for the staff around them and the family.
    "oversight:indicators": ((), ADMINISTRATION | {"teacher", "class_teacher", "outsider"}),
    "oversight:cases": (("key",), ADMINISTRATION | {"teacher", "class_teacher", "outsider"}),
    "oversight:remarks": ((), ADMINISTRATION | {"teacher", "class_teacher", "outsider"}),
    # The open remarks of a journal, for its page: who reads the journal's control.
    "oversight:journal_remarks": (("course_id",), ADMINISTRATION | {"teacher"}),
    "oversight:check_report": ((), {"deputy", "director"}),
    "oversight:lagging": ((), ADMINISTRATION | {"outsider"}),
    "oversight:support": (("student_id",), ADMINISTRATION | {"class_teacher", "parent"}),
    "oversight:settings": ((), {"admin", "deputy", "outsider"}),
    # The printed journals and the archive (issue 13): the deputies print, the director signs;
    # a class's summary sheet and report cards are PDFs made on the request.
    "archive:index": ((), {"deputy", "director"}),
    "archive:summary": (("class_id",), {"deputy", "director"}),
    "archive:report_cards": (("class_id",), {"deputy", "director"}),
    # The year end (issue 13): the checklist for the deputies, the secretary and the director;
    # the next year and the promotion for the secretary and the director (closing and reopening
    # are POST-only: tests/test_yearend_closing.py).
    "yearend:index": ((), {"director", "deputy", "secretary"}),
    "yearend:class_checklist": (("class_id",), {"director", "deputy", "secretary"}),
    "yearend:next_year": ((), {"director", "secretary"}),
    "yearend:promote": (("class_id",), {"director", "secretary"}),
    # The deputy imports the timetable; a plan's import (?kind=plan&plan=) is in
    # tests/test_imports_plan.py.
    "imports:index": ((), {"admin", "deputy", "secretary", "hr", "outsider"}),
    "imports:upload": ((), {"admin", "deputy", "secretary", "hr", "outsider"}),
    "imports:template": (("kind", "fmt"), {"admin", "secretary", "outsider"}),
    # --- timetable: bell schedules, weekly grid, generation, single-day changes
    "timetable:index": ((), STAFF | {"outsider"}),
    "timetable:bells": ((), STAFF | {"outsider"}),
    "timetable:bells_create": ((), {"admin", "deputy", "outsider"}),
    "timetable:bells_edit": (("schedule_id",), {"admin", "deputy"}),
    "timetable:grid": ((), STAFF | {"outsider"}),
    "timetable:grid_class": (("class_id",), STAFF),
    "timetable:entry_create": ((), {"admin", "deputy", "outsider"}),
    "timetable:entry_edit": (("entry_id",), {"admin", "deputy"}),
    "timetable:generate": ((), {"admin", "deputy", "outsider"}),
    "timetable:day": ((), STAFF | {"outsider"}),
    "timetable:substitutions": ((), STAFF | {"outsider"}),
    # --- lessons and thematic plans (КТП), programme fulfilment
    "planning:list": ((), STAFF | {"outsider"}),
    "planning:create": ((), {"admin", "deputy", "teacher", "class_teacher", "outsider"}),
    "planning:detail": (("plan_id",), STAFF),
    "planning:edit": (("plan_id",), {"admin", "deputy", "teacher"}),
    "planning:items": (("plan_id",), {"admin", "deputy", "teacher"}),
    "planning:copy": (("plan_id",), {"admin", "deputy", "teacher", "class_teacher"}),
    "planning:course_plan": (("course_id",), {"admin", "deputy", "teacher"}),
    "lessons:lesson": (("lesson_id",), ADMINISTRATION | {"teacher"}),
    "lessons:course": (("course_id",), ADMINISTRATION | {"teacher"}),
    "lessons:fulfilment": (("course_id",), ADMINISTRATION | {"teacher"}),
    "lessons:overview": ((), ADMINISTRATION | {"outsider"}),
    # --- assessment schedule
    # Staff and families; a class page for the families of that class only (the parent's child is
    # in 5А, the student persona in 6Б).
    "assessments:index": ((), EVERYONE - {"nobody"}),
    "assessments:xlsx": ((), EVERYONE - {"nobody"}),
    "assessments:class": (("class_id",), STAFF | {"parent"}),
    # --- calendar feeds and the teacher's day
    "feeds:index": ((), STAFF | {"outsider"}),
    "feeds:class": (("class_id",), {"admin", "deputy", "class_teacher"}),
    # --- class journal: the grid, the lesson pane, period marks
    "journal:index": ((), ADMINISTRATION | {"teacher", "class_teacher", "outsider"}),
    "journal:course": (("course_id",), ADMINISTRATION | {"teacher"}),
    "journal:lesson": (("lesson_id",), ADMINISTRATION | {"teacher"}),
    "journal:lesson_pane": (("lesson_id",), ADMINISTRATION | {"teacher"}),
    # --- journal control and settings: absence register, unlocks, changes, debts, work types
    # The class teacher keeps the register of their class, the administration reads it; the
    # deputy grants unlocks (the administration reads them); settings: admin and deputy.
    "journal_control:absences": (("class_id",), ADMINISTRATION | {"class_teacher"}),
    "journal_control:absence_sheet": (("class_id",), ADMINISTRATION | {"class_teacher"}),
    "journal_control:absence_week": (("class_id",), ADMINISTRATION | {"class_teacher"}),
    "journal_control:unlocks": ((), ADMINISTRATION | {"outsider"}),
    "journal_control:changes": ((), ADMINISTRATION | {"outsider"}),
    "journal_control:debts": ((), ADMINISTRATION | {"outsider"}),
    "journal_control:settings": ((), {"admin", "deputy", "outsider"}),
    # --- diary
    # A student's diary (the parent's child in 5А): their guardian, the class teacher of 5А and
    # the administration; the student persona (another family) gets 404, see FAMILY_NOT_FOUND.
    "diary:week": (("student_id",), ADMINISTRATION | {"parent", "class_teacher"}),
    "diary:marks": (("student_id",), ADMINISTRATION | {"parent", "class_teacher"}),
    "diary:attendance": (("student_id",), ADMINISTRATION | {"parent", "class_teacher"}),
    "diary:homework": (("student_id",), ADMINISTRATION | {"parent", "class_teacher"}),
    # The child's secret calendar address: the family only (the student of age for themself);
    # staff who read the diary get 403, another family 404.
    "diary:calendar": (("student_id",), {"parent"}),
    "diary:acknowledgements": (("class_id",), ADMINISTRATION | {"class_teacher"}),
    # The fortnightly progress report of 5А (preview and the PDF for printing): its class teacher
    # and the administration; sending by e-mail (POST) in tests/test_progress_report.py.
    "diary:progress_report": (("class_id",), ADMINISTRATION | {"class_teacher"}),
    "diary:progress_report_pdf": (("class_id",), ADMINISTRATION | {"class_teacher"}),
    # --- messaging and announcements
    # Anyone with a role in the school has an inbox and announcements; staff who lead or teach
    # a class (and the administration) publish announcements.
    "messaging:inbox": ((), EVERYONE - {"nobody"}),
    "messaging:new": ((), EVERYONE - {"nobody"}),
    "messaging:unread_badge": ((), EVERYONE - {"nobody"}),
    # --- notifications
    "notifications:index": ((), EVERYONE - {"nobody"}),
    "notifications:unread_badge": ((), EVERYONE - {"nobody"}),
    "notifications:preferences": ((), EVERYONE - {"nobody"}),
    "notifications:deliveries": ((), {"admin", "outsider"}),
    # --- backups of the server (issue 13): the administrator's page
    "backups:index": ((), {"admin", "outsider"}),
    # --- data exchange (issue 17): the director's OneRoster export, the admin's regional upload
    "exchange:oneroster": ((), {"director"}),
    "exchange:download": ((), {"director"}),
    "exchange:uploads": ((), {"admin", "outsider"}),
    "messaging:announcements": ((), EVERYONE - {"nobody"}),
    "messaging:announce": ((), ADMINISTRATION | {"teacher", "class_teacher", "outsider"}),
}
# Reference data pages (CrudSpec): anyone on the staff reads, admin and deputy change.
for _slug in (
    "years",
    "terms",
    "holidays",
    "grade-levels",
    "classes",
    "groups",
    "subjects",
    "curriculum",
    "courses",
):
    MATRIX[f"school:{_slug}_list"] = ((), STAFF | {"outsider"})
    MATRIX[f"school:{_slug}_create"] = ((), {"admin", "deputy", "outsider"})

# Pages answered the same to everyone (public) or only to POST (tested in their own modules).
NOT_IN_MATRIX = {
    "healthz",
    "accounts:login",
    "accounts:logout",
    "accounts:logout_everywhere",
    "accounts:switch_school",
    # The sign-in through the region's provider, the code after the password and the POST-only
    # writes of one's own sign-in: tests/test_regional_sign_in.py, tests/test_second_factor.py.
    "accounts:regional_start",
    "accounts:oidc_callback",
    "accounts:regional_link",
    "accounts:second_factor_verify",
    "accounts:second_factor_off",
    "accounts:recovery_codes",
    "accounts:identity_unlink",
    "set_language",
    "javascript-catalog",
    "help_guide",
    # Any other address under /api/: the API's JSON 404 (tests/test_api_openapi.py).
    "api_not_found",
    # An import batch is reachable only by the user who uploaded it: tests/test_imports.py.
    "imports:batch",
    "imports:commit",
    # The .ics feed is public by design (calendar apps cannot log in): a secret token, 404
    # otherwise; tests/test_ical.py.
    "feeds:ics",
    # POST-only writes of the journal, each with its allowed and denied side in
    # tests/test_journal_pages.py ("everyone present": tests/test_roll_call.py).
    "journal:cell",
    "journal:add_column",
    "journal:homework",
    "journal:note",
    "journal:roll_call",
    "journal:attachment",
    # A term copy, a printed journal and an archive package need one made, and printing a
    # journal and building a package are POST-only: their allowed and denied sides are in
    # tests/test_archive.py.
    "archive:journal",
    "archive:printed",
    "archive:term_copy",
    "archive:build",
    "archive:package",
    # POST-only: the administrator sends a failed e-mail again (tests/test_notifications.py).
    "notifications:resend",
    # POST-only: the administrator queues a backup now (tests/test_backups.py, every role).
    "backups:run",
    # POST-only: the director's consent to share demographics and the administrator's «Upload
    # now», each role's side in tests/test_exchange.py.
    "exchange:consent",
    "exchange:run_upload",
    # The diary's entry page redirects a student to their own diary, and a homework
    # attachment needs an attachment id: both in tests/test_diary.py.
    "diary:index",
    "diary:attachment",
    # POST-only: a guardian's one-tap «Ознакомлен» from the home page, every side (a forged
    # child id, a student, staff, another school, CSRF) in tests/test_home_family.py.
    "diary:acknowledge",
    # A conversation and its attachments: its participants only, 404 for anyone else;
    # tests/test_messaging.py.
    "messaging:thread",
    "messaging:attachment",
    # A file of an announcement: whoever may read the announcement (its audience and staff),
    # 404 for anyone else; tests/test_messaging.py.
    "messaging:announcement_attachment",
    # A remark needs a remark, and a new one a journal (?course=): their allowed and denied
    # sides are in tests/test_oversight_remarks.py.
    "oversight:remark",
    "oversight:remark_new",
    # POST-only: closing and reopening a year, each role's side in tests/test_yearend_closing.py.
    "yearend:close",
    "yearend:reopen",
}
# Pages where a parent or a student asking for another family's child gets 404, not 403: the
# child's existence is not told (tests/test_diary.py).
FAMILY_NOT_FOUND = {
    "diary:week",
    "diary:marks",
    "diary:attendance",
    "diary:homework",
    "diary:calendar",
    "oversight:support",
}
CRUD_OBJECT_ROUTES = ("_edit", "_delete")
# URL parts that name no object of a school (an outsider gets their own school's page).
NOT_OBJECTS = {"kind", "fmt", "key"}
PERSON_CREDENTIALS = "accounts:credentials_person"


def _all_url_names(resolver=None, namespace="") -> set[str]:
    resolver = resolver or get_resolver()
    names: set[str] = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin" or pattern.namespace in {"admin", "api"}:
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _all_url_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_page_is_in_the_matrix():
    known = set(MATRIX) | NOT_IN_MATRIX | {PERSON_CREDENTIALS}
    missing = {
        name
        for name in _all_url_names()
        if name not in known and not name.endswith(CRUD_OBJECT_ROUTES)
    }
    assert not missing, f"pages without an access rule in the matrix: {sorted(missing)}"


@pytest.fixture
def world(db):
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))):
        yield build_world()


def _expected(persona: str, allowed: set[str], has_object: bool) -> int:
    if persona in allowed:
        return 200
    if persona == "outsider" and has_object:
        return 404
    return 403


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_page_access_for_every_role(client, world, name):
    keys, allowed = MATRIX[name]
    ids = world.obj_ids()
    url = reverse(name, kwargs={k: ids[k] for k in keys})
    results = {}
    for persona in PERSONAS:
        client.force_login(world.users[persona])
        results[persona] = client.get(url).status_code
    has_object = bool(set(keys) - NOT_OBJECTS)
    expected = {p: _expected(p, allowed, has_object) for p in PERSONAS}
    if name in FAMILY_NOT_FOUND:
        expected.update({p: 404 for p in ("parent", "student") if p not in allowed})
    assert results == expected


@pytest.mark.parametrize("slug", ["years", "grade-levels", "classes", "groups", "subjects"])
@pytest.mark.parametrize("action", ["edit", "delete"])
def test_reference_record_changes_only_for_admin_and_deputy(client, world, slug, action):
    obj = {
        "years": world.year,
        "grade-levels": world.class_5a.grade_level,
        "classes": world.class_5a,
        "groups": world.group,
        "subjects": world.course.subject,
    }[slug]
    url = reverse(f"school:{slug}_{action}", kwargs={"pk": obj.pk})
    for persona in PERSONAS:
        client.force_login(world.users[persona])
        status = client.get(url).status_code
        expected = _expected(persona, {"admin", "deputy"}, has_object=True)
        assert status == expected, persona


@pytest.mark.parametrize(
    ("kind", "allowed"),
    [
        ("student", {"admin", "class_teacher"}),
        ("guardian", {"admin", "class_teacher"}),
        ("staff", {"admin"}),
    ],
)
def test_single_person_credentials(client, world, kind, allowed):
    person = {"student": world.student, "guardian": world.guardian, "staff": world.teacher_staff}[
        kind
    ]
    url = reverse(PERSON_CREDENTIALS, kwargs={"kind": kind, "person_id": person.pk})
    for persona in PERSONAS:
        client.force_login(world.users[persona])
        assert client.get(url).status_code == _expected(persona, allowed, True), persona


def test_anonymous_visitors_are_sent_to_login(client, world):
    ids = world.obj_ids()
    for name, (keys, _allowed) in MATRIX.items():
        response = client.get(reverse(name, kwargs={k: ids[k] for k in keys}))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("accounts:login")), name


def test_a_forged_id_from_another_school_is_not_found(client, world):
    """The admin of school A cannot reach school B's student by changing the id in the URL."""
    from .factories import StudentFactory

    foreign = StudentFactory(school=world.other_school)
    client.force_login(world.users["admin"])
    url = reverse("school:student_card", kwargs={"student_id": foreign.pk})
    assert client.get(url).status_code == 404
