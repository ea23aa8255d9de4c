"""The graph model: every label, property, relationship type and endpoint, declared once.

Constraints, validation, the loaders, map styles and ``docs/model.md`` are all derived
from the declarations below; no other module spells a label or relationship type.

Property types are portable between Neo4j and FalkorDB: ``string``, ``integer``,
``float``, ``boolean``, lists of those (``string[]`` ...) and ``datetime``.  A
``datetime`` is stored twice: the ISO-8601 UTC string under its own name and epoch
seconds under the ``_ts`` companion (``published_at`` -> ``published_ts``), because the
embedded store has no temporal type.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

SCALAR_TYPES = ("string", "integer", "float", "boolean", "datetime")
LIST_TYPES = ("string[]", "integer[]", "float[]")


@dataclass(frozen=True)
class Prop:
    name: str
    type: str = "string"
    required: bool = False
    doc: str = ""
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    derived: bool = False  # computed by graphtool (not imported); see ANALYSIS_PROPS

    @functools.cached_property
    def ts_name(self) -> str:
        """Name of the epoch-seconds companion of a datetime property (one string: records hold it as a key)."""
        return self.name[:-3] + "_ts" if self.name.endswith("_at") else self.name + "_ts"


SOURCES = Prop("sources", "string[]", doc="ids of the Source nodes that are the evidence for this record")
CONFIDENCE = Prop("confidence", "float", doc="how sure the evidence makes us, in [0, 1]", minimum=0.0, maximum=1.0)
BASIS = Prop("basis", doc="how the link is known: declared, registration, indirect, analyst")
RUN_ID = Prop("run_id", doc="the analysis run that derived this")


@dataclass(frozen=True)
class NodeType:
    label: str
    doc: str
    props: tuple[Prop, ...]
    color: str = "#999999"
    shape: str = "dot"
    key: str = "id"
    derived: bool = False  # written by graphtool's analyses, never imported

    def prop(self, name: str) -> Prop | None:
        return next((p for p in self.props if p.name == name), None)


@dataclass(frozen=True)
class RelType:
    type: str
    doc: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    props: tuple[Prop, ...] = ()
    derived: bool = False
    # Property that distinguishes parallel relationships of this type between the same
    # two nodes (two reposts of one article by one account are two SHARED edges).
    key: str | None = None
    color: str = "#888888"
    dashes: bool = False

    def prop(self, name: str) -> Prop | None:
        return next((p for p in self.props if p.name == name), None)


def _node(label, doc, *props, color="#999999", shape="dot", derived=False):
    id_prop = Prop("id", required=True, doc="unique within the label")
    extra = RUN_ID if derived else SOURCES  # as for relationships: derived ones carry their run
    return NodeType(label, doc, (id_prop, *props, extra), color=color, shape=shape, derived=derived)


def _rel(type_, doc, sources, targets, *props, derived=False, key=None, color="#888888", dashes=False):
    extra = (RUN_ID,) if derived else (SOURCES,)
    return RelType(type_, doc, tuple(sources), tuple(targets), (*props, *extra),
                   derived=derived, key=key, color=color, dashes=dashes)


TRI_STATE = ("true", "false", "unknown")
OWNERSHIP_CLARITY = ("declared", "indirect", "unclear", "none")


def _derived(name, type_="string", doc="", **kw):
    return Prop(name, type_, doc=f"Derived by `graphtool analyze`: {doc}", derived=True, **kw)


# Scores that `graphtool analyze` (graphtool/analyze/) writes onto every Account and Outlet.
ANALYSIS_PROPS = (
    _derived("pagerank", "float", "weighted PageRank on the amplification graph (sums to 1)"),
    _derived("strength_in", "float", "amplification received: shares + copies of its content by others"),
    _derived("strength_out", "float", "amplification given: its shares + copies of others' content"),
    _derived("betweenness", "float", "normalised betweenness on the amplification graph (sampled on large graphs)"),
    _derived("community", "integer", "community on the amplification graph (0 = largest)"),
    _derived("community_size", "integer", "number of actors in its community"),
    _derived("affiliation_score", "float", "state affiliation in [0, 1]", minimum=0.0, maximum=1.0),
    _derived("ownership_clarity", doc="declared, indirect, unclear (behaviour without ownership path) or none",
             choices=OWNERSHIP_CLARITY),
    _derived("affiliation_reasons", "string[]", "short sentences citing the evidence for the score"),
    _derived("affiliation_ownership", "float", "signal: strongest ownership path to a state-affiliated entity"),
    _derived("affiliation_copying", "float", "signal: weighted share of content copying or reposting state media"),
    _derived("affiliation_pickup", "float", "signal: speed of picking up state-media content"),
    _derived("affiliation_country", "float", "signal: registrant country against the audience served"),
    _derived("affiliation_coordination", "float", "signal: coordination with state-affiliated accounts"),
    _derived("state_media", "boolean", "counts as state media (ownership signal >= 0.5): the set whose content "
             "the copying signals and the canned queries treat as state-media content"),
    _derived("state_path", "string[]", "ids along its strongest ownership path to the state, itself first "
             "(empty when none; see docs/scores.md, the path grammar)"),
    _derived("analysis_run", doc="id of the analysis run that wrote these scores"),
    _derived("analysis_at", "datetime", "when that run wrote them"),
)

# Written by `graphtool analyze` on every Outlet, Organization and Person of the ownership graph.
STATE_ENTITY = _derived("state_entity", "boolean", "the state by the state definition the analysis used "
                        "(graphtool/analyze/state.toml or `--state FILE`; docs/scores.md)")

NODES: tuple[NodeType, ...] = (
    _node("Source", "Evidence: an archive capture, report, listening-tool export or analyst note.",
          Prop("kind", doc="archive, report, export, note, import"),
          Prop("title"), Prop("url"), Prop("captured_at", "datetime"),
          Prop("sha256", doc="digest of the captured bytes"), Prop("collector"),
          Prop("digest", doc="the digest the capture itself states, e.g. a WARC record's sha1:..."),
          color="#bdbdbd", shape="box"),
    _node("Account", "A presence on a platform; id is `platform:user_id`, else `platform:handle` (see IDENTITY).",
          Prop("platform", required=True, doc="wechat, douyin, weibo, bilibili, xigua, x, facebook, web, ..."),
          Prop("handle", required=True), Prop("display_name"), Prop("url"),
          Prop("user_id", doc="the platform's own stable id (numeric X id, Weibo uid, Douyin sec_uid, WeChat "
                              "__biz); when known, the account's id is `platform:user_id` (see IDENTITY)"),
          Prop("created_at", "datetime"), Prop("followers", "integer", minimum=0),
          Prop("registrant_country", doc="ISO 3166 alpha-2 of whoever registered it"),
          Prop("audience_country", doc="ISO 3166 alpha-2 of the audience it serves"),
          Prop("description"), *ANALYSIS_PROPS,
          Prop("follow_community", "integer", derived=True,
               doc="Derived by `graphtool analyze --graph follows`: community on the follow graph (0 = largest)"),
          Prop("follow_community_size", "integer", derived=True,
               doc="Derived by `graphtool analyze --graph follows`: number of accounts in its follow community"),
          Prop("follow_run", derived=True, doc="Derived by `graphtool analyze --graph follows`: the run that set "
                                               "follow_*"),
          color="#4e79a7", shape="dot"),
    _node("Outlet", "A media brand.",
          Prop("name", required=True), Prop("state_affiliated", choices=TRI_STATE, doc="true, false or unknown"),
          Prop("country"), Prop("url"), *ANALYSIS_PROPS, STATE_ENTITY,
          color="#e15759", shape="diamond"),
    _node("Organization", "An owner, operator or registrant that is not a person.",
          Prop("name", required=True), Prop("state_affiliated", choices=TRI_STATE), Prop("country"),
          Prop("kind", doc="company, agency, party, ngo, ..."), STATE_ENTITY,
          color="#f28e2b", shape="square"),
    _node("Person", "A natural person behind an account or organization.",
          Prop("name", required=True), Prop("country"), STATE_ENTITY,
          color="#edc948", shape="triangle"),
    _node("Article", "Any piece of content: article, post, video, repost text.",
          Prop("platform", required=True), Prop("url"), Prop("title"), Prop("text"),
          Prop("lang", doc="BCP-47 code, e.g. zh, en"),
          Prop("published_at", "datetime", doc="when it was published; no time means it cannot be an origin"),
          Prop("views", "integer", minimum=0), Prop("likes", "integer", minimum=0),
          Prop("shares", "integer", minimum=0), Prop("content_sha256", doc="computed from text when absent"),
          Prop("hashtags", "string[]", doc="hashtags without the #"), Prop("urls", "string[]", doc="links it carries"),
          Prop("mentions", "string[]", doc="ids or handles of the accounts it mentions"),
          Prop("music_id", doc="the platform's id of the sound it uses (Douyin/TikTok music id, Instagram "
                               "audio asset id): the same sound on posts by several accounts is co-media evidence"),
          Prop("media_ids", "string[]", doc="ids of the media it carries, `kind:platform-id` (video:..., image:...) "
                                           "or `sha256:<hex>` of a media file: identical media across accounts "
                                           "is co-media evidence"),
          Prop("copy_sketch", derived=True,
               doc="Derived by `graphtool copies`: MinHash band keys and anchor sample of the text, so later "
                   "runs compare only new or changed articles"),
          color="#76b7b2", shape="dot"),
    _node("Narrative", "A storyline that articles carry.",
          Prop("name", required=True), Prop("description"),
          color="#b07aa1", shape="star"),
    _node("Event", "A moment to align activity with: debate, vote, publication of a report.",
          Prop("name", required=True), Prop("kind", doc="debate, vote, report, other"),
          Prop("at", "datetime", required=True),
          color="#59a14f", shape="hexagon"),
    _node("Identifier", "A name a source used for an account: `platform:kind:value` (kind user_id or handle, "
                        "handles lower-cased where the platform ignores case), or `key:<graph id>`.",
          Prop("platform", required=True), Prop("kind", required=True, choices=("user_id", "handle", "key")),
          Prop("value", required=True, doc="normalised as in the id"),
          Prop("conflict", "boolean", doc="true when it names accounts with different user ids: never used to merge"),
          color="#cccccc", shape="text"),
    _node("ImportRun", "Bookkeeping: one run of `graphtool schedule run` (its log, and the files it finished).",
          Prop("manifest", doc="path of the schedule manifest"), Prop("host"), Prop("pid", "integer"),
          Prop("started_at", "datetime"), Prop("ended_at", "datetime"),
          Prop("outcome", choices=("running", "ok", "rejects", "failed", "crashed"),
               doc="crashed: found still running, with its process gone, by a later run"),
          Prop("files", "string[]", doc="files this run imported completely"),
          Prop("hashes", "string[]", doc="fingerprints (content + format + mapping) of those files"),
          Prop("skipped", "integer", doc="files left alone because their fingerprint was imported before"),
          Prop("counts", doc="JSON: node and relationship rows written, per label and type"),
          Prop("rejects", "integer", minimum=0), Prop("error"),
          color="#dddddd", shape="box"),
    # Kept off the Account nodes: FalkorDB re-indexes an updated node in every index of its label, so group
    # numbers SET on 43,000 accounts cost 0.8-1.1 server s, these nodes and links 0.4-0.5 s (docs/coordination.md).
    _node("CoordinationGroup", "Derived by `graphtool coordination`: a group of accounts that acted together, "
          "found on the coordination graph of the latest run (its members are linked by IN_GROUP). A group both "
          "methods find (a component that Louvain leaves whole) is one node with both numbers. A lead, not a finding.",
          Prop("kind", required=True, doc="the coordination kind of the run (co-share, co-link, ...)"),
          Prop("component_number", "integer", doc="its number among the connected components of the coordination graph "
                                                  "(1 = largest); absent when it is not a component"),
          Prop("community_number", "integer", doc="its number among the Louvain communities of the coordination graph "
                                                  "(1 = largest); absent when it is not a community"),
          Prop("size", "integer", minimum=2, doc="number of member accounts"),
          Prop("window_s", "integer", doc="the run's coordination window in seconds"),
          color="#9467bd", shape="triangleDown", derived=True),
    _node("Alert", "Bookkeeping: one new hit of a watch rule (`graphtool watch run`, or after `schedule run`).",
          Prop("rule", required=True, doc="the rule's name"), Prop("key", doc="JSON: the values that identify the hit"),
          Prop("fired_at", "datetime"), Prop("import_run", doc="id of the ImportRun it was evaluated after, if any"),
          Prop("summary", doc="JSON: the row or burst that matched"),
          color="#ff7f0e", shape="box"),
)

# Properties an earlier graphtool stored and the model no longer has, with the index that marks a store holding
# them: opening such a store removes them and then that index (Store.retire_old_schema), so no stale group
# number from an old run is shown as evidence, and no account update keeps paying for an index nobody reads.
RETIRED: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # until 868ad2a: coordination groups as numbers on the accounts (now CoordinationGroup nodes)
    ("Account", "coord_community", ("coord_component", "coord_community", "coord_run")),
)

ACTORS = ("Account", "Outlet")
OWNERS = ("Organization", "Person", "Outlet")

RELATIONSHIPS: tuple[RelType, ...] = (
    _rel("PUBLISHED", "An account or outlet published an article.", ACTORS, ("Article",),
         color="#4e79a7"),
    _rel("SHARED", "An account shared (reposted, quoted, replied to) an article.", ("Account",), ("Article",),
         Prop("id", required=True, doc="the share's own message id"),
         Prop("at", "datetime", required=True), Prop("kind", doc="repost, quote, reply, like, link"),
         key="id", color="#a0cbe8"),
    _rel("CITES", "An article explicitly attributes or links another.", ("Article",), ("Article",),
         color="#59a14f"),
    _rel("CARRIES", "An article carries a narrative.", ("Article",), ("Narrative",), CONFIDENCE,
         color="#b07aa1"),
    _rel("OPERATED_BY", "Who runs an account, outlet or organization (e.g. its director).",
         (*ACTORS, "Organization"), OWNERS, CONFIDENCE, BASIS,
         color="#f28e2b"),
    _rel("OWNED_BY", "Who owns an outlet, organization or account.", (*ACTORS, "Organization"), OWNERS,
         CONFIDENCE, BASIS, color="#e15759"),
    _rel("REGISTERED_TO", "Who an account is registered to.", ("Account",), ("Person", "Organization"),
         CONFIDENCE, BASIS, color="#edc948"),
    _rel("FOLLOWS", "An account follows another (from a follower/following list or a follow network).",
         ("Account",), ("Account",), Prop("observed_at", "datetime", doc="when the follow was seen"),
         color="#c7c7c7"),
    _rel("MENTIONS", "An article mentions an account (a tweet's user_mentions). Never a share.",
         ("Article",), ("Account",), color="#dbdb8d"),
    _rel("IDENTIFIES", "An identifier names an account. Two handles on one account are its rename history.",
         ("Identifier",), ("Account",), Prop("as_seen", doc="the spelling the source used"),
         Prop("first_seen_at", "datetime", doc="earliest time a source showed this identifier on the account"),
         Prop("last_seen_at", "datetime", doc="latest such time"),
         color="#cccccc", dashes=True),
    _rel("COPIES", "Derived: a later article copies an earlier one: the earliest text it copies, or a copy of "
         "that it demonstrably took the text from. Two copies of one original are not joined (docs/provenance.md).",
         ("Article",), ("Article",),
         Prop("similarity", "float"), Prop("containment", "float"), Prop("lag_s", "integer"),
         Prop("attributed", "boolean", doc="the copy credits this original"), Prop("method"),
         Prop("basis", doc="why this original: earliest (the earliest text it copies), upstream-credit (a copy of "
              "that text, which it credits), upstream-text (a copy of that text, whose additions it carries)",
              choices=("earliest", "upstream-credit", "upstream-text")),
         Prop("evidence_shared", "integer", doc="upstream-text: shingles of the upstream copy's own additions "
              "that the copy carries"),
         Prop("evidence_share", "float", doc="upstream-text: those shingles as a share of the additions"),
         derived=True, color="#d62728"),
    _rel("COORDINATED_WITH", "Derived: two accounts acted together within a time window.",
         ("Account",), ("Account",),
         Prop("kind", required=True), Prop("window_s", "integer"), Prop("weight", "float"),
         Prop("weight_ab", "integer"), Prop("weight_ba", "integer"), Prop("p_value", "float"),
         derived=True, key="kind", color="#9467bd", dashes=True),
    _rel("IN_GROUP", "Derived: an account is a member of a coordination group (`graphtool coordination`).",
         ("Account",), ("CoordinationGroup",), derived=True, color="#c5b0d5", dashes=True),
    _rel("AMPLIFIED", "Derived: one actor spread another's content.", ACTORS, ACTORS,
         Prop("weight", "float"), Prop("shares", "integer"), Prop("copies", "integer"),
         derived=True, color="#ff9da7"),
)

# --- identity: which identifiers each platform has, as data ---------------------------------------


@dataclass(frozen=True)
class UrlForm:
    """A profile-URL shape: ``pattern`` matches ``host/path?query`` (host lower-case, without
    ``www.``/``m.``/``mobile.``); its one group is the identifier of ``kind``."""

    pattern: str
    kind: str  # "user_id" or "handle"


@dataclass(frozen=True)
class Platform:
    name: str
    user_id: str  # what the platform's stable id is called there ("" when it has none we know)
    case_insensitive: bool  # whether handles that differ only in case are one account
    url_forms: tuple[UrlForm, ...] = ()


_X_RESERVED = "(?!(?:i|home|intent|search|hashtag|share|explore|settings|messages|notifications)(?:/|$|\\?))"
PLATFORMS: tuple[Platform, ...] = (
    Platform("x", "numeric user id (archives' userid)", True, (
        UrlForm(r"(?:x|twitter)\.com/i/user/(\d+)", "user_id"),
        UrlForm(r"(?:x|twitter)\.com/intent/user\?(?:.*&)?user_id=(\d+)", "user_id"),
        UrlForm(r"(?:x|twitter)\.com/" + _X_RESERVED + r"@?(\w{1,15})(?:/.*)?$", "handle"))),
    Platform("weibo", "uid", False, (
        UrlForm(r"weibo\.(?:com|cn)/(?:u|profile)/(\d+)", "user_id"),
        UrlForm(r"weibo\.com/(?!u/|n/|p/)([A-Za-z][\w-]*)/?$", "handle"))),
    Platform("wechat", "__biz (official-account id)", False, (
        UrlForm(r"mp\.weixin\.qq\.com/.*[?&]__biz=([\w+/=%-]+)", "user_id"),)),
    Platform("douyin", "sec_uid", True, (UrlForm(r"douyin\.com/user/([\w-]+)", "user_id"),)),
    Platform("tiktok", "", True, (UrlForm(r"tiktok\.com/@([\w.]+)", "handle"),)),
    Platform("telegram", "", True, (UrlForm(r"(?:t|telegram)\.me/(?:s/)?(\w{4,})/?$", "handle"),)),
    Platform("bilibili", "uid (mid)", True, (UrlForm(r"space\.bilibili\.com/(\d+)", "user_id"),)),
    Platform("youtube", "channel id", True, (UrlForm(r"youtube\.com/channel/(UC[\w-]{22})", "user_id"),
                                             UrlForm(r"youtube\.com/@([\w.-]+)", "handle"))),
    Platform("facebook", "numeric id", True, (UrlForm(r"facebook\.com/profile\.php\?(?:.*&)?id=(\d+)", "user_id"),
                                              UrlForm(r"facebook\.com/([\w.]{5,})/?$", "handle"))),
    Platform("xigua", "", False),
    Platform("web", "", True),  # handle = the site's host; host names ignore case
)
PLATFORM_BY_NAME: dict[str, Platform] = {p.name: p for p in PLATFORMS}


def platform(name: str) -> Platform:
    """The identifier rules of a platform (an undeclared one: case-sensitive handles, no URL forms)."""
    return PLATFORM_BY_NAME.get(name) or Platform(name, "", False)


NODE_BY_LABEL: dict[str, NodeType] = {n.label: n for n in NODES}
REL_BY_TYPE: dict[str, RelType] = {r.type: r for r in RELATIONSHIPS}


class Names:
    """The declared names as attributes: ``L.Article == "Article"``, ``R.SHARED == "SHARED"``.

    Code that needs a label or relationship type in Python (a slot value, a row's kind) spells
    it through these, so that an undeclared name is an AttributeError where it is written.
    """

    def __init__(self, names) -> None:
        self.__dict__.update({name: name for name in names})

    def __iter__(self):
        return iter(self.__dict__)


L = Names(n.label for n in NODES)  # node labels
R = Names(r.type for r in RELATIONSHIPS)  # relationship types


def node(label: str) -> NodeType:
    return NODE_BY_LABEL[label]


def rel(type_: str) -> RelType:
    return REL_BY_TYPE[type_]


def stored_names(p: Prop) -> list[str]:
    """The property names a declared property occupies in the store."""
    return [p.name, p.ts_name] if p.type == "datetime" else [p.name]
