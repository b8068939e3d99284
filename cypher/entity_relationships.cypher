// Every relationship of one entity, with the entity at its other end and its direction.
MATCH (n:Entity {id: $id})-[r]-(other:Entity)
WHERE ($category IS NULL OR r.category = $category)
  AND ($include_ended OR r.until IS NULL OR r.until > $today)
// visible: other
RETURN r {.*} AS relationship, type(r) AS type, startNode(r) = n AS outgoing, other {.*} AS other
ORDER BY type, other.name, r.id
