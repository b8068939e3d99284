// Add a category to a list, at the end unless a position is given.
OPTIONAL MATCH (existing:Category {key: $properties.key})
WITH count(existing) = 0 AS allowed
OPTIONAL MATCH (other:Category {list: $properties.list})
WITH allowed, coalesce(max(other.position), -1) + 1 AS next_position
FOREACH (_ IN CASE WHEN allowed THEN [1] ELSE [] END |
  CREATE (c:Category)
  SET c = $properties, c.position = coalesce($position, next_position)
)
RETURN allowed AS created
