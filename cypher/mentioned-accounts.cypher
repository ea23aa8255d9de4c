// name: mentioned-accounts
// description: The accounts that articles mention most, and how many distinct accounts mention them. A mention is not a share.
// question: Who is being talked to or about, and by how many accounts?
// param platform (string, default null, e.g. "x"): only mentioned accounts on this platform
// param limit (integer, default 25): most rows to return
// column account: id of the mentioned Account
// column display_name: its display name
// column platform: its platform
// column articles: how many articles mention it
// column by_accounts: how many distinct accounts or outlets published those articles
MATCH (art:Article)-[m:MENTIONS]->(acc:Account)
WHERE $platform IS NULL OR acc.platform = $platform
OPTIONAL MATCH (author)-[:PUBLISHED]->(art)
WITH acc, count(DISTINCT art) AS articles, count(DISTINCT author) AS by_accounts
RETURN acc.id AS account, acc.display_name AS display_name, acc.platform AS platform, articles, by_accounts
ORDER BY articles DESC, by_accounts DESC, account
LIMIT $limit
