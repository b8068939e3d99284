// Replace the properties of existing relationships of one type, matched by id, unless they
// changed since the import read them; the whole map, as for entities. Endpoints unlabelled,
// so the lookup uses the type's id index.
UNWIND $rows AS row
MATCH ()-[r:`{{rel_type}}` {id: row.id}]->()
WHERE r.version = row.version
SET r = row.properties
RETURN count(r) AS updated
