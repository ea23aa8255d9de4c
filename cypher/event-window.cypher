// name: event-window
// description: Publications and shares per platform in time buckets around an Event (a debate, the vote).
// question: How did activity on each platform change before and after this event?
// param event (string, required, e.g. "event:debate-fr-2021-09-08"): id of the Event
// param before_s (integer, default 172800): seconds before the event to include (default 2 days)
// param after_s (integer, default 172800): seconds after the event to include (default 2 days)
// param bucket_s (integer, default 21600): bucket width in seconds (default 6 hours)
// param narrative (string, default null, e.g. "narrative:conservative-platform-breaks-ties"): count only articles carrying this Narrative
// column platform: platform of the article published or shared
// column activity: published or shared
// column bucket: bucket number relative to the event (0 starts at the event, -1 is the bucket before it)
// column from_s: start of the bucket in seconds relative to the event
// column actions: publications or shares in the bucket
// column actors: distinct accounts and outlets acting in the bucket
// column articles: distinct articles published or shared in the bucket
MATCH (e:Event {id: $event})
MATCH (actor)-[r:PUBLISHED|SHARED]->(a:Article)
WHERE $narrative IS NULL OR (a)-[:CARRIES]->(:Narrative {id: $narrative})
WITH e.at_ts AS t0, actor, r, a, CASE type(r) WHEN 'SHARED' THEN r.at_ts ELSE a.published_ts END AS t
WHERE t >= t0 - $before_s AND t < t0 + $after_s
WITH a.platform AS platform, toLower(type(r)) AS activity,
     toInteger(floor(toFloat(t - t0) / $bucket_s)) AS bucket, actor, a
RETURN platform, activity, bucket, bucket * $bucket_s AS from_s, count(*) AS actions,
       count(DISTINCT actor) AS actors, count(DISTINCT a) AS articles
ORDER BY platform, activity, bucket
