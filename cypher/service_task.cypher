// One service task with its client (whose owner decides who may see it).
MATCH (task:ServiceTask {id: $id})
MATCH (c:Entity:Client {id: task.client_id})
// visible: c:Client
RETURN task {.*} AS task, c {.id, .name, .owner_id} AS client
