// name: state-owner-proximity
// description: Accounts within a few ownership, operation or registration hops of the state, as `graphtool analyze` stored it (state_entity: one definition, docs/scores.md). Links are followed as stored (is owned / run / registered by); a path through someone who runs a state entity is in the account's state_path and `graphtool explain`.
// question: Which accounts lead back to a state-affiliated outlet or organization, by what path, and how surely?
// param max_hops (integer, default 3): longest path to follow (at most 5)
// param min_confidence (float, default 0.0): only paths whose confidences multiply to at least this
// param platform (string, default null, e.g. "wechat"): only accounts on this platform
// param limit (integer, default 200): most rows to return
// column account: id of the Account
// column platform: its platform
// column owner: id of the Outlet, Organization or Person reached that the state definition counts as the state
// column owner_label: Outlet, Organization or Person
// column hops: length of the path
// column path: ids of the nodes along the path, account first
// column relationships: relationship types along the path
// column confidences: confidence of each relationship (null when not stated)
// column bases: how each link is known (declared, registration, indirect, analyst)
// column confidence: the confidences multiplied (a missing one counts as 1)
MATCH p = (a:Account)-[:OPERATED_BY|OWNED_BY|REGISTERED_TO*1..5]->(o)
WHERE o.state_entity = true AND length(p) <= $max_hops
  AND ($platform IS NULL OR a.platform = $platform)
WITH a, o, p, reduce(c = 1.0, r IN relationships(p) | c * coalesce(r.confidence, 1.0)) AS confidence
WHERE confidence >= $min_confidence
RETURN a.id AS account, a.platform AS platform, o.id AS owner, labels(o)[0] AS owner_label, length(p) AS hops,
       [n IN nodes(p) | n.id] AS path, [r IN relationships(p) | type(r)] AS relationships,
       [r IN relationships(p) | r.confidence] AS confidences, [r IN relationships(p) | r.basis] AS bases,
       confidence
ORDER BY confidence DESC, account, hops, path
LIMIT $limit
