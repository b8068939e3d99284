// Create one entity, with its audit record, only if every entity it refers to (owner,
// reports-to) and every category it names ($categories, by key) exists. The categories
// are locked first, so none can be deleted while this write counts on it (see lock_nodes
// in app/repositories/cypher.py).
OPTIONAL MATCH (category:Category)
WHERE category.key IN $categories
WITH collect(category) AS categories
// lock: categories
OPTIONAL MATCH (ref:Entity)
WHERE ref.id IN $references
WITH categories, count(ref) AS found
WITH found = size($references) AND size(categories) = size($categories) AS allowed
FOREACH (_ IN CASE WHEN allowed THEN [1] ELSE [] END |
  CREATE (n:Entity:`{{label}}`)
  SET n = $properties
  CREATE (a:AuditRecord)
  SET a = $audit
)
RETURN allowed AS created
