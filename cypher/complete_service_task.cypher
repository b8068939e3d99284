// Complete an open task and log its touch on the client, with one audit record, if the task
// is still open and at the version the service read. The client is locked first, as by
// every write to its tasks (see write_service_plans.cypher).
MATCH (task:ServiceTask {id: $id})
MATCH (c:Entity:Client {id: task.client_id})
// lock: [c]
OPTIONAL MATCH (member:Entity:TeamMember {id: $team_member_id})
WITH task, c, member, task.status = 'open' AND task.version = $version AS unchanged
WITH task, c, unchanged, unchanged AND ($team_member_id IS NULL OR member IS NOT NULL) AS allowed
FOREACH (_ IN CASE WHEN allowed THEN [1] ELSE [] END |
  SET task = $properties
  CREATE (touch:Touch)
  SET touch = $touch
  CREATE (log:AuditRecord)
  SET log = $audit
)
RETURN unchanged, allowed, task {.*} AS task
