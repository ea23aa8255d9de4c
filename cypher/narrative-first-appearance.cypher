// name: narrative-first-appearance
// description: The first appearance of a narrative on each platform, in order, with the time between hops. Counts posts only (articles carrying it, on their own platform); `graphtool timeline` also counts shares (on the sharer's platform), so its first appearances can be earlier.
// question: In what order did this narrative cross platforms, and how long did each hop take?
// param narrative (string, required, e.g. "narrative:conservative-platform-breaks-ties"): id of the Narrative
// column hop: 0 for the platform where it appeared first, 1 for the next platform it reached, ...
// column platform: the platform
// column first_at: when the narrative first appeared there (ISO-8601 UTC)
// column first_article: id of that first Article (the lowest id when several share the time)
// column publishers: who published that first article
// column after_previous_s: seconds since it reached the previous platform (0 for the first)
// column after_origin_s: seconds since its first appearance anywhere
// column articles: how many articles carry it on this platform
MATCH (:Narrative {id: $narrative})<-[:CARRIES]-(a:Article)
WITH a WHERE a.published_ts IS NOT NULL
WITH a ORDER BY a.published_ts, a.id
WITH a.platform AS platform, collect(a) AS on_platform
WITH platform, on_platform[0] AS first, size(on_platform) AS articles
ORDER BY first.published_ts, first.id
WITH collect(first) AS firsts, collect(articles) AS counts
UNWIND range(0, size(firsts) - 1) AS i
WITH i, firsts[i] AS a, counts[i] AS articles, firsts[0].published_ts AS origin_ts,
     firsts[CASE WHEN i = 0 THEN 0 ELSE i - 1 END].published_ts AS previous_ts
OPTIONAL MATCH (p)-[:PUBLISHED]->(a)
WITH i, a, articles, origin_ts, previous_ts, p ORDER BY p.id
WITH i, a, articles, origin_ts, previous_ts, collect(p.id) AS publishers
RETURN i AS hop, a.platform AS platform, a.published_at AS first_at, a.id AS first_article, publishers,
       a.published_ts - previous_ts AS after_previous_s, a.published_ts - origin_ts AS after_origin_s, articles
ORDER BY hop
