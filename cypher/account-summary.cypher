// name: account-summary
// description: One account at a glance: profile, publications, shares, narratives, owners.
// question: What do we know about this account?
// param account (string, required, e.g. "wechat:sim_fengqiao_news"): id of the Account
// column account: its id
// column platform: its platform
// column display_name: its display name
// column created_at: when it was created
// column followers: its followers
// column registrant_country: who registered it (country)
// column audience_country: the audience it serves (country)
// column published: articles it published
// column shares: shares it made
// column narratives: narratives carried by what it published or shared, alphabetically
// column owners: ids of whoever directly operates, owns or registered it
// column sources: the Sources behind the account itself
MATCH (acc:Account {id: $account})
OPTIONAL MATCH (acc)-[p:PUBLISHED]->(:Article)
WITH acc, count(p) AS published
OPTIONAL MATCH (acc)-[s:SHARED]->(:Article)
WITH acc, published, count(s) AS shares
OPTIONAL MATCH (acc)-[:PUBLISHED|SHARED]->(:Article)-[:CARRIES]->(n:Narrative)
WITH acc, published, shares, n ORDER BY n.id
WITH acc, published, shares, collect(DISTINCT n.id) AS narratives
OPTIONAL MATCH (acc)-[:OPERATED_BY|OWNED_BY|REGISTERED_TO]->(o)
WITH acc, published, shares, narratives, o ORDER BY o.id
WITH acc, published, shares, narratives, collect(DISTINCT o.id) AS owners
RETURN acc.id AS account, acc.platform AS platform, acc.display_name AS display_name, acc.created_at AS created_at,
       acc.followers AS followers, acc.registrant_country AS registrant_country,
       acc.audience_country AS audience_country, published, shares, narratives, owners, acc.sources AS sources
