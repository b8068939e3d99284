// Every team member's id, name, role and manager: who reports to whom.
MATCH (m:Entity:TeamMember)
RETURN m.id AS id, m.name AS name, m.role AS role, m.reports_to_id AS reports_to_id
ORDER BY m.id
