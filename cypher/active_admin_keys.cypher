// How many unrevoked keys belong to admins (a first key may be bootstrapped only when none).
MATCH (k:ApiKey)
WHERE k.revoked_at IS NULL
MATCH (t:Entity:TeamMember {id: k.team_member_id})
WHERE t.role = 'admin'
RETURN count(k) AS keys
