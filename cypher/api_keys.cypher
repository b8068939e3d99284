// API keys (never their hashes), optionally of one team member, in id order after a cursor.
MATCH (k:ApiKey)
WHERE ($team_member_id IS NULL OR k.team_member_id = $team_member_id)
  AND ($after IS NULL OR k.id > $after)
  AND ($include_revoked OR k.revoked_at IS NULL)
OPTIONAL MATCH (t:Entity:TeamMember {id: k.team_member_id})
RETURN k {.id, .name, .team_member_id, .created_at, .created_by, .revoked_at, .revoked_by} AS api_key,
       t.name AS team_member_name, t.role AS role
ORDER BY k.id
LIMIT $limit
