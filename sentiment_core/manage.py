"""Renaming and deleting saved models in a shared room: only the owner or the teacher may."""

from __future__ import annotations

import re

from .access import Who
from .jobqueue import JobQueue
from .store import ModelStore


def owner_of(store: ModelStore, name: str) -> tuple[str, str]:
    """``(owner id, nickname)`` of a saved model; empty for models from the CLI, older saves or unreadable ones."""
    try:
        about = store.info(name).about
    except ValueError:
        return "", ""
    return about.get("owner", ""), about.get("nickname", "")


def rename_model(store: ModelStore, queue: JobQueue | None, who: Who, name: str, new_name: str) -> None:
    owner, nickname = owner_of(store, name)
    who.check(owner, f"rename {name!r}", nickname)
    store.rename(name, new_name)
    if queue is not None:
        queue.note_renamed(name, new_name)


def delete_model(store: ModelStore, who: Who, name: str) -> None:
    owner, nickname = owner_of(store, name)
    who.check(owner, f"delete {name!r}", nickname)
    store.delete(name)


def free_model_name(store: ModelStore, queue: JobQueue, base: str) -> str:
    """``base``, or ``base-2``, ``base-3`` ...: neither a saved model nor reserved by a job in the queue."""
    reserved, candidate, n = queue.reserved_names(), base, 2
    while store.exists(candidate) or candidate in reserved:
        candidate, n = f"{base[:60]}-{n}", n + 1
    return candidate


def name_base(variant: str, nickname: str, fallback: str) -> str:
    """A model name's start from the variant and the nickname (letters and digits only), else ``fallback``."""
    slug = re.sub(r"[^a-z0-9]+", "-", nickname.lower()).strip("-")[:20]
    return f"{variant}-{slug}" if slug else fallback
