// Record a touch or a service request against a client, with its audit record, if the
// client (and the team member, when one is named) exists; the record is not an entity and
// joins nothing in the graph.
MATCH (c:Client {id: $client_id})
OPTIONAL MATCH (t:TeamMember {id: $team_member_id})
WITH c, t
WHERE $team_member_id IS NULL OR t IS NOT NULL
CREATE (record:`{{label}}`)
SET record = $properties
CREATE (log:AuditRecord)
SET log = $audit
RETURN record {.*} AS record
