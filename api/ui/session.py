"""Signed session cookies and CSRF tokens for the web interface (sesi dan token formulir).

The bearer token is pasted once and never kept: the cookie names the account and is
signed with HMAC-SHA256 under the server's session secret, so it cannot be forged or
edited, and every request reloads the account, so a revoked account is signed out at once.
Every form carries a CSRF token derived from the session's random nonce.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

COOKIE = "berkas_session"
LIFETIME_SECONDS = 8 * 3600  # one working day


@dataclass(frozen=True)
class Session:
    user_id: str | None  # None: a visitor who has not signed in yet
    nonce: str
    issued: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Sessions:
    def __init__(self, secret: bytes):
        if len(secret) < 32:
            raise ValueError("the session secret must be at least 32 bytes")
        self._secret = secret

    def _mac(self, purpose: bytes, payload: bytes) -> bytes:
        return hmac.new(self._secret, purpose + b"\0" + payload, hashlib.sha256).digest()

    def issue(self, user_id: str | None, now: float | None = None) -> tuple[Session, str]:
        """A new session (always a new nonce: signing in never keeps a visitor's session)."""
        session = Session(user_id, secrets.token_urlsafe(24), int(now if now is not None else time.time()))
        payload = json.dumps([session.user_id, session.nonce, session.issued], separators=(",", ":")).encode()
        return session, f"{_b64(payload)}.{_b64(self._mac(b'session', payload))}"

    def read(self, value: str | None, now: float | None = None) -> Session | None:
        """The session a cookie carries, or None when it is missing, forged, edited or expired."""
        if not value or len(value) > 512 or value.count(".") != 1:
            return None
        body, mac = value.split(".")
        try:
            payload, signature = _unb64(body), _unb64(mac)
        except (ValueError, TypeError):
            return None
        if not hmac.compare_digest(signature, self._mac(b"session", payload)):
            return None
        user_id, nonce, issued = json.loads(payload)
        if (now if now is not None else time.time()) - issued > LIFETIME_SECONDS:
            return None
        return Session(user_id, nonce, issued)

    def csrf_token(self, session: Session) -> str:
        return _b64(self._mac(b"csrf", session.nonce.encode()))

    def csrf_valid(self, session: Session | None, token: str | None) -> bool:
        return bool(session and token) and hmac.compare_digest(self.csrf_token(session), token)
