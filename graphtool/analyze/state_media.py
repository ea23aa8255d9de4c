"""The one reading of "state media" outside the analysis: what ``graphtool analyze`` stored.

``graphtool analyze`` decides, by the state definition and the path grammar of docs/scores.md,
and stores ``state_media`` (Account, Outlet: counts as state media) and ``state_entity`` (Outlet,
Organization, Person: is the state).  Everything else that says "state" — coordination groups,
map colours, exports, STIX, the report — reads those two properties through :func:`stored_state`,
never the raw ``state_affiliated`` flag, and says :data:`NOT_ANALYSED` where they are missing.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

NOT_ANALYSED = "state media: not analysed yet — run `graphtool analyze`"
STORED = ("state_media", "state_entity")  # the stored decision; nothing else says "state"


def stored_state(props: Mapping) -> bool | None:
    """Whether a node's stored properties say it is state media or the state; None when not analysed.

    >>> stored_state({"state_media": True})
    True
    >>> stored_state({"state_entity": False, "state_affiliated": "true"})
    False
    >>> stored_state({"state_affiliated": "true"}) is None
    True
    """
    values = [props.get(name) for name in STORED if isinstance(props.get(name), bool)]
    return any(values) if values else None


def analysed(nodes: Iterable[Mapping]) -> bool:
    """Whether any of these nodes carries the stored decision (``graphtool analyze`` ran on them).

    >>> analysed([{"id": "a"}, {"id": "b", "state_media": False}])
    True
    >>> analysed([{"id": "a", "state_affiliated": "true"}])
    False
    """
    return any(stored_state(props) is not None for props in nodes)
