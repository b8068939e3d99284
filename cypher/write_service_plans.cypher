// Bring the service tasks of a batch of clients to their plans, each client in full or not
// at all: a client whose fields or tasks changed since the service read them ($row.client_version,
// $row.held: "id:version" of each task it held) is left as it is and named in the answer,
// and the service reads it again. Tasks are created, changed (by id, the whole map) or
// deleted, and each client's change gets one audit record.
// Every write to a client's tasks locks the client first (see lock_nodes).
UNWIND $rows AS row
MATCH (c:Entity:Client {id: row.client_id})
// lock: [c]
OPTIONAL MATCH (task:ServiceTask {client_id: c.id})
WITH row, c, collect(task) AS tasks
WITH row, c, tasks,
     c.version = row.client_version AND size(tasks) = size(row.held)
     AND all(t IN tasks WHERE (t.id + ':' + toString(t.version)) IN row.held) AS fresh
FOREACH (created IN CASE WHEN fresh THEN row.create ELSE [] END |
  CREATE (t:ServiceTask)
  SET t = created
)
FOREACH (t IN CASE WHEN fresh THEN tasks ELSE [] END |
  FOREACH (change IN [u IN row.update WHERE u.id = t.id] | SET t = change)
)
FOREACH (t IN CASE WHEN fresh THEN [x IN tasks WHERE x.id IN row.delete] ELSE [] END | DELETE t)
FOREACH (record IN CASE WHEN fresh THEN [row.audit] ELSE [] END |
  CREATE (log:AuditRecord)
  SET log = record
)
RETURN row.client_id AS client_id, fresh
