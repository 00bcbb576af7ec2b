-- Search by words and by substrings, per project (issue 17). Expression indexes rather than
-- new columns: adding a stored column would rewrite the tables under an exclusive lock, while an
-- index over an expression is built beside live reads and writes (CONCURRENTLY), and nothing has
-- to maintain it. The expressions here are the ones TicketSearchSql queries; they must stay equal.
-- 'russian' stems Cyrillic words with the Russian stemmer and Latin ones with the English one,
-- so one configuration serves both languages ("заказы" finds "заказ", "refunds" finds "refund").
-- btree_gin puts project_id into each GIN index: a search reads only the intersection of its
-- project's entries with the word's, and visits no other project's rows.
-- no-transaction: CREATE INDEX CONCURRENTLY cannot run in a transaction; each statement is idempotent

CREATE EXTENSION IF NOT EXISTS btree_gin;

-- A build interrupted (a silo killed mid-way) leaves an invalid index that IF NOT EXISTS would
-- then keep; drop such a leftover so the statement below builds it again.
DO $$
DECLARE leftover text;
BEGIN
    FOR leftover IN
        SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
         WHERE NOT i.indisvalid
           AND c.relname IN ('tickets_subject_words', 'tickets_subject_substrings', 'customers_name_words',
                             'customers_name_substrings', 'ticket_messages_words')
    LOOP
        EXECUTE format('DROP INDEX IF EXISTS %I', leftover);
    END LOOP;
END;
$$;

CREATE INDEX CONCURRENTLY IF NOT EXISTS tickets_subject_words
    ON tickets USING gin (project_id, to_tsvector('russian'::regconfig, subject));
CREATE INDEX CONCURRENTLY IF NOT EXISTS tickets_subject_substrings
    ON tickets USING gin (project_id, subject gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS customers_name_words
    ON customers USING gin (project_id, to_tsvector('russian'::regconfig, coalesce(name, '') || ' ' || coalesce(username, '')));
CREATE INDEX CONCURRENTLY IF NOT EXISTS customers_name_substrings
    ON customers USING gin (project_id, (coalesce(name, '') || ' ' || coalesce(username, '')) gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS ticket_messages_words
    ON ticket_messages USING gin (project_id, to_tsvector('russian'::regconfig, text));

-- The global trigram index on subjects gives way to the per-project one: the previous release's
-- query (project_id = $1 AND subject ILIKE ...) is answered by tickets_subject_substrings too,
-- and the planner preferred the smaller global index, walking every tenant's entries.
-- ticket_messages_text_trgm stays one release: the previous release still searches message text by substring.
DROP INDEX CONCURRENTLY IF EXISTS tickets_subject_trgm;
