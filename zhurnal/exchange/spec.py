"""The tables of the OneRoster 1.2 CSV binding that Zhurnal writes (1EdTech OneRoster: CSV
Binding, Final Release, spec version 1.2.1, document version 5, 22 August 2023,
https://www.imsglobal.org/spec/oneroster/v1p2/bind/csv, §3 "CSV format": one table per file):
each file's columns in the specification's order, which of them are required (must never be
blank), the manifest's properties, the references between files and the vocabularies.

Kept as data so that the writer (``oneroster.py``) and the tests read the same tables; the
tests check every file of a package against them and check these tables against the
specification's own, written out in ``tests/test_exchange.py``. docs/oneroster.md names the
sources the tables were verified against.

1.2.1 differs from the first 1.2 release (2022) in ``users.csv``: the column
``resourceSourcedIds`` (after ``userMasterIdentifier``) was dropped, a user's resources being
given by ``userResources.csv``; 1.2.1 is the Final Release, so ``users.csv`` has 22 columns."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Table:
    """One CSV file of the binding: its name, its columns in order, the required ones."""

    name: str
    columns: tuple[str, ...]
    required: frozenset[str]

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"


def _table(name: str, columns: str, required: str) -> Table:
    return Table(name, tuple(columns.split()), frozenset(required.split()))


# Every data record starts with sourcedId, status, dateLastModified. In a file processed as
# "bulk" (the manifest's file.<name>) status and dateLastModified are left blank: they belong
# to "delta" processing (§2, processing modes), and a bulk file is the whole set.
_BASE = "sourcedId status dateLastModified "
BULK_BLANK = ("status", "dateLastModified")

# §3, orgs.csv
ORGS = _table("orgs", _BASE + "name type identifier parentSourcedId", "sourcedId name type")
# §3, academicSessions.csv
ACADEMIC_SESSIONS = _table(
    "academicSessions",
    _BASE + "title type startDate endDate parentSourcedId schoolYear",
    "sourcedId title type startDate endDate schoolYear",
)
# §3, courses.csv
COURSES = _table(
    "courses",
    _BASE + "schoolYearSourcedId title courseCode grades orgSourcedId subjects subjectCodes",
    "sourcedId title orgSourcedId",
)
# §3, classes.csv
CLASSES = _table(
    "classes",
    _BASE + "title grades courseSourcedId classCode classType location schoolSourcedId "
    "termSourcedIds subjects subjectCodes periods",
    "sourcedId title courseSourcedId classType schoolSourcedId termSourcedIds",
)
# §3, users.csv (1.2: the orgs and roles of a user are in roles.csv)
USERS = _table(
    "users",
    _BASE + "enabledUser username userIds givenName familyName middleName identifier email "
    "sms phone agentSourcedIds grades password userMasterIdentifier preferredGivenName "
    "preferredMiddleName preferredFamilyName primaryOrgSourcedId pronouns",
    "sourcedId enabledUser username givenName familyName",
)
# §3, roles.csv
ROLES = _table(
    "roles",
    _BASE + "userSourcedId roleType role beginDate endDate orgSourcedId userProfileSourcedId",
    "sourcedId userSourcedId roleType role orgSourcedId",
)
# §3, enrollments.csv
ENROLLMENTS = _table(
    "enrollments",
    _BASE + "classSourcedId schoolSourcedId userSourcedId role primary beginDate endDate",
    "sourcedId classSourcedId schoolSourcedId userSourcedId role",
)
# §3, demographics.csv (sourcedId is the user's)
DEMOGRAPHICS = _table(
    "demographics",
    _BASE + "birthDate sex americanIndianOrAlaskaNative asian blackOrAfricanAmerican "
    "nativeHawaiianOrOtherPacificIslander white demographicRaceTwoOrMoreRaces "
    "hispanicOrLatinoEthnicity countryOfBirthCode stateOfBirthAbbreviation cityOfBirth "
    "publicSchoolResidenceStatus",
    "sourcedId",
)
# §3, categories.csv
CATEGORIES = _table("categories", _BASE + "title weight", "sourcedId title")
# §3, lineItems.csv
LINE_ITEMS = _table(
    "lineItems",
    _BASE + "title description assignDate dueDate classSourcedId categorySourcedId "
    "academicSessionSourcedId resultValueMin resultValueMax schoolSourcedId",
    "sourcedId title assignDate dueDate classSourcedId categorySourcedId academicSessionSourcedId "
    "schoolSourcedId",
)
# §3, results.csv (a result's score scale and learning objectives are in resultScoreScales.csv
# and resultLearningObjectiveIds.csv, a line item's in lineItemScoreScales.csv and
# lineItemLearningObjectiveIds.csv: the CSV binding has no such columns in these two files)
RESULTS = _table(
    "results",
    _BASE + "lineItemSourcedId studentSourcedId scoreStatus score scoreDate comment textScore "
    "classSourcedId inProgress incomplete late missing",
    "sourcedId lineItemSourcedId studentSourcedId scoreStatus scoreDate",
)
# §3, scoreScales.csv
SCORE_SCALES = _table(
    "scoreScales",
    _BASE + "title type orgSourcedId courseSourcedId classSourcedId scoreScaleValue",
    "sourcedId title type orgSourcedId courseSourcedId classSourcedId scoreScaleValue",
)

# The files Zhurnal writes, in the order of the package.
WRITTEN = (
    ORGS,
    ACADEMIC_SESSIONS,
    COURSES,
    CLASSES,
    USERS,
    ROLES,
    ENROLLMENTS,
    DEMOGRAPHICS,
    CATEGORIES,
    LINE_ITEMS,
    RESULTS,
    SCORE_SCALES,
)

# §3, manifest.csv: two columns, then one property per row: the versions, a file.<name> for
# every file of the binding ("bulk", "delta" or "absent"), and the source system. Zhurnal has no
# data for the files it does not write (resources, user profiles, learning objectives, score
# scales per line item or result): they are "absent".
MANIFEST_COLUMNS = ("propertyName", "value")
MANIFEST_VERSION = "1.0"
ONEROSTER_VERSION = "1.2"
MANIFEST_FILES = (
    "academicSessions",
    "categories",
    "classes",
    "classResources",
    "courses",
    "courseResources",
    "demographics",
    "enrollments",
    "lineItemLearningObjectiveIds",
    "lineItems",
    "lineItemScoreScales",
    "orgs",
    "resources",
    "resultLearningObjectiveIds",
    "results",
    "resultScoreScales",
    "roles",
    "scoreScales",
    "userProfiles",
    "userResources",
    "users",
)

# The references between the files the tests resolve: (file, column) -> the file whose
# sourcedIds it names. A list column (``termSourcedIds``, ``agentSourcedIds``) names several.
REFERENCES = {
    ("orgs", "parentSourcedId"): "orgs",
    ("academicSessions", "parentSourcedId"): "academicSessions",
    ("courses", "schoolYearSourcedId"): "academicSessions",
    ("courses", "orgSourcedId"): "orgs",
    ("classes", "courseSourcedId"): "courses",
    ("classes", "schoolSourcedId"): "orgs",
    ("classes", "termSourcedIds"): "academicSessions",
    ("users", "agentSourcedIds"): "users",
    ("users", "primaryOrgSourcedId"): "orgs",
    ("roles", "userSourcedId"): "users",
    ("roles", "orgSourcedId"): "orgs",
    ("enrollments", "classSourcedId"): "classes",
    ("enrollments", "schoolSourcedId"): "orgs",
    ("enrollments", "userSourcedId"): "users",
    ("demographics", "sourcedId"): "users",
    ("lineItems", "classSourcedId"): "classes",
    ("lineItems", "categorySourcedId"): "categories",
    ("lineItems", "academicSessionSourcedId"): "academicSessions",
    ("lineItems", "schoolSourcedId"): "orgs",
    ("results", "lineItemSourcedId"): "lineItems",
    ("results", "studentSourcedId"): "users",
    ("results", "classSourcedId"): "classes",
    ("scoreScales", "orgSourcedId"): "orgs",
    ("scoreScales", "courseSourcedId"): "courses",
    ("scoreScales", "classSourcedId"): "classes",
}
LIST_COLUMNS = frozenset({"termSourcedIds", "agentSourcedIds", "grades", "subjects"})

# The vocabularies (the information model's enumerations). An extensible one also takes a token
# ``ext:`` + letters, digits, ".", "-", "_" (Zhurnal's own values where OneRoster has none).
SESSION_TYPES = frozenset({"gradingPeriod", "semester", "schoolYear", "term"})
CLASS_TYPES = frozenset({"homeroom", "scheduled"})
ROLE_TYPES = frozenset({"primary", "secondary"})
ROLE_VALUES = frozenset(
    {
        "aide",
        "counselor",
        "districtAdministrator",
        "guardian",
        "parent",
        "principal",
        "proctor",
        "relative",
        "siteAdministrator",
        "student",
        "systemAdministrator",
        "teacher",
    }
)
ENROLLMENT_ROLES = frozenset({"administrator", "proctor", "student", "teacher"})
SCORE_STATUSES = frozenset(
    {"exempt", "fully graded", "not submitted", "partially graded", "submitted"}
)
ORG_TYPES = frozenset({"department", "district", "local", "national", "school", "state"})
SEXES = frozenset({"male", "female", "unspecified", "other"})

# (file, column) -> (its vocabulary, whether ``ext:`` tokens extend it).
VOCABULARIES = {
    ("orgs", "type"): (ORG_TYPES, True),
    ("academicSessions", "type"): (SESSION_TYPES, True),
    ("classes", "classType"): (CLASS_TYPES, True),
    ("roles", "roleType"): (ROLE_TYPES, False),
    ("roles", "role"): (ROLE_VALUES, True),
    ("enrollments", "role"): (ENROLLMENT_ROLES, True),
    ("results", "scoreStatus"): (SCORE_STATUSES, True),
    ("demographics", "sex"): (SEXES, True),
}

EXTENSION = re.compile(r"^ext:[a-zA-Z0-9.\-_]+$")


def is_extension(value: str) -> bool:
    """A token of an extended vocabulary: ``ext:`` followed by the token."""
    return bool(EXTENSION.match(value))
