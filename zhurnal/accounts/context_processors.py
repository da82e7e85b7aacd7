from . import second_factor

# The menu's school-wide permissions: template name -> rule (zhurnal.permissions).
NAV_PERMISSIONS = {
    "view_structure": "school.view_structure",
    "manage_structure": "school.manage_structure",
    "view_register": "school.view_register",
    "view_staff": "school.view_staff",
    "import_students": "school.import_students",
    "import_staff": "school.import_staff",
    "manage_settings": "school.manage_settings",
    "view_trail": "audit.view_trail",
    "view_timetable": "timetable.view",
    "manage_timetable": "timetable.manage",
    "view_plans": "planning.view_plans",
    "view_fulfilment": "planning.view_fulfilment",
    "list_journals": "journal.list",
    "diary": "diary.index",
    "control_journals": "journal.view_changes",
    "journal_settings": "journal.manage_settings",
    "view_deliveries": "notifications.view_deliveries",
    "view_backups": "backups.view",
    "run_backups": "backups.run",
    "oneroster": "exchange.export",
    "regional_upload": "exchange.view_uploads",
    "view_assessments": "timetable.view_assessments",
    "reports": "reports.index",
    "archive": "archive.print",
    "oversight": "oversight.view_indicators",
    "oversight_settings": "oversight.manage_settings",
    "year_end": "yearend.view_checklist",
    "promote_year": "yearend.promote",
}


def current_school(request):
    """The current school, the switcher's list and the school-wide permissions for the menu."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if second_factor.pending(request):
        # Signed in but not through yet: no menu, nothing of the school (its badges would
        # load the code's page into the menu).
        return {"second_factor_pending": True}
    school = getattr(request, "school", None)
    perms = {}
    if school is not None:
        perms = {key: user.has_perm(rule, school) for key, rule in NAV_PERMISSIONS.items()}
    return {
        "current_school": school,
        "user_schools": getattr(request, "schools", []),
        "perms_school": perms,
    }
