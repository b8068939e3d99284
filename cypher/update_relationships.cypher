// Replace the properties of existing relationships of one type, matched by id, unless they
// changed since the import read them; the whole map, as for entities. Endpoints unlabelled,
// so the lookup uses the type's id index. One audit record says how many.
UNWIND $rows AS row
MATCH ()-[r:`{{rel_type}}` {id: row.id}]->()
WHERE r.version = row.version
SET r = row.properties
WITH count(r) AS updated
FOREACH (_ IN CASE WHEN updated > 0 THEN [1] ELSE [] END |
  CREATE (log:AuditRecord)
  SET log = $audit, log.note = toString(updated) + ' ' + $audit.note
)
RETURN updated
