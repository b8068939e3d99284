// Create one entity, only if every entity it refers to (owner, reports-to) exists.
OPTIONAL MATCH (ref:Entity)
WHERE ref.id IN $references
WITH count(ref) AS found
WITH found = size($references) AS allowed
FOREACH (_ IN CASE WHEN allowed THEN [1] ELSE [] END |
  CREATE (n:Entity:`{{label}}`)
  SET n = $properties
)
RETURN allowed AS created
