"""Accounts: users, password hashing, login throttling and login sessions.

Reading a file of accounts lives in bot/account_import.py; AccountService.import_file adds them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, delete, insert, select, update

from .account_import import (
    ImportReport,
    RowIssue,
    read_account_rows,
)
from .db import Database, login_throttle, sessions, users, utcnow
from .errors import (
    AccountDisabled,
    AccountLocked,
    DuplicateUser,
    InvalidAccount,
    LoginFailed,
    UnknownUser,
)
from .settings import Settings

# What people write in the 角色 column of a spreadsheet, mapped to the stored role.
ROLE_ALIASES = {
    "officer": "officer",
    "执法人员": "officer",
    "执法员": "officer",
    "学员": "officer",
    "trainer": "trainer",
    "培训管理员": "trainer",
    "管理员": "trainer",
    "教员": "trainer",
    "admin": "admin",
    "系统管理员": "admin",
    "超级管理员": "admin",
}
ROLE_NAMES = {"officer": "执法人员", "trainer": "培训管理员", "admin": "系统管理员"}
ID_PATTERN = re.compile(r"[A-Z0-9_-]{1,64}")
MIN_PASSWORD, MAX_PASSWORD = 8, 200
MAX_NAME, MAX_UNIT = 100, 200

FAILURES_BEFORE_LOCK = 5
FIRST_LOCK = timedelta(seconds=30)
MAX_LOCK = timedelta(minutes=15)
# A failure this old no longer counts towards a lock: a typo last week should not lock today.
FAILURE_MEMORY = timedelta(hours=24)
# Failures allowed before a wait, per throttle key. The account-from-one-source key is the one an
# owner meets after typos; the others stop guessing spread over many sources or many accounts,
# without letting one source lock an owner who signs in from elsewhere.
THROTTLE_LIMITS = {"p": FAILURES_BEFORE_LOCK, "s": 20, "a": 50}
LOCAL_SOURCE = "local"
# A session's last_seen is a hint for housekeeping: one write a minute, not one per request.
LAST_SEEN_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class User:
    id: str
    name: str
    unit: str
    role: str
    disabled: bool = False
    must_change_password: bool = field(default=False, compare=False)

    @property
    def is_trainer(self) -> bool:
        """Trainers manage their own unit; admins have every trainer power, for every unit."""
        return self.role in ("trainer", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def role_name(self) -> str:
        return ROLE_NAMES.get(self.role, self.role)

    def manages(self, unit: str) -> bool:
        """Whether this user may manage the accounts and records of a unit."""
        return self.is_admin or (self.role == "trainer" and self.unit == unit)


@dataclass(frozen=True)
class ScryptParams:
    n: int = 2**14
    r: int = 8
    p: int = 1


DEFAULT_SCRYPT = ScryptParams()


def hash_password(password: str, params: ScryptParams = DEFAULT_SCRYPT) -> str:
    """'scrypt$n$r$p$salt$hash': the parameters travel with the hash so they can be raised later."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, params, 32)
    b64 = [base64.b64encode(x).decode("ascii") for x in (salt, digest)]
    return "$".join(["scrypt", str(params.n), str(params.r), str(params.p), *b64])


def verify_password(password: str, stored: str) -> bool:
    parsed = _parse_hash(stored)
    if parsed is None:
        return False
    params, salt, expected = parsed
    return hmac.compare_digest(_scrypt(password, salt, params, len(expected)), expected)


def _parse_hash(stored: str) -> tuple[ScryptParams, bytes, bytes] | None:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return None
        salt_bytes, digest_bytes = base64.b64decode(salt), base64.b64decode(digest)
        return ScryptParams(int(n), int(r), int(p)), salt_bytes, digest_bytes
    except ValueError:  # also binascii.Error
        return None


def _scrypt(password: str, salt: bytes, params: ScryptParams, dklen: int) -> bytes:
    # maxmem must cover scrypt's 128·r·(n+p+2) bytes, or larger future parameters would fail.
    maxmem = 128 * params.r * (params.n + params.p + 2) + 1024 * 1024
    secret = _normalize_password(password).encode("utf-8")
    return hashlib.scrypt(secret, salt=salt, n=params.n, r=params.r, p=params.p, maxmem=maxmem, dklen=dklen)


def _normalize_password(password: str) -> str:
    # A Chinese input method left in full-width mode types "ｐａｓｓ１２３"; NFKC makes that the
    # same password as "pass123", so it works however the officer's keyboard is set.
    return unicodedata.normalize("NFKC", password or "")


def canonical_id(raw: str) -> str:
    """Full-width becomes ASCII and letters upper case, so 'gd-001' and 'ＧＤ-001' match."""
    return unicodedata.normalize("NFKC", raw or "").strip().upper()


def check_password(password: str) -> None:
    size = len(_normalize_password(password))
    if size < MIN_PASSWORD:
        raise InvalidAccount(f"密码太短：至少需要 {MIN_PASSWORD} 个字符，请换一个更长的密码")
    if size > MAX_PASSWORD:
        raise InvalidAccount(f"密码太长：最多 {MAX_PASSWORD} 个字符")


def validate_account(user_id: str, name: str, unit: str, role: str, password: str) -> dict:
    """The cleaned fields of a new account, or InvalidAccount naming the field and the rule."""
    uid = canonical_id(user_id)
    if not uid:
        raise InvalidAccount("执法证号/工号不能为空，请填写账号")
    if not ID_PATTERN.fullmatch(uid):
        raise InvalidAccount(f"执法证号/工号 {user_id!r} 格式不对：只能使用英文字母、数字、- 和 _，最长 64 个字符")
    fields = {"id": uid}
    for key, value, label, limit in (("name", name, "姓名", MAX_NAME), ("unit", unit, "单位", MAX_UNIT)):
        fields[key] = (value or "").strip()
        if not fields[key]:
            raise InvalidAccount(f"{label}不能为空，请填写{label}")
        if len(fields[key]) > limit:
            raise InvalidAccount(f"{label}太长：最多 {limit} 个字符")
    fields["role"] = ROLE_ALIASES.get((role or "").strip().lower())
    if fields["role"] is None:
        raise InvalidAccount(
            f"角色 {role!r} 无效，请填写 officer（执法人员）、trainer（培训管理员）或 admin（系统管理员）"
        )
    check_password(password)
    return {**fields, "password": password}


def lock_delay(failures: int, limit: int = FAILURES_BEFORE_LOCK) -> timedelta:
    """30 s at the `limit`-th consecutive failure, doubling with each further one, at most 15 minutes."""
    if failures < limit:
        return timedelta(0)
    doublings = min(failures - limit, 10)  # past 10 the cap applies anyway
    return min(FIRST_LOCK * 2**doublings, MAX_LOCK)


def throttle_keys(uid: str, source: str) -> dict[str, str]:
    """The throttle rows one attempt counts against, by kind (see THROTTLE_LIMITS)."""
    source = (source or LOCAL_SOURCE)[:100]
    return {"p": f"p:{uid}|{source}", "s": f"s:{source}", "a": f"a:{uid}"}


class AccountService:
    """Users, logins and sessions; the web page and the CLI share this object."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        now: Callable[[], datetime] = utcnow,
        scrypt: ScryptParams = DEFAULT_SCRYPT,
    ):
        self.db = db
        self.session_length = timedelta(hours=settings.session_hours)
        self._now = now
        self.scrypt = scrypt
        self._dummy_hash: str | None = None

    # --- users ---

    def add_user(self, user_id: str, name: str, unit: str, role: str, password: str, must_change: bool = True) -> User:
        """Add an account. Its initial password is one somebody else chose, so by default the
        officer must replace it at the first sign-in."""
        row = self._new_row(validate_account(user_id, name, unit, role, password), self._now(), must_change)
        with self.db.write() as conn:
            existing = self._row(conn, row["id"])
            if existing is not None:
                raise DuplicateUser(row["id"], existing.name)
            conn.execute(insert(users).values(**row))
        return User(row["id"], row["name"], row["unit"], row["role"], must_change_password=row["must_change_password"])

    def get_user(self, user_id: str) -> User:
        with self.db.read() as conn:
            row = self._row(conn, canonical_id(user_id))
        if row is None:
            raise UnknownUser(user_id)
        return _user(row)

    def list_users(self, unit: str | None = None) -> list[User]:
        query = select(users).order_by(users.c.unit, users.c.id)
        if unit is not None:
            query = query.where(users.c.unit == unit.strip())
        with self.db.read() as conn:
            return [_user(row) for row in conn.execute(query)]

    def set_password(self, user_id: str, password: str, must_change: bool = False) -> None:
        """Set a password: the user's own change (`must_change` False) or a trainer's reset
        (True: the officer replaces it at the next sign-in). Clears the account's throttle and
        ends its sessions, so a leaked session does not outlive the old password."""
        check_password(password)
        new_hash = hash_password(password, self.scrypt)
        uid = canonical_id(user_id)
        with self.db.write() as conn:
            done = conn.execute(
                update(users).where(users.c.id == uid).values(password_hash=new_hash, must_change_password=must_change)
            )
            if not done.rowcount:
                raise UnknownUser(user_id)
            conn.execute(
                delete(login_throttle).where(
                    (login_throttle.c.key == f"a:{uid}") | login_throttle.c.key.startswith(f"p:{uid}|")
                )
            )
            conn.execute(delete(sessions).where(sessions.c.user_id == uid))

    def set_disabled(self, user_id: str, disabled: bool = True) -> None:
        """Stop (or restore) an account without losing its feedback and study records."""
        uid = canonical_id(user_id)
        with self.db.write() as conn:
            done = conn.execute(update(users).where(users.c.id == uid).values(disabled=disabled))
            if not done.rowcount:
                raise UnknownUser(user_id)
            if disabled:
                conn.execute(delete(sessions).where(sessions.c.user_id == uid))

    def import_file(self, path: str | Path, unit: str | None = None) -> ImportReport:
        """Add the accounts in a CSV or XLSX file, all or nothing.

        Header ``id,name,unit,role,password`` or 执法证号,姓名,单位,角色,密码 (extra columns are
        ignored, cells are trimmed, blank rows skipped); CSV in UTF-8 with or without BOM, or GBK
        as Excel saves it. With `unit` (a trainer's import) every row must be of that unit and
        no row may create an admin. If any row is bad, nothing is added and the report lists every bad row,
        so the trainer fixes the file and imports the same file again. An id already in the
        database under the same name is skipped (a re-import of a master list); under another
        name it is a bad row.
        """
        rows, problems = read_account_rows(path, validate_account)
        if unit is not None:
            for r in list(rows):
                if r["unit"] != unit or r["role"] == "admin":
                    rows.remove(r)
                    what = (
                        f"单位「{r['unit']}」不是您的单位「{unit}」"
                        if r["unit"] != unit
                        else "只有系统管理员可以添加系统管理员"
                    )
                    problems.append(RowIssue(r["line"], r["id"], f"{what}，不能导入"))
        new_rows, skipped = [], []
        with self.db.read() as conn:
            existing = self._existing_names(conn, [r["id"] for r in rows])
        for r in rows:
            name = existing.get(r["id"])
            if name is None:
                new_rows.append(r)
            elif name == r["name"]:
                skipped.append(RowIssue(r["line"], r["id"], f"账号已存在（{name}），未作修改"))
            else:
                problems.append(RowIssue(r["line"], r["id"], f"执法证号已被「{name}」使用，请核对是否填错"))
        if problems:
            return ImportReport((), tuple(skipped), tuple(sorted(problems)))

        # Hash before taking the write lock: scrypt takes a while per row.
        now = self._now()
        values = [self._new_row(r, now, True) for r in new_rows]
        with self.db.write() as conn:
            raced = self._existing_names(conn, [v["id"] for v in values])
            if raced:  # added by someone else meanwhile; raising rolls back this whole import
                uid = sorted(raced)[0]
                raise DuplicateUser(uid, raced[uid])
            if values:
                conn.execute(insert(users), values)
        return ImportReport(tuple(v["id"] for v in values), tuple(skipped), ())

    def update_user(
        self, user_id: str, name: str | None = None, unit: str | None = None, role: str | None = None
    ) -> User:
        """Change an account's name, unit or role (the id stays: records refer to it)."""
        current = self.get_user(user_id)
        fields = validate_account(
            current.id,
            name if name is not None else current.name,
            unit if unit is not None else current.unit,
            role if role is not None else current.role,
            "x" * MIN_PASSWORD,
        )
        with self.db.write() as conn:
            conn.execute(
                update(users)
                .where(users.c.id == current.id)
                .values(name=fields["name"], unit=fields["unit"], role=fields["role"])
            )
        return self.get_user(current.id)

    @staticmethod
    def _existing_names(conn: Connection, ids: list[str]) -> dict[str, str]:
        query = select(users.c.id, users.c.name).where(users.c.id.in_(ids))
        return {row.id: row.name for row in conn.execute(query)}

    # --- login ---

    def authenticate(self, user_id: str, password: str, source: str = LOCAL_SOURCE) -> User:
        """The user, or LoginFailed (same message for an unknown id and a wrong password),
        AccountLocked (too many failures: even the right password waits) or AccountDisabled.

        `source` is where the attempt comes from (the client's address on the web). Failures count
        per account-and-source, per source and per account, for unknown ids exactly as for real
        ones, so neither the time taken nor the message tells which ids exist. The attempt is
        counted as a failure *before* the slow password check, in one write transaction, so
        parallel guesses cannot overrun the limit; a right password then clears the count.
        """
        now = self._now()
        uid = canonical_id(user_id)
        keys = throttle_keys(uid, source)
        self._reserve_attempt(keys, now)
        with self.db.read() as conn:
            row = self._row(conn, uid)
        # Spend the scrypt time a real account costs, so timing does not tell which ids exist.
        stored = row.password_hash if row is not None else self._dummy()
        matches = verify_password(password or "", stored)
        if row is None or not matches:
            wait = self._current_wait(keys, now)
            if wait > timedelta(0):
                raise AccountLocked(wait.total_seconds())
            raise LoginFailed()

        values = {}
        params = _parse_hash(row.password_hash)
        if params is None or params[0] != self.scrypt:  # parameters raised since: upgrade now
            values["password_hash"] = hash_password(password, self.scrypt)
        with self.db.write() as conn:
            conn.execute(delete(login_throttle).where(login_throttle.c.key.in_([keys["p"], keys["a"]])))
            # The source only gets back the attempt reserved for this sign-in: one right password
            # must not reset a guessing run against other accounts from the same place.
            conn.execute(
                update(login_throttle)
                .where((login_throttle.c.key == keys["s"]) & (login_throttle.c.failures > 0))
                .values(failures=login_throttle.c.failures - 1)
            )
            if values:
                conn.execute(update(users).where(users.c.id == uid).values(**values))
        if row.disabled:
            raise AccountDisabled(uid)
        return _user(row)

    def _reserve_attempt(self, keys: dict[str, str], now: datetime) -> None:
        """Refuse while any key waits; otherwise count this attempt as a failure, atomically."""
        with self.db.write() as conn:
            rows = {
                r.key: r
                for r in conn.execute(
                    select(login_throttle).where(login_throttle.c.key.in_(list(keys.values()))).with_for_update()
                )
            }
            wait = timedelta(0)
            counts = {}
            for kind, key in keys.items():
                row = rows.get(key)
                recent = (
                    row is not None and row.last_failed_at is not None and now - row.last_failed_at < FAILURE_MEMORY
                )
                failures = row.failures if recent else 0
                counts[key] = failures
                delay = lock_delay(failures, THROTTLE_LIMITS[kind]) if failures else timedelta(0)
                # Below the limit there is no wait, even when a parallel attempt (another officer
                # behind the same address) stamped its failure a moment after this one's `now`.
                if delay > timedelta(0):
                    wait = max(wait, row.last_failed_at + delay - now)
            if wait > timedelta(0):
                raise AccountLocked(wait.total_seconds())
            for key, failures in counts.items():
                if key in rows:
                    conn.execute(
                        update(login_throttle)
                        .where(login_throttle.c.key == key)
                        .values(failures=failures + 1, last_failed_at=now)
                    )
                else:
                    conn.execute(insert(login_throttle).values(key=key, failures=1, last_failed_at=now))

    def _current_wait(self, keys: dict[str, str], now: datetime) -> timedelta:
        """How long the next attempt must wait after this failure (zero below every limit)."""
        with self.db.read() as conn:
            rows = {
                r.key: r
                for r in conn.execute(select(login_throttle).where(login_throttle.c.key.in_(list(keys.values()))))
            }
        wait = timedelta(0)
        for kind, key in keys.items():
            row = rows.get(key)
            delay = lock_delay(row.failures, THROTTLE_LIMITS[kind]) if row is not None else timedelta(0)
            if delay > timedelta(0) and row.last_failed_at is not None:
                wait = max(wait, row.last_failed_at + delay - now)
        return wait

    def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = hash_password(secrets.token_urlsafe(12), self.scrypt)
        return self._dummy_hash

    # --- sessions ---

    def create_session(self, user: User) -> str:
        """A new random token for the browser; only its SHA-256 is stored."""
        token = secrets.token_urlsafe(32)
        now = self._now()
        with self.db.write() as conn:
            # Housekeeping here rather than on a timer: logins are frequent enough.
            conn.execute(delete(sessions).where(sessions.c.expires_at <= now))
            conn.execute(delete(login_throttle).where(login_throttle.c.last_failed_at < now - FAILURE_MEMORY))
            conn.execute(
                insert(sessions).values(
                    token_hash=_token_hash(token),
                    user_id=user.id,
                    created_at=now,
                    expires_at=now + self.session_length,
                    last_seen=now,
                )
            )
        return token

    def session_user(self, token: str | None) -> User | None:
        """The logged-in user, or None for an unknown, expired or disabled user's token.

        Called for every request of the web page, so it only reads; it writes when the session
        has ended (deleted) and at most once a minute to note when it was last seen.
        """
        if not token or not isinstance(token, str) or len(token) > 200:
            return None
        key = _token_hash(token)
        now = self._now()
        with self.db.read() as conn:
            row = conn.execute(
                select(sessions.c.expires_at, sessions.c.last_seen, users)
                .join(users, users.c.id == sessions.c.user_id)
                .where(sessions.c.token_hash == key)
            ).one_or_none()
        if row is None:
            return None
        if row.expires_at <= now or row.disabled:
            with self.db.write() as conn:
                conn.execute(delete(sessions).where(sessions.c.token_hash == key))
            return None
        if now - row.last_seen >= LAST_SEEN_EVERY:
            with self.db.write() as conn:
                conn.execute(update(sessions).where(sessions.c.token_hash == key).values(last_seen=now))
        return _user(row)

    def end_session(self, token: str | None) -> None:
        """Log out; ending an unknown or already ended session is not an error."""
        if token:
            with self.db.write() as conn:
                conn.execute(delete(sessions).where(sessions.c.token_hash == _token_hash(token)))

    # --- helpers ---

    def _new_row(self, fields: dict, now: datetime, must_change: bool) -> dict:
        return {
            "id": fields["id"],
            "name": fields["name"],
            "unit": fields["unit"],
            "role": fields["role"],
            "password_hash": hash_password(fields["password"], self.scrypt),
            "created_at": now,
            "disabled": False,
            "must_change_password": must_change,
        }

    @staticmethod
    def _row(conn: Connection, uid: str):
        return conn.execute(select(users).where(users.c.id == uid)).one_or_none()


def _user(row) -> User:
    return User(
        row.id, row.name, row.unit, row.role, bool(row.disabled), must_change_password=bool(row.must_change_password)
    )


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
