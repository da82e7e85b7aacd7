"""Sessions kept in the database and read through the shared cache (Redis), when the
deployment configures one (``ZHURNAL_REDIS_URL``; settings.py selects this engine then).

Every page reads its session: from Redis that is one key lookup instead of an SQL statement
(docs/performance.md, "The floor"). The database stays the record — a session survives a
restart of Redis — and the cache only a copy, so two rules keep a copy from outliving its
session (DESIGN §5: a signed-out session must not sign anyone in):

- a logout deletes the cached copy *before* the row: were the cache unreachable, the logout
  fails visibly and the session stays whole, rather than leaving a copy that still signs the
  user in for the rest of its lifetime;
- while the cache is unreachable, sessions are read from and written to the database alone
  (the copy is refreshed by the next write, within ``KEEPALIVE_SECONDS``).

Never used with a per-process cache (locmem): a logout served by one web worker would leave
the copy in the others.
"""

from __future__ import annotations

import logging

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.db import SessionStore as DatabaseStore

logger = logging.getLogger(__name__)


class SessionStore(cached_db.SessionStore):
    def load(self) -> dict:
        try:
            data = self._cache.get(self.cache_key)
            reachable = True
        except Exception:  # the cache backend's errors (Redis unreachable, timeouts)
            logger.warning("Sessions: the cache is unreachable, read from the database")
            data, reachable = None, False
        if data is not None:
            return data
        row = self._get_session_from_db()
        if row is None:
            return {}
        data = self.decode(row.session_data)
        if reachable:
            try:
                self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=row.expire_date))
            except Exception:  # as above: the next write copies it
                logger.warning("Sessions: the cache is unreachable, not copied")
        return data

    def exists(self, session_key: str) -> bool:
        try:
            return super().exists(session_key)
        except Exception:  # as in ``load``
            return DatabaseStore.exists(self, session_key)

    def delete(self, session_key: str | None = None) -> None:
        session_key = session_key or self.session_key
        if session_key is None:
            return
        # The copy first (see the module's rules): an unreachable cache raises here.
        self._cache.delete(self.cache_key_prefix + session_key)
        DatabaseStore.delete(self, session_key)
