"""Accounts of the workspace: one JSON file (mode 0600) of users, roles, password hashes and API tokens.

Passwords are hashed with Argon2id (argon2-cffi); API tokens are 256-bit random strings stored
as their SHA-256 (a token has all the entropy a slow hash would add, so a fast hash is enough).
There is no default account and no default password.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..errors import ConfigError, InputError, NotFoundError
from . import ROLES

MIN_PASSWORD = 12
_NAME_OK = set("abcdefghijklmnopqrstuvwxyz0123456789._-@")
TOKEN_PREFIX = "gt_"
_hasher = PasswordHasher()
_DUMMY = _hasher.hash(secrets.token_hex(16))  # verified against for unknown names: same time as a real check


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class User:
    name: str
    role: str
    password_hash: str
    tokens: dict = field(default_factory=dict)  # sha256 -> label


def check_name(name: str) -> str:
    name = name.strip().lower()
    if not name or len(name) > 64 or set(name) - _NAME_OK:
        raise InputError(f"user name {name!r}: use 1-64 of a-z 0-9 . _ - @")
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InputError(f"role {role!r}: one of {', '.join(ROLES)}")
    return role


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InputError(f"a password needs at least {MIN_PASSWORD} characters")
    return password


class Users:
    """The users file.  Every change re-reads it under a lock and rewrites it atomically."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    # --- file ---
    @contextmanager
    def _locked(self):
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(self.path.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _read(self) -> dict[str, User]:
        """The users, parsed again only when the file changed (the server asks on every request)."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return {}
        key = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if getattr(self, "_cached", (None,))[0] != key:
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                users = {name: (u["role"], u["password_hash"], dict(u.get("tokens", {})))
                         for name, u in data["users"].items()}
            except (ValueError, KeyError, TypeError) as exc:
                raise ConfigError(f"{self.path}: not a graphtool users file ({exc})") from None
            self._cached = (key, users)
        return {name: User(name, role, pw, dict(tokens)) for name, (role, pw, tokens) in self._cached[1].items()}

    def _write(self, users: dict[str, User]) -> None:
        data = {"users": {n: {"role": u.role, "password_hash": u.password_hash, "tokens": u.tokens}
                          for n, u in sorted(users.items())}}
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)

    def all(self) -> list[User]:
        return sorted(self._read().values(), key=lambda u: u.name)

    def get(self, name: str) -> User | None:
        return self._read().get(name.strip().lower())

    # --- changes ---
    def add(self, name: str, role: str, password: str) -> User:
        name, role, password = check_name(name), check_role(role), check_password(password)
        with self._locked():
            users = self._read()
            if name in users:
                raise InputError(f"user {name} exists: `graphtool users passwd {name}` changes the password")
            users[name] = user = User(name, role, _hasher.hash(password))
            self._write(users)
        return user

    def _change(self, name: str, change) -> User:
        name = check_name(name)
        with self._locked():
            users = self._read()
            if name not in users:
                raise NotFoundError(f"no user {name} in {self.path}")
            result = change(users, users[name])
            self._write(users)
        return result

    def remove(self, name: str) -> User:
        return self._change(name, lambda users, user: users.pop(user.name))

    def passwd(self, name: str, password: str) -> User:
        check_password(password)

        def change(users, user):
            user.password_hash = _hasher.hash(password)
            return user
        return self._change(name, change)

    def set_role(self, name: str, role: str) -> User:
        check_role(role)

        def change(users, user):
            user.role = role
            return user
        return self._change(name, change)

    def new_token(self, name: str, label: str = "") -> str:
        """A new API token for ``name``: returned once, stored only as its SHA-256."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)

        def change(users, user):
            user.tokens[token_digest(token)] = label or "token"
            return user
        self._change(name, change)
        return token

    def revoke_tokens(self, name: str) -> int:
        def change(users, user):
            n = len(user.tokens)
            user.tokens = {}
            return n
        return self._change(name, change)

    # --- checks ---
    def authenticate(self, name: str, password: str) -> User | None:
        """The user when the password is theirs, else None (in the same time for an unknown name)."""
        try:
            user = self.get(check_name(name))
        except InputError:
            user = None
        try:
            _hasher.verify(user.password_hash if user else _DUMMY, password)
        except (VerificationError, InvalidHashError):
            return None
        return user

    def by_token(self, token: str) -> User | None:
        digest = token_digest(token)
        return next((u for u in self._read().values()
                     if any(secrets.compare_digest(digest, d) for d in u.tokens)), None)
