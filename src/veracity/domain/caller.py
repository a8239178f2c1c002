"""Who is asking: the authenticated user, acting inside one organization."""

from __future__ import annotations

from dataclasses import dataclass

from veracity.domain.errors import Forbidden
from veracity.domain.roles import Permission, Role, allows


@dataclass(frozen=True, slots=True)
class Caller:
    """A user acting in one organization with one role.

    ``user_id`` is None for the operator: someone at the server's command line, who acts as
    an owner of whichever organization they name and is not a person in it.
    """

    user_id: int | None
    org_id: int
    role: Role
    email: str

    @classmethod
    def operator(cls, org_id: int) -> Caller:
        """The command-line operator acting in ``org_id``."""
        return cls(user_id=None, org_id=org_id, role=Role.owner, email="operator")

    def worker_id(self) -> int:
        """The caller's user id, for work only a person can do."""
        if self.user_id is None:
            raise Forbidden("only a person can work a queue; use a user's token")
        return self.user_id

    def can(self, permission: Permission) -> bool:
        """Whether this caller's role carries ``permission``."""
        return allows(self.role, permission)

    def require(self, permission: Permission) -> None:
        """Raise ``Forbidden`` unless the caller's role carries ``permission``."""
        if not allows(self.role, permission):
            raise Forbidden(f"the {self.role} role may not {permission.replace('_', ' ')}")
