// What an API request needs to know about its key: the key, its team member, the practice's
// visibility mode and the reports-to hierarchy (to work out whose clients they may see).
MATCH (k:ApiKey {id: $id})
OPTIONAL MATCH (t:Entity:TeamMember {id: k.team_member_id})
OPTIONAL MATCH (s:PracticeSettings {id: 'practice'})
WITH k, t, s
OPTIONAL MATCH (m:Entity:TeamMember)
RETURN k {.*} AS api_key, t {.*} AS team_member, s.visibility AS visibility,
       collect([m.id, m.reports_to_id]) AS hierarchy
