"""A real OpenID Connect provider for the sign-in tests (issue 17): the npm `oidc-provider`
package (tests/oidc/package.json, installed by `npm ci` — the Makefile's test target does it,
and so does ``start`` when it is missing) run with Node.js on a free port of the loopback.

Two clients: ``zhurnal`` (Zhurnal's) and ``other-app`` (a token issued to it carries another
audience). ``sign_in`` walks the provider's pages as a browser would, with ``requests``.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlparse

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

NODE_DIR = Path(__file__).parent / "oidc"
SECRET = "zhurnal-test-secret-0123456789abcdef"
OTHER_SECRET = "other-app-secret-0123456789abcdef"


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _private_jwk() -> dict:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    numbers = key.private_numbers()
    public = numbers.public_numbers
    return {
        "kty": "RSA",
        "kid": "test-key",
        "alg": "RS256",
        "use": "sig",
        "n": _b64(public.n),
        "e": _b64(public.e),
        "d": _b64(numbers.d),
        "p": _b64(numbers.p),
        "q": _b64(numbers.q),
        "dp": _b64(numbers.dmp1),
        "dq": _b64(numbers.dmq1),
        "qi": _b64(numbers.iqmp),
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"OpenID provider: {reason} (CI=true requires it)")
    pytest.skip(f"OpenID provider: {reason}")


@dataclass
class Provider:
    issuer: str
    process: subprocess.Popen

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start(redirect_uris: list[str]) -> Provider:
    node = shutil.which("node")
    if node is None:
        _unavailable("no Node.js")
    if not (NODE_DIR / "node_modules" / "oidc-provider").is_dir():
        if shutil.which("npm") is None:
            _unavailable("no npm to install oidc-provider")
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, check=True, timeout=600
        )
    port = _free_port()
    clients = [
        {
            "client_id": "zhurnal",
            "client_secret": SECRET,
            "redirect_uris": redirect_uris,
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_post",
        },
        {
            "client_id": "other-app",
            "client_secret": OTHER_SECRET,
            "redirect_uris": ["http://127.0.0.1/other-app/callback"],
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_post",
        },
    ]
    config = {"port": port, "jwk": _private_jwk(), "clients": clients}
    process = subprocess.Popen(
        [node, str(NODE_DIR / "provider.mjs")],
        cwd=NODE_DIR,
        env={**os.environ, "OIDC_TEST_CONFIG": json.dumps(config)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    said = []  # its warnings first (e.g. Node.js 20 is not its preferred runtime), then "ready"
    while not said or said[-1].strip() != "ready":
        line = process.stdout.readline()
        if not line:
            process.kill()
            raise RuntimeError(f"oidc-provider did not start: {''.join(said)}")
        said.append(line)
    return Provider(issuer=f"http://127.0.0.1:{port}", process=process)


def settings_for(settings, provider: Provider) -> None:
    """Point Zhurnal at the provider (pytest-django's ``settings``)."""
    from zhurnal.accounts.oidc import forget_discovery

    forget_discovery()
    settings.ZHURNAL_OIDC_ISSUER = provider.issuer
    settings.OIDC_RP_CLIENT_ID = "zhurnal"
    settings.OIDC_RP_CLIENT_SECRET = SECRET


def sign_in(authorize_url: str, login: str) -> str:
    """The provider's pages as a browser walks them, for ``login``: returns the address the
    provider sends the browser back to (the client's redirect URI with code and state)."""
    browser = requests.Session()
    response = browser.get(authorize_url, allow_redirects=False, timeout=10)
    for _hop in range(10):
        location = response.headers.get("Location")
        if location is None:
            action = re.search(r'action="([^"]+)"', response.text)
            assert action, response.text
            response = browser.post(
                urljoin(response.url, action.group(1)),
                data={"login": login, "password": "x"},
                allow_redirects=False,
                timeout=10,
            )
            continue
        target = urljoin(response.url, location)
        if "code=" in urlparse(target).query or "error=" in urlparse(target).query:
            return target
        response = browser.get(target, allow_redirects=False, timeout=10)
    raise AssertionError("the provider did not send the browser back")


def query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlparse(url).query).items()}
