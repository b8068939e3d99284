// The active relationships of one type as parallel lists: each one's ends, as the two ids
// joined by a space ("from to": one string instead of two halves the values the client
// parses), and its strength as stored, -1 where none is (collect() leaves nulls out, and a
// strength is never negative). Entity ids are ULIDs or other
// identifiers without spaces (app/domain/model.py check_identifier). A relationship whose
// since is in the future is not active yet. Their ids, in the same order, only when asked
// ($with_ids): they cost as much again. Membership shares (-1 where none), only when asked
// ($with_shares: membership types). No internal node numbers: Neo4j 5 deprecates id().
MATCH (a:Entity)-[r:`{{rel_type}}`]->(b:Entity)
WHERE (r.until IS NULL OR r.until > $today) AND (r.since IS NULL OR r.since <= $today)
RETURN collect(a.id + ' ' + b.id) AS ends, collect(coalesce(r.strength, -1.0)) AS strengths,
       CASE WHEN $with_ids THEN collect(r.id) ELSE [] END AS ids,
       CASE WHEN $with_shares THEN collect(coalesce(r.share, -1.0)) ELSE [] END AS shares
