// name: unclear-ownership
// description: Accounts and outlets whose ownership is unclear, ranked by their state-affiliation score.
// question: Which accounts behave like state media without a known ownership link, and which should I look at next?
// param clarity (string, default "unclear", e.g. "indirect"): ownership clarity to list (declared, indirect, unclear, none)
// param min_score (float, default 0.0): only those scoring at least this
// param platform (string, default null, e.g. "wechat"): only accounts on this platform
// param limit (integer, default 50): most rows to return
// column id: id of the Account or Outlet
// column label: Account or Outlet
// column platform: its platform (accounts)
// column display_name: its display name or name
// column affiliation_score: state affiliation in [0, 1]
// column ownership_clarity: declared, indirect, unclear or none
// column ownership: the ownership-path signal
// column copying: the signal from copying or reposting state media
// column pickup: the signal from how fast it picks state-media content up
// column country: the signal from registrant country against audience
// column coordination: the signal from coordination with state-affiliated accounts
// column followers: its followers
// column reasons: the reasons behind the score, each citing its evidence
// column state_path: ids along its strongest ownership path to the state, itself first (empty when none)
MATCH (n)
WHERE n.ownership_clarity = $clarity AND coalesce(n.affiliation_score, 0.0) >= $min_score
  AND (n:Account OR n:Outlet) AND ($platform IS NULL OR n.platform = $platform)
RETURN n.id AS id, labels(n)[0] AS label, n.platform AS platform, coalesce(n.display_name, n.name) AS display_name,
       n.affiliation_score AS affiliation_score, n.ownership_clarity AS ownership_clarity,
       n.affiliation_ownership AS ownership, n.affiliation_copying AS copying, n.affiliation_pickup AS pickup,
       n.affiliation_country AS country, n.affiliation_coordination AS coordination, n.followers AS followers,
       n.affiliation_reasons AS reasons, n.state_path AS state_path
ORDER BY affiliation_score DESC, id
LIMIT $limit
