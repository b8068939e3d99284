// Delete one entity, with its audit records, if nobody changed it since the version the
// service read, unless it still has relationships, owned clients or reports; with $cascade
// its relationships go too and the references to it are cleared. A cascade's records
// describe what the service read ($relationships, $owned, $reports: "id:version" each), so
// nothing is written if that set changed meanwhile (the service reads it again).
MATCH (n:Entity:`{{label}}` {id: $id})
OPTIONAL MATCH (n)-[r]-()
WITH n, collect(DISTINCT r) AS rels
OPTIONAL MATCH (owned:Client {owner_id: n.id})
WITH n, rels, collect(owned) AS owned_clients
OPTIONAL MATCH (report:TeamMember {reports_to_id: n.id})
WITH n, rels, owned_clients, collect(report) AS reports
WITH n, rels, owned_clients, reports,
     n.version = $expected_version AND (NOT $cascade OR (
       size(rels) = size($relationships)
       AND all(x IN rels WHERE (x.id + ':' + toString(coalesce(x.version, 0))) IN $relationships)
       AND size(owned_clients) = size($owned)
       AND all(c IN owned_clients WHERE (c.id + ':' + toString(c.version)) IN $owned)
       AND size(reports) = size($reports)
       AND all(t IN reports WHERE (t.id + ':' + toString(t.version)) IN $reports)
     )) AS unchanged
WITH n, rels, owned_clients, reports, unchanged,
     unchanged AND ($cascade OR (size(rels) = 0 AND size(owned_clients) = 0 AND size(reports) = 0)) AS allowed
FOREACH (c IN CASE WHEN allowed THEN owned_clients ELSE [] END |
  SET c.owner_id = null, c.version = c.version + 1, c.updated_at = $now
)
FOREACH (t IN CASE WHEN allowed THEN reports ELSE [] END |
  SET t.reports_to_id = null, t.version = t.version + 1, t.updated_at = $now
)
FOREACH (x IN CASE WHEN allowed THEN [n] ELSE [] END | DETACH DELETE x)
FOREACH (record IN CASE WHEN allowed THEN $audits ELSE [] END |
  CREATE (log:AuditRecord)
  SET log = record
)
RETURN allowed AS deleted, unchanged, size(rels) AS relationships, size(owned_clients) AS owned_clients,
       size(reports) AS reports
