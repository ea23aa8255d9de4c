// name: narrative-earliest
// description: The earliest articles carrying a narrative on each platform, with who published them.
// question: Where did this narrative first appear on each platform, and who put it there?
// param narrative (string, required, e.g. "narrative:conservative-platform-breaks-ties"): id of the Narrative
// param per_platform (integer, default 3): how many of the earliest articles to list per platform
// column platform: platform of the article
// column rank: 1 for the earliest article on that platform, 2 for the next, ...
// column published_at: when it was published (ISO-8601 UTC)
// column article: id of the Article
// column title: its title
// column publishers: ids of the accounts or outlets that published it
// column after_first_s: seconds after the narrative's first article on any platform
// column url: where it was published
MATCH (:Narrative {id: $narrative})<-[:CARRIES]-(a:Article)
WITH a WHERE a.published_ts IS NOT NULL
WITH a ORDER BY a.published_ts, a.id
WITH collect(a) AS all_articles
WITH all_articles, all_articles[0].published_ts AS first_ts
UNWIND all_articles AS a
WITH first_ts, a.platform AS platform, collect(a) AS on_platform
UNWIND range(0, size(on_platform) - 1) AS i
WITH first_ts, platform, i, on_platform[i] AS a
WHERE i < $per_platform
OPTIONAL MATCH (p)-[:PUBLISHED]->(a)
WITH first_ts, platform, i, a, p ORDER BY p.id
WITH first_ts, platform, i, a, collect(p.id) AS publishers
RETURN platform, i + 1 AS rank, a.published_at AS published_at, a.id AS article, a.title AS title,
       publishers, a.published_ts - first_ts AS after_first_s, a.url AS url
ORDER BY published_at, platform, rank
