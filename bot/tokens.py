"""API bearer tokens: created for a user (shown once), stored as SHA-256, listed, revoked.

A token acts as its user, with that user's role, for as long as neither the token is revoked
nor the account disabled. `studybot tokens …` (bot/cli/tokens.py) and /api/v1 use this service.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update

from .accounts import User, _user, canonical_id
from .db import Database, api_tokens, users, utcnow
from .errors import AmbiguousToken, InvalidAccount, UnknownToken, UnknownUser

SCHEME = "sbk_"  # studybot key: recognisable in logs and secret scanners
PREFIX_CHARS = 12  # "sbk_" and 8 characters of the secret: enough to tell tokens apart
MAX_NAME = 100
# last_used_at is a hint for whoever reviews tokens, not an audit log: at most one write a minute.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class ApiToken:
    id: int
    prefix: str
    user_id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def to_json(self) -> dict:
        def iso(t):
            return t.isoformat(timespec="seconds") if t else None

        return {
            "id": self.id,
            "prefix": self.prefix,
            "user_id": self.user_id,
            "name": self.name,
            "created_at": iso(self.created_at),
            "last_used_at": iso(self.last_used_at),
            "revoked_at": iso(self.revoked_at),
            "active": self.active,
        }


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


class TokenService:
    def __init__(self, db: Database, *, now: Callable[[], datetime] = utcnow):
        self.db = db
        self._now = now

    def create(self, user_id: str, name: str = "") -> tuple[ApiToken, str]:
        """A new token for the user: the record and the secret, which is not stored and not shown again."""
        name = (name or "").strip()
        if len(name) > MAX_NAME:
            raise InvalidAccount(f"令牌名称太长：最多 {MAX_NAME} 个字符")
        uid = canonical_id(user_id)
        secret = SCHEME + secrets.token_urlsafe(32)
        now = self._now()
        with self.db.write() as conn:
            if conn.execute(select(users.c.id).where(users.c.id == uid)).first() is None:
                raise UnknownUser(user_id)
            result = conn.execute(
                insert(api_tokens).values(
                    token_hash=token_hash(secret),
                    prefix=secret[:PREFIX_CHARS],
                    user_id=uid,
                    name=name,
                    created_at=now,
                )
            )
            token_id = result.inserted_primary_key[0]
        return ApiToken(token_id, secret[:PREFIX_CHARS], uid, name, now, None, None), secret

    def list(self, user_id: str | None = None) -> list[ApiToken]:
        query = select(api_tokens).order_by(api_tokens.c.id)
        if user_id is not None:
            query = query.where(api_tokens.c.user_id == canonical_id(user_id))
        with self.db.read() as conn:
            return [_token(row) for row in conn.execute(query)]

    def revoke(self, ref: str) -> ApiToken:
        """Revoke by number (`3`), by prefix (`sbk_AbCd`) or by the whole secret; revoking twice is fine."""
        ref = (ref or "").strip()
        with self.db.write() as conn:
            rows = self._find(conn, ref)
            if not rows:
                raise UnknownToken(ref)
            if len(rows) > 1:
                raise AmbiguousToken(ref, [f"{r.id}（{r.prefix}…）" for r in rows[:5]])
            row = rows[0]
            if row.revoked_at is None:
                conn.execute(update(api_tokens).where(api_tokens.c.id == row.id).values(revoked_at=self._now()))
            row = conn.execute(select(api_tokens).where(api_tokens.c.id == row.id)).one()
        return _token(row)

    @staticmethod
    def _find(conn, ref: str):
        if not ref:
            return []
        if ref.isdigit():
            return conn.execute(select(api_tokens).where(api_tokens.c.id == int(ref))).all()
        if ref.startswith(SCHEME) and len(ref) > PREFIX_CHARS:
            return conn.execute(select(api_tokens).where(api_tokens.c.token_hash == token_hash(ref))).all()
        return conn.execute(select(api_tokens).where(api_tokens.c.prefix.startswith(ref, autoescape=True))).all()

    def user_for(self, secret: str | None) -> User | None:
        """The user a presented token acts as; None for a missing, unknown or revoked token or a disabled account."""
        if not secret or not isinstance(secret, str) or not secret.startswith(SCHEME) or len(secret) > 200:
            return None
        key = token_hash(secret)
        with self.db.read() as conn:
            row = conn.execute(
                select(api_tokens.c.id.label("token_id"), api_tokens.c.revoked_at, api_tokens.c.last_used_at, users)
                .join(users, users.c.id == api_tokens.c.user_id)
                .where(api_tokens.c.token_hash == key)
            ).one_or_none()
        if row is None or row.revoked_at is not None or row.disabled:
            return None
        now = self._now()
        if row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY:
            with self.db.write() as conn:
                conn.execute(update(api_tokens).where(api_tokens.c.id == row.token_id).values(last_used_at=now))
        return _user(row)


def _token(row) -> ApiToken:
    return ApiToken(row.id, row.prefix, row.user_id, row.name, row.created_at, row.last_used_at, row.revoked_at)
