"""Who may do what in a shared room: owners, the teacher, and an open room when no password is set.

A browser session gets an owner id (kept in its URL, so a reload keeps it) and may give a
nickname. Jobs and models remember their owner. Only the owner or the teacher may stop, rename
or delete them; the teacher unlocks that mode with the password from
``SENTIMENT_TEACHER_PASSWORD`` (or Streamlit's secrets). With no password set, as for one person
on a laptop, the room is open and everyone may do everything.
"""

from __future__ import annotations

import hmac
import os
import re
import uuid
from dataclasses import dataclass

TEACHER_ENV = "SENTIMENT_TEACHER_PASSWORD"
OWNER_PATTERN = re.compile(r"^[a-z0-9]{8,32}$")
MAX_NICKNAME = 40


class NotAllowed(ValueError):
    """Someone other than the owner or the teacher tried to change a job or a model."""


@dataclass(frozen=True)
class Who:
    """Who is asking: a session's owner id, its nickname, and whether it unlocked teacher mode.

    ``open_room`` is True when no teacher password is set: then everyone may do everything.
    """

    owner: str
    nickname: str = ""
    teacher: bool = False
    open_room: bool = True

    def may_manage(self, owner: str | None) -> bool:
        return self.open_room or self.teacher or (bool(owner) and owner == self.owner)

    def check(self, owner: str | None, action: str, nickname: str = "") -> None:
        """Raise :class:`NotAllowed` (saying whose it is) unless this person may ``action`` it."""
        if not self.may_manage(owner):
            whose = f"{nickname}, who made it," if nickname else "the person who made it"
            raise NotAllowed(f"Only {whose} or the teacher can {action}.")


def teacher_password(secret: str | None = None) -> str | None:
    """The teacher password: ``$SENTIMENT_TEACHER_PASSWORD``, else ``secret`` (from Streamlit's secrets); None = open room."""
    password = os.environ.get(TEACHER_ENV) or secret
    return password or None


def is_teacher_password(given: str, expected: str | None) -> bool:
    """Constant-time comparison, so the answer's timing does not reveal the password."""
    if not expected or not isinstance(given, str):
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def new_owner_id() -> str:
    return uuid.uuid4().hex[:12]


def is_owner_id(value) -> bool:
    return isinstance(value, str) and bool(OWNER_PATTERN.fullmatch(value))


def clean_nickname(value) -> str:
    """A nickname as shown on the leaderboard: printable, one line, at most 40 characters."""
    if not isinstance(value, str):
        return ""
    return "".join(ch for ch in value if ch.isprintable()).strip()[:MAX_NICKNAME]
