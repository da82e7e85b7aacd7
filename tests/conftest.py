import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 in production; a fast hasher keeps the suite quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

