// name: coordinated-pairs
// description: Pairs of accounts found acting together, with the strength of the link and its significance.
// question: Which accounts acted in concert, how often, and how unlikely is that by chance?
// param account (string, default null, e.g. "wechat:sim_fengqiao_news"): only pairs involving this account
// param kind (string, default null, e.g. "co-share"): only this kind of coordination
// param min_weight (float, default 0.0): only pairs with at least this weight
// param limit (integer, default 100): most rows to return
// column account_1: id of one account
// column account_2: id of the other
// column kind: co-share, co-link, co-text, co-similar-text or co-reply
// column window_s: the time window used
// column weight: the symmetric weight
// column weight_12: actions of account_1 matched by account_2 within the window
// column weight_21: actions of account_2 matched by account_1 within the window
// column p_value: significance against timestamps shuffled within accounts (null when not tested)
// column co_shared: articles both accounts shared
MATCH (a:Account)-[c:COORDINATED_WITH]->(b:Account)
WHERE ($account IS NULL OR a.id = $account OR b.id = $account) AND ($kind IS NULL OR c.kind = $kind)
  AND coalesce(c.weight, 0.0) >= $min_weight
OPTIONAL MATCH (a)-[:SHARED]->(x:Article)<-[:SHARED]-(b)
WITH a, b, c, count(DISTINCT x) AS co_shared
RETURN a.id AS account_1, b.id AS account_2, c.kind AS kind, c.window_s AS window_s, c.weight AS weight,
       c.weight_ab AS weight_12, c.weight_ba AS weight_21, c.p_value AS p_value, co_shared
ORDER BY weight DESC, account_1, account_2, kind
LIMIT $limit
