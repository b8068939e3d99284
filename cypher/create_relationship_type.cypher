// Add one relationship type to the catalogue, with its audit record, unless its code is taken.
OPTIONAL MATCH (existing:RelationshipType {code: $properties.code})
WITH count(existing) = 0 AS allowed
FOREACH (_ IN CASE WHEN allowed THEN [1] ELSE [] END |
  CREATE (t:RelationshipType)
  SET t = $properties
  CREATE (log:AuditRecord)
  SET log = $audit
)
RETURN allowed AS created
