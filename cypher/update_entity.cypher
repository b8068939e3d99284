// Replace one entity's fields with the merged map the service built, with its audit record,
// if the entities it refers to and the categories it is given ($categories, by key, locked
// as for create_entity.cypher) exist and nobody changed it since the version the service
// read (so the record's "before" is exact). (A map with several nulls in `SET n += ...`
// can remove the wrong properties in FalkorDB 4.16.)
// The entity is locked before its version is read, so competing writers take turns (see
// lock_nodes in app/repositories/cypher.py).
MATCH (n:Entity:`{{label}}` {id: $id})
// lock: [n]
OPTIONAL MATCH (category:Category)
WHERE category.key IN $categories
WITH n, collect(category) AS categories
// lock: categories
OPTIONAL MATCH (ref:Entity)
WHERE ref.id IN $references
WITH n, categories, count(ref) AS found
// Not only the version: the whole entity must still be what the service read ($before).
// Neo4j reads without locks at read-committed isolation, property by property, so a read
// beside another write's commit can pair the new version with older fields (seen once in
// 200 concurrent PATCHes on 5.26: a change lost); compared under the lock, such a torn
// read fails here and the service reads again.
WITH n, found = size($references) AND size(categories) = size($categories) AS references_ok,
     n.version = $expected_version AND n {.*} = $before AS version_ok
FOREACH (_ IN CASE WHEN references_ok AND version_ok THEN [1] ELSE [] END |
  SET n = $properties, n.version = $expected_version + 1, n.updated_at = $now
  CREATE (a:AuditRecord)
  SET a = $audit
)
RETURN references_ok, version_ok, n {.*} AS entity
