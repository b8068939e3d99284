// Delete up to $limit nodes of any kind but audit records, with their relationships: restore
// empties a store in steps, so that no one query holds millions of deletions. The audit
// trail is append-only, so it stays, and gains one record saying how many went.
MATCH (n)
WHERE NOT n:AuditRecord
WITH n LIMIT $limit
DETACH DELETE n
WITH count(n) AS deleted
FOREACH (_ IN CASE WHEN deleted > 0 THEN [1] ELSE [] END |
  CREATE (log:AuditRecord)
  SET log = $audit, log.note = toString(deleted) + ' ' + $audit.note
)
RETURN deleted
