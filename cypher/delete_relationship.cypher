// Delete one relationship, with its audit record, if nobody changed it since the version the
// service read (so the record's "before" is exact). To end one and keep it as history, set
// its until date instead.
// Endpoints unlabelled: a labelled endpoint makes FalkorDB scan every entity before the index.
// Both ends are locked, in id order, before the version is read, as every write to a
// relationship of theirs does (see lock_nodes).
MATCH ()-[r:`{{rel_type}}` {id: $id}]->()
WITH r, startNode(r) AS a, endNode(r) AS b
// lock: CASE WHEN a.id < b.id THEN [a, b] ELSE [b, a] END
WITH r, r.version = $expected_version AS version_ok
FOREACH (x IN CASE WHEN version_ok THEN [r] ELSE [] END |
  DELETE x
  CREATE (log:AuditRecord)
  SET log = $audit
)
RETURN version_ok AS deleted
