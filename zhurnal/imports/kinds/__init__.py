"""One module per kind of import: how its rows are matched against the database (the preview)
and written (the commit). ``zhurnal.imports.services`` is the public entry point and
dispatches here; ``base`` holds what the kinds share (row statuses, changes, the plan)."""
