// The active relationships of one type, each packed into one integer:
// (from node * $span + to node) * 101 + strength in hundredths. A million come back as one
// list of numbers, which the client parses in about a second instead of fifteen for rows.
// Their ids, in the same order, only when asked ($with_ids): they cost as much again.
MATCH (a:Entity)-[r:`{{rel_type}}`]->(b:Entity)
WHERE r.until IS NULL OR r.until > $today
RETURN collect((id(a) * $span + id(b)) * 101 + toInteger(round(coalesce(r.strength, 1.0) * 100))) AS packed,
       CASE WHEN $with_ids THEN collect(r.id) ELSE [] END AS ids
