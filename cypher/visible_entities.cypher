// Which of the given entities the caller may see (ids of missing entities are left out).
MATCH (n:Entity)
WHERE n.id IN $ids
// visible: n
RETURN n.id AS id
