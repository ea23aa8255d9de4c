// name: evidence-relationship
// description: The Sources behind the relationships between two nodes, in either direction.
// question: What is the evidence that these two are linked (ownership, publication, a share, a copy)?
// param a (string, required, e.g. "wechat:sim_hanxin_canada"): id of one node
// param b (string, required, e.g. "org:sim-hanxin-media"): id of the other node
// param type (string, default null, e.g. "OPERATED_BY"): only relationships of this type
// column relationship: the relationship type
// column src: id of the node it starts from
// column dst: id of the node it points to
// column rel_id: the relationship's own id, where it has one (a share's message id)
// column confidence: its stated confidence, where it has one
// column basis: how the link is known, where stated
// column run_id: the analysis run that derived it (derived relationships carry no Sources)
// column source: id of one Source (null when the relationship names none)
// column source_kind: archive, report, export, note or import
// column title: the Source's title
// column url: where the Source can be found
// column captured_at: when it was captured
// column collector: who collected it
// column sha256: digest of the captured bytes
MATCH (x) WHERE x.id = $a
MATCH (x)-[r]-(y) WHERE y.id = $b AND ($type IS NULL OR type(r) = $type)
WITH r, startNode(r) AS s, endNode(r) AS d, coalesce(r.sources, []) AS ids
UNWIND CASE WHEN size(ids) = 0 THEN [null] ELSE ids END AS source
OPTIONAL MATCH (src:Source {id: source})
RETURN type(r) AS relationship, s.id AS src, d.id AS dst, r.id AS rel_id, r.confidence AS confidence,
       r.basis AS basis, r.run_id AS run_id, source, src.kind AS source_kind, src.title AS title, src.url AS url,
       src.captured_at AS captured_at, src.collector AS collector, src.sha256 AS sha256
ORDER BY relationship, src, dst, rel_id, source
