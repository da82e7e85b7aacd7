import pytest

# The REST API tests' constants, helpers and their ``world`` and ``api`` fixtures.
pytest_plugins = ["tests.api_support"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """On a Citus coordinator (a server that preloads ``citus``: ``make test-citus``) the test
    database, once migrated, is distributed as a region's is (``zhurnal distribute``); SQLite
    and plain PostgreSQL keep the migrated schema as it is."""
    from django.core.management import call_command
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SHOW shared_preload_libraries")
                on_citus = "citus" in cursor.fetchone()[0]
            if on_citus:
                call_command("distribute", shard_count=8, verbosity=0)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 in production; a fast hasher keeps the suite quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _uploads_in_a_temporary_folder(settings, tmp_path_factory):
    """Attachments saved by a test go to a temporary folder, never to the checkout's var/."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _empty_caches():
    """Each test starts with empty caches: a rolled-back database gives the next test's rows
    the same ids and versions (a journal grid cached by one test must not serve another)."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()


@pytest.fixture
def english(settings):
    """The interface in English (tests that read messages by their English msgids; the
    Russian catalogue itself is checked in test_translations.py)."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
