// name: event-window-accounts
// description: The accounts most active around an Event, with their activity before and after it.
// question: Who drove the activity around this event, and whose activity jumped after it?
// param event (string, required, e.g. "event:debate-fr-2021-09-08"): id of the Event
// param window_s (integer, default 86400): seconds before and after the event to compare (default 1 day)
// param narrative (string, default null, e.g. "narrative:conservative-platform-breaks-ties"): count only articles carrying this Narrative
// param limit (integer, default 25): most rows to return
// column actor: id of the account or outlet
// column platform: its platform (accounts only)
// column display_name: its display name or name
// column before: publications and shares in the window before the event
// column after: publications and shares in the window after the event
// column change: after minus before
// column followers: its followers
MATCH (e:Event {id: $event})
MATCH (actor)-[r:PUBLISHED|SHARED]->(a:Article)
WHERE $narrative IS NULL OR (a)-[:CARRIES]->(:Narrative {id: $narrative})
WITH e.at_ts AS t0, actor, a, CASE type(r) WHEN 'SHARED' THEN r.at_ts ELSE a.published_ts END AS t
WHERE t >= t0 - $window_s AND t < t0 + $window_s
WITH actor, sum(CASE WHEN t < t0 THEN 1 ELSE 0 END) AS before, sum(CASE WHEN t >= t0 THEN 1 ELSE 0 END) AS after
RETURN actor.id AS actor, actor.platform AS platform, coalesce(actor.display_name, actor.name) AS display_name,
       toInteger(before) AS before, toInteger(after) AS after, toInteger(after - before) AS change,
       actor.followers AS followers
ORDER BY after + before DESC, change DESC, actor
LIMIT $limit
