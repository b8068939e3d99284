// Create a batch of new entities of one kind (bulk import, generated practices, restore):
// each row's own properties plus $shared, those every row of the batch has (sent once);
// one query, so a batch is written whole or not at all, with one audit record saying how
// many ($audit.note completed by the count).
UNWIND $rows AS row
CREATE (n:Entity:`{{label}}`)
SET n = row, n += $shared
WITH count(n) AS created
FOREACH (_ IN CASE WHEN created > 0 THEN [1] ELSE [] END |
  CREATE (log:AuditRecord)
  SET log = $audit, log.note = toString(created) + ' ' + $audit.note
)
RETURN created
