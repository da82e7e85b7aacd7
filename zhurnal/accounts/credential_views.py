"""Pages that issue logins and one-time passwords: for a class's students and parents, or for one
person (issue: credentials issuance). The passwords are shown once — on the page or in the PDF
slips — and kept nowhere: not in the database, the session, the audit or any cache.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from zhurnal.audit.actor import Actor
from zhurnal.core.access import current_school
from zhurnal.school.access import class_for
from zhurnal.school.calendar import school_today
from zhurnal.school.models import Enrollment, Guardian, SchoolClass, Staff, Student, StudentGuardian
from zhurnal.school.rosters import class_roster, enrolled_on

from .access import check_may_issue, person_for_credentials, reset_blocker
from .credentials import (
    below_login_age,
    class_day,
    issue_credentials,
    kind_of,
    role_label,
    transliterate,
)

PERSON_MODELS = {"student": Student, "guardian": Guardian, "staff": Staff}
OUTPUTS = ("screen", "pdf")


@dataclass
class Candidate:
    """A row of the selection page."""

    person: Student | Guardian | Staff
    role: str
    note: str = ""
    not_eligible: str = ""
    related: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{kind_of(self.person)}:{self.person.pk}"

    @property
    def has_login(self) -> bool:
        return self.person.user_id is not None


def _candidate(actor, person, today, note: str = "") -> Candidate:
    candidate = Candidate(person=person, role=role_label(person), note=note)
    if isinstance(person, Student) and below_login_age(person, today):
        candidate.not_eligible = _("no login: under the age of %(age)s") % {
            "age": person.school.student_min_age
        }
    else:
        candidate.not_eligible = reset_blocker(actor, person)
    return candidate


def _class_candidates(request: HttpRequest, school_class: SchoolClass):
    """The class's students (with age) and their guardians (with their children), four queries."""
    today = school_today(school_class.school)
    students = list(
        class_roster(school_class, class_day(school_class))
        .select_related("user", "school")
        .prefetch_related(
            "user__memberships",
            Prefetch(
                "guardian_links",
                queryset=StudentGuardian.objects.select_related(
                    "guardian__user", "guardian__school"
                ).order_by("guardian__last_name", "guardian__first_name"),
            ),
            Prefetch("guardian_links__guardian__user__memberships"),
        )
    )
    student_rows = []
    guardians: dict[int, Candidate] = {}
    for student in students:
        student_rows.append(
            _candidate(
                request.user,
                student,
                today,
                note=_("age %(age)s") % {"age": student.age_on(today)},
            )
        )
        for link in student.guardian_links.all():
            row = guardians.get(link.guardian_id)
            if row is None:
                row = guardians[link.guardian_id] = _candidate(request.user, link.guardian, today)
            row.related.append(f"{student.short_name} ({link.get_relation_display()})")
    guardian_rows = sorted(
        guardians.values(), key=lambda c: (c.person.last_name, c.person.first_name)
    )
    return student_rows, guardian_rows


def _no_store(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    return response


def _slip_pages(issued: list, per_row: int = 2, rows: int = 4) -> list[list[list]]:
    """Slips in pages of ``rows`` rows of ``per_row``: eight to an A4 page."""
    pairs = [issued[i : i + per_row] for i in range(0, len(issued), per_row)]
    return [pairs[i : i + rows] for i in range(0, len(pairs), rows)]


def _render_pdf(request: HttpRequest, school, issued, filename: str) -> HttpResponse:
    from weasyprint import HTML

    html = render_to_string(
        "accounts/credential_slips_pdf.html",
        {
            "school": school,
            "pages": _slip_pages(issued),
            "site": request.build_absolute_uri("/"),
        },
    )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _no_store(response)


def _issue_page(
    request: HttpRequest,
    *,
    school,
    title: str,
    back_url: str,
    student_rows: list[Candidate],
    guardian_rows: list[Candidate],
    other_rows: list[Candidate],
    school_class: SchoolClass | None,
    filename: str,
) -> HttpResponse:
    rows = student_rows + guardian_rows + other_rows
    context = {
        "title": title,
        "back_url": back_url,
        "student_rows": student_rows,
        "guardian_rows": guardian_rows,
        "other_rows": other_rows,
        "eligible_count": sum(1 for r in rows if not r.not_eligible),
        "chosen": None,
        "error": "",
    }
    if request.method == "POST":
        chosen = set(request.POST.getlist("person"))
        by_key = {r.key: r for r in rows}
        selected = [by_key[k].person for k in by_key if k in chosen and not by_key[k].not_eligible]
        output = request.POST.get("output")
        if chosen - set(by_key):
            context["error"] = _(
                "Some of the chosen people are no longer on this list. Check the list and try "
                "again; nothing has been issued."
            )
        elif not selected:
            context["error"] = _(
                "Choose at least one person to issue a login to; nothing has been issued."
            )
        elif output not in OUTPUTS:
            context["error"] = _("Choose how to get the passwords: on screen or as PDF slips.")
        else:
            check_may_issue(actor=request.user, people=selected, school_class=school_class)
            results = issue_credentials(
                people=selected,
                actor=Actor.of(request),
                blocker=lambda person: reset_blocker(request.user, person),
            )
            issued = [r for r in results if r.issued]
            if output == "pdf" and issued:
                return _render_pdf(request, school, issued, filename)
            return _no_store(
                render(
                    request,
                    "accounts/credentials_issued.html",
                    {
                        "title": title,
                        "back_url": back_url,
                        "results": results,
                        "issued_count": len(issued),
                        "has_linking_codes": any(r.linking_code for r in issued),
                        "site": request.build_absolute_uri("/"),
                    },
                )
            )
        context["chosen"] = chosen
        return render(request, "accounts/credentials.html", context, status=400)
    return render(request, "accounts/credentials.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def issue_for_class(request: HttpRequest, class_id: int) -> HttpResponse:
    """The class teacher or the administrator issues logins to the class's students (from the
    school's login age, seed 002 3.3.2) and parents (DESIGN §4)."""
    school_class = class_for(
        request.user, current_school(request), class_id, "accounts.issue_credentials"
    )
    student_rows, guardian_rows = _class_candidates(request, school_class)
    return _issue_page(
        request,
        school=school_class.school,
        title=_("Logins for the students and parents of class %(name)s")
        % {"name": school_class.name},
        back_url=reverse("school:class_detail", args=[school_class.pk]),
        student_rows=student_rows,
        guardian_rows=guardian_rows,
        other_rows=[],
        school_class=school_class,
        filename=f"logins-{transliterate(school_class.name)}.pdf",
    )


@login_required
@require_http_methods(["GET", "POST"])
def issue_for_person(request: HttpRequest, kind: str, person_id: int) -> HttpResponse:
    """One person's login: a student or guardian (the administrator or the class teacher of the
    student's class — any child's class for a guardian), or a member of staff (administrator)."""
    model = PERSON_MODELS.get(kind)
    if model is None:
        raise Http404
    school = current_school(request)
    person = person_for_credentials(request.user, school, model, person_id)
    today = school_today(school)
    note = ""
    if isinstance(person, Student):
        class_names = Enrollment.objects.filter(enrolled_on(today), student=person).select_related(
            "school_class__grade_level"
        )
        note = ", ".join(
            [_("age %(age)s") % {"age": person.age_on(today)}]
            + [e.school_class.name for e in class_names]
        )
    elif isinstance(person, Guardian):
        note = ", ".join(
            link.student.short_name
            for link in person.child_links.select_related("student").order_by("student__last_name")
        )
    candidate = _candidate(request.user, person, today, note=note)
    back_url = {
        "student": lambda: reverse("school:student_card", args=[person.pk]),
        "staff": lambda: reverse("school:staff_card", args=[person.pk]),
    }.get(kind, lambda: reverse("home"))()
    return _issue_page(
        request,
        school=school,
        title=_("Login for %(name)s") % {"name": person.full_name},
        back_url=back_url,
        student_rows=[candidate] if kind == "student" else [],
        guardian_rows=[candidate] if kind == "guardian" else [],
        other_rows=[candidate] if kind == "staff" else [],
        school_class=None,
        filename=f"login-{transliterate(person.last_name) or 'person'}.pdf",
    )
