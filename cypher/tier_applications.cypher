// Every application of suggested tiers, newest first.
MATCH (application:TierApplication)
RETURN application {.*} AS application
ORDER BY application.applied_at DESC
LIMIT $limit
