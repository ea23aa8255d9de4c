// name: unattributed-copies
// description: Copies of state-media articles that do not credit them, with the lag. State media are what `graphtool analyze` stored as state_media (one definition: docs/scores.md), so run it first.
// question: Which articles repeated state media without saying so, how closely, and how soon after?
// param include_attributed (boolean, default false): also list copies that do credit the original
// param min_containment (float, default 0.0): only copies that contain at least this share of the original
// param narrative (string, default null, e.g. "narrative:conservative-platform-breaks-ties"): only copies carrying this Narrative
// param limit (integer, default 200): most rows to return
// column outlet: id of the state media behind the original: its publisher when that is an Outlet, else the state-media Outlet that operates or owns the publishing account, else that account
// column original: id of the original Article
// column original_platform: platform of the original
// column original_at: when the original was published
// column copy: id of the copying Article
// column copy_platform: platform of the copy
// column copiers: ids of the accounts or outlets that published the copy
// column copy_at: when the copy was published
// column lag_s: seconds between original and copy
// column lag_h: the same in hours (two decimals)
// column similarity: Jaccard similarity of the two texts (COPIES.similarity)
// column containment: share of the original found in the copy (COPIES.containment)
// column attributed: whether the copy credits the original
MATCH (copy:Article)-[c:COPIES]->(orig:Article)<-[:PUBLISHED]-(pub)
WHERE pub.state_media = true AND (c.attributed = false OR $include_attributed)
  AND coalesce(c.containment, 0.0) >= $min_containment
  AND ($narrative IS NULL OR (copy)-[:CARRIES]->(:Narrative {id: $narrative}))
OPTIONAL MATCH (pub)-[:OPERATED_BY|OWNED_BY]->(owner:Outlet {state_media: true})
WITH copy, c, orig, CASE WHEN 'Outlet' IN labels(pub) OR owner IS NULL THEN pub.id ELSE owner.id END AS outlet
WITH DISTINCT copy, c, orig, outlet
OPTIONAL MATCH (copier)-[:PUBLISHED]->(copy)
WITH copy, c, orig, outlet, copier ORDER BY copier.id
WITH copy, c, orig, outlet, collect(copier.id) AS copiers
RETURN outlet, orig.id AS original, orig.platform AS original_platform, orig.published_at AS original_at,
       copy.id AS copy, copy.platform AS copy_platform, copiers, copy.published_at AS copy_at,
       c.lag_s AS lag_s, round(toFloat(c.lag_s) / 36.0) / 100.0 AS lag_h,
       c.similarity AS similarity, c.containment AS containment, c.attributed AS attributed
ORDER BY original_at, original, lag_s, copy, outlet
LIMIT $limit
