// The team members reporting directly to any of these, with their id, name, role and
// manager: one level of the hierarchy, found by the reports_to_id index.
MATCH (m:TeamMember)
WHERE m.reports_to_id IN $ids
RETURN m.id AS id, m.name AS name, m.role AS role, m.reports_to_id AS reports_to_id
ORDER BY m.id
