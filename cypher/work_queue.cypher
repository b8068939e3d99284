// One page of the open tasks assigned to these team members, by due date then id, after the
// cursor, with optional filters, and the name of each task's client. Open tasks alone have a
// queue_day (their due date as yyyymmdd, see PracticeRepository): the store finds the tasks
// of these assignees due from $from_day to $to_day in its indexes, not the assignees' every task.
MATCH (task:ServiceTask)
WHERE task.assignee_id IN $assignees AND task.queue_day >= $from_day AND task.queue_day <= $to_day
  AND task.status = 'open'
  AND ($kind IS NULL OR task.kind = $kind) AND ($client_id IS NULL OR task.client_id = $client_id)
  AND ($after_due IS NULL OR task.due > $after_due OR (task.due = $after_due AND task.id > $after_id))
// visible: c <- task.client_id:Client
WITH task
ORDER BY task.due, task.id
LIMIT $limit
MATCH (client:Entity:Client {id: task.client_id})
RETURN task {.*} AS task, client.name AS client_name
ORDER BY task.due, task.id
