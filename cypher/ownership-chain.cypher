// name: ownership-chain
// description: Who owns, operates or registered an outlet, account or organization, hop by hop.
// question: Who stands behind this outlet (or account), and how sure are we of each link?
// param id (string, required, e.g. "weibo:sim_globaltimes_wb"): id of the Outlet, Account or Organization to start from
// param max_hops (integer, default 4): longest chain to follow (at most 6)
// column hops: length of the chain
// column owner: id of the owner reached
// column owner_label: its label (Organization, Person or Outlet)
// column owner_name: its name
// column state_affiliated: the owner's state_affiliated flag as imported (true, false, unknown), where stated
// column state_entity: whether the owner is the state by the definition `graphtool analyze` used (one definition, docs/scores.md; null: not analysed yet)
// column path: ids of the nodes along the chain, the start first
// column relationships: relationship types along the chain
// column confidences: confidence of each link
// column bases: how each link is known
// column confidence: the confidences multiplied (a missing one counts as 1)
// column sources: ids of the Sources behind each link
OPTIONAL MATCH (account:Account {id: $id})  // a seek per label: a MATCH on id alone reads every node
OPTIONAL MATCH (outlet:Outlet {id: $id})
OPTIONAL MATCH (organization:Organization {id: $id})
WITH [x IN [account, outlet, organization] WHERE x IS NOT NULL] AS starts
UNWIND starts AS first
WITH first
MATCH p = (first)-[:OWNED_BY|OPERATED_BY|REGISTERED_TO*1..6]->(o)
WHERE length(p) <= $max_hops
RETURN length(p) AS hops, o.id AS owner, labels(o)[0] AS owner_label, o.name AS owner_name,
       o.state_affiliated AS state_affiliated, o.state_entity AS state_entity, [n IN nodes(p) | n.id] AS path,
       [r IN relationships(p) | type(r)] AS relationships, [r IN relationships(p) | r.confidence] AS confidences,
       [r IN relationships(p) | r.basis] AS bases,
       reduce(c = 1.0, r IN relationships(p) | c * coalesce(r.confidence, 1.0)) AS confidence,
       [r IN relationships(p) | r.sources] AS sources
ORDER BY hops, path
