// Remove one important date, with the audit record of the deletion.
MATCH (important:ImportantDate {id: $id})
DELETE important
CREATE (log:AuditRecord)
SET log = $audit
RETURN count(*) AS deleted
