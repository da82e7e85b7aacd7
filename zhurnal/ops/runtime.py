"""Process tuning of a serving process (docs/operations.md, docs/performance.md).

CPython's cyclic garbage collector walks every tracked object in its oldest generation on a
full collection: in a worker that has loaded Django and Zhurnal that is ~150,000 objects and
~110 ms, paid by whichever request happens to trigger it (the p95 and max of the benchmark).
The objects made while starting up live as long as the process, so they are moved out of the
collector's sight once, after loading everything a request will import
(``gc.freeze``, https://docs.python.org/3/library/gc.html#gc.freeze).
"""

from __future__ import annotations

import gc


def freeze_startup_objects() -> None:
    """Import what the first request would (the URLconf imports every view module), then
    collect once and freeze the survivors: full collections afterwards only look at objects
    made while serving. Call it once per process, after the WSGI application is built."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 -- loads the URLconf and the views it imports
    gc.collect()
    gc.freeze()
