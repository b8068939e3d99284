// Add a category to a list, with its audit record. Without a position given it goes at the
// end, $next_position as the service computed it: if the list changed meanwhile nothing is
// written (the record must hold the position stored) and the service reads it again.
OPTIONAL MATCH (existing:Category {key: $properties.key})
WITH count(existing) = 0 AS fresh
OPTIONAL MATCH (other:Category {list: $properties.list})
WITH fresh, coalesce(max(other.position), -1) + 1 AS next_position
WITH fresh, $next_position IS NULL OR next_position = $next_position AS unchanged
FOREACH (_ IN CASE WHEN fresh AND unchanged THEN [1] ELSE [] END |
  CREATE (c:Category)
  SET c = $properties
  CREATE (log:AuditRecord)
  SET log = $audit
)
RETURN fresh, unchanged
