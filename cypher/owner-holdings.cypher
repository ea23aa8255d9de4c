// name: owner-holdings
// description: Everything an owner controls directly or through intermediaries: outlets, organizations, accounts.
// question: What does this organization or person own, operate or have registered, and through whom?
// param id (string, required, e.g. "org:state-council"): id of the Organization, Person or Outlet
// param max_hops (integer, default 3): longest chain to follow (at most 5)
// column held: id of the account, outlet or organization it controls
// column held_label: its label
// column held_name: its name, display name or handle
// column platform: the platform, for accounts
// column hops: length of the chain
// column path: ids along the chain, the holding first and the owner last
// column relationships: relationship types along the chain
// column confidence: the confidences multiplied (a missing one counts as 1)
MATCH (owner) WHERE owner.id = $id AND (owner:Organization OR owner:Person OR owner:Outlet)
MATCH p = (held)-[:OWNED_BY|OPERATED_BY|REGISTERED_TO*1..5]->(owner)
WHERE length(p) <= $max_hops
RETURN held.id AS held, labels(held)[0] AS held_label,
       coalesce(held.name, held.display_name, held.handle) AS held_name, held.platform AS platform,
       length(p) AS hops, [n IN nodes(p) | n.id] AS path, [r IN relationships(p) | type(r)] AS relationships,
       reduce(c = 1.0, r IN relationships(p) | c * coalesce(r.confidence, 1.0)) AS confidence
ORDER BY hops, held_label, held, path
