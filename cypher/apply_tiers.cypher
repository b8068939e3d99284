// Give clients their suggested tiers and record the application, in one write, with an
// audit record per client changed (each change carries its own). A client whose tier
// changed since the run (set by hand, or applied already), or that changed at all since the
// service read its version, is skipped, and so is its record.
MATCH (run:TierRun {id: $run_id})
UNWIND $changes AS change
MATCH (c:Entity:Client {id: change.client_id})
// lock: [c]
WITH run, change, c
WHERE c.version = change.version AND coalesce(c.tier, '') = coalesce(change.from, '')
SET c.tier = change.to, c.version = c.version + 1, c.updated_at = $now
CREATE (log:AuditRecord)
SET log = change.audit
WITH run, collect({client_id: c.id, from: change.from, to: change.to}) AS applied
CREATE (application:TierApplication {id: $id, run_id: run.id, applied_at: $now, applied_by: $applied_by,
        requested: size($changes), applied: size(applied), client_ids: [a IN applied | a.client_id],
        from_tiers: [a IN applied | coalesce(a.from, '')], to_tiers: [a IN applied | coalesce(a.to, '')]})
RETURN application {.*} AS application
