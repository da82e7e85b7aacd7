"""The user guides (docs/user-guide/*.md) served by the application, and the guide section of
each page (issue 15: "a help link on every page to its guide section, the guides served by the
application, no external site").

The Markdown is rendered on the server by markdown-it-py (CommonMark, raw HTML off: a ``<tag>``
in a guide is shown as text) and the result is cleaned by nh3 all the same. Headings get the
anchors GitHub gives them, so that the guides' own links (``journal.md#the-grid``) and the
page → section table below work in the repository and in the application alike. A link to
another guide points to its page in the application; a link to a document that is not a user
guide (``../operations.md``: the server's operator's notes) is kept as its text only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import nh3
from django.conf import settings
from django.urls import reverse
from markdown_it import MarkdownIt
from markdown_it.token import Token

INDEX = "README"
_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
_GUIDE_LINK = re.compile(r"^(?P<name>[A-Za-z0-9-]+)\.md(?P<anchor>#.*)?$")

# The guide section of each page, by the page's URL name: (guide, anchor); anchor "" is the
# guide's top. tests/test_guides.py checks that every page has one and that the section exists.
SECTIONS: dict[str, tuple[str, str]] = {
    "home": (INDEX, "common-to-everyone"),
    "accounts:password_change": (INDEX, "logging-in"),
    "accounts:credentials_class": (
        "teacher-and-class-teacher",
        "issue-logins-to-parents-and-students",
    ),
    "accounts:credentials_person": ("admin", "issue-logins"),
    "accounts:staff_roles": ("admin", "give-a-colleague-a-role"),
    # Signing in (issue 17): the region's portal, the second factor of staff.
    "accounts:regional_link": (
        "parent-and-student",
        "sign-in-through-the-regions-portal-госуслуги",
    ),
    "accounts:security": (INDEX, "the-second-factor-for-staff"),
    "accounts:second_factor": (INDEX, "the-second-factor-for-staff"),
    "accounts:second_factor_verify": (INDEX, "the-second-factor-for-staff"),
    "accounts:recovery_codes": (INDEX, "the-second-factor-for-staff"),
    "accounts:sign_in_settings": ("admin", "sign-in-the-regions-portal-and-the-second-factor"),
    "accounts:staff_second_factor": ("admin", "a-lost-phone-reset-a-colleagues-second-factor"),
    # The class teacher's daily absence sheet and its week.
    "journal_control:absence_sheet": (
        "teacher-and-class-teacher",
        "who-is-absent-today-and-the-daily-absence-sheet",
    ),
    "journal_control:absence_week": (
        "teacher-and-class-teacher",
        "who-is-absent-today-and-the-daily-absence-sheet",
    ),
    # The school's structure and reference data (the administrator and the deputy keep them).
    "school:settings": ("admin", "school-settings"),
    "school:structure": ("admin", "set-up-a-new-school-year"),
    "school:years_list": ("admin", "set-up-a-new-school-year"),
    "school:years_create": ("admin", "set-up-a-new-school-year"),
    "school:years_edit": ("admin", "set-up-a-new-school-year"),
    "school:terms_list": ("admin", "set-up-a-new-school-year"),
    "school:terms_create": ("admin", "set-up-a-new-school-year"),
    "school:terms_edit": ("admin", "set-up-a-new-school-year"),
    "school:holidays_list": ("admin", "set-up-a-new-school-year"),
    "school:holidays_create": ("admin", "set-up-a-new-school-year"),
    "school:holidays_edit": ("admin", "set-up-a-new-school-year"),
    "school:grade-levels_list": ("admin", "set-up-a-new-school-year"),
    "school:grade-levels_create": ("admin", "set-up-a-new-school-year"),
    "school:grade-levels_edit": ("admin", "set-up-a-new-school-year"),
    "school:classes_list": ("admin", "add-a-class-and-its-class-teacher"),
    "school:classes_create": ("admin", "add-a-class-and-its-class-teacher"),
    "school:classes_edit": ("admin", "add-a-class-and-its-class-teacher"),
    "school:groups_list": ("admin", "split-a-class-into-subgroups"),
    "school:groups_create": ("admin", "split-a-class-into-subgroups"),
    "school:groups_edit": ("admin", "split-a-class-into-subgroups"),
    "school:group_members": ("admin", "split-a-class-into-subgroups"),
    "school:subjects_list": (
        "director-and-deputy",
        "for-the-deputy-keep-the-structure-curriculum-and-courses",
    ),
    "school:subjects_create": (
        "director-and-deputy",
        "for-the-deputy-keep-the-structure-curriculum-and-courses",
    ),
    "school:subjects_edit": (
        "director-and-deputy",
        "for-the-deputy-keep-the-structure-curriculum-and-courses",
    ),
    "school:curriculum_list": (
        "director-and-deputy",
        "for-the-deputy-keep-the-structure-curriculum-and-courses",
    ),
    "school:curriculum_create": (
        "director-and-deputy",
        "for-the-deputy-keep-the-structure-curriculum-and-courses",
    ),
    "school:curriculum_edit": (
        "director-and-deputy",
        "for-the-deputy-keep-the-structure-curriculum-and-courses",
    ),
    "school:courses_list": ("admin", "courses-нагрузка"),
    "school:courses_create": ("admin", "courses-нагрузка"),
    "school:courses_edit": ("admin", "courses-нагрузка"),
    "school:years_delete": ("admin", "deleting"),
    "school:terms_delete": ("admin", "deleting"),
    "school:holidays_delete": ("admin", "deleting"),
    "school:grade-levels_delete": ("admin", "deleting"),
    "school:classes_delete": ("admin", "deleting"),
    "school:groups_delete": ("admin", "deleting"),
    "school:subjects_delete": ("admin", "deleting"),
    "school:curriculum_delete": ("admin", "deleting"),
    "school:courses_delete": ("admin", "deleting"),
    "school:class_detail": ("teacher-and-class-teacher", "your-class-list"),
    # The student register (the secretary) and the personal cards.
    "school:students": ("secretary", "find-a-student"),
    "school:student_admit": ("secretary", "admit-a-student-by-order"),
    "school:student_card": ("director-and-deputy", "find-a-student-and-open-the-personal-card"),
    "school:student_edit": ("teacher-and-class-teacher", "keep-student-and-guardian-data-current"),
    "school:student_transfer": ("secretary", "transfer-a-student-to-another-class-by-order"),
    "school:student_depart": ("secretary", "record-a-departure-by-order"),
    "school:guardian_add": ("teacher-and-class-teacher", "keep-student-and-guardian-data-current"),
    "school:guardian_edit": (
        "teacher-and-class-teacher",
        "keep-student-and-guardian-data-current",
    ),
    "school:guardian_consent": (
        "teacher-and-class-teacher",
        "keep-student-and-guardian-data-current",
    ),
    # Staff records (HR).
    "school:staff": ("hr", "the-staff-list"),
    "school:staff_create": ("hr", "add-a-staff-member"),
    "school:staff_card": ("hr", "the-staff-list"),
    "school:staff_edit": ("hr", "add-a-staff-member"),
    "school:staff_position_add": ("hr", "add-a-staff-member"),
    "school:staff_consent": ("hr", "add-a-staff-member"),
    # Imports.
    "imports:index": ("import", ""),
    "imports:upload": ("import", ""),
    "imports:batch": ("import", ""),
    # The timetable.
    "timetable:index": ("timetable", "the-entry-page-timetable"),
    "timetable:bells": ("timetable", "bell-schedules-timetablebells"),
    "timetable:bells_create": ("timetable", "bell-schedules-timetablebells"),
    "timetable:bells_edit": ("timetable", "bell-schedules-timetablebells"),
    "timetable:grid": ("timetable", "the-weekly-grid-timetablegridclass_id"),
    "timetable:grid_class": ("timetable", "the-weekly-grid-timetablegridclass_id"),
    "timetable:entry_create": ("timetable", "adding-or-changing-an-entry-deputy"),
    "timetable:entry_edit": ("timetable", "adding-or-changing-an-entry-deputy"),
    "timetable:generate": ("timetable", "generating-lessons-timetablegenerate-deputy"),
    "timetable:day": ("timetable", "the-lessons-of-a-day-timetabledaydayyyyy-mm-dd"),
    "timetable:substitutions": (
        "timetable",
        "the-substitutions-report-timetablesubstitutionsstartend",
    ),
    "feeds:index": ("timetable", "timetable-in-a-calendar-app-calendar"),
    "feeds:class": ("timetable", "timetable-in-a-calendar-app-calendar"),
    # Thematic plans, lesson records, programme fulfilment.
    "planning:list": ("thematic-plans", "find-a-plan"),
    "planning:create": ("thematic-plans", "create-a-plan"),
    "planning:detail": ("thematic-plans", "the-thematic-plan-ктп"),
    "planning:edit": ("thematic-plans", "create-a-plan"),
    "planning:items": ("thematic-plans", "edit-the-items"),
    "planning:copy": ("thematic-plans", "copy-a-plan"),
    "planning:course_plan": ("thematic-plans", "choose-the-plan-of-a-course"),
    "lessons:lesson": ("thematic-plans", "enter-the-topic"),
    "lessons:course": ("thematic-plans", "the-lessons-of-a-course"),
    "lessons:fulfilment": ("thematic-plans", "programme-fulfilment"),
    "lessons:overview": ("thematic-plans", "for-the-deputy-the-overview"),
    # The assessment schedule.
    "assessments:index": ("assessments", ""),
    "assessments:class": ("assessments", "parent-and-student"),
    # The class journal and its control.
    "journal:index": ("journal", "where-to-find-it"),
    "journal:course": ("journal", "the-journal-of-a-course"),
    "journal:lesson": ("journal", "the-lessons-page"),
    "journal_control:absences": ("journal-control", "the-absence-register-class-teacher"),
    "journal_control:unlocks": ("journal-control", "unlocks-deputy"),
    "journal_control:changes": ("journal-control", "changes-in-the-journal-administration"),
    "journal_control:debts": ("journal-control", "debts-and-late-entries-administration"),
    "journal_control:settings": ("journal-control", "journal-settings-administrator-deputy"),
    # The diary, acknowledgements and the progress report.
    "diary:index": ("parent-and-student", "the-diary-дневник"),
    "diary:week": ("parent-and-student", "the-diary-дневник"),
    "diary:marks": ("parent-and-student", "the-diary-дневник"),
    "diary:attendance": ("parent-and-student", "the-diary-дневник"),
    "diary:homework": ("parent-and-student", "the-diary-дневник"),
    "diary:calendar": ("parent-and-student", "timetable-and-homework-in-a-calendar-app"),
    "diary:acknowledgements": (
        "teacher-and-class-teacher",
        "acknowledgement-of-the-term-marks",
    ),
    "diary:progress_report": (
        "teacher-and-class-teacher",
        "the-progress-report-every-two-weeks--or-for-any-period",
    ),
    # Messages, announcements, notifications.
    "messaging:inbox": ("messages", "the-inbox-сообщения"),
    "messaging:new": ("messages", "writing-a-message-новое-сообщение-new-message"),
    "messaging:thread": ("messages", "answering"),
    "messaging:announcements": ("messages", "announcements-объявления"),
    "messaging:announce": ("messages", "announcements-объявления"),
    "notifications:index": ("messages", "notifications"),
    "notifications:preferences": ("parent-and-student", "notifications-уведомления"),
    "notifications:deliveries": ("admin", "e-mails-that-did-not-go-out"),
    "audit:trail": ("admin", "the-audit-trail"),
    # Reports and the control of the journals.
    "reports:index": ("reports", "the-reports"),
    "reports:results": ("reports", "results-of-the-school-administration"),
    "reports:lists": ("reports", "excellent-good-and-failing-students-administration"),
    "reports:attendance": ("reports", "attendance"),
    "reports:class_report": ("reports", "a-classs-report-the-class-teacher-the-administration"),
    "reports:class_summary": ("reports", "the-summary-of-marks-сводная-ведомость"),
    "reports:class_attendance": ("reports", "attendance"),
    "reports:teacher_report": ("reports", "a-teachers-report"),
    "oversight:indicators": ("reports", "the-indicators"),
    "oversight:cases": ("reports", "the-indicators"),
    "oversight:remarks": ("reports", "remarks-on-journals-regulation-217-231"),
    "oversight:remark_new": ("reports", "remarks-on-journals-regulation-217-231"),
    "oversight:remark": ("reports", "remarks-on-journals-regulation-217-231"),
    "oversight:check_report": ("reports", "the-checks-справка-54"),
    "oversight:lagging": (
        "reports",
        "lagging-students-and-the-preliminary-report-seeds-003-004-regulation-223",
    ),
    "oversight:support": ("reports", "the-schools-work-with-a-student-помощь-в-учёбе"),
    "oversight:settings": ("reports", "control-thresholds"),
    # Printing, the archive, backups, the year end.
    "archive:index": ("director-and-deputy", "printing-the-journal-and-the-archive"),
    "archive:package": ("director-and-deputy", "printing-the-journal-and-the-archive"),
    "backups:index": ("admin", "backups"),
    "exchange:oneroster": ("director-and-deputy", "for-the-director-the-oneroster-export"),
    "exchange:uploads": ("admin", "the-regional-upload"),
    "yearend:index": ("secretary", "the-year-end-checklist--closing--next-year--promotion"),
    "yearend:class_checklist": (
        "secretary",
        "the-year-end-checklist--closing--next-year--promotion",
    ),
    "yearend:next_year": ("secretary", "the-year-end-checklist--closing--next-year--promotion"),
    "yearend:promote": ("secretary", "the-year-end-checklist--closing--next-year--promotion"),
}

# Named URLs that are no page of their own, so no help link: the guides themselves (their list
# is beside the text), the sign-in pages (no menu),
# POST-only writes, htmx fragments inside a page, files (PDF, XLSX, ICS, attachments), the
# health check, the script catalogue, and the API's 404.
NOT_PAGES = {
    "help",
    "help_guide",
    "healthz",
    "set_language",
    "javascript-catalog",
    "api_not_found",
    "accounts:login",
    "accounts:logout",
    "accounts:logout_everywhere",
    "accounts:switch_school",
    "accounts:regional_start",
    "accounts:oidc_callback",
    "accounts:identity_unlink",
    "accounts:second_factor_off",
    "diary:acknowledge",
    "school:student_export",
    "imports:template",
    "imports:commit",
    "feeds:ics",
    "assessments:xlsx",
    "journal:lesson_pane",
    "journal:add_column",
    "journal:homework",
    "journal:note",
    "journal:roll_call",
    "journal:attachment",
    "journal:cell",
    "diary:attachment",
    "diary:progress_report_pdf",
    "notifications:unread_badge",
    "notifications:resend",
    "messaging:unread_badge",
    "messaging:attachment",
    "messaging:announcement_attachment",
    "oversight:journal_remarks",
    "archive:journal",
    "archive:printed",
    "archive:summary",
    "archive:report_cards",
    "archive:term_copy",
    "archive:build",
    "backups:run",
    "exchange:download",
    "exchange:consent",
    "exchange:run_upload",
    "yearend:close",
    "yearend:reopen",
}


@dataclass(frozen=True)
class Guide:
    name: str
    title: str
    html: str
    anchors: frozenset[str]


def guides_dir() -> Path:
    return Path(settings.PROJECT_DIR) / "docs" / "user-guide"


def guide_names() -> list[str]:
    """The guides in the order of the index: the index first, then by file name."""
    names = sorted(p.stem for p in guides_dir().glob("*.md") if p.stem != INDEX)
    return [INDEX, *names]


def guide(name: str) -> Guide | None:
    """The rendered guide ``name`` (a file name without .md), None when there is none."""
    if name != INDEX and not _NAME.match(name):
        return None
    path = guides_dir() / f"{name}.md"
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return None
    return _render(name, str(path), mtime)


def section_url(url_name: str | None) -> str | None:
    """The address of the guide section of the page named ``url_name`` (None: no help link)."""
    if url_name is None or url_name in NOT_PAGES:
        return None
    name, anchor = SECTIONS.get(url_name, (INDEX, ""))
    return guide_url(name) + (f"#{anchor}" if anchor else "")


def guide_url(name: str) -> str:
    if name == INDEX:
        return reverse("help")
    return reverse("help_guide", kwargs={"name": name})


def slug(text: str) -> str:
    """A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces → «-»."""
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


@lru_cache(maxsize=64)
def _render(name: str, path: str, mtime: int) -> Guide:
    """Rendered once per file version (``mtime`` is part of the cache key)."""
    text = Path(path).read_text(encoding="utf-8")
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = md.parse(text)
    anchors: set[str] = set()
    title = name
    kept: list[Token] = []
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            inline = tokens[i + 1]
            words = "".join(c.content for c in inline.children or [] if c.content)
            anchor = _unique(slug(words), anchors)
            anchors.add(anchor)
            token.attrSet("id", anchor)
            if token.tag == "h1" and title == name:
                title = words
        if token.type == "inline" and token.children:
            token.children = _links(token.children)
        kept.append(token)
    html = md.renderer.render(kept, md.options, {})
    html = nh3.clean(
        html,
        attributes={"*": {"id"}, "a": {"href", "title"}, "th": {"scope"}, "ol": {"start"}},
        url_schemes={"http", "https", "mailto"},
    )
    # Wide tables scroll inside their own frame on a phone, not the whole page.
    html = html.replace("<table>", '<div class="table-wrap" tabindex="0"><table>').replace(
        "</table>", "</table></div>"
    )
    return Guide(name=name, title=title, html=html, anchors=frozenset(anchors))


def _unique(anchor: str, taken: set[str]) -> str:
    if anchor not in taken:
        return anchor
    n = 1
    while f"{anchor}-{n}" in taken:
        n += 1
    return f"{anchor}-{n}"


def _links(children: list[Token]) -> list[Token]:
    """Links to another guide point into the application; links to documents outside the
    user guide keep only their text (links do not nest in Markdown)."""
    out: list[Token] = []
    dropping = False
    for child in children:
        if child.type == "link_open":
            href = str(child.attrGet("href") or "")
            match = _GUIDE_LINK.match(href)
            if href.startswith(("#", "http://", "https://", "mailto:")):
                out.append(child)
            elif match and (guides_dir() / f"{match['name']}.md").is_file():
                child.attrSet("href", guide_url(match["name"]) + (match["anchor"] or ""))
                out.append(child)
            else:
                dropping = True
            continue
        if child.type == "link_close" and dropping:
            dropping = False
            continue
        out.append(child)
    return out
