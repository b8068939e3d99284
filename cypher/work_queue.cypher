// One page of the open tasks assigned to these team members, by due date then id, after the
// cursor, with optional filters, and the name of each task's client.
MATCH (task:ServiceTask)
WHERE task.assignee_id IN $assignees AND task.status = 'open'
  AND ($kind IS NULL OR task.kind = $kind) AND ($client_id IS NULL OR task.client_id = $client_id)
  AND ($from IS NULL OR task.due >= $from) AND ($to IS NULL OR task.due <= $to)
  AND ($after_due IS NULL OR task.due > $after_due OR (task.due = $after_due AND task.id > $after_id))
// visible: c <- task.client_id:Client
WITH task
ORDER BY task.due, task.id
LIMIT $limit
MATCH (client:Client {id: task.client_id})
RETURN task {.*} AS task, client.name AS client_name
ORDER BY task.due, task.id
