CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER, price REAL);
INSERT INTO t(name, qty, price) VALUES ('bolt', 100, 0.25), ('nut', 250, 0.1), ('gear', 7, 12.5), ('spring', 40, 1.75);
SELECT id, name, qty, price FROM t ORDER BY id;
UPDATE t SET qty = qty - 1 WHERE name = 'gear';
DELETE FROM t WHERE name = 'nut';
SELECT name || ':' || qty FROM t ORDER BY name;
SELECT count(*), typeof(price) FROM t GROUP BY typeof(price);
