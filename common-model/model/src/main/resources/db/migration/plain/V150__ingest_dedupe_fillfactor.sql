-- Room on each page of ingest_dedupe for its rows' commits (issue 19, item 3; docs/benchmarks.md, issue-e2e10).
-- A delivery's record is inserted pending (the claim) and updated to committed once Kafka has acknowledged it
-- (DedupeRepository; the commits of dash.ingest.dedupe-commit-linger go in one statement). The update changes no
-- indexed column, so it can be a HOT update (no index entry written) whenever the new row version fits on the
-- claim's page. At fillfactor 100 the page was full by then: 0.06-0.19 of the commits were HOT, the rest wrote
-- a new entry into both indexes (primary key and expires_at). Inserts now stop at half a page, so the other half
-- holds the new versions of the rows inserted there even when one commit statement updates all of them; the old
-- versions are pruned on the next visit. The heap holds two versions per committed row until then either way.
-- Applies to pages written from now on; the same statement is the TimescaleDB variant's V99 (the table is common).
ALTER TABLE ingest_dedupe SET (fillfactor = 50);
