// Every application of a kind of run's suggestions, newest first.
MATCH (application:`{{application_label}}`)
RETURN application {.*} AS application
ORDER BY application.applied_at DESC
LIMIT $limit
