// The service-level templates the practice has edited, one per tier.
MATCH (template:ServiceTemplate)
RETURN template {.*} AS template
ORDER BY template.tier
