// Create a batch of new relationships of one type between existing entities (bulk import,
// generated practices, restore): each row's own properties plus $shared, those every row of
// the batch has (sent once). Both ends are bound by index; a row whose end is missing
// creates nothing and shows in the count. One type per query: grouping rows by type wrote
// faster than one FOREACH per type over mixed rows. One audit record says how many.
UNWIND $rows AS row
MATCH (a:Entity {id: row.from_id})
MATCH (b:Entity {id: row.to_id})
CREATE (a)-[r:`{{rel_type}}`]->(b)
SET r = row.properties, r += $shared
WITH count(r) AS created
FOREACH (_ IN CASE WHEN created > 0 THEN [1] ELSE [] END |
  CREATE (log:AuditRecord)
  SET log = $audit, log.note = toString(created) + ' ' + $audit.note
)
RETURN created
