// name: narratives
// description: Every narrative with its volume, reach across platforms and time span.
// question: Which narratives are in the data, how big is each, and when did each run?
// column narrative: id of the Narrative
// column name: its name
// column articles: articles carrying it
// column platforms: platforms it appeared on, alphabetically
// column shares: shares of those articles
// column first_at: its earliest article
// column last_at: its latest article
MATCH (n:Narrative)
OPTIONAL MATCH (n)<-[:CARRIES]-(a:Article)
WITH n, a ORDER BY a.platform
WITH n, count(a) AS articles, collect(DISTINCT a.platform) AS platforms, min(a.published_at) AS first_at,
     max(a.published_at) AS last_at, collect(a) AS carried
UNWIND CASE WHEN size(carried) = 0 THEN [null] ELSE carried END AS a
OPTIONAL MATCH (a)<-[s:SHARED]-(:Account)
RETURN n.id AS narrative, n.name AS name, articles, platforms, count(s) AS shares, first_at, last_at
ORDER BY articles DESC, narrative
