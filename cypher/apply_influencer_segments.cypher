// Give entities their suggested influencer segments and record the application, in one
// write, with an audit record per entity changed (each change carries its own). An entity
// whose segment changed since the run (someone set it by hand), or that changed at all
// since the service read its version, is skipped, and so is its record.
MATCH (run:ScoringRun {id: $run_id})
UNWIND $changes AS change
MATCH (n:Entity {id: change.entity_id})
// lock: [n]
WITH run, change, n
WHERE n.version = change.version AND coalesce(n.influencer_segment, '') = coalesce(change.from, '')
SET n.influencer_segment = change.to, n.version = n.version + 1, n.updated_at = $now
CREATE (log:AuditRecord)
SET log = change.audit
WITH run, collect({entity_id: n.id, from: change.from, to: change.to}) AS applied
CREATE (application:SegmentApplication {id: $id, run_id: run.id, applied_at: $now, requested: size($changes),
        applied: size(applied), entity_ids: [a IN applied | a.entity_id],
        from_segments: [a IN applied | coalesce(a.from, '')], to_segments: [a IN applied | coalesce(a.to, '')]})
RETURN application {.*} AS application
