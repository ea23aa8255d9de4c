// name: account-follows
// description: The accounts an account follows and the accounts that follow it, from imported follow lists.
// question: Who follows this account, and whom does it follow?
// param id (string, required, e.g. "x:1115874631"): id of the Account
// param limit (integer, default 100): most rows to return
// column direction: "follows" (the account follows the other) or "follower" (the other follows it)
// column account: id of the other Account
// column display_name: its display name
// column platform: its platform
// column observed_at: when the follow was seen, if the list said
// column sources: the evidence for the follow
MATCH (a:Account)-[f:FOLLOWS]-(other:Account)
WHERE a.id = $id AND other.id <> $id
RETURN CASE WHEN startNode(f).id = $id THEN 'follows' ELSE 'follower' END AS direction, other.id AS account,
       other.display_name AS display_name, other.platform AS platform, f.observed_at AS observed_at,
       f.sources AS sources
ORDER BY direction, account
LIMIT $limit
