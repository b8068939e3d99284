// The service tasks of one kind due from $from to $to (of one status, or any), of clients
// the caller may see, each with its client and its subject (the person or client a birthday
// or anniversary is of), by due date.
MATCH (task:ServiceTask)
WHERE task.kind = $kind AND task.due >= $from AND task.due <= $to
  AND ($status IS NULL OR task.status = $status)
// visible: c <- task.client_id:Client
MATCH (client:Client {id: task.client_id})
OPTIONAL MATCH (subject:Entity {id: task.subject_id})
RETURN task {.*} AS task, client {.*} AS client, subject {.*} AS subject
ORDER BY task.due, task.id
