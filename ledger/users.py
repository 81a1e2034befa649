"""Users: who may log in, with which roles, and the first administrator."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger import auth, limits, login, signing
from ledger.db import waiting_up_to
from ledger.desk import Desk, has, require
from ledger.errors import (
    AuthError,
    ChangedElsewhere,
    InvalidReception,
    LoginThrottled,
    NotFound,
    PermissionDenied,
    WorkflowError,
)
from ledger.i18n import tr
from ledger.mapping import user_of, user_snapshot
from ledger.models import UserRow
from ledger.records import Role, User
from ledger.text import clean_line, person_key


class Users:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def any(self) -> bool:
        with self.desk.db.read() as s:
            return s.scalar(select(func.count(UserRow.id))) > 0

    def authenticate(self, username: str, password: str, wait: Callable[[], bool] | None = None) -> User:
        """The same answer, cost and throttle for every name (see ledger.login); ``wait``: how
        a try that must write waits for another desk's write (``ledger.db.when_free``)."""
        # without a way to wait of its own (the command line), the password is still judged only
        # once no other desk writes, waiting as any write does: an answer is never given uncounted
        outcome = login.attempt(
            self.desk.db, username, password, self.desk.clock(), wait or waiting_up_to(self.desk.db)
        )
        if outcome.user is not None:
            signing.unlock_at_login(self.desk, outcome.user.username, password, wait)
            return user_of(outcome.user)
        if outcome.wait:
            raise LoginThrottled(outcome.message, outcome.wait)
        raise AuthError(outcome.message)

    def user(self, username: str) -> User:
        with self.desk.db.read() as s:
            row = s.scalars(select(UserRow).where(UserRow.username == clean_line(username))).first()
            if row is None:
                raise NotFound(tr("没有用户“{name}”").format(name=username))
            return user_of(row)

    def all(self) -> list[User]:
        with self.desk.db.read() as s:
            return [user_of(r) for r in s.scalars(select(UserRow).order_by(UserRow.id))]

    def add(
        self,
        actor: User | None,
        username: str,
        display_name: str,
        roles: Iterable[Role],
        password: str,
    ) -> User:
        """Add a user. With no user yet (first use), the first one must be an administrator."""
        roles = frozenset(roles)
        with self.desk.db.write() as s:
            first = not s.scalar(select(func.count(UserRow.id)))
            if first:
                if Role.ADMIN not in roles:
                    raise PermissionDenied(tr("账本还没有用户：第一个用户必须是管理员（admin）"))
            else:
                require(s, actor, Role.ADMIN, tr("添加用户"))
            return self.add_in(
                s, username, display_name, roles, password, actor=actor.username if actor else username
            )

    def update(
        self,
        actor: User,
        username: str,
        *,
        display_name: str | None = None,
        roles: Iterable[Role] | None = None,
        active: bool | None = None,
        roles_since: Iterable[Role] | None = None,
    ) -> User:
        with self.desk.db.write() as s:
            require(s, actor, Role.ADMIN, tr("修改用户"))
            row = self._user_row(s, username)
            before = user_snapshot(row)
            if roles is not None and roles_since is not None:  # the roles ticked or unticked since
                wanted, read = frozenset(roles), frozenset(roles_since)
                stored = user_of(row)
                roles = (stored.roles | (wanted - read)) - (read - wanted)
                if not roles:
                    now = "、".join(r.label for r in Role if r in stored.roles)
                    raise ChangedElsewhere(
                        {"roles": tr("{name} 的角色已在别处改为“{now}”，再按此处的修改就不剩任何角色：未保存").format(
                            name=stored.label, now=now
                        )},
                        stored,
                    )
            if display_name is not None:
                display_name = clean_line(display_name)
                if len(display_name) > limits.PERSON_NAME:
                    raise InvalidReception({"display_name": tr("最多 {n} 个字").format(n=limits.PERSON_NAME)})
                _refuse_look_alikes(s, row.username, display_name or row.username, row.id)
                row.display_name = display_name or row.username
            if roles is not None:
                row.roles = auth.roles_text(frozenset(roles))
            if active is not None:
                row.active = active
            self._keep_one_admin(s, row)
            after = user_snapshot(row)
            if after != before:
                self.desk.log(
                    s,
                    username=actor.username,
                    action="user_edit",
                    entity="user",
                    entity_id=row.id,
                    ref=row.username,
                    before=before,
                    after=after,
                )
            return user_of(row)

    def set_password(self, actor: User, username: str, new_password: str, old_password: str = "") -> None:
        """An administrator resets anyone's password; a user changes their own with the old one,
        tried as a login is (counted and throttled: an unattended desk is no free guessing)."""
        if actor.username == username and not actor.has(Role.ADMIN):
            outcome = login.attempt(self.desk.db, username, old_password, self.desk.clock())
            if outcome.user is None:
                if outcome.wait:
                    raise LoginThrottled(
                        tr("原密码不正确或错误次数过多：请 {s} 秒后再试").format(s=outcome.wait), outcome.wait
                    )
                raise AuthError(tr("原密码不正确"))
        with self.desk.db.write() as s:
            row = self._user_row(s, username)
            if actor.username == username and not has(s, actor, Role.ADMIN):
                if not auth.password_matches(row.password_hash, old_password):
                    raise AuthError(tr("原密码不正确"))
            elif actor.username != username:
                require(s, actor, Role.ADMIN, tr("重置密码"))
            before = user_snapshot(row)
            try:
                row.password_hash = auth.hash_password(new_password)
            except ValueError as exc:
                raise InvalidReception({"password": str(exc)}) from None
            login.clear_failures(s, row.username)
            self.desk.log(
                s,
                username=actor.username,
                action="password",
                entity="user",
                entity_id=row.id,
                ref=row.username,
                before=before,
                after=user_snapshot(row),
            )
            signing.password_changed(
                self.desk, s, row.username, new_password, actor=actor.username, own=actor.username == username
            )

    def add_in(
        self,
        s: Session,
        username: str,
        display_name: str,
        roles: frozenset[Role],
        password: str,
        *,
        actor: str,
    ) -> User:
        username, display_name = clean_line(username), clean_line(display_name)
        if not username:
            raise InvalidReception({"username": tr("请填写用户名")})
        for field_name, value in (("username", username), ("display_name", display_name)):
            if len(value) > limits.PERSON_NAME:
                raise InvalidReception({field_name: tr("最多 {n} 个字").format(n=limits.PERSON_NAME)})
        if not roles:
            raise InvalidReception({"roles": tr("请至少选择一个角色")})
        _refuse_look_alikes(s, username, display_name or username, None)
        try:
            password_hash = auth.hash_password(password)
        except ValueError as exc:
            raise InvalidReception({"password": str(exc)}) from None
        row = UserRow(
            username=username,
            display_name=display_name.strip() or username,
            password_hash=password_hash,
            roles=auth.roles_text(roles),
            active=True,
            failed_logins=0,
            created_at=self.desk.clock(),
        )
        s.add(row)
        s.flush()
        self.desk.log(
            s,
            username=actor,
            action="user_add",
            entity="user",
            entity_id=row.id,
            ref=row.username,
            after=user_snapshot(row),
        )
        signing.create_key(self.desk, s, row.username, password, "created", actor=actor)
        return user_of(row)

    def _keep_one_admin(self, s: Session, changed: UserRow) -> None:
        s.flush()
        admins = [
            r
            for r in s.scalars(select(UserRow).where(UserRow.active.is_(True)))
            if Role.ADMIN.value in r.roles.split(",")
        ]
        if not admins:
            raise WorkflowError(tr("至少需要保留一位启用的管理员"))

    def _user_row(self, s: Session, username: str) -> UserRow:
        row = s.scalars(select(UserRow).where(UserRow.username == username)).first()
        if row is None:
            raise NotFound(tr("没有用户“{name}”").format(name=username))
        return row


def _refuse_look_alikes(s: Session, username: str, display_name: str, own_id: int | None) -> None:
    """Nobody gets a name that only looks like another user's: "boss", "BOSS", "ｂｏｓｓ" are one
    person, and a user name may not be another user's display name (or the other way round),
    since a paper reviewer (审核人) is named by either."""
    mine = {person_key(username), person_key(display_name)}
    for other_id, other_name, other_display in s.execute(
        select(UserRow.id, UserRow.username, UserRow.display_name)
    ):
        if other_id == own_id:
            continue
        if person_key(username) == person_key(other_name):
            raise InvalidReception({"username": tr("用户名“{name}”已存在").format(name=other_name)})
        if mine & {person_key(other_name), person_key(other_display)}:
            field_name = (
                "display_name" if person_key(username) not in {person_key(other_display)} else "username"
            )
            raise InvalidReception(
                {
                    field_name: tr("“{name}”与已有用户 {other}（{display}）的名字相同，请换一个").format(
                        name=display_name if field_name == "display_name" else username,
                        other=other_name,
                        display=other_display,
                    )
                }
            )
