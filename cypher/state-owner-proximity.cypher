// name: state-owner-proximity
// description: Accounts within a few hops of the state, by the path grammar of docs/scores.md: ownership, operation and registration links read forwards (is owned / run / registered by), plus at most one OPERATED_BY read backwards (a route through someone who runs an entity on the way to the state, such as the director of a state broadcaster). The state is what `graphtool analyze` stored (state_entity: one definition, docs/scores.md), so run it first. Every such route is listed, also past the first state entity; `graphtool analyze` stops at the first, keeps the strongest as state_path and weighs a backwards link by officer_factor, which `graphtool explain` shows.
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
// column relationships: relationship types along the path; one read backwards (the next node runs this one) starts with `<-`
// column confidences: confidence of each relationship (null when not stated)
// column bases: how each link is known (declared, registration, indirect, analyst)
// column confidence: the confidences multiplied (a missing one counts as 1)
CALL {
  MATCH p = (a:Account)-[:OPERATED_BY|OWNED_BY|REGISTERED_TO*1..5]->(o)
  WHERE o.state_entity = true AND length(p) <= $max_hops
    AND ($platform IS NULL OR a.platform = $platform)
  RETURN a, o, nodes(p) AS ns, relationships(p) AS rs, -1 AS back
  UNION ALL
  MATCH p1 = (a:Account)-[:OPERATED_BY|OWNED_BY|REGISTERED_TO*0..4]->(d)<-[:OPERATED_BY]-(x)
  MATCH p2 = (x)-[:OPERATED_BY|OWNED_BY|REGISTERED_TO*0..4]->(o)
  WHERE o.state_entity = true AND length(p1) + length(p2) <= $max_hops
    AND ($platform IS NULL OR a.platform = $platform)
  WITH a, o, nodes(p1) + tail(nodes(p2)) AS ns, relationships(p1) + relationships(p2) AS rs, length(p1) - 1 AS back
  // a route never visits a node twice
  WHERE size(reduce(seen = [], n IN ns | CASE WHEN n.id IN seen THEN seen ELSE seen + n.id END)) = size(ns)
  RETURN a, o, ns, rs, back
}
WITH a, o, ns, rs, back, reduce(c = 1.0, r IN rs | c * coalesce(r.confidence, 1.0)) AS confidence
WHERE confidence >= $min_confidence
RETURN a.id AS account, a.platform AS platform, o.id AS owner, labels(o)[0] AS owner_label, size(rs) AS hops,
       [n IN ns | n.id] AS path,
       [i IN range(0, size(rs) - 1) | CASE WHEN i = back THEN '<-' + type(rs[i]) ELSE type(rs[i]) END] AS relationships,
       [r IN rs | r.confidence] AS confidences, [r IN rs | r.basis] AS bases, confidence
ORDER BY confidence DESC, account, hops, path
LIMIT $limit
