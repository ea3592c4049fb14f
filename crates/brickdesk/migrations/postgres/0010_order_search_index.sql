-- A trigram index over orders.search_text: the planner answers the order
-- search (search_text LIKE '%…%') from it instead of reading every row.
-- pg_trgm ships with PostgreSQL and is a trusted extension: a user who may
-- create objects in the database may enable it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX orders_search_trgm ON orders USING gin (search_text gin_trgm_ops);
