.mode list
.headers on
CREATE TABLE sales(region TEXT, product TEXT, units INTEGER, unit_price REAL);
INSERT INTO sales VALUES
 ('north','widget',10,2.5),('north','gadget',3,10.0),('south','widget',7,2.5),
 ('south','gizmo',12,4.0),('east','gadget',5,10.0),('east','widget',1,2.5),
 ('north','gizmo',4,4.0),('south','gadget',2,10.0);
SELECT region, count(*) AS n, sum(units) AS units, printf('%.2f', sum(units*unit_price)) AS revenue,
       min(units) AS mn, max(units) AS mx, printf('%.3f', avg(units)) AS avg_units
  FROM sales GROUP BY region ORDER BY region;
SELECT product, group_concat(region, '+') AS regions FROM (SELECT * FROM sales ORDER BY region) GROUP BY product ORDER BY product;
SELECT product, sum(units) AS total FROM sales GROUP BY product HAVING total > 10 ORDER BY total DESC;
SELECT region, product, units, rank() OVER (PARTITION BY region ORDER BY units DESC) AS rk FROM sales ORDER BY region, rk;
SELECT total(units), sum(units) FILTER (WHERE unit_price > 3) FROM sales;
