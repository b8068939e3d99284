// Give entities their suggested influencer segments and record the application, in one
// write. An entity whose segment changed since the run (someone set it by hand) is skipped.
MATCH (run:ScoringRun {id: $run_id})
UNWIND $changes AS change
MATCH (n:Entity {id: change.entity_id})
WHERE coalesce(n.influencer_segment, '') = coalesce(change.from, '')
SET n.influencer_segment = change.to, n.version = n.version + 1, n.updated_at = $now
WITH run, collect({entity_id: n.id, from: change.from, to: change.to}) AS applied
CREATE (application:SegmentApplication {id: $id, run_id: run.id, applied_at: $now, requested: size($changes),
        applied: size(applied), entity_ids: [a IN applied | a.entity_id],
        from_segments: [a IN applied | coalesce(a.from, '')], to_segments: [a IN applied | coalesce(a.to, '')]})
RETURN application {.*} AS application
