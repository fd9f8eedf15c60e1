"""Role membership (admins only), and the roles a person holds."""

from __future__ import annotations

from models.tables import RoleMember
from models.uow import UnitOfWork
from workflows.errors import InvalidInput, InvalidState, NotFound
from workflows.services.shared import Deps, _audit, _check_member, _require_role, _roles, audited
from workflows.types import ROLES, Actor


def _valid_member(member: str) -> str:
    value = member.strip()
    platform, _, ident = value.partition(":")
    if platform not in ("slack", "teams") or not ident or len(value) > 128 or " " in value:
        raise InvalidInput("members are written slack:U0123ABC or teams:<Entra object id>")
    return value


def _role_and_member(member: str, role: str) -> str:
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}")
    return _valid_member(member)


def _listing(uow: UnitOfWork) -> list[tuple[str, str]]:
    return [(m.member, m.role) for m in uow.repo.role_members()]


@audited("roles.add")
def add_role(deps: Deps, actor: Actor, member: str, role: str) -> list[tuple[str, str]]:
    who = _role_and_member(member, role)
    with deps.uow() as uow:
        _require_role(_check_member(deps, uow, actor), "admin")
        if role in uow.repo.roles_of(who):
            raise InvalidState(f"{who} already holds {role}")
        uow.repo.add(RoleMember(member=who, role=role, added_by=actor.key, added_at=deps.clock()))
        uow.repo.flush()
        _audit(uow, deps, actor, "roles.added", None, role=role, detail={"member": who})
        listing = _listing(uow)
        uow.commit()
    return listing


@audited("roles.remove")
def remove_role(deps: Deps, actor: Actor, member: str, role: str) -> list[tuple[str, str]]:
    who = _role_and_member(member, role)
    with deps.uow() as uow:
        _require_role(_check_member(deps, uow, actor), "admin")
        if uow.repo.remove_role(who, role) == 0:
            raise NotFound(f"{who} does not hold {role}")
        _audit(uow, deps, actor, "roles.removed", None, role=role, detail={"member": who})
        listing = _listing(uow)
        uow.commit()
    return listing


@audited("roles.list")
def list_roles(deps: Deps, actor: Actor) -> list[tuple[str, str]]:
    with deps.uow() as uow:
        _check_member(deps, uow, actor)
        return _listing(uow)


def roles_of(deps: Deps, actor: Actor) -> set[str]:
    with deps.uow() as uow:
        return _roles(uow, actor)
