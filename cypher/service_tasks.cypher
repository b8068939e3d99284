// A client's service tasks (its plan), by due date, of any status or one.
MATCH (task:ServiceTask {client_id: $client_id})
WHERE ($status IS NULL OR task.status = $status) AND ($kind IS NULL OR task.kind = $kind)
RETURN task {.*} AS task
ORDER BY task.due, task.id
