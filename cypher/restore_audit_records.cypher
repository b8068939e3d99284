// Restore a batch of backed-up audit records into a trail that may hold some of them already
// (a restore keeps the store's own trail): those it lacks, by id, then one record of the
// restore itself saying how many.
UNWIND $rows AS row
OPTIONAL MATCH (existing:AuditRecord {id: row.id})
WITH collect(CASE WHEN existing IS NULL THEN row END) AS missing
FOREACH (row IN missing |
  MERGE (record:AuditRecord {id: row.id})
  ON CREATE SET record = row
)
FOREACH (_ IN CASE WHEN size(missing) > 0 THEN [1] ELSE [] END |
  CREATE (log:AuditRecord)
  SET log = $audit, log.note = toString(size(missing)) + ' ' + $audit.note
)
RETURN size(missing) AS restored
