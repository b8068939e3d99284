// Replace one task's fields (skip it, reassign it) with its audit record, if it is still at
// the version the service read and, for a new assignee, that team member exists. The
// client is locked first, as by every write to its tasks (see write_service_plans.cypher).
MATCH (task:ServiceTask {id: $id})
MATCH (c:Entity:Client {id: task.client_id})
// lock: [c]
OPTIONAL MATCH (member:Entity:TeamMember {id: $assignee_id})
WITH task, c, member, task.version = $version AS unchanged
WITH task, unchanged, unchanged AND ($assignee_id IS NULL OR member IS NOT NULL) AS allowed
FOREACH (_ IN CASE WHEN allowed THEN [1] ELSE [] END |
  SET task = $properties
  CREATE (log:AuditRecord)
  SET log = $audit
)
RETURN unchanged, allowed, task {.*} AS task
