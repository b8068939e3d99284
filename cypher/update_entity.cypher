// Change some fields of one entity if the entities it refers to exist and, when the caller
// names a version, nobody changed it since. A null value removes the field.
MATCH (n:Entity:`{{label}}` {id: $id})
OPTIONAL MATCH (ref:Entity)
WHERE ref.id IN $references
WITH n, count(ref) AS found
WITH n, found = size($references) AS references_ok, ($expected_version IS NULL OR n.version = $expected_version) AS version_ok
FOREACH (_ IN CASE WHEN references_ok AND version_ok THEN [1] ELSE [] END |
  SET n += $changes, n.version = n.version + 1, n.updated_at = $now
)
RETURN references_ok, version_ok, n {.*} AS entity
