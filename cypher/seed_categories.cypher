// Add the default categories that are missing (existing entries are left as edited), with
// one audit record saying how many were added.
UNWIND $categories AS category
OPTIONAL MATCH (existing:Category {key: category.key})
WITH collect(CASE WHEN existing IS NULL THEN category END) AS missing
FOREACH (category IN missing |
  MERGE (c:Category {key: category.key})
  ON CREATE SET c = category
)
FOREACH (_ IN CASE WHEN size(missing) > 0 THEN [1] ELSE [] END |
  CREATE (log:AuditRecord)
  SET log = $audit, log.note = toString(size(missing)) + ' ' + $audit.note
)
RETURN size(missing) AS added
