// name: evidence-score
// description: The reasons behind an account's or outlet's affiliation score, each with the Sources it cites.
// question: Why does this account score as it does, and what evidence can I show for each reason?
// param id (string, required, e.g. "wechat:sim_fengqiao_news"): id of the Account or Outlet
// column id: id of the Account or Outlet
// column affiliation_score: state affiliation in [0, 1]
// column ownership_clarity: declared, indirect, unclear or none
// column analysis_run: the analysis run that wrote the score
// column n: number of the reason (1, 2, ...; 0 when there are none)
// column reason: one reason, as written by the analysis
// column sources: ids of the Sources the reason names
// column source_titles: their titles
// column source_urls: where they can be found
MATCH (x) WHERE x.id = $id AND (x:Account OR x:Outlet)
OPTIONAL MATCH (s:Source)
WITH x, s ORDER BY s.id
WITH x, collect(s) AS known, coalesce(x.affiliation_reasons, []) AS reasons
UNWIND CASE WHEN size(reasons) = 0 THEN [-1] ELSE range(0, size(reasons) - 1) END AS i
WITH x, i, CASE WHEN i < 0 THEN null ELSE reasons[i] END AS reason, known
WITH x, i, reason, [s IN known WHERE reason CONTAINS s.id] AS cited
RETURN x.id AS id, x.affiliation_score AS affiliation_score, x.ownership_clarity AS ownership_clarity,
       x.analysis_run AS analysis_run, i + 1 AS n, reason, [s IN cited | s.id] AS sources,
       [s IN cited | s.title] AS source_titles, [s IN cited | s.url] AS source_urls
ORDER BY n
