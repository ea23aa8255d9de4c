// name: amplifiers-by-shares
// description: The accounts that shared a narrative's articles most often.
// question: Who pushed this narrative hardest, counted in shares?
// param narrative (string, required, e.g. "narrative:conservative-platform-breaks-ties"): id of the Narrative
// param platform (string, default null, e.g. "weibo"): only accounts on this platform
// param limit (integer, default 25): most rows to return
// column account: id of the Account
// column platform: its platform
// column display_name: its display name
// column shares: how many times it shared articles carrying the narrative
// column articles: how many distinct such articles it shared
// column followers: its followers (its reach per share)
// column first_share_at: its first share of the narrative
// column last_share_at: its last share of the narrative
MATCH (:Narrative {id: $narrative})<-[:CARRIES]-(a:Article)<-[s:SHARED]-(acc:Account)
WITH acc, s, a WHERE $platform IS NULL OR acc.platform = $platform
WITH acc, s, a ORDER BY s.at_ts, s.id
WITH acc, count(s) AS shares, count(DISTINCT a) AS articles, collect(s.at) AS times
RETURN acc.id AS account, acc.platform AS platform, acc.display_name AS display_name, shares, articles,
       acc.followers AS followers, times[0] AS first_share_at, times[size(times) - 1] AS last_share_at
ORDER BY shares DESC, articles DESC, account
LIMIT $limit
