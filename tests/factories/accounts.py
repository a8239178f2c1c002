"""Organizations and members, made through the services as the CLI would make them."""

from __future__ import annotations

from dataclasses import dataclass, field

from veracity.services import Services

PASSWORD = "correct horse battery"


@dataclass
class Member:
    """A member with a live API token."""

    email: str
    role: str
    token: str
    user_id: int


@dataclass
class Org:
    """An organization and its members by role (annotators get numbered keys)."""

    id: int
    name: str
    members: dict[str, Member] = field(default_factory=dict)

    @property
    def owner(self) -> Member:
        return self.members["owner"]

    @property
    def annotator(self) -> Member:
        return self.members["annotator"]

    def add(self, services: Services, key: str, role: str) -> Member:
        """Create one more member and their token."""
        email = f"{key}@{self.name.lower()}.test"
        user_id = services.accounts.create_user(email, self.name, role, PASSWORD)
        token = services.accounts.create_token(email, self.name).token
        member = Member(email, role, token, user_id)
        self.members[key] = member
        return member


def make_org(services: Services, name: str) -> Org:
    """An organization with one member of every role, plus a second annotator."""
    org = Org(services.accounts.create_org(name), name)
    for role in ("owner", "admin", "manager", "reviewer", "annotator"):
        org.add(services, role, role)
    org.add(services, "annotator2", "annotator")
    return org
