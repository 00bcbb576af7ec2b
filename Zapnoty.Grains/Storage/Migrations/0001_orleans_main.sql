-- Orleans ADO.NET shared table for PostgreSQL (invariant "Npgsql"), Orleans 10.4.2.
-- Folds in upstream dotnet/orleans src/AdoNet/Shared/PostgreSQL-Main.sql (no migrations exist for it).
-- OrleansQuery holds the stored queries the clustering, persistence and reminder providers read at
-- startup; 0002-0004 fill it. Changed from upstream only to be re-runnable (IF NOT EXISTS).
-- Requires PostgreSQL 9.5 or later.

-- This table defines Orleans operational queries. Orleans uses these to manage its operations,
-- these are the only queries Orleans issues to the database.
-- These can be redefined (e.g. to provide non-destructive updates) provided the stated interface principles hold.
CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey varchar(64) NOT NULL,
    QueryText varchar(8000) NOT NULL,

    CONSTRAINT OrleansQuery_Key PRIMARY KEY(QueryKey)
);
