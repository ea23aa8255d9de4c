// name: bridging-accounts
// description: Accounts and outlets with high betweenness whose amplification neighbours span several communities.
// question: Who carries content between otherwise separate communities?
// param min_betweenness (float, default 0.0): only those with betweenness above this
// param min_communities (integer, default 2): only those whose neighbours fall in at least this many communities
// param candidates (integer, default 200): how many of the highest-betweenness actors to examine
// param limit (integer, default 25): most rows to return
// column id: id of the Account or Outlet
// column label: Account or Outlet
// column platform: its platform (accounts)
// column display_name: its display name or name
// column betweenness: its betweenness on the amplification graph
// column community: its own community
// column communities: communities of its neighbours, ascending
// column per_community: how many neighbours fall in each of those communities
// column neighbours: actors it amplified or was amplified by (shares of each other's articles)
MATCH (x)
WHERE x.betweenness > $min_betweenness AND (x:Account OR x:Outlet)
WITH x ORDER BY x.betweenness DESC, x.id LIMIT $candidates
OPTIONAL MATCH (x)-[:SHARED]->(:Article)<-[:PUBLISHED]-(up)
WITH x, collect(DISTINCT up) AS ups
OPTIONAL MATCH (x)-[:PUBLISHED]->(:Article)<-[:SHARED]-(down)
WITH x, ups, collect(DISTINCT down) AS downs
WITH x, ups + downs AS near
UNWIND near AS nb
WITH DISTINCT x, nb
WHERE nb.community IS NOT NULL AND nb.id <> x.id
WITH x, nb.community AS comm, count(nb) AS k ORDER BY comm
WITH x, collect(comm) AS communities, collect(k) AS per_community, sum(k) AS neighbours
WHERE size(communities) >= $min_communities
RETURN x.id AS id, labels(x)[0] AS label, x.platform AS platform, coalesce(x.display_name, x.name) AS display_name,
       x.betweenness AS betweenness, x.community AS community, communities, per_community,
       toInteger(neighbours) AS neighbours
ORDER BY betweenness DESC, size(communities) DESC, id
LIMIT $limit
