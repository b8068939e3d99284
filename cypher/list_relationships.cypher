// One page of relationships in id order after the cursor, with optional filters.
MATCH (a:Entity)-[r]->(b:Entity)
WHERE ($after IS NULL OR r.id > $after)
  AND ($type IS NULL OR type(r) = $type)
  AND ($category IS NULL OR r.category = $category)
  AND ($include_ended OR r.until IS NULL OR r.until > $today)
// visible: a, b
RETURN r {.*} AS relationship, type(r) AS type, a {.*} AS from_entity, b {.*} AS to_entity
ORDER BY r.id
LIMIT $limit
