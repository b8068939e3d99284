// Relabel, describe or move one category, with its audit record, if it is still as the
// service read it ($before).
MATCH (c:Category {key: $key})
// lock: [c]
WITH c, c {.*} = $before AS unchanged
FOREACH (_ IN CASE WHEN unchanged THEN [1] ELSE [] END |
  SET c += $changes
  CREATE (log:AuditRecord)
  SET log = $audit
)
RETURN unchanged, c {.*} AS category
