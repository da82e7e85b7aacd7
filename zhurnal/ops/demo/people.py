"""The people of a generated school: staff with their positions and logins, the class
teachers, the families (students with their guardians, consents, enrolment and admission
order) and the electives' groups. Functions of the school being built (``generator``): they add
unsaved rows to it, written later with the rest of the school."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model

from zhurnal.accounts.models import Membership, Role
from zhurnal.school import models as m

from . import fastrows, names
from .curriculum import ADMINISTRATION, DEPARTMENTS, ELECTIVES, PRIMARY, TARGET_LOAD
from .logins import DEMO_USERNAMES


@dataclass
class Family:
    """The parents of one or more students (siblings share them), planned before the rows."""

    surname: str  # masculine form
    father: tuple[str, str, str]  # name, son's and daughter's patronymic
    address: str
    has_mother: bool
    has_father: bool
    mother_first: str
    mother_middle: str
    father_middle: str
    guardians: list[tuple[m.Guardian, str]] = field(default_factory=list)
    grades: set[int] = field(default_factory=set)


def person_data(builder, gender: str, min_age: int, max_age: int) -> dict:
    """A name, patronymic and birth date for an adult of ``gender`` aged between the bounds."""
    rng = builder.rng
    father = rng.choice(names.MALE_ADULT)
    first = rng.choice(names.FEMALE_ADULT) if gender == "f" else rng.choice(names.MALE_ADULT)[0]
    born = builder.cal.start - timedelta(days=rng.randint(min_age * 365, max_age * 365))
    return {
        "last_name": names.surname_for(rng.choice(names.SURNAMES), gender),
        "first_name": first,
        "middle_name": father[2] if gender == "f" else father[1],
        "gender": gender,
        "birth_date": born,
    }


def phone(builder) -> str:
    r = builder.rng.randint
    return f"+7 (9{r(0, 9)}{r(0, 9)}) {r(100, 999)}-{r(10, 99)}-{r(10, 99)}"


def username_for(builder, person, role: str) -> str:
    """The demo login for the first person of a demo role; a free name otherwise."""
    # The demo teacher is chosen later, as the class teacher of 5А (plan_class_teachers).
    if (
        builder.demo
        and role != Role.TEACHER
        and role in DEMO_USERNAMES
        and role not in builder.demo_users
        and role not in builder.taken
    ):
        return role
    base = (
        names.translit(person.last_name)
        + "."
        + "".join(names.translit(p)[:1] for p in (person.first_name, person.middle_name))
    )
    username, n = base, 1
    while username in builder.taken or username in DEMO_USERNAMES:
        n += 1
        username = f"{base}{n}"
    return username


def login(builder, person, role: str) -> object:
    """A user for ``person`` with a Membership in ``role`` and the shared demo password."""
    User = get_user_model()
    username = username_for(builder, person, role)
    builder.taken.add(username)
    user = builder.add(
        User(
            username=username,
            password=builder.password,
            first_name=person.first_name,
            last_name=person.last_name,
            middle_name=person.middle_name,
            email=person.email,
            must_change_password=False,
        )
    )
    builder.add(Membership(user=user, school=builder.school, role=role))
    if username in DEMO_USERNAMES:
        builder.demo_users[username] = user
        builder.demo_people[username] = person
    return user


def staff_member(
    builder, position: str, female_share: float, role: str, ages: tuple[int, int] = (23, 63)
) -> m.Staff:
    builder.staff_count += 1
    gender = "f" if builder.rng.random() < female_share else "m"
    data = person_data(builder, gender, *ages)
    staff = m.Staff(
        school=builder.school,
        staff_number=f"{builder.staff_count:04d}",
        phone=phone(builder),
        is_active=True,
        **data,
    )
    staff.email = f"{names.translit(staff.last_name)}.{builder.staff_count}@example.com"
    hired = builder.cal.start - timedelta(days=builder.rng.randint(0, 25) * 365)
    hired = max(hired, data["birth_date"] + timedelta(days=22 * 365))
    builder.add(staff)
    builder.add(m.StaffPosition(school=builder.school, staff=staff, title=position, start=hired))
    builder.add(m.Consent(school=builder.school, staff=staff, given_on=hired, document="Заявление"))
    staff.user = login(builder, staff, role)
    return staff


def plan_staff(builder) -> None:
    builder.administration = []
    for role, position, count, ages in ADMINISTRATION:
        for _ in range(count):
            builder.administration.append(staff_member(builder, position, 0.75, role, ages))
    builder.teachers: dict[str, list[m.Staff]] = {}
    load: dict[int, float] = {}
    for department in DEPARTMENTS:
        bundles = [b for b in builder.bundles if b.department is department]
        if not bundles:
            continue
        hours = sum(b.hours for b in bundles)
        # One teacher per primary class; subject teachers by the hours to teach.
        primary = department is PRIMARY
        count = len(bundles) if primary else max(1, round(hours / TARGET_LOAD))
        staff = [
            staff_member(builder, department.position, department.female_share, Role.TEACHER)
            for _ in range(count)
        ]
        builder.teachers[department.key] = staff
        for s in staff:
            load[id(s)] = 0.0
        # Largest bundles first to the least loaded teacher; the two subgroups of a class
        # go to two different teachers when the department has more than one.
        by_class_teacher: dict[int, m.Staff] = {}
        for bundle in sorted(bundles, key=lambda b: -b.hours):
            choices = staff
            if bundle.subgroup and len(staff) > 1:
                other = by_class_teacher.get(id(bundle.school_class))
                choices = [s for s in staff if s is not other]
            teacher = min(choices, key=lambda s: (load[id(s)], staff.index(s)))
            bundle.teacher = teacher
            load[id(teacher)] += bundle.hours
            if bundle.subgroup:
                by_class_teacher[id(bundle.school_class)] = teacher
    builder.load = load
    for bundle in builder.bundles:
        for course in bundle.courses:
            builder.add(m.Course.teachers.through(course=course, staff=bundle.teacher))
    plan_class_teachers(builder)


def plan_class_teachers(builder) -> None:
    """Primary teachers lead their class; a senior class gets one of its own teachers,
    preferring the one with most hours in it. The demo teacher, a mathematics teacher,
    leads 5А."""
    leading: set[int] = set()
    hours: dict[int, Counter] = defaultdict(Counter)
    teachers_by_id: dict[int, m.Staff] = {}
    for bundle in builder.bundles:
        hours[id(bundle.school_class)][id(bundle.teacher)] += bundle.hours
        teachers_by_id[id(bundle.teacher)] = bundle.teacher
    demo_class = builder.demo_classes[0]
    ordered = [demo_class] + [c for c in builder.classes if c is not demo_class]
    primary = {id(b.school_class): b.teacher for b in builder.bundles if b.department is PRIMARY}
    senior_pool = [s for key, staff in builder.teachers.items() if key != "primary" for s in staff]
    for cls in ordered:
        if id(cls) in primary:
            chosen = primary[id(cls)]
        else:
            ranked = sorted(hours[id(cls)].items(), key=lambda item: -item[1])
            candidates = [teachers_by_id[t] for t, _ in ranked]
            if cls is demo_class:
                maths = builder.teachers.get("math", [])
                candidates = [t for t in candidates if t in maths] + candidates
            free = [t for t in candidates + senior_pool if id(t) not in leading]
            chosen = free[0] if free else None
        cls.class_teacher = chosen
        if chosen is not None:
            leading.add(id(chosen))
    if builder.demo and "teacher" not in builder.taken:
        # The demo teacher's login was made as an ordinary teacher: rename it.
        teacher = demo_class.class_teacher
        user = teacher.user
        builder.taken.discard(user.username)
        user.username = "teacher"
        builder.taken.add("teacher")
        builder.demo_users["teacher"] = user
        builder.demo_people["teacher"] = teacher


def new_family(builder) -> Family:
    rng = builder.rng
    has_father = rng.random() < 0.75
    street = rng.choice(names.STREETS)
    return Family(
        surname=rng.choice(names.SURNAMES),
        father=rng.choice(names.MALE_ADULT),
        address=(f"{names.TOWN}, {street}, д. {rng.randint(1, 120)}, кв. {rng.randint(1, 200)}"),
        has_father=has_father,
        has_mother=rng.random() < 0.95 or not has_father,
        mother_first=rng.choice(names.FEMALE_ADULT),
        mother_middle=rng.choice(names.MALE_ADULT)[2],
        father_middle=rng.choice(names.MALE_ADULT)[1],
    )


def family_guardians(builder, family: Family) -> list[tuple[m.Guardian, str]]:
    if family.guardians:
        return family.guardians
    rng = builder.rng
    for relation, gender, first, middle in (
        (m.GuardianRelation.MOTHER, "f", family.mother_first, family.mother_middle),
        (m.GuardianRelation.FATHER, "m", family.father[0], family.father_middle),
    ):
        if not (family.has_mother if gender == "f" else family.has_father):
            continue
        last = names.surname_for(family.surname, gender)
        guardian = builder.add(
            m.Guardian(
                school=builder.school,
                last_name=last,
                first_name=first,
                middle_name=middle,
                phone=phone(builder),
                email=(
                    f"{names.translit(last)}.{names.translit(first)}"
                    f"{rng.randint(1, 99)}@example.com"
                ),
                address=family.address,
            )
        )
        if rng.random() < 0.92:
            given = builder.order_day - timedelta(days=rng.randint(0, 10))
            builder.add(m.Consent(school=builder.school, guardian=guardian, given_on=given))
        family.guardians.append((guardian, relation))
    return family.guardians


def birth_date(builder, grade: int) -> date:
    """Born between 1 September and 31 August so that the child started grade 1 at 7 or
    nearly 7; a few are a year older."""
    y = builder.cal.start.year - 7 - grade - (1 if builder.rng.random() < 0.04 else 0)
    return date(y, 9, 1) + timedelta(days=builder.rng.randint(0, 364))


def new_student(builder, cls: m.SchoolClass, family: Family, order: tuple[str, date]) -> m.Student:
    rng = builder.rng
    grade = cls.grade_level.number
    gender = rng.choice("mf")
    first = rng.choice(names.MALE_CHILD if gender == "m" else names.FEMALE_CHILD)
    last = names.surname_for(family.surname, gender)
    builder.file_count += 1
    student = builder.add(
        m.Student(
            school=builder.school,
            last_name=last,
            first_name=first,
            middle_name=family.father[1] if gender == "m" else family.father[2],
            birth_date=birth_date(builder, grade),
            gender=gender,
            address=family.address,
            personal_file_number=f"{last[0]}-{builder.file_count:04d}",
        )
    )
    if grade >= 8:
        student.phone = phone(builder)
    for guardian, relation in family_guardians(builder, family):
        builder.add(
            m.StudentGuardian(
                school=builder.school, student=student, guardian=guardian, relation=relation
            )
        )
    family.grades.add(grade)
    start = builder.cal.start
    builder.add(m.Enrollment(school=builder.school, student=student, school_class=cls, start=start))
    builder.add(
        m.Movement(
            school=builder.school,
            student=student,
            kind=m.MovementKind.ADMISSION,
            date=start,
            to_class=cls,
            order_number=order[0],
            order_date=order[1],
        )
    )
    return student


def plan_students(builder) -> None:
    rng = builder.rng
    families: list[Family] = []
    demo_family = new_family(builder)
    demo_family.has_mother = True
    builder.roster: dict[int, list[m.Student]] = {}
    builder.by_grade: dict[int, list[m.Student]] = defaultdict(list)
    for cls in builder.classes:
        grade = cls.grade_level.number
        order = (f"{40 + grade}-у", builder.order_day)
        low, high = builder.size.students
        if grade >= 10:
            low, high = max(low - 3, 1), max(high - 3, 1)
        students = []
        for slot in range(rng.randint(low, high)):
            family = None
            if builder.demo and slot == 0 and cls in builder.demo_classes:
                family = demo_family
            elif rng.random() < 0.12 and families:
                # A sibling of a child in another grade level: same parents.
                candidate = rng.choice(families)
                if grade not in candidate.grades and len(candidate.grades) < 3:
                    family = candidate
            if family is None:
                family = new_family(builder)
                families.append(family)
            students.append(new_student(builder, cls, family, order))
        builder.roster[id(cls)] = students
        builder.by_grade[grade].extend(students)
        # English subgroups: the class list split in two halves in alphabetical order.
        ordered = sorted(students, key=lambda s: (s.last_name, s.first_name))
        half = (len(ordered) + 1) // 2
        for group, members in zip(
            builder.subgroups.get(id(cls), []), (ordered[:half], ordered[half:]), strict=False
        ):
            for s in members:
                builder.add(
                    m.GroupMembership(
                        school=builder.school, group=group, student=s, start=builder.first_day
                    )
                )
    if builder.demo:
        mother = next(g for g, rel in demo_family.guardians if rel == "mother")
        mother.user = login(builder, mother, Role.PARENT)
        builder.demo_children = [builder.roster[id(c)][0] for c in builder.demo_classes]
        student = builder.roster[id(builder.demo_student_class)][0]
        student.email = f"{names.translit(student.last_name)}.student@example.com"
        student.user = login(builder, student, Role.STUDENT)


def plan_electives(builder) -> None:
    """A talk per class with the class teacher (Разговоры о важном); cross-class electives
    for one grade level, half of it enrolled, with the least loaded teacher."""
    builder.talks: list[tuple[m.Course, m.Staff]] = []
    builder.cross: list[tuple[m.Course, m.Staff, int]] = []
    for elective in ELECTIVES:
        subject = builder.subjects[elective.subject]
        common = {
            "school": builder.school,
            "year": builder.year,
            "subject": subject,
            "kind": elective.kind,
            "hours_per_week": Decimal(str(elective.hours)),
        }
        if elective.per_class:
            for cls in builder.classes:
                if cls.grade_level.number not in elective.grades:
                    continue
                course = builder.add(m.Course(school_class=cls, **common))
                if cls.class_teacher is not None:
                    builder.add(m.Course.teachers.through(course=course, staff=cls.class_teacher))
                    builder.talks.append((course, cls.class_teacher))
            continue
        staff = builder.teachers.get(elective.department, [])
        for grade in elective.grades:
            group = builder.add(
                m.Group(
                    school=builder.school,
                    year=builder.year,
                    name=f"{elective.subject}, {grade} кл.",
                    subject=subject,
                )
            )
            course = builder.add(m.Course(group=group, **common))
            if staff:
                teacher = min(staff, key=lambda s: (builder.load[id(s)], staff.index(s)))
                builder.load[id(teacher)] += elective.hours
                builder.add(m.Course.teachers.through(course=course, staff=teacher))
                builder.cross.append((course, teacher, grade))
            pupils = builder.by_grade.get(grade, [])
            for s in builder.rng.sample(pupils, len(pupils) // 2):
                builder.add(
                    m.GroupMembership(
                        school=builder.school, group=group, student=s, start=builder.first_day
                    )
                )


def claim_usernames(builder) -> None:
    """The school's usernames, claimed before they are written (``fastrows.claim_unique``):
    one that another writer of generated schools is writing or has written since this school
    was planned (``zhurnal region --jobs``: the schools are generated in parallel) gets the
    next free number, as ``username_for`` would have given it."""
    User = get_user_model()
    pending = list(builder.rows[User])
    refreshed = False
    while pending:
        claimed = fastrows.claim_unique(User, "username", [user.username for user in pending])
        pending = [user for user in pending if user.username not in claimed]
        if pending and not refreshed:
            builder.taken.update(User.objects.values_list("username", flat=True))
            refreshed = True
        for user in pending:
            base = user.username.rstrip("0123456789")
            username, n = base, 1
            while username in builder.taken or username in DEMO_USERNAMES:
                n += 1
                username = f"{base}{n}"
            builder.taken.add(username)
            user.username = username
