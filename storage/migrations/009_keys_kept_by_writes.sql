-- The tables that grow with every night keep no PRIMARY KEY or UNIQUE constraint: DuckDB
-- (1.5) writes each such constraint's whole index again at every checkpoint that changed
-- the table, so the night's one checkpoint cost more as history grew (about 2 CPU-s on
-- 100,000 articles, articles' two indexes half of it). storage/writes.py keeps each key
-- unique instead; the key each table had is named below. DuckDB cannot drop a constraint,
-- so each table is made again with the same columns, in the same order, and its rows.

-- Key: id (the hash of the canonical url, so url is unique with it).
CREATE TABLE articles_009 (
    id            VARCHAR NOT NULL,
    url           VARCHAR NOT NULL,
    title         VARCHAR,
    text          VARCHAR,
    summary       VARCHAR,
    published_at  TIMESTAMPTZ,
    source_id     VARCHAR,
    fetched_at    TIMESTAMPTZ NOT NULL,
    author        VARCHAR,
    site_name     VARCHAR,
    language      VARCHAR,
    origin        VARCHAR NOT NULL,
    story_id      VARCHAR,
    analysed_at   TIMESTAMPTZ,
    published_day DATE
);
INSERT INTO articles_009 SELECT * FROM articles;
DROP TABLE articles;
ALTER TABLE articles_009 RENAME TO articles;

-- Key: url.
CREATE TABLE url_state_009 (
    url               VARCHAR NOT NULL,
    etag              VARCHAR,
    last_modified     VARCHAR,
    content_hash      VARCHAR,
    next_fetch_after  TIMESTAMPTZ,
    updated_at        TIMESTAMPTZ
);
INSERT INTO url_state_009 SELECT * FROM url_state;
DROP TABLE url_state;
ALTER TABLE url_state_009 RENAME TO url_state;

-- Key: (article_id, company_id).
CREATE TABLE mentions_009 (
    article_id  VARCHAR NOT NULL,
    company_id  VARCHAR NOT NULL,
    count       INTEGER NOT NULL,
    in_title    BOOLEAN NOT NULL,
    snippet     VARCHAR,
    matched     VARCHAR,
    confidence  DOUBLE
);
INSERT INTO mentions_009 SELECT * FROM mentions;
DROP TABLE mentions;
ALTER TABLE mentions_009 RENAME TO mentions;

-- Key: (article_id, event_type).
CREATE TABLE events_009 (
    article_id  VARCHAR NOT NULL,
    event_type  VARCHAR NOT NULL,
    evidence    VARCHAR,
    confidence  DOUBLE,
    company_id  VARCHAR,
    in_lead     BOOLEAN DEFAULT false
);
INSERT INTO events_009 SELECT * FROM events;
DROP TABLE events;
ALTER TABLE events_009 RENAME TO events;

-- Key: (manager_id, run_date, article_id).
CREATE TABLE digest_items_009 (
    manager_id     VARCHAR NOT NULL,
    run_date       DATE NOT NULL,
    article_id     VARCHAR NOT NULL,
    item_id        VARCHAR NOT NULL,
    rank           INTEGER NOT NULL,
    score          DOUBLE NOT NULL,
    worth_call     BOOLEAN NOT NULL,
    company_id     VARCHAR,
    relation       VARCHAR,
    event_type     VARCHAR,
    coverage       INTEGER,
    talking_point  VARCHAR,
    why            VARCHAR,
    s_relation     DOUBLE,
    s_event        DOUBLE,
    s_recency      DOUBLE,
    s_coverage     DOUBLE,
    s_novelty      DOUBLE,
    s_interest     DOUBLE,
    s_prominence   DOUBLE,
    s_profile      DOUBLE,
    s_feedback     DOUBLE,
    probability    DOUBLE
);
INSERT INTO digest_items_009 SELECT * FROM digest_items;
DROP TABLE digest_items;
ALTER TABLE digest_items_009 RENAME TO digest_items;
