// Set one tier's service-level template.
MERGE (template:ServiceTemplate {tier: $tier})
SET template = $properties
RETURN template {.*} AS template
