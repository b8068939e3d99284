// Delete one entity unless it still has relationships, owned clients or reports; with
// $cascade its relationships go too and the references to it are cleared.
MATCH (n:Entity:`{{label}}` {id: $id})
OPTIONAL MATCH (n)-[r]-()
WITH n, count(r) AS relationships
OPTIONAL MATCH (owned:Client {owner_id: n.id})
WITH n, relationships, collect(owned) AS owned_clients
OPTIONAL MATCH (report:TeamMember {reports_to_id: n.id})
WITH n, relationships, owned_clients, collect(report) AS reports
WITH n, relationships, owned_clients, reports,
     $cascade OR (relationships = 0 AND size(owned_clients) = 0 AND size(reports) = 0) AS allowed
FOREACH (c IN CASE WHEN allowed THEN owned_clients ELSE [] END |
  SET c.owner_id = null, c.version = c.version + 1, c.updated_at = $now
)
FOREACH (t IN CASE WHEN allowed THEN reports ELSE [] END |
  SET t.reports_to_id = null, t.version = t.version + 1, t.updated_at = $now
)
FOREACH (x IN CASE WHEN allowed THEN [n] ELSE [] END | DETACH DELETE x)
RETURN allowed AS deleted, relationships, size(owned_clients) AS owned_clients, size(reports) AS reports
