// A work queue in one read: how many open tasks assigned to these team members (with the
// queue's filters) are overdue, due this week and coming up after it (to the horizon), and
// one page of them, by due date then id, from $from_day to $to_day and after the cursor,
// with each task's client's name. Open tasks alone have a queue_day (their due date as
// yyyymmdd, see PracticeRepository): the store finds the tasks of these assignees due up to
// the horizon in its indexes, not the assignees' every task, and looks at each once (for a
// restricted caller, its client once) for the counts and the page together.
MATCH (task:ServiceTask)
WHERE task.assignee_id IN $assignees AND task.queue_day <= $horizon_day AND task.status = 'open'
  AND ($kind IS NULL OR task.kind = $kind) AND ($client_id IS NULL OR task.client_id = $client_id)
// visible: c <- task.client_id:Client
WITH task
ORDER BY task.due, task.id
WITH count(CASE WHEN task.queue_day < $today_day THEN 1 END) AS overdue,
     count(CASE WHEN task.queue_day >= $today_day AND task.queue_day <= $week_end_day THEN 1 END) AS this_week,
     count(CASE WHEN task.queue_day > $week_end_day THEN 1 END) AS coming_up,
     collect(CASE WHEN task.queue_day >= $from_day AND task.queue_day <= $to_day
                   AND ($after_due IS NULL OR task.due > $after_due OR (task.due = $after_due AND task.id > $after_id))
                  THEN task END) AS listed
WITH overdue, this_week, coming_up, listed[..$limit] AS page
UNWIND (CASE WHEN size(page) = 0 THEN [null] ELSE page END) AS task
OPTIONAL MATCH (client:Entity:Client {id: task.client_id})
RETURN overdue, this_week, coming_up, CASE WHEN task IS NULL THEN null ELSE task {.*} END AS task,
       client.name AS client_name
ORDER BY task.due, task.id
