// Entities of any kind by id.
MATCH (n:Entity)
WHERE n.id IN $ids
RETURN n {.*} AS entity
