// How many open tasks assigned to these team members (with the queue's filters) are
// overdue, due this week and coming up after it (to the horizon). Found as work_queue.cypher
// finds them: by assignee and queue_day, in the indexes.
MATCH (task:ServiceTask)
WHERE task.assignee_id IN $assignees AND task.queue_day <= $horizon_day AND task.status = 'open'
  AND ($kind IS NULL OR task.kind = $kind) AND ($client_id IS NULL OR task.client_id = $client_id)
// visible: c <- task.client_id:Client
RETURN count(CASE WHEN task.due < $today THEN 1 END) AS overdue,
       count(CASE WHEN task.due >= $today AND task.due <= $week_end THEN 1 END) AS this_week,
       count(CASE WHEN task.due > $week_end THEN 1 END) AS coming_up
