// Every application of suggested influencer segments, newest first.
MATCH (application:SegmentApplication)
RETURN application {.*} AS application
ORDER BY application.applied_at DESC
LIMIT $limit
