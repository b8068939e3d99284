// Set one tier's service-level template, with its audit record, if it is still as the
// service read it ($before: its stored map, or null when the tier had only the default).
OPTIONAL MATCH (existing:ServiceTemplate {tier: $tier})
WITH CASE WHEN existing IS NULL THEN $before IS NULL ELSE existing {.*} = $before END AS unchanged
FOREACH (_ IN CASE WHEN unchanged THEN [1] ELSE [] END |
  MERGE (template:ServiceTemplate {tier: $tier})
  SET template = $properties
  CREATE (log:AuditRecord)
  SET log = $audit
)
RETURN unchanged
