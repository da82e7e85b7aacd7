"""The demo logins, one per role, all with the same known password (README "Demo logins").

They exist only in the first demo school and never have to change the password.
"""

from __future__ import annotations

from dataclasses import dataclass

from zhurnal.accounts.models import Role

DEMO_PASSWORD = "zhurnal-demo"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    description: str


DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin(Role.ADMIN, "admin", "school administrator: structure, users, import, settings"),
    DemoLogin(Role.DIRECTOR, "director", "the director: sees every page of the school"),
    DemoLogin(Role.DEPUTY, "deputy", "deputy director (УВР): structure, curriculum, courses"),
    DemoLogin(Role.TEACHER, "teacher", "a mathematics teacher and the class teacher of 5А"),
    DemoLogin(Role.SECRETARY, "secretary", "the student register: admissions, transfers"),
    DemoLogin(Role.HR, "hr", "staff records"),
    DemoLogin(Role.PARENT, "parent", "a mother of two children, in 5А and 8Б"),
    DemoLogin(Role.STUDENT, "student", "a student of 10А, old enough to log in"),
)

DEMO_USERNAMES = frozenset(login.username for login in DEMO_LOGINS)
