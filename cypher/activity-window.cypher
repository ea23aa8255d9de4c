// name: activity-window
// description: Publications and shares per platform in time buckets between two moments.
// question: What happened on each platform between these two times, bucket by bucket?
// param since (datetime, required, e.g. "2021-09-08T00:00:00Z"): start of the window, inclusive (ISO-8601 or epoch seconds)
// param until (datetime, required, e.g. "2021-09-11T00:00:00Z"): end of the window, exclusive (a date alone includes that day)
// param bucket_s (integer, default 21600): bucket width in seconds (default 6 hours)
// column activity: published or shared
// column platform: platform of the article published or shared
// column bucket: bucket number from the start of the window (0 is the first)
// column from_s: start of the bucket in seconds after the start of the window
// column actions: publications or shares in the bucket
// column actors: distinct accounts and outlets acting in the bucket
// column articles: distinct articles published or shared in the bucket
MATCH (a:Article)
WHERE a.published_ts >= $since AND a.published_ts < $until
MATCH (actor)-[:PUBLISHED]->(a)
WITH a.platform AS platform, (a.published_ts - $since) / $bucket_s AS bucket, actor, a
RETURN 'published' AS activity, platform, bucket, bucket * $bucket_s AS from_s, count(*) AS actions,
       count(DISTINCT actor) AS actors, count(DISTINCT a) AS articles
ORDER BY platform, bucket
UNION ALL
MATCH ()-[r:SHARED]->()
WHERE r.at_ts >= $since AND r.at_ts < $until
WITH r, startNode(r) AS actor, endNode(r) AS a
WITH a.platform AS platform, (r.at_ts - $since) / $bucket_s AS bucket, actor, a
RETURN 'shared' AS activity, platform, bucket, bucket * $bucket_s AS from_s, count(*) AS actions,
       count(DISTINCT actor) AS actors, count(DISTINCT a) AS articles
ORDER BY platform, bucket
