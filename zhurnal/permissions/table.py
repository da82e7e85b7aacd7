"""The permission table: every access rule of Zhurnal, one line each (DESIGN §4).

Code asks a rule by its name — ``user.has_perm("<app>.<rule>", obj)``, mostly through the access
entry points (``core.access`` and each app's ``access.py``) — and this table says who passes.
It is wired in at start-up by the ``permissions`` app, like the URLconf, and sits above the apps
whose objects its predicates look at, so that none of them imports it. Tested as a matrix:
``tests/test_access_matrix.py`` (pages) and ``tests/test_api.py`` (the API).
"""

import rules

from .predicates import (
    has_a_child_in_the_class,
    is_admin,
    is_administration,
    is_deputy,
    is_director,
    is_guardian_of,
    is_hr,
    is_parent,
    is_school_staff,
    is_secretary,
    is_student,
    is_teacher,
    is_the_remarks_teacher,
    is_the_staff_member,
    is_the_student_of_age,
    keeps_the_lesson,
    leads_the_class,
    leads_the_course_class,
    may_write_to,
    teaches_the_class,
    teaches_the_course,
    teaches_the_students_class,
)

# Object passed with each permission: a School unless stated otherwise.

RULES = {
    # Home page and the school switcher: anyone with a role in the school.
    "school.enter": is_school_staff | is_parent | is_student,
    # Year structure, classes, groups, subjects, curriculum, courses.
    "school.view_structure": is_school_staff,
    "school.manage_structure": is_admin | is_deputy,
    "school.manage_settings": is_admin,
    # Staff records (HR keeps them, seed 002 6.2.4).
    "school.view_staff": is_school_staff,
    "school.view_staff_card": is_admin | is_director | is_hr,
    "school.manage_staff": is_admin | is_hr,
    "school.import_staff": is_admin | is_hr,
    # Student register (secretary keeps it, seed 002 6.2.3).
    "school.view_register": is_admin | is_director | is_deputy | is_secretary,
    "school.manage_enrollment": is_admin | is_secretary,
    "school.import_students": is_admin | is_secretary,
    # obj = SchoolClass
    "school.view_class": is_admin
    | is_director
    | is_deputy
    | is_secretary
    | leads_the_class
    | teaches_the_class,
    # obj = Student: the personal card (152-FZ: only those whose work needs it).
    "school.view_student_card": is_admin | is_director | is_deputy | is_secretary | leads_the_class,
    "school.edit_student": is_admin | is_secretary | leads_the_class,
    # obj = SchoolClass: logins and one-time passwords for its parents and students.
    "accounts.issue_credentials": is_admin | leads_the_class,
    # obj = Student: a parent's child or the student themself (the diary, later issues).
    "school.view_own_child": is_guardian_of | is_the_student_of_age,
    # Users and roles of the school.
    "accounts.manage_users": is_admin,
    # Timetable and bell schedules: every member of staff reads, the deputy keeps them (DESIGN §4:
    # "deputies … change the timetable"), with single-day changes and substitutions.
    "timetable.view": is_school_staff,
    "timetable.manage": is_admin | is_deputy,
    # obj = Course: its lessons and programme fulfilment (plan against reality).
    "timetable.view_course": is_administration | teaches_the_course | leads_the_course_class,
    # obj = Lesson: its topic and plan item (the substitute for that one lesson only).
    "timetable.keep_lesson": keeps_the_lesson,
    # obj = SchoolClass: the secret calendar (.ics) address of a class's timetable.
    "timetable.manage_class_feed": is_admin | is_deputy | leads_the_class,
    # The assessment schedule (график оценочных процедур) is published to the school's families.
    "timetable.view_assessments": is_school_staff | is_parent | is_student,
    # obj = SchoolClass: one class's assessment schedule — staff, and the families of the class.
    "assessments.view_class": is_school_staff | has_a_child_in_the_class,
    # Thematic plans (КТП): staff read the school's plans.
    "planning.view_plans": is_school_staff,
    # obj = School: create a base plan (any teacher, for a subject and grade level they teach).
    "planning.create_plan": is_admin | is_deputy | is_teacher,
    # obj = ThematicPlan: its teachers and the deputy edit it.
    "planning.edit_plan": is_admin | is_deputy | teaches_the_course,
    # obj = Course: which plan it follows, or its own copy.
    "planning.choose_plan": is_admin | is_deputy | teaches_the_course,
    # Programme fulfilment of every course of the school (or of a class), for the administration.
    "planning.view_fulfilment": is_administration,
    # obj = School: the list of journals — the administration sees every course, a teacher
    # the courses they teach and those of the class they lead.
    "journal.list": is_administration | is_teacher,
    # The class journal (DESIGN §4). obj = Course: read the journal — its teachers, the class
    # teacher of its class, the administration; students never reach a journal.
    "journal.view": is_administration | teaches_the_course | leads_the_course_class,
    # obj = Lesson: marks, attendance and mark columns of a lesson (the substitute for that one
    # lesson only).
    "journal.keep_lesson": keeps_the_lesson,
    # obj = Course: its period marks (term, year, exam, final): the course's teachers.
    "journal.keep_period_marks": teaches_the_course,
    # obj = SchoolClass: the absence register of a class (seed 002: the class teacher keeps it).
    "journal.keep_absences": leads_the_class,
    # obj = SchoolClass: read the class's absence register — who keeps it, and the
    # administration checking it.
    "journal.view_absences": leads_the_class | is_administration,
    # obj = School: open a locked course for a date range (seed 002: the deputy unlocks), and
    # see the audit of marks and attendance per course, student or teacher.
    "journal.unlock": is_deputy,
    "journal.view_changes": is_administration,
    # obj = School: work types, grading scales and the record-keeping policy.
    "journal.manage_settings": is_admin | is_deputy,
    # The electronic diary (issue 5). obj = Student: a guardian of the student, the student
    # themself from the school's age; the class teacher of their class and the administration
    # read it too.
    "diary.view": is_guardian_of | is_the_student_of_age | leads_the_class | is_administration,
    # obj = Student: acknowledge the term marks («Ознакомлен»): the student's guardians.
    "diary.acknowledge": is_guardian_of,
    # obj = Student: the secret calendar (.ics) address of the student's lessons and homework
    # — create, renew, stop: the family (the guardians, the student from the school's age),
    # not the staff who read the diary.
    "diary.manage_feed": is_guardian_of | is_the_student_of_age,
    # obj = School: the diary's entry page (the children of a parent, the student's own).
    "diary.index": is_parent | is_student,
    # obj = SchoolClass: who has and has not acknowledged the term marks.
    "diary.view_acknowledgements": is_administration | leads_the_class,
    # obj = SchoolClass: the fortnightly progress report of the class (seed 002, 2.2.2): preview,
    # the PDF for printing, sending it to the families by e-mail.
    "diary.progress_report": is_administration | leads_the_class,
    # obj = SchoolClass: whose sending or printing of the report counts as informing the class's
    # families (regulation 2.2.2): the class teacher's (the administration checks the report).
    "diary.inform_families": leads_the_class,
    # Messages and announcements (issue 5). obj = School: the inbox, a new conversation, the
    # address book, the announcements addressed to the user — anyone with a role in the school.
    "messaging.use": is_school_staff | is_parent | is_student,
    # Notifications (issue 5): everyone with a role reads their own and sets their choices;
    # the administrator sees the school's e-mails that wait for a retry or failed.
    "notifications.use": is_school_staff | is_parent | is_student,
    "notifications.view_deliveries": is_admin,
    # obj = messaging.rules.Recipient (a user within the school): staff write to anyone in the
    # school; parents to the teachers, class teachers and administration of their children;
    # students to their teachers and class teacher (DESIGN §4). A conversation is read and
    # answered by its participants only (messaging.access.thread_for: 404 for others).
    "messaging.write_to": may_write_to,
    # obj = School: publish announcements — the administration to the school, a parallel or a
    # class; teachers to the classes they lead or teach (messaging.rules.may_announce).
    "messaging.announce": is_administration | is_teacher,
    # Reports of the school's results and attendance (issue 12; seed 002 §2.2–2.5): the
    # administration sees the whole school; a class teacher their class; a teacher the report of
    # their own courses. Parents and students see none of the school's figures.
    "reports.index": is_administration | is_teacher,
    "reports.view_school": is_administration,
    # obj = SchoolClass: the class teacher's report of the class, its summary, its attendance.
    "reports.view_class": is_administration | leads_the_class,
    # obj = Staff: a teacher's report on their courses.
    "reports.view_teacher": is_administration | is_the_staff_member,
    # The control of the journals (issue 12; seed 002 regulation 2.1.7, 2.3.1, §5.4; seed 004).
    # obj = School: the control indicators — the administration the whole school, a teacher
    # their own courses and the class they lead (the page narrows the scope by the rules below).
    "oversight.view_indicators": is_administration | is_teacher,
    "oversight.view_school": is_administration,
    # obj = SchoolClass / Staff / Course: the indicators of one class, teacher or course.
    "oversight.view_class": is_administration | leads_the_class,
    "oversight.view_teacher": is_administration | is_the_staff_member,
    "oversight.view_course": is_administration | teaches_the_course | leads_the_course_class,
    # obj = Course: write a remark on its journal (the deputies; the director controls them).
    "oversight.write_remark": is_deputy | is_director,
    # obj = School: the list of remarks — the administration all, a teacher theirs.
    "oversight.list_remarks": is_administration | is_teacher,
    # obj = JournalRemark: read it; mark it fixed (its teacher); accept or reopen it (deputies).
    "oversight.view_remark": is_administration | is_the_remarks_teacher,
    "oversight.fix_remark": is_the_remarks_teacher,
    "oversight.check_remark": is_deputy | is_director,
    # obj = School: the справка of a check, kept for the archive (seed 002 §5.4).
    "oversight.check_report": is_deputy | is_director,
    # obj = School / SchoolClass: the lagging students and the preliminary report — the whole
    # school's for the administration, a class's for its class teacher.
    "oversight.view_lagging": is_administration,
    "oversight.view_class_lagging": is_administration | leads_the_class,
    # obj = Student: the work with a lagging student — read by the administration, the class
    # teacher, the student's subject teachers and the family; recorded by the staff among them.
    "oversight.view_support": is_administration
    | leads_the_class
    | teaches_the_students_class
    | is_guardian_of
    | is_the_student_of_age,
    "oversight.record_support": is_administration | leads_the_class | teaches_the_students_class,
    # obj = School: the control thresholds.
    "oversight.manage_settings": is_admin | is_deputy,
    # The printed journals and the archive (issue 13; seed 002 §4.1, §5.7–5.9). obj = School /
    # SchoolClass: print a class's journal, summary sheet and report cards, and see the
    # archive's term copies — the deputies print, the director signs.
    "archive.print": is_deputy | is_director,
    # obj = School / ArchivePackage: build and download the archive package of a year (the
    # whole year's personal data: the director, who answers for the archive).
    "archive.package": is_director,
    # The audit trail: who changed or viewed what (personal data access included).
    "audit.view_trail": is_admin | is_director,
    # Backups of the server (issue 13; seed 002 §4.2, §6.2.3: the administrator backs up and
    # restores). obj = School: its administrator sees the state and queues a backup now; the
    # restore is the server operator's command (zhurnal restore), no page.
    "backups.view": is_admin,
    "backups.run": is_admin,
    # Data exchange (issue 17). obj = School: the OneRoster package of the school — the director,
    # who answers for the personal data given out, decides on sharing the demographics too;
    # the regional upload's delivery state and «Upload now» — the administrator (seed 001,
    # step 17: «Выгрузка данных в РИД — системный администратор»).
    "exchange.export": is_director,
    "exchange.manage_consent": is_director,
    "exchange.view_uploads": is_admin,
    "exchange.run_upload": is_admin,
    # The year end (issue 13; seed 002 §6.2.3: the secretary closes the year, opens the next
    # one and promotes; the director may too; the deputies see the checklist). obj = School,
    # or the SchoolClass of a class's checklist and promotion.
    "yearend.view_checklist": is_director | is_deputy | is_secretary,
    "yearend.close_year": is_director | is_secretary,
    "yearend.promote": is_director | is_secretary,
}

for _name, _predicate in RULES.items():
    rules.add_perm(_name, _predicate)
