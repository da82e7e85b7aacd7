import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 in production; a fast hasher keeps the suite quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]



@pytest.fixture
def english(settings):
    """The interface in English (tests that read messages by their English msgids; the
    Russian catalogue itself is checked in test_translations.py)."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
