// Every relationship (ended ones too) starting at the given entities, with the ids and
// external ids of both ends: export and backup read relationships page by page this way.
UNWIND $ids AS id
MATCH (a:Entity {id: id})-[r]->(b)
RETURN r {.*} AS relationship, type(r) AS type, a.id AS from_id, b.id AS to_id,
       coalesce(a.external_id, a.id) AS from_external_id, coalesce(b.external_id, b.id) AS to_external_id
