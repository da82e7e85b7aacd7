"""The peak mix's rates (issue 18), shared by the locustfile and ``load/run.py``: the district's
peak — 146 journal writes a second and 28,500 parent and student logins an hour — kept in its
proportions and scaled to ``writes`` saves a second, what one machine is asked to serve."""

from __future__ import annotations

DISTRICT_WRITES = 146.0
DISTRICT_LOGINS = 28_500 / 3_600  # 7.9 a second
TEACHER_PACE = 2.0  # seconds between one teacher's saves: a cell typed every 2 s
FAMILY_PACE = 10.0  # seconds between one family user's visits (sign in, week, marks)
DEPUTY_PACE = 15.0  # seconds between one deputy's indicator pages (on average)
# The deputies' indicator pages: one per 146 writes, i.e. one a second at the district's peak
# (its ~500 schools' deputies each opening one about every 8 minutes).
INDICATORS_PER_WRITE = 1 / DISTRICT_WRITES


def counts(writes: float, mix: str = "peak", families: int = 0) -> dict[str, int]:
    """The simulated users of each kind for ``writes`` saves a second: teachers saving one
    cell every ``TEACHER_PACE`` s, families signing in at the district's ratio of logins to
    writes (each visit: login, the diary's week and marks), deputies. In the burst the
    families are ``families`` arriving at once."""
    logins = writes * DISTRICT_LOGINS / DISTRICT_WRITES
    return {
        "Teacher": max(1, round(writes * TEACHER_PACE)),
        "Family": families if mix == "burst" else max(1, round(logins * FAMILY_PACE)),
        "Deputy": max(1, round(writes * INDICATORS_PER_WRITE * DEPUTY_PACE)),
    }
