// Create one entity, with its audit record, only if every entity it refers to (owner,
// reports-to) exists.
OPTIONAL MATCH (ref:Entity)
WHERE ref.id IN $references
WITH count(ref) AS found
WITH found = size($references) AS allowed
FOREACH (_ IN CASE WHEN allowed THEN [1] ELSE [] END |
  CREATE (n:Entity:`{{label}}`)
  SET n = $properties
  CREATE (a:AuditRecord)
  SET a = $audit
)
RETURN allowed AS created
