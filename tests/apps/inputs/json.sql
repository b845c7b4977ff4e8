CREATE TABLE docs(id INTEGER PRIMARY KEY, body TEXT);
INSERT INTO docs(body) VALUES
 ('{"name":"alpha","tags":["x","y"],"n":1,"nested":{"ok":true}}'),
 ('{"name":"beta","tags":[],"n":2.5,"nested":{"ok":false}}'),
 ('{"name":"gamma","tags":["z"],"n":null}');
SELECT id, json_extract(body, '$.name'), json_array_length(body, '$.tags'), json_type(body, '$.n') FROM docs ORDER BY id;
SELECT json_object('a', 1, 'b', json_array(1, 2, 'three'), 'c', json('{"d":null}'));
SELECT d.id, j.value FROM docs d, json_each(d.body, '$.tags') j ORDER BY d.id, j.key;
SELECT json_set('{"a":1}', '$.b', 2, '$.a', 'x'), json_remove('[1,2,3]', '$[1]'), json_valid('{bad');
SELECT json_group_array(json_extract(body, '$.name')) FROM docs;
SELECT body ->> '$.nested.ok' FROM docs ORDER BY id;
