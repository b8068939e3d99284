// Give subjects (entities, clients) the values a run suggested and record the application,
// in one write, with an audit record per subject changed (each change carries its own). A
// subject whose value changed since the run (set by hand, or applied already), or that
// changed at all since the service read its version, is skipped, and so is its record.
MATCH (run:`{{run_label}}` {id: $run_id})
UNWIND $changes AS change
MATCH (subject:Entity:`{{subject_label}}` {id: change.`{{subject_id}}`})
// lock: [subject]
WITH run, change, subject
WHERE subject.version = change.version AND coalesce(subject.`{{field}}`, '') = coalesce(change.from, '')
SET subject.`{{field}}` = change.to, subject.version = subject.version + 1, subject.updated_at = $now
CREATE (log:AuditRecord)
SET log = change.audit
WITH run, collect({id: subject.id, from: change.from, to: change.to}) AS applied
CREATE (application:`{{application_label}}` {id: $id, run_id: run.id, applied_at: $now, applied_by: $applied_by,
        requested: size($changes), applied: size(applied), `{{subject_ids}}`: [a IN applied | a.id],
        `{{from_values}}`: [a IN applied | coalesce(a.from, '')], `{{to_values}}`: [a IN applied | coalesce(a.to, '')]})
RETURN application {.*} AS application
