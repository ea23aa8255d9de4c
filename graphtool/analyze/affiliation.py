"""State affiliation and ownership clarity for every Account and Outlet, with reasons.

The score combines one structural signal and four behavioural ones, each in [0, 1]:

``ownership``
    The strongest OPERATED_BY / OWNED_BY / REGISTERED_TO path from the actor to an Outlet or
    Organization marked ``state_affiliated = "true"``: the product of the confidences along
    the path, times ``hop_decay`` for every hop after the first.  An actor that is itself
    marked state-affiliated has 1.
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
    ``0.5 ** (lag / pickup_half_life_s)`` over its copies, times ``k / (k + pickup_prior)`` for
    ``k`` timed copies, so that one quick copy is weak evidence and many are strong.  Reposts
    do not count: a share is instant by nature.
``country``
    ``country_mismatch`` when its registrant country differs from the audience country it
    serves, ``country_state`` when, moreover, the registrant country is the country of a
    state-affiliated Outlet or Organization in the data; 0 when either is unknown.
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
    no such path, but behavioural evidence ``B >= unclear_min``: the accounts to look at next;
``none``
    neither.

All weights live in :class:`Weights`; :data:`WEIGHTS` is the default configuration.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import median

import networkx as nx

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

    @property
    def content(self) -> int:
        return self.published + self.shared
    sources: tuple[str, ...] = ()


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


def _is_state(attrs: dict) -> bool:
    return str(attrs.get("state_affiliated") or "").lower() == "true"


# ----------------------------------------------------------------------------- ownership

def ownership_paths(G: nx.MultiDiGraph, weights: Weights = WEIGHTS) -> dict:
    """The strongest path from every node to a state-affiliated entity.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The ownership graph: an edge ``u -> v`` says v operates, owns or registered u, with
        attributes ``type``, ``confidence`` (clipped to [0, 1]; missing -> ``missing_confidence``),
        ``basis`` and ``sources``; node attribute ``state_affiliated`` (``"true"`` marks the
        targets).  Cycles and self-loops are harmless.
    weights : Weights

    Returns
    -------
    dict
        node -> ``(best, best_declared)``, two :class:`OwnershipPath` (or ``None``): the
        strongest path of any basis and the strongest whose every link is declared.  Paths
        have at most ``max_hops`` links; ties go to the shorter path, then the
        lexicographically smaller one, so the result does not depend on edge order.

    Notes
    -----
    Strength of a path with links ``c_1 .. c_h`` is ``prod(c_i) * hop_decay ** (h - 1)``; a
    state-affiliated node has strength 1 with no links.  Computed by ``max_hops`` rounds of
    hop-bounded Bellman-Ford on the max-product semiring, O(max_hops * edges): exact, because
    extending a non-empty tail always costs the same factor ``c * hop_decay``.
    """
    links_out: dict = {}
    for u, v, data in G.edges(data=True):
        if u == v:
            continue
        conf, _ = clean_confidence(data.get("confidence"), weights.missing_confidence)
        basis = str(data.get("basis") or "")
        link = Link(u, str(data.get("type", "")), v, conf, basis, tuple(data.get("sources") or ()))
        links_out.setdefault(u, []).append(link)

    def rank(path: OwnershipPath | None):
        if path is None:
            return (-1.0, 0, ())
        return (round(path.strength, 12), -len(path.links),
                tuple((l.type, l.dst) for l in path.links))

    def best_of(declared_only: bool) -> dict:
        best = {n: OwnershipPath(1.0, [], True) for n, d in G.nodes(data=True) if _is_state(d)}
        for _ in range(weights.max_hops):
            # Round h extends the best paths of at most h - 1 links (read from ``prev``), so after
            # round h every node holds its strongest path of at most h links.
            prev = dict(best)
            changed = False
            for u in sorted(links_out, key=str):
                for link in links_out[u]:
                    if declared_only and link.basis not in weights.declared_bases:
                        continue
                    tail = prev.get(link.dst)
                    if tail is None or any(l.dst == u for l in tail.links):
                        continue
                    strength = link.confidence * tail.strength * (weights.hop_decay if tail.links else 1.0)
                    declared = link.basis in weights.declared_bases and tail.declared
                    cand = OwnershipPath(strength, [link, *tail.links], declared)
                    current = best.get(u)
                    # Higher strength wins; at equal strength the shorter path; then the smaller one.
                    if current is None or _better(cand, current, rank):
                        best[u] = cand
                        changed = True
            if not changed:
                break
        return best

    every, declared = best_of(False), best_of(True)
    return {n: (every.get(n), declared.get(n)) for n in G.nodes}


def _better(a: OwnershipPath, b: OwnershipPath, rank) -> bool:
    ra, rb = rank(a), rank(b)
    if ra[0] != rb[0]:
        return ra[0] > rb[0]
    if ra[1] != rb[1]:
        return ra[1] > rb[1]
    return ra[2] < rb[2]


def _path_text(path: OwnershipPath, names: dict) -> str:
    hops = "".join(f" -{l.type}({l.confidence:.2f}, {l.basis or 'no basis'})-> {l.dst}" for l in path.links)
    return f"{path.links[0].src}{hops}" if path.links else ""


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


def combine(signals: dict, weights: Weights = WEIGHTS) -> tuple[float, float]:
    """``(score, behaviour)`` from the signal values (noisy-OR; see the module docstring)."""
    keep = 1.0
    for name in SIGNALS[1:]:
        keep *= 1.0 - weights.signal_weight(name) * min(1.0, max(0.0, signals.get(name, 0.0)))
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
    timed = sorted((it for it, _ in picked.values() if it.kind == "copy" and it.lag_s is not None and it.lag_s >= 0),
                   key=lambda it: (it.lag_s, it.content))
    if timed:
        fastest = timed[0]
        if len(timed) == 1:
            reasons.append(f"Republished state-media content {_hours(fastest.lag_s)} after it appeared "
                           f"({fastest.content} after {fastest.original}).")
        else:
            reasons.append(f"Republishes state-media content a median {_hours(median(it.lag_s for it in timed))} "
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

def affiliation(actors: dict, ownership: nx.MultiDiGraph, items: list[Item] = (),
                coordination: nx.Graph | None = None, weights: Weights = WEIGHTS, paths: dict | None = None) -> dict:
    """Affiliation score, ownership clarity and reasons for every actor.

    Parameters
    ----------
    actors : dict
        key -> :class:`Actor` (Accounts and Outlets).
    ownership : networkx.MultiDiGraph
        See :func:`ownership_paths`; nodes are actor keys and owner keys, with attributes
        ``label``, ``name``, ``state_affiliated``, ``country``, ``sources``.
    items : list of Item
        Content of the actors that takes up other actors' articles; only items whose
        ``original_actor`` turns out to be state media count.
    coordination : networkx.Graph, optional
        Accounts that acted together; edge attributes ``weight`` (missing -> 1) and ``kinds``.
    weights : Weights
    paths : dict, optional
        :func:`ownership_paths` of ``ownership`` when already computed.

    Returns
    -------
    dict
        key -> :class:`Affiliation`, for every key of ``actors``; scores are finite and in [0, 1].
    """
    paths = ownership_paths(ownership, weights) if paths is None else paths
    names = {n: d.get("name") or "" for n, d in ownership.nodes(data=True)}
    for key, actor in actors.items():
        names.setdefault(key, actor.name)

    def own_strength(key) -> float:
        best = paths.get(key, (None, None))[0]
        return best.strength if best else 0.0

    state = {k for k in actors if own_strength(k) >= weights.state_source_min}
    state_countries = {str(d.get("country")).strip().upper() for _, d in ownership.nodes(data=True)
                       if _is_state(d) and d.get("country")}
    state_countries |= {a.country.strip().upper() for a in actors.values() if _is_state(vars(a)) and a.country}

    by_actor: dict = {}
    for it in items:
        if it.original_actor in state and it.actor != it.original_actor and it.actor in actors:
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
                if b in state:
                    coord.setdefault(a, []).append((b, w, data.get("kinds") or data.get("kind") or ""))

    results = {}
    for key in sorted(actors, key=str):
        actor = actors[key]
        best, best_declared = paths.get(key, (None, None))
        reasons: list[str] = []

        signals = dict.fromkeys(SIGNALS, 0.0)
        signals["ownership"] = best.strength if best else 0.0

        picked = _pick(by_actor.get(key, []), weights)
        copies = [(it, w) for it, w in picked.values() if it.kind == "copy"]
        signals["copying"] = copying_signal([w for _, w in copies], actor.published, len(picked) - len(copies),
                                            actor.shared, weights)
        lags = [it.lag_s for it, _ in copies if it.lag_s is not None and it.lag_s >= 0]
        signals["pickup"] = pickup_signal(lags, weights)
        signals["country"] = country_signal(actor.registrant_country, actor.audience_country, state_countries, weights)
        partners = coord.get(key, [])
        signals["coordination"] = coordination_signal(sum(w for _, w, _ in partners), weights)
        score, behaviour = combine(signals, weights)

        # -- clarity
        if _is_state(vars(actor)):
            clarity = "declared"
        elif best_declared and best_declared.strength >= weights.ownership_min:
            clarity = "declared"
        elif best and best.strength >= weights.ownership_min:
            clarity = "indirect"
        elif behaviour >= weights.unclear_min:
            clarity = "unclear"
        else:
            clarity = "none"

        # -- reasons: ownership, then behaviour, then what is missing
        if _is_state(vars(actor)):
            reasons.append(f"{actor.label} {actor.id} is itself marked state-affiliated"
                           f"{' (' + actor.name + ')' if actor.name else ''}.{_cite(actor.sources)}")
        for path, what in ((best_declared, "Declared"), (best, "Indirect")):
            if path is None or not path.links:
                continue
            if what == "Indirect" and best_declared is not None and path.links == best_declared.links:
                continue
            target = path.links[-1].dst
            target_name = f" '{names.get(target)}'" if names.get(target) else ""
            label = ownership.nodes[target].get("label", "entity") if target in ownership else "entity"
            reasons.append(f"{what} ownership path to state-affiliated {label} {target}{target_name} "
                           f"(strength {path.strength:.2f}): {_path_text(path, names)}."
                           f"{_cite(s for l in path.links for s in l.sources)}")
        reasons += _behaviour_reasons(actor, picked, names, signals, state_countries, partners)
        if best is None:
            has_links = key in ownership and ownership.out_degree(key) > 0
            reasons.append("Ownership on record reaches no state-affiliated outlet or organization."
                           if has_links else "No ownership, operation or registration link on record.")
        if clarity == "unclear":
            reasons.append(f"Ownership unclear: behavioural signals {behaviour:.2f} without a declared or indirect "
                           f"ownership path to the state; who runs it is the next question.")

        results[key] = Affiliation(round(min(1.0, max(0.0, score)), 12), clarity, reasons,
                                   {k: round(v, 12) for k, v in signals.items()}, round(behaviour, 12))
    return results
