// name: search
// description: Find accounts, outlets, organizations, people, narratives and events by id or name.
// question: What is the id of the thing I am looking for?
// param text (string, required, e.g. "global times"): text to look for, case-insensitive, in ids, names, handles
// param limit (integer, default 50): most rows to return
// column label: what it is
// column id: its id, to pass to other queries
// column name: its name, display name or handle
// column platform: its platform (accounts)
MATCH (n)
WHERE NOT n:Article AND NOT n:Source AND NOT n:ImportRun AND NOT n:Identifier
WITH n, toLower($text) AS needle
WHERE toLower(n.id) CONTAINS needle OR toLower(coalesce(n.name, '')) CONTAINS needle
   OR toLower(coalesce(n.display_name, '')) CONTAINS needle OR toLower(coalesce(n.handle, '')) CONTAINS needle
RETURN labels(n)[0] AS label, n.id AS id, coalesce(n.name, n.display_name, n.handle) AS name,
       n.platform AS platform
ORDER BY label, id
LIMIT $limit
