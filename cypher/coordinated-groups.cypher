// name: coordinated-groups
// description: Groups of accounts that acted together, with the items their members shared.
// question: Which accounts form coordinated groups, and what did they push together, and when?
// param components (boolean, default false): group by connected component instead of Louvain community
// param min_size (integer, default 2): only groups with at least this many members
// param items (integer, default 10): how many shared items to list per group (those shared by most members first)
// column group: the group number (1 = largest), from `graphtool coordination`
// column size: number of members
// column members: member account ids, alphabetically
// column platforms: their platforms, alphabetically
// column shared_items: ids of articles shared by two or more members, most-shared first
// column shared_count: how many articles two or more members shared
// column first_share_at: the members' first share of those articles
// column last_share_at: their last share of those articles
MATCH (g:CoordinationGroup)
WITH CASE WHEN $components THEN g.component_number ELSE g.community_number END AS grp, g
WHERE grp IS NOT NULL
MATCH (a:Account)-[:IN_GROUP]->(g)
WITH grp, a ORDER BY a.id
WITH grp, collect(a) AS members
WHERE size(members) >= $min_size
UNWIND members AS m
WITH grp, members, m.platform AS platform ORDER BY platform
WITH grp, members, collect(DISTINCT platform) AS platforms
UNWIND members AS m
OPTIONAL MATCH (m)-[s:SHARED]->(x:Article)
WITH grp, members, platforms, x, count(DISTINCT m) AS sharers, min(s.at) AS first_at, max(s.at) AS last_at
WITH grp, members, platforms, CASE WHEN sharers >= 2 THEN x END AS x, sharers, first_at, last_at
ORDER BY sharers DESC, x.id
WITH grp, members, platforms, collect(x.id) AS items,
     min(CASE WHEN x IS NOT NULL THEN first_at END) AS first_at, max(CASE WHEN x IS NOT NULL THEN last_at END) AS last_at
RETURN grp AS group, size(members) AS size, [m IN members | m.id] AS members, platforms,
       items[0..$items] AS shared_items, size(items) AS shared_count, first_at AS first_share_at,
       last_at AS last_share_at
ORDER BY group
