// Change the practice's settings, with the audit record in the same query.
MERGE (s:PracticeSettings {id: 'practice'})
SET s += $changes
CREATE (a:AuditRecord)
SET a = $audit
RETURN s {.*} AS settings
