// One page of every entity in id order after the cursor: export and backup read the whole
// practice this way.
MATCH (n:Entity)
WHERE $after IS NULL OR n.id > $after
RETURN n {.*} AS entity
ORDER BY n.id
LIMIT $limit
