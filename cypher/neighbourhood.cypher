// One hop of an ego network: active relationships (started, not ended) around the frontier entities.
MATCH (a:Entity)-[r]-(b:Entity)
WHERE a.id IN $frontier AND (r.until IS NULL OR r.until > $today) AND (r.since IS NULL OR r.since <= $today)
// visible: b
RETURN r {.*} AS relationship, type(r) AS type, startNode(r).id AS from_id, endNode(r).id AS to_id, b {.*} AS neighbour
LIMIT $limit
