WITH RECURSIVE fib(i, a, b) AS (SELECT 1, 0, 1 UNION ALL SELECT i+1, b, a+b FROM fib WHERE i < 30)
SELECT i, a FROM fib WHERE i % 5 = 0;
WITH RECURSIVE cnt(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM cnt WHERE x < 1000)
SELECT count(*), sum(x), sum(x*x) % 1000003 FROM cnt;
SELECT upper('mixed Case'), lower('MiXeD'), length('héllo'), substr('abcdefgh', 3, 4), replace('a-b-c', '-', '+'),
       instr('haystack', 'st'), trim('  pad  '), hex('AB'), quote('it''s'), abs(-7), round(2.675, 2), 7 / 2, 7 % 3, 7.0 / 2;
SELECT date('2024-02-28', '+1 day'), datetime('2000-01-01 00:00:00', '+36 hours'), strftime('%j %w', '2023-12-31'), julianday('2000-01-01');
