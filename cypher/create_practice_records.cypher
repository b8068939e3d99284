// Restore a batch of the practice's records of one label, with their properties as backed up,
// and one audit record saying how many.
UNWIND $rows AS row
CREATE (n:`{{label}}`)
SET n = row
WITH count(n) AS created
FOREACH (_ IN CASE WHEN created > 0 THEN [1] ELSE [] END |
  CREATE (log:AuditRecord)
  SET log = $audit, log.note = toString(created) + ' ' + $audit.note
)
RETURN created
