// Add the default relationship types that are missing (existing entries are left as edited),
// with one audit record saying how many were added.
UNWIND $types AS type
OPTIONAL MATCH (existing:RelationshipType {code: type.code})
WITH collect(CASE WHEN existing IS NULL THEN type END) AS missing
FOREACH (type IN missing |
  MERGE (t:RelationshipType {code: type.code})
  ON CREATE SET t = type
)
FOREACH (_ IN CASE WHEN size(missing) > 0 THEN [1] ELSE [] END |
  CREATE (log:AuditRecord)
  SET log = $audit, log.note = toString(size(missing)) + ' ' + $audit.note
)
RETURN size(missing) AS added
