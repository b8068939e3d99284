// Delete one entity, with its audit records, if nobody changed it since the version the
// service read, unless it still has relationships, owned clients or reports; with $cascade
// its relationships go too and the references to it are cleared. A cascade's records
// describe what the service read ($relationships, $owned, $reports: "id:version" each), so
// nothing is written if that set changed meanwhile (the service reads it again). The records
// the entity owns (touches, service requests, important dates) always go with it, guarded
// the same way by their ids ($own_records), and so do a client's service tasks. It leaves
// every group that picked it by hand, each group guarded by the version read ($groups:
// "id:version" each) and locked in id order.
// The entity is locked before anything is read (see lock_nodes).
MATCH (n:Entity:`{{label}}` {id: $id})
// lock: [n]
OPTIONAL MATCH (n)-[r]-()
WITH n, collect(DISTINCT r) AS rels
OPTIONAL MATCH (owned:Client {owner_id: n.id})
WITH n, rels, collect(owned) AS owned_clients
OPTIONAL MATCH (report:TeamMember {reports_to_id: n.id})
WITH n, rels, owned_clients, collect(report) AS reports
OPTIONAL MATCH (touch:Touch {client_id: n.id})
WITH n, rels, owned_clients, reports, collect(touch) AS touches
OPTIONAL MATCH (request:ServiceRequest {client_id: n.id})
WITH n, rels, owned_clients, reports, touches, collect(request) AS requests
OPTIONAL MATCH (important:ImportantDate {entity_id: n.id})
// Collected apart, then joined: FalkorDB cannot add a grouping key to an aggregate in one step.
WITH n, rels, owned_clients, reports, touches, requests, collect(important) AS dates
OPTIONAL MATCH (task:ServiceTask {client_id: n.id})
WITH n, rels, owned_clients, reports, touches, requests, dates, collect(task) AS tasks
OPTIONAL MATCH (g:Group)
WHERE n.id IN g.member_ids
WITH n, rels, owned_clients, reports, touches, requests, dates, tasks, g
ORDER BY g.id
WITH n, rels, owned_clients, reports, touches, requests, dates, tasks, collect(g) AS groups
// lock: groups
WITH n, rels, owned_clients, reports, touches + requests + dates + tasks AS records, groups
WITH n, rels, owned_clients, reports, records, groups,
     n.version = $expected_version
     AND size(groups) = size($groups) AND all(x IN groups WHERE (x.id + ':' + toString(x.version)) IN $groups)
     AND size(records) = size($own_records) AND all(x IN records WHERE x.id IN $own_records)
     AND (NOT $cascade OR (
       size(rels) = size($relationships)
       AND all(x IN rels WHERE (x.id + ':' + toString(coalesce(x.version, 0))) IN $relationships)
       AND size(owned_clients) = size($owned)
       AND all(c IN owned_clients WHERE (c.id + ':' + toString(c.version)) IN $owned)
       AND size(reports) = size($reports)
       AND all(t IN reports WHERE (t.id + ':' + toString(t.version)) IN $reports)
     )) AS unchanged
WITH n, rels, owned_clients, reports, records, groups, unchanged,
     unchanged AND ($cascade OR (size(rels) = 0 AND size(owned_clients) = 0 AND size(reports) = 0)) AS allowed
FOREACH (c IN CASE WHEN allowed THEN owned_clients ELSE [] END |
  SET c.owner_id = null, c.version = c.version + 1, c.updated_at = $now
)
FOREACH (t IN CASE WHEN allowed THEN reports ELSE [] END |
  SET t.reports_to_id = null, t.version = t.version + 1, t.updated_at = $now
)
FOREACH (x IN CASE WHEN allowed THEN records ELSE [] END | DELETE x)
FOREACH (x IN CASE WHEN allowed THEN groups ELSE [] END |
  SET x.member_ids = [member IN x.member_ids WHERE member <> n.id], x.version = x.version + 1, x.updated_at = $now
)
FOREACH (x IN CASE WHEN allowed THEN [n] ELSE [] END | DETACH DELETE x)
FOREACH (record IN CASE WHEN allowed THEN $audits ELSE [] END |
  CREATE (log:AuditRecord)
  SET log = record
)
RETURN allowed AS deleted, unchanged, size(rels) AS relationships, size(owned_clients) AS owned_clients,
       size(reports) AS reports, size(records) AS own_records
