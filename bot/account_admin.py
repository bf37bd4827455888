"""Managing accounts as a signed-in user: trainers for their own unit, admins for every unit.

The web page (and any API route) calls these with the user from the server session; each
action checks the actor's role and unit here, so no caller can forget to.
"""

from __future__ import annotations

from pathlib import Path

from .accounts import AccountService, ImportReport, User, check_password
from .errors import NotAllowed

NOT_A_TRAINER = "只有培训管理员和系统管理员可以管理账号；如需添加或停用账号请联系本单位培训管理员。"


class AccountAdmin:
    def __init__(self, accounts: AccountService, actor: User):
        if not actor.is_trainer:
            raise NotAllowed(NOT_A_TRAINER)
        self.accounts = accounts
        self.actor = actor

    def units(self) -> list[str] | None:
        """The units the actor manages: their own, or None for every unit (admin)."""
        return None if self.actor.is_admin else [self.actor.unit]

    def list(self, unit: str | None = None) -> list[User]:
        if self.actor.is_admin:
            return self.accounts.list_users(unit=unit or None)
        return self.accounts.list_users(unit=self.actor.unit)

    def add(self, user_id: str, name: str, unit: str, role: str, password: str) -> User:
        """A new account with an initial password the officer must change at first sign-in."""
        unit = (unit or "").strip() or self.actor.unit
        self._check_unit(unit)
        self._check_role(role)
        return self.accounts.add_user(user_id, name, unit, role, password, must_change=True)

    def import_file(self, path: str | Path) -> ImportReport:
        """The same CSV/XLSX as `studybot users import`; a trainer's rows must all be of their unit."""
        return self.accounts.import_file(path, unit=None if self.actor.is_admin else self.actor.unit)

    def set_disabled(self, user_id: str, disabled: bool) -> User:
        target = self._target(user_id)
        if target.id == self.actor.id and disabled:
            raise NotAllowed("不能停用自己的账号；如需停用请联系其他培训管理员或系统管理员。")
        self.accounts.set_disabled(target.id, disabled)
        return self.accounts.get_user(target.id)

    def reset_password(self, user_id: str, password: str) -> User:
        """A new initial password; the officer must replace it at the next sign-in, their sessions end."""
        target = self._target(user_id)
        check_password(password)
        self.accounts.set_password(target.id, password, must_change=True)
        return self.accounts.get_user(target.id)

    def _target(self, user_id: str) -> User:
        target = self.accounts.get_user(user_id)
        self._check_unit(target.unit)
        if target.is_admin and not self.actor.is_admin:
            raise NotAllowed(f"账号 {target.id} 是系统管理员，只有系统管理员可以修改。")
        return target

    def _check_unit(self, unit: str) -> None:
        if not self.actor.manages(unit):
            raise NotAllowed(f"您只能管理本单位（{self.actor.unit}）的账号，不能管理「{unit}」的账号。")

    def _check_role(self, role: str) -> None:
        if (role or "").strip().lower() in ("admin", "系统管理员", "超级管理员") and not self.actor.is_admin:
            raise NotAllowed("只有系统管理员可以添加系统管理员账号。")
