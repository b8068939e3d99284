// Issue an API key to an existing team member, with its audit record in the same query.
MATCH (t:Entity:TeamMember {id: $team_member_id})
CREATE (k:ApiKey)
SET k = $properties
CREATE (a:AuditRecord)
SET a = $audit
RETURN k {.*} AS api_key, t.name AS team_member_name
