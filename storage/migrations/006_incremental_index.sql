-- What a night needs of history, kept up night by night instead of rebuilt.
--
-- Full-text search. The fts extension's own index can only be
-- rebuilt whole, which costs more every night as history grows; these tables take each
-- new article's terms once (storage/search.py), and BM25 is computed at query time.
DROP SCHEMA IF EXISTS fts_main_articles CASCADE;
CREATE SEQUENCE search_doc_id START 1;
CREATE SEQUENCE search_term_id START 1;
CREATE TABLE search_docs (
    docid       INTEGER NOT NULL,
    article_id  VARCHAR NOT NULL,   -- one row per indexed article
    len         INTEGER NOT NULL    -- terms kept (stopwords dropped)
);
CREATE TABLE search_dict (
    termid  INTEGER NOT NULL,
    term    VARCHAR NOT NULL        -- stemmed (Snowball english)
);
CREATE TABLE search_postings (
    termid  INTEGER NOT NULL,
    docid   INTEGER NOT NULL,
    tf      INTEGER NOT NULL        -- occurrences of the term in title and text
);

-- Each analysed article's MinHash LSH band keys and normalised headline, so a night
-- clusters its new articles against the stored stories by looking keys up, instead of
-- hashing every recent article's text again (tipsheet/clusters.py).
CREATE TABLE story_keys (
    article_id  VARCHAR NOT NULL,
    seen        TIMESTAMPTZ NOT NULL,   -- coalesce(published_at, fetched_at): the window's clock
    headline    VARCHAR,                -- clusters.headline_key; NULL when too short
    bands       UINTEGER[] NOT NULL     -- one 32-bit key per LSH band; empty without shingles
);
