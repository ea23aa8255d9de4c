// name: article-copies
// description: Every article that copies a given article, directly or through other copies, with lag and credit.
// question: Where did this article's text travel, and where was its source stripped?
// param article (string, required, e.g. "art:gt-0908-a"): id of the original Article
// param max_hops (integer, default 3): longest copy chain to follow (at most 5)
// column copy: id of the copying Article
// column platform: its platform
// column publishers: who published it
// column published_at: when
// column hops: 1 for a direct copy, 2 for a copy of a copy, ...
// column via: ids of the articles along the chain, the copy first and the original last
// column lag_s: seconds after the original
// column containment: share of the text it copied from the next article in the chain
// column attributed: whether it credits the article it copied
MATCH (orig:Article {id: $article})
MATCH p = (c:Article)-[:COPIES*1..5]->(orig)
WHERE length(p) <= $max_hops
WITH orig, c, p, relationships(p)[0] AS first
OPTIONAL MATCH (pub)-[:PUBLISHED]->(c)
WITH orig, c, p, first, pub ORDER BY pub.id
WITH orig, c, p, first, collect(pub.id) AS publishers
RETURN c.id AS copy, c.platform AS platform, publishers, c.published_at AS published_at, length(p) AS hops,
       [n IN nodes(p) | n.id] AS via, c.published_ts - orig.published_ts AS lag_s,
       first.containment AS containment, first.attributed AS attributed
ORDER BY hops, published_at, copy, via
