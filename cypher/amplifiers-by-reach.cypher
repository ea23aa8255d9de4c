// name: amplifiers-by-reach
// description: The accounts with the largest audiences among those that shared a narrative's articles.
// question: Who carried this narrative to the most people?
// param narrative (string, required, e.g. "narrative:conservative-platform-breaks-ties"): id of the Narrative
// param min_shares (integer, default 1): only accounts that shared it at least this often
// param platform (string, default null, e.g. "wechat"): only accounts on this platform
// param limit (integer, default 25): most rows to return
// column account: id of the Account
// column platform: its platform
// column display_name: its display name
// column followers: its followers (0 when unknown)
// column shares: how many times it shared articles carrying the narrative
// column exposure: followers x shares, an upper bound on the impressions it generated
// column first_share_at: its first share of the narrative
MATCH (:Narrative {id: $narrative})<-[:CARRIES]-(:Article)<-[s:SHARED]-(acc:Account)
WITH acc, s WHERE $platform IS NULL OR acc.platform = $platform
WITH acc, s ORDER BY s.at_ts, s.id
WITH acc, count(s) AS shares, collect(s.at) AS times
WHERE shares >= $min_shares
WITH acc, shares, times, coalesce(acc.followers, 0) AS followers
RETURN acc.id AS account, acc.platform AS platform, acc.display_name AS display_name, followers, shares,
       followers * shares AS exposure, times[0] AS first_share_at
ORDER BY followers DESC, shares DESC, account
LIMIT $limit
