// How many open tasks assigned to these team members (with the queue's filters) are
// overdue, due this week and coming up after it (to the horizon). Found as work_queue.cypher
// finds them, by assignee and queue_day in the indexes, and told apart by queue_day (a
// number compares faster than the date's text).
MATCH (task:ServiceTask)
WHERE task.assignee_id IN $assignees AND task.queue_day <= $horizon_day AND task.status = 'open'
  AND ($kind IS NULL OR task.kind = $kind) AND ($client_id IS NULL OR task.client_id = $client_id)
// visible: c <- task.client_id:Client
RETURN count(CASE WHEN task.queue_day < $today_day THEN 1 END) AS overdue,
       count(CASE WHEN task.queue_day >= $today_day AND task.queue_day <= $week_end_day THEN 1 END) AS this_week,
       count(CASE WHEN task.queue_day > $week_end_day THEN 1 END) AS coming_up
