// name: new-accounts-amplifying
// description: Accounts that were young when they first published or shared a narrative's articles.
// question: Which freshly created accounts jumped on this narrative?
// param narrative (string, required, e.g. "narrative:conservative-platform-breaks-ties"): id of the Narrative
// param max_age_days (float, default 90.0): account age at its first action on the narrative, in days
// param created_after (string, default null, e.g. "2021-06-01"): only accounts created on or after this ISO-8601 date or time
// param limit (integer, default 50): most rows to return
// column account: id of the Account
// column platform: its platform
// column display_name: its display name
// column created_at: when it was created
// column first_action_at: its first publication or share of the narrative
// column age_days: its age in days at that first action (one decimal)
// column actions: its publications and shares of the narrative
// column followers: its followers
MATCH (:Narrative {id: $narrative})<-[:CARRIES]-(a:Article)<-[r:SHARED|PUBLISHED]-(acc:Account)
WITH acc, r, a WHERE acc.created_ts IS NOT NULL AND ($created_after IS NULL OR acc.created_at >= $created_after)
WITH acc, CASE type(r) WHEN 'SHARED' THEN r.at_ts ELSE a.published_ts END AS t,
     CASE type(r) WHEN 'SHARED' THEN r.at ELSE a.published_at END AS at
WHERE t IS NOT NULL
WITH acc, t, at ORDER BY t, at
WITH acc, min(t) AS first_ts, collect(at)[0] AS first_action_at, count(*) AS actions
WITH acc, first_action_at, actions, first_ts - acc.created_ts AS age_s
WHERE age_s <= $max_age_days * 86400
RETURN acc.id AS account, acc.platform AS platform, acc.display_name AS display_name,
       acc.created_at AS created_at, first_action_at, round(toFloat(age_s) / 8640.0) / 10.0 AS age_days,
       actions, acc.followers AS followers
ORDER BY age_days, account
LIMIT $limit
