"""State affiliation and ownership clarity for every Account and Outlet, with reasons.

The score combines one structural signal and four behavioural ones, each in [0, 1]:

``ownership``
    The strongest path of the path grammar (:data:`CONTROLLED_BY`, :data:`REVERSIBLE`;
    docs/scores.md) from the actor to a node that the :class:`StateDefinition` counts as the
    state: the product of the confidences along the path (a reversed hop times
    ``officer_factor``), times ``hop_decay`` for every hop after the first.  An actor that is
    itself the state has 1.
``copying``
    The share of its content that copies or reposts state-media content, per channel and
    combined by a noisy-OR: of the articles it published, the weighted share that copy a
    state-media article (an unattributed copy counts ``unattributed_copy``, an attributed one
    ``attributed_copy``); of its shares, the share that repost one, times ``repost``.
    ``content_prior`` pseudo-items in each denominator keep one copy out of one article from
    reading as 100%.  Open reposting weighs little: sharing state media is ordinary; passing
    its text off as one's own is not.
``pickup``
    How fast it republishes state-media content as its own: the mean of
    ``0.5 ** (lag / pickup_half_life_s)`` over its copies that do not credit the original, times ``k / (k + pickup_prior)`` for
    ``k`` timed copies, so that one quick copy is weak evidence and many are strong.  Reposts
    do not count: a share is instant by nature.
``country``
    ``country_mismatch`` when its registrant country differs from the audience country it
    serves, ``country_state`` when, moreover, the registrant country is the country of a
    node that is the state in the data; 0 when either is unknown.
``coordination``
    ``1 - exp(-W / coordination_scale)`` where ``W`` is the summed weight of its
    COORDINATED_WITH edges to state actors.

State media (whose content counts as "state-media content" and whose partners count as
"state-affiliated accounts") are the actors with ownership >= ``state_source_min``.

The behavioural signals combine by a noisy-OR, ``B = 1 - prod(1 - w_i * s_i)``, and the score is
``1 - (1 - w_ownership * ownership) * (1 - B)``: in [0, 1], and non-decreasing in every
signal (strictly increasing while the others are below 1).

Ownership clarity:

``declared``
    the actor is itself marked state-affiliated, or a path whose every link has a basis in
    ``declared_bases`` reaches a state-affiliated entity with strength >= ``ownership_min``;
``indirect``
    some other path (inferred links, analyst notes) reaches one with strength >= ``ownership_min``;
``unclear``
    no such path, but behavioural evidence without credited take-ups (``B`` with the copying
    signal counting uncredited copies only) ``>= unclear_min``: the accounts to look at next.
    Credit is not laundering: quoting or crediting state media never makes an actor unclear;
``none``
    neither.

All weights live in :class:`Weights`; :data:`WEIGHTS` is the default configuration.
"""
from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from statistics import median

import networkx as nx

from ..errors import ConfigError

CLARITY = ("declared", "indirect", "unclear", "none")
SIGNALS = ("ownership", "copying", "pickup", "country", "coordination")


@dataclass(frozen=True)
class Weights:
    """Every number the affiliation score depends on (change with ``dataclasses.replace``).

    The defaults were set on the synthetic Canada 2021 case, where they separate the planted
    unattributed copiers from 340 background accounts with a margin (docs/scores.md).
    """

    # -- ownership paths
    hop_decay: float = 0.8  # multiplies a path's strength for every hop after the first
    max_hops: int = 4  # longer ownership chains are not followed
    missing_confidence: float = 0.5  # a link without a (valid) confidence
    declared_bases: tuple[str, ...] = ("declared", "registration")  # bases that make a link "declared"
    ownership_min: float = 0.1  # path strength that counts as an ownership link (declared / indirect)
    state_source_min: float = 0.5  # ownership from which an actor counts as state media
    officer_factor: float = 0.5  # a reversed OPERATED_BY hop (who runs a state entity) counts half
    max_reversed: int = 1  # reversed hops allowed on one path
    route_limit: int = 10  # routes to the state listed in the reasons
    # -- copying / reposting state-media content (item weights)
    unattributed_copy: float = 1.0
    attributed_copy: float = 0.4
    repost: float = 0.3
    content_prior: float = 2.0  # pseudo-items added to each content count (shrinks small samples)
    # -- pickup speed
    pickup_half_life_s: float = 24 * 3600.0  # a news cycle: a copy a day later still counts half
    pickup_prior: float = 2.0
    # -- registrant vs audience country
    country_mismatch: float = 0.5
    country_state: float = 1.0
    # -- coordination with state-affiliated accounts
    coordination_scale: float = 3.0
    # -- combination: noisy-OR weight of each signal
    w_ownership: float = 1.0
    w_copying: float = 0.8
    w_pickup: float = 0.3
    w_country: float = 0.25
    w_coordination: float = 0.5
    # -- clarity
    unclear_min: float = 0.4  # behavioural score that makes an actor without ownership path "unclear"

    def signal_weight(self, name: str) -> float:
        return getattr(self, f"w_{name}")


WEIGHTS = Weights()


@dataclass
class Actor:
    """An Account or Outlet as the affiliation score sees it."""

    key: str  # node key in the graphs (the id, label-prefixed only where ids collide)
    label: str
    id: str
    name: str = ""
    state_affiliated: str | None = None  # Outlet only: "true", "false", "unknown"
    country: str | None = None
    registrant_country: str | None = None
    audience_country: str | None = None
    published: int = 0  # articles it published
    shared: int = 0  # shares it made

    sources: tuple[str, ...] = ()
    handle: str = ""  # Account only: names it in the reasons when it has no display name

    @property
    def content(self) -> int:
        return self.published + self.shared


@dataclass(frozen=True)
class Item:
    """One piece of an actor's content that takes up another actor's article.

    ``kind`` is ``copy`` (its article copies the original; ``attributed`` says whether it
    credits it) or ``repost`` (a share of the original, attributed by nature).
    """

    actor: str
    kind: str
    content: str  # the actor's article id (copy) or share id (repost)
    original: str  # the taken-up article's id
    original_actor: str  # key of the actor that published the original
    attributed: bool = False
    lag_s: float | None = None
    sources: tuple[str, ...] = ()


@dataclass
class Link:
    """One hop of an ownership path."""

    src: str
    type: str
    dst: str
    confidence: float
    basis: str
    sources: tuple[str, ...] = ()
    reverse: bool = False  # read against its stored direction: src runs dst (see REVERSIBLE)


@dataclass
class OwnershipPath:
    strength: float
    links: list  # list[Link], from the actor to the state-affiliated entity
    declared: bool


@dataclass
class Affiliation:
    """The result for one actor."""

    score: float
    clarity: str
    reasons: list
    signals: dict = field(default_factory=dict)  # signal name -> value in [0, 1]
    behaviour: float = 0.0
    hidden_behaviour: float = 0.0  # behaviour without credited take-ups: what makes an actor "unclear"
    path: OwnershipPath | None = None  # the strongest path to the state
    state_media: bool = False  # counts as state media (ownership >= state_source_min)


# ----------------------------------------------------------------------------- helpers

def clean_confidence(value, missing: float) -> tuple[float, bool]:
    """A confidence clipped to [0, 1]; ``(value, was_valid)``.  Missing / NaN / text -> ``missing``."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return missing, value is None
    if not math.isfinite(number):
        return missing, False
    if number < 0.0 or number > 1.0:
        return min(1.0, max(0.0, number)), False
    return number, True


def _cite(sources, limit: int = 5) -> str:
    sources = sorted({s for s in sources if s})
    if not sources:
        return ""
    shown = ", ".join(sources[:limit])
    more = f" +{len(sources) - limit} more" if len(sources) > limit else ""
    return f" [sources: {shown}{more}]"


def _hours(seconds: float) -> str:
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


# ----------------------------------------------------------------------------- what counts as the state

STATE_FILE = "state.toml"  # the documented default definition, shipped with the package
_STATE_KEYS = ("state_affiliated", "state_kinds", "party_kinds", "party_countries", "include", "exclude")


def _words(values) -> frozenset:
    return frozenset(str(v).strip().lower() for v in values if str(v).strip())


@dataclass(frozen=True)
class StateDefinition:
    """Which Outlets, Organizations and Persons are "the state" (data: see ``state.toml``).

    A node is the state when any rule matches and its id is not in ``exclude``: its
    ``state_affiliated`` is one of ``state_affiliated``; it is an Organization whose ``kind`` is
    one of ``state_kinds``; its ``kind`` is one of ``party_kinds`` and its ``country`` one of
    ``party_countries`` (the organs of a ruling party that directs state media); or its id is in
    ``include``.  Everything is compared case-insensitively.
    """

    state_affiliated: frozenset = frozenset({"true"})
    state_kinds: frozenset = frozenset()
    party_kinds: frozenset = frozenset()
    party_countries: frozenset = frozenset()
    include: frozenset = frozenset()
    exclude: frozenset = frozenset()
    source: str = "default"  # where the definition came from, for the reasons

    def why(self, attrs: dict) -> str | None:
        """Why the node with these attributes is the state, or ``None`` when it is not."""
        node_id = str(attrs.get("id") or "")
        if node_id.lower() in self.exclude:
            return None
        if node_id.lower() in self.include:
            return f"listed as the state in the state definition ({self.source})"
        flag = str(attrs.get("state_affiliated") or "").strip().lower()
        if flag and flag in self.state_affiliated:
            return "marked state-affiliated"
        kind = str(attrs.get("kind") or "").strip().lower()
        country = str(attrs.get("country") or "").strip().lower()
        if kind and attrs.get("label") == "Organization" and kind in self.state_kinds:
            return f"a government body or state-owned enterprise (kind {kind})"
        if kind and kind in self.party_kinds and country and country in self.party_countries:
            return f"an organ of the ruling party of {country.upper()}, which directs state media (kind {kind})"
        return None


def load_state_definition(path=None) -> StateDefinition:
    """The state definition from a TOML file (default: the shipped ``state.toml``).

    Keys left out of a user's file keep the default's values.  A file that is not TOML, an
    unknown key or a value that is not a list of strings raises :class:`ConfigError` naming
    the file (and the line, for TOML syntax).
    """
    from importlib import resources

    text = resources.files(__package__).joinpath(STATE_FILE).read_text(encoding="utf-8")
    values = _parse_state(text, STATE_FILE)
    source = "default"
    if path is not None:
        from pathlib import Path

        try:
            user_text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read the state definition: {exc}") from None
        values.update(_parse_state(user_text, str(path)))
        source = str(path)
    return StateDefinition(**{k: _words(v) for k, v in values.items()}, source=source)


def _parse_state(text: str, name: str) -> dict:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{name}: not a valid state definition: {exc}") from None
    unknown = sorted(set(data) - set(_STATE_KEYS))
    if unknown:
        raise ConfigError(f"{name}: unknown key {unknown[0]!r} in the state definition "
                          f"(known: {', '.join(_STATE_KEYS)})")
    for key, value in data.items():
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{name}: {key} must be a list of strings")
    return dict(data)


_DEFAULT_STATE: list = []


def default_state() -> StateDefinition:
    """The shipped definition, read once."""
    if not _DEFAULT_STATE:
        _DEFAULT_STATE.append(load_state_definition())
    return _DEFAULT_STATE[0]


def state_nodes(G: nx.Graph, state: StateDefinition | None = None) -> dict:
    """node -> why it is the state, for every node of ``G`` the definition counts as the state."""
    state = state or default_state()
    found = {}
    listed = state.include | state.exclude
    # Beyond the lists, the reason depends only on what StateDefinition.why reads: once per combination.
    by_attrs: dict = {}
    for n, d in G.nodes(data=True):
        node_id = d.get("id", n)
        if str(node_id or "").lower() in listed:
            reason = state.why({"id": node_id, **d})
        else:
            seen = (str(d.get("state_affiliated") or ""), str(d.get("kind") or ""), str(d.get("country") or ""),
                    d.get("label") == "Organization")
            if seen not in by_attrs:
                by_attrs[seen] = state.why({"id": node_id, **d})
            reason = by_attrs[seen]
        if reason:
            found[n] = reason
    return found


# ----------------------------------------------------------------------------- ownership

# Which way each ownership relationship is read.  ``u -[T]-> v`` as stored always means "u is
# controlled by v" (v owns, runs or registered u).  Only a relationship listed in REVERSIBLE is
# also read backwards: whoever runs (directs, operates) an entity that the state controls acts
# for the state, so the operator reaches the state through it -- at most once on a path, and
# never as a declared link.  Owning something the state controls does not make the owner the
# state's, so OWNED_BY and REGISTERED_TO are read forwards only.
CONTROLLED_BY = {"OWNED_BY": "is owned by", "OPERATED_BY": "is run by", "REGISTERED_TO": "is registered to"}
REVERSIBLE = {"OPERATED_BY": "who runs"}


def _controls(G: nx.MultiDiGraph, weights: Weights, declared_only: bool = False) -> dict:
    """node -> the hops a path may take from it: forward links, and reversed ones of REVERSIBLE types."""
    hops: dict = {}
    for u, v, data in G.edges(data=True):
        if u == v:
            continue
        conf, _ = clean_confidence(data.get("confidence"), weights.missing_confidence)
        basis = str(data.get("basis") or "")
        type_ = str(data.get("type", ""))
        sources = tuple(data.get("sources") or ())
        if declared_only and basis not in weights.declared_bases:
            continue
        hops.setdefault(u, []).append(Link(u, type_, v, conf, basis, sources))
        if type_ in REVERSIBLE and not declared_only:
            hops.setdefault(v, []).append(Link(v, type_, u, conf, basis, sources, reverse=True))
    return hops


def _hop_factor(link: Link, weights: Weights) -> float:
    return link.confidence * (weights.officer_factor if link.reverse else 1.0)


def _reversals(path: OwnershipPath) -> int:
    return sum(1 for l in path.links if l.reverse)


def ownership_paths(G: nx.MultiDiGraph, weights: Weights = WEIGHTS, state: StateDefinition | None = None,
                    states: dict | None = None) -> dict:
    """The strongest path from every node to the state, following the path grammar.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The ownership graph: an edge ``u -> v`` says v operates, owns or registered u, with
        attributes ``type``, ``confidence`` (clipped to [0, 1]; missing -> ``missing_confidence``),
        ``basis`` and ``sources``; node attributes ``label``, ``state_affiliated``, ``kind``,
        ``country`` decide, with ``state``, which nodes are the state.  Cycles and self-loops
        are harmless.
    weights : Weights
    state : StateDefinition, optional
        What counts as the state (default: the shipped ``state.toml``).
    states : dict, optional
        :func:`state_nodes` of ``G`` and ``state`` when already computed.

    Returns
    -------
    dict
        node -> ``(best, best_declared)``, two :class:`OwnershipPath` (or ``None``): the
        strongest path of any basis and the strongest whose every link is declared and read
        forwards.  Paths have at most ``max_hops`` links, at most ``max_reversed`` of them
        read backwards (:data:`REVERSIBLE`), and end at the first node that is the state;
        ties go to the shorter path, then the lexicographically smaller one, so the result
        does not depend on edge order.

    Notes
    -----
    Strength of a path with links ``c_1 .. c_h`` is ``prod(c_i) * hop_decay ** (h - 1)``, a
    reversed link's ``c_i`` multiplied by ``officer_factor``; a state node has strength 1 with
    no links.  Computed by ``max_hops`` rounds of hop-bounded Bellman-Ford on the max-product
    semiring, one layer per number of reversed links, O(max_hops * edges).
    """
    states = set(state_nodes(G, state) if states is None else states)

    def rank(path: OwnershipPath | None):
        if path is None:
            return (-1.0, 0, ())
        return (round(path.strength, 12), -len(path.links),
                tuple((l.type, l.reverse, l.dst) for l in path.links))

    def best_of(declared_only: bool) -> dict:
        hops = _controls(G, weights, declared_only)
        layers = 1 if declared_only else weights.max_reversed + 1
        # best[(node, r)]: the strongest path from node using exactly r reversed links.
        best = {(n, 0): OwnershipPath(1.0, [], True) for n in states}
        for _ in range(weights.max_hops):
            # Round h extends the best paths of at most h - 1 links (read from ``prev``), so after
            # round h every node holds its strongest path of at most h links.
            prev = dict(best)
            changed = False
            for u in sorted(hops, key=str):
                if u in states:
                    continue  # a path ends at the first node that is the state
                for link in hops[u]:
                    for r in range(layers - (1 if link.reverse else 0)):
                        tail = prev.get((link.dst, r))
                        if tail is None or any(l.dst == u for l in tail.links):
                            continue
                        strength = _hop_factor(link, weights) * tail.strength * (weights.hop_decay if tail.links
                                                                                 else 1.0)
                        declared = link.basis in weights.declared_bases and tail.declared and not link.reverse
                        cand = OwnershipPath(strength, [link, *tail.links], declared)
                        at = (u, r + (1 if link.reverse else 0))
                        current = best.get(at)
                        # Higher strength wins; at equal strength the shorter path; then the smaller one.
                        if current is None or _better(cand, current, rank):
                            best[at] = cand
                            changed = True
            if not changed:
                break
        merged: dict = {}
        for (n, _), path in sorted(best.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])):
            if n not in merged or _better(path, merged[n], rank):
                merged[n] = path
        return merged

    every, declared = best_of(False), best_of(True)
    return {n: (every.get(n), declared.get(n)) for n in G.nodes}


def _better(a: OwnershipPath, b: OwnershipPath, rank) -> bool:
    ra, rb = rank(a), rank(b)
    if ra[0] != rb[0]:
        return ra[0] > rb[0]
    if ra[1] != rb[1]:
        return ra[1] > rb[1]
    return ra[2] < rb[2]


def ownership_routes(G: nx.MultiDiGraph, start, weights: Weights = WEIGHTS, state: StateDefinition | None = None,
                     states: dict | None = None, budget: int = 20_000, hops: dict | None = None,
                     names: dict | None = None) -> list[OwnershipPath]:
    """Every path of the grammar from ``start`` to the state, the best one per state node reached.

    Ordered by the rule :func:`route_order` documents; at most ``budget`` partial paths are
    explored (a bound for dense graphs; the strongest path is always in
    :func:`ownership_paths`).  ``states``, ``hops`` (:func:`_controls`) and ``names``
    (``_names_of(G)``) may be passed in when routes are listed for many starts.
    """
    states = state_nodes(G, state) if states is None else states
    if start in states:
        return []
    hops = _controls(G, weights) if hops is None else hops
    found: dict = {}
    names = _names_of(G) if names is None else names
    stack = [(start, OwnershipPath(1.0, [], True), {start})]
    explored = 0
    while stack and explored < budget:
        node, path, seen = stack.pop()
        explored += 1
        for link in sorted(hops.get(node, ()), key=lambda l: (l.type, l.reverse, str(l.dst))):
            if link.dst in seen or (link.reverse and _reversals(path) >= weights.max_reversed):
                continue
            strength = path.strength * _hop_factor(link, weights) * (weights.hop_decay if path.links else 1.0)
            declared = path.declared and link.basis in weights.declared_bases and not link.reverse
            longer = OwnershipPath(strength, [*path.links, link], declared)
            if link.dst in states:
                current = found.get(link.dst)
                if current is None or route_order(longer, names) < route_order(current, names):
                    found[link.dst] = longer
            elif len(longer.links) < weights.max_hops:
                stack.append((link.dst, longer, seen | {link.dst}))
    return sorted(found.values(), key=lambda p: route_order(p, names))


def route_order(path: OwnershipPath, names: dict) -> tuple:
    """How routes to the state are listed: strongest first; then declared before indirect; then
    fewer hops; then by the names along the path (so the order does not depend on the input's)."""
    return (-round(path.strength, 12), not path.declared, len(path.links),
            tuple(names.get(l.dst) or str(l.dst) for l in path.links))


def _names_of(G: nx.Graph) -> dict:
    return {n: d.get("name") or (f"@{d['handle']}" if d.get("handle") else "") for n, d in G.nodes(data=True)}


def node_name(node, names: dict) -> str:
    """A node as a reader knows it: its name, else its id (accounts often have only an id)."""
    name = names.get(node)
    return f"'{name}'" if name else str(node)


def _path_text(path: OwnershipPath, names: dict) -> str:
    """The path by id, hop by hop, each link with its confidence and basis, in stored direction."""
    out = str(path.links[0].src) if path.links else ""
    for l in path.links:
        detail = f"{l.confidence:.2f}, {l.basis or 'no basis'}"
        out += f" <-{l.type}({detail})- {l.dst}" if l.reverse else f" -{l.type}({detail})-> {l.dst}"
    return out


def _path_words(path: OwnershipPath, names: dict) -> str:
    """The same path in words, every node by name: 'A' is owned by 'B', who runs 'C'."""
    if not path.links:
        return ""
    out = node_name(path.links[0].src, names)
    for i, l in enumerate(path.links):
        verb = REVERSIBLE[l.type] if l.reverse else CONTROLLED_BY.get(l.type, l.type)
        joiner = " " if i == 0 else (", " if l.reverse else ", which ")
        out += f"{joiner}{verb} {node_name(l.dst, names)}"
    return out


# ----------------------------------------------------------------------------- signals

def _pick(items: list[Item], weights: Weights) -> dict:
    """One item per piece of content: the one with the highest weight (ties: earliest lag, id)."""
    def w(it: Item) -> float:
        if it.kind == "repost":
            return weights.repost
        return weights.attributed_copy if it.attributed else weights.unattributed_copy

    chosen: dict = {}
    for it in items:
        key = (it.kind == "repost", it.content)
        cur = chosen.get(key)
        if cur is None or (w(it), -(it.lag_s if it.lag_s is not None else math.inf), it.original) > \
                (w(cur), -(cur.lag_s if cur.lag_s is not None else math.inf), cur.original):
            chosen[key] = it
    return {k: (v, w(v)) for k, v in sorted(chosen.items())}


def copying_signal(copy_weights: list[float], published: int, reposts: int, shared: int,
                   weights: Weights = WEIGHTS) -> float:
    """Weighted share of content taking up state-media content, in [0, 1].

    ``copy_weights``: one weight per published article that copies state media; ``reposts``:
    the number of its shares that repost state media.
    """
    prior = weights.content_prior
    by_copies = min(1.0, sum(copy_weights) / (max(published, len(copy_weights)) + prior)) if copy_weights else 0.0
    by_reposts = min(1.0, weights.repost * reposts / (max(shared, reposts) + prior)) if reposts else 0.0
    return 1.0 - (1.0 - by_copies) * (1.0 - by_reposts)


def pickup_signal(lags: list[float], weights: Weights = WEIGHTS) -> float:
    """Speed of pickup from the lags (s) of state-media items; 0 without timed items."""
    lags = [max(0.0, float(l)) for l in lags if l is not None and math.isfinite(l) and l >= 0]
    if not lags:
        return 0.0
    speed = sum(0.5 ** (l / weights.pickup_half_life_s) for l in lags) / len(lags)
    return speed * len(lags) / (len(lags) + weights.pickup_prior)


def country_signal(registrant: str | None, audience: str | None, state_countries: set,
                   weights: Weights = WEIGHTS) -> float:
    """Registrant country against the audience served."""
    registrant, audience = (registrant or "").strip().upper(), (audience or "").strip().upper()
    if not registrant or not audience or registrant == audience:
        return 0.0
    return weights.country_state if registrant in state_countries else weights.country_mismatch


def coordination_signal(total_weight: float, weights: Weights = WEIGHTS) -> float:
    """Saturating transform of the summed coordination weight with state actors."""
    return 1.0 - math.exp(-max(0.0, total_weight) / weights.coordination_scale) if total_weight > 0 else 0.0


@lru_cache(maxsize=16)
def _behaviour_weights(weights: Weights) -> tuple:
    return tuple((name, weights.signal_weight(name)) for name in SIGNALS[1:])


def combine(signals: dict, weights: Weights = WEIGHTS) -> tuple[float, float]:
    """``(score, behaviour)`` from the signal values (noisy-OR; see the module docstring)."""
    keep = 1.0
    for name, w in _behaviour_weights(weights):
        keep *= 1.0 - w * min(1.0, max(0.0, signals.get(name, 0.0)))
    behaviour = 1.0 - keep
    own = weights.w_ownership * min(1.0, max(0.0, signals.get("ownership", 0.0)))
    return 1.0 - (1.0 - own) * keep, behaviour


def _n(count: int, noun: str, plural: str | None = None) -> str:
    return f"{count} {noun if count == 1 else (plural or noun + 's')}"


def _behaviour_reasons(actor: Actor, picked: dict, names: dict, signals: dict, state_countries: set,
                       partners: list) -> list[str]:
    """Sentences for the behavioural signals, each citing its evidence."""
    reasons = []
    if picked:
        counts = {"unattributed": 0, "attributed": 0, "repost": 0}
        for it, _ in picked.values():
            counts["repost" if it.kind == "repost" else "attributed" if it.attributed else "unattributed"] += 1
        parts = [text for text in (_n(counts["unattributed"], "unattributed copy", "unattributed copies"),
                                   _n(counts["attributed"], "attributed copy", "attributed copies"),
                                   _n(counts["repost"], "repost")) if not text.startswith("0 ")]
        ordered = sorted(picked.values(), key=lambda p: (-p[1], p[0].content))[:3]
        examples = "; ".join(
            (f"article {it.content} copies {it.original}" if it.kind == "copy" else
             f"share {it.content} reposts {it.original}")
            + f" ({names.get(it.original_actor) or it.original_actor})"
            + (" without attribution" if it.kind == "copy" and not it.attributed else "")
            for it, _ in ordered)
        n_copies = counts["unattributed"] + counts["attributed"]
        of = []
        if n_copies:
            of.append(f"{n_copies} of {_n(max(actor.published, n_copies), 'published article')}")
        if counts["repost"]:
            of.append(f"{counts['repost']} of {_n(max(actor.shared, counts['repost']), 'share')}")
        reasons.append(f"{' and '.join(of)} take up state-media content ({', '.join(parts)}), e.g. {examples}."
                       f"{_cite(s for it, _ in ordered for s in it.sources)}")
    elif actor.content == 0 and actor.label == "Account":
        reasons.append("No content on record (nothing published or shared).")
    # Pickup counts only copies that do not credit the original, as the pickup signal does.
    timed = sorted((it for it, _ in picked.values() if it.kind == "copy" and not it.attributed
                    and it.lag_s is not None and it.lag_s >= 0), key=lambda it: (it.lag_s, it.content))
    if timed:
        fastest = timed[0]
        if len(timed) == 1:
            reasons.append(f"Republished state-media content without credit {_hours(fastest.lag_s)} after it appeared "
                           f"({fastest.content} after {fastest.original}).")
        else:
            reasons.append(f"Republishes state-media content without credit a median "
                           f"{_hours(median(it.lag_s for it in timed))} "
                           f"after it appeared, over {len(timed)} copies; fastest {_hours(fastest.lag_s)} "
                           f"({fastest.content} after "
                           f"{fastest.original}).")
    if signals["country"] > 0:
        reg, aud = actor.registrant_country.strip().upper(), actor.audience_country.strip().upper()
        extra = f"; {reg} is the country of state-affiliated entities in the data" if reg in state_countries else ""
        reasons.append(f"Registered in {reg} but serves an audience in {aud}{extra}.{_cite(actor.sources)}")
    if partners:
        total_w: dict = {}
        for b, w, _ in partners:
            total_w[b] = total_w.get(b, 0.0) + w
        shown = ", ".join(f"{b} (weight {w:g})" for b, w in sorted(total_w.items(), key=lambda x: (-x[1], x[0]))[:3])
        reasons.append(f"Coordinated with {_n(len(total_w), 'state-affiliated account')}: {shown}.")
    return reasons


# ----------------------------------------------------------------------------- the score

_WHY_KEYS = ("id", "label", "state_affiliated", "country")  # what StateDefinition.why reads of an actor

def affiliation(actors: dict, ownership: nx.MultiDiGraph, items: list[Item] = (),
                coordination: nx.Graph | None = None, weights: Weights = WEIGHTS, paths: dict | None = None,
                state: StateDefinition | None = None, states: dict | None = None) -> dict:
    """Affiliation score, ownership clarity and reasons for every actor.

    Parameters
    ----------
    actors : dict
        key -> :class:`Actor` (Accounts and Outlets).
    ownership : networkx.MultiDiGraph
        See :func:`ownership_paths`; nodes are actor keys and owner keys, with attributes
        ``label``, ``name``, ``state_affiliated``, ``kind``, ``country``, ``sources``.
    items : list of Item
        Content of the actors that takes up other actors' articles; only items whose
        ``original_actor`` turns out to be state media count.
    coordination : networkx.Graph, optional
        Accounts that acted together; edge attributes ``weight`` (missing -> 1) and ``kinds``.
    weights : Weights
    paths : dict, optional
        :func:`ownership_paths` of ``ownership`` when already computed (with the same ``state``).
    state : StateDefinition, optional
        What counts as the state (default: the shipped ``state.toml``).
    states : dict, optional
        :func:`state_nodes` of ``ownership`` and ``state`` when already computed.

    Returns
    -------
    dict
        key -> :class:`Affiliation`, for every key of ``actors``; scores are finite and in [0, 1].
    """
    state = state or default_state()
    is_state = dict(state_nodes(ownership, state) if states is None else states)
    paths = ownership_paths(ownership, weights, state, states=is_state) if paths is None else paths
    route_names = _names_of(ownership)
    names = dict(route_names)
    for key, actor in actors.items():
        if not names.get(key):
            names[key] = actor.name or (f"@{actor.handle}" if actor.handle else "")
    for key, actor in actors.items():
        node = ownership.nodes[key] if key in ownership else None
        if node is not None and all(k in node for k in _WHY_KEYS):
            continue  # state_nodes read the same attributes: its answer stands
        why = state.why({"id": actor.id, "label": actor.label, "state_affiliated": actor.state_affiliated,
                         "country": actor.country, **(dict(ownership.nodes[key]) if key in ownership else {})})
        if why:
            is_state[key] = why
        else:
            is_state.pop(key, None)

    def own_strength(key) -> float:
        if key in is_state:
            return 1.0
        best = paths.get(key, (None, None))[0]
        return best.strength if best else 0.0

    state_media = {k for k in actors if own_strength(k) >= weights.state_source_min}
    state_countries = {str(ownership.nodes[n].get("country")).strip().upper() for n in is_state
                       if n in ownership and ownership.nodes[n].get("country")}
    state_countries |= {a.country.strip().upper() for k, a in actors.items() if k in is_state and a.country}

    by_actor: dict = {}
    for it in items:
        if it.original_actor in state_media and it.actor != it.original_actor and it.actor in actors:
            by_actor.setdefault(it.actor, []).append(it)

    coord: dict = {}
    if coordination is not None:
        for u, v, data in coordination.edges(data=True):
            if u == v:
                continue
            w = data.get("weight", 1.0)
            try:
                w = float(w)
            except (TypeError, ValueError):
                w = 1.0
            if not math.isfinite(w) or w < 0:
                w = 0.0
            for a, b in ((u, v), (v, u)):
                if b in state_media:
                    coord.setdefault(a, []).append((b, w, data.get("kinds") or data.get("kind") or ""))

    hops = _controls(ownership, weights)
    results = {}
    # Most actors have no path, no take-up and no partner: their result depends on a few facts
    # only (``plain``), computed once per distinct combination of those facts.
    plain_results: dict = {}
    for key in sorted(actors, key=str):
        actor = actors[key]
        best, best_declared = paths.get(key, (None, None))
        itself = is_state.get(key)
        if itself:
            best = best_declared = None  # the actor is the state: no path needed
        plain = None
        if not itself and best is None and best_declared is None and key not in by_actor and key not in coord:
            plain = (actor.label, actor.content == 0, actor.registrant_country, actor.audience_country, actor.sources,
                     key in ownership and len(ownership.succ[key]) > 0)
            done = plain_results.get(plain)
            if done is not None:
                results[key] = Affiliation(done.score, done.clarity, list(done.reasons), dict(done.signals),
                                           done.behaviour, done.hidden_behaviour, None, key in state_media)
                continue
        reasons: list[str] = []

        signals = dict.fromkeys(SIGNALS, 0.0)
        signals["ownership"] = 1.0 if itself else (best.strength if best else 0.0)

        picked = _pick(by_actor.get(key, []), weights)
        copies = [(it, w) for it, w in picked.values() if it.kind == "copy"]
        signals["copying"] = copying_signal([w for _, w in copies], actor.published, len(picked) - len(copies),
                                            actor.shared, weights)
        # Pickup: only copies that do not credit the original (a credited copy hides nothing).
        lags = [it.lag_s for it, _ in copies if not it.attributed and it.lag_s is not None and it.lag_s >= 0]
        signals["pickup"] = pickup_signal(lags, weights)
        signals["country"] = country_signal(actor.registrant_country, actor.audience_country, state_countries, weights)
        partners = coord.get(key, [])
        signals["coordination"] = coordination_signal(sum(w for _, w, _ in partners), weights)
        score, behaviour = combine(signals, weights)
        # What "unclear" rests on: behaviour without credited take-ups (credit is not laundering).
        uncredited = [w for it, w in copies if not it.attributed]
        hidden = {**signals, "copying": copying_signal(uncredited, actor.published, 0, actor.shared, weights)}
        _, hidden_behaviour = combine(hidden, weights)

        # -- clarity
        if itself:
            clarity = "declared"
        elif best_declared and best_declared.strength >= weights.ownership_min:
            clarity = "declared"
        elif best and best.strength >= weights.ownership_min:
            clarity = "indirect"
        elif hidden_behaviour >= weights.unclear_min:
            clarity = "unclear"
        else:
            clarity = "none"

        # -- reasons: ownership, then behaviour, then what is missing
        if itself:
            reasons.append(f"{actor.label} {actor.id}{' (' + actor.name + ')' if actor.name else ''} is itself "
                           f"the state by the state definition ({state.source}): {itself}.{_cite(actor.sources)}")
        shown = None
        for path, what in ((best_declared, "Declared"), (best, "Indirect")):
            if path is None or not path.links:
                continue
            if what == "Indirect" and best_declared is not None and path.links == best_declared.links:
                continue
            shown = shown or path
            target = path.links[-1].dst
            label = ownership.nodes[target].get("label", "entity") if target in ownership else "entity"
            reasons.append(f"{what} ownership path to the state, {label} {node_name(target, names)} "
                           f"({is_state.get(target, 'the state')}), strength {path.strength:.2f}: "
                           f"{_path_words(path, names)}. By id: {_path_text(path, names)}."
                           f"{_cite(s for l in path.links for s in l.sources)}")
            if any(l.reverse for l in path.links):
                officer = next(l for l in path.links if l.reverse)
                reasons.append(f"The path passes through {node_name(officer.src, names)}, who runs "
                               f"{node_name(officer.dst, names)} ({officer.type} read backwards, counted "
                               f"{weights.officer_factor:g}): whoever runs a state entity acts for the state, "
                               f"so this is indirect evidence, never declared.")
        if best is not None and not itself:
            routes = ownership_routes(ownership, key, weights, states=is_state, hops=hops, names=route_names)
            if len(routes) > 1:
                listed = "; ".join(
                    f"{n}) {_path_words(r, names)} ({r.strength:.2f}, {'declared' if r.declared else 'indirect'})"
                    for n, r in enumerate(routes[:weights.route_limit], 1))
                more = f"; +{len(routes) - weights.route_limit} more" if len(routes) > weights.route_limit else ""
                reasons.append(f"Reaches the state by {_n(len(routes), 'route')} (one per state entity; strongest "
                               f"first, then declared, fewer hops, by name): {listed}{more}.")
        reasons += _behaviour_reasons(actor, picked, names, signals, state_countries, partners)
        if best is None and not itself:
            has_links = key in ownership and ownership.out_degree(key) > 0
            reasons.append("Ownership on record reaches no state-affiliated outlet or organization."
                           if has_links else "No ownership, operation or registration link on record.")
        if clarity == "unclear":
            reasons.append(f"Ownership unclear: behavioural signals {hidden_behaviour:.2f} without a declared or "
                           f"indirect ownership path to the state; who runs it is the next question.")
        elif behaviour >= weights.unclear_min and clarity == "none":
            reasons.append(f"Not unclear: its behavioural signals ({behaviour:.2f}) rest on content that credits "
                           f"state media ({hidden_behaviour:.2f} without it); credit is not laundering.")

        results[key] = Affiliation(round(min(1.0, max(0.0, score)), 12), clarity, reasons,
                                   {k: round(v, 12) for k, v in signals.items()}, round(behaviour, 12),
                                   round(hidden_behaviour, 12), None if itself else best,
                                   key in state_media)
        if plain is not None:
            plain_results[plain] = results[key]
    return results
