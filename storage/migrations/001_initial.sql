-- The first schema. Column comments are in the README ("The database").

CREATE TABLE companies (
    id          VARCHAR PRIMARY KEY,   -- the key under `companies:` in config.yaml
    name        VARCHAR NOT NULL,
    aliases     VARCHAR[],
    domains     VARCHAR[],
    ticker      VARCHAR,
    updated_at  TIMESTAMPTZ
);

CREATE TABLE sources (
    id          VARCHAR PRIMARY KEY,   -- hash of company, type and url
    company_id  VARCHAR,               -- NULL for industry sources
    type        VARCHAR NOT NULL,
    url         VARCHAR NOT NULL,
    options     JSON,
    active      BOOLEAN NOT NULL DEFAULT TRUE,  -- false once removed from config.yaml
    updated_at  TIMESTAMPTZ
);

-- What we remember of each fetched URL, for conditional requests.
CREATE TABLE url_state (
    url               VARCHAR PRIMARY KEY,
    etag              VARCHAR,
    last_modified     VARCHAR,
    content_hash      VARCHAR,
    next_fetch_after  TIMESTAMPTZ,
    updated_at        TIMESTAMPTZ
);

CREATE SEQUENCE runs_id START 1;
CREATE TABLE runs (
    id                 INTEGER PRIMARY KEY DEFAULT nextval('runs_id'),
    started_at         TIMESTAMPTZ NOT NULL,
    finished_at        TIMESTAMPTZ,
    as_of              DATE NOT NULL,
    status             VARCHAR NOT NULL,   -- running | done | failed
    sources_total      INTEGER,
    sources_fetched    INTEGER,
    sources_unchanged  INTEGER,
    sources_failed     INTEGER,
    new_articles       INTEGER,
    digests_written    INTEGER,
    error              VARCHAR
);

-- One row per fetch attempt, including those refused before a request was sent.
CREATE TABLE fetches (
    run_id       INTEGER,
    source_id    VARCHAR,
    url          VARCHAR NOT NULL,
    final_url    VARCHAR,
    status       VARCHAR NOT NULL,     -- ok | not_modified | unchanged | error | refused | skipped
    http_status  INTEGER,
    error        VARCHAR,
    fetched_at   TIMESTAMPTZ NOT NULL,
    elapsed_ms   INTEGER,
    bytes        BIGINT
);

CREATE TABLE articles (
    id            VARCHAR PRIMARY KEY,  -- hash of the canonical url
    url           VARCHAR NOT NULL UNIQUE,
    title         VARCHAR,
    text          VARCHAR,
    summary       VARCHAR,
    published_at  TIMESTAMPTZ,
    source_id     VARCHAR,
    fetched_at    TIMESTAMPTZ NOT NULL,
    author        VARCHAR,
    site_name     VARCHAR,
    language      VARCHAR,
    origin        VARCHAR NOT NULL,     -- page | feed_only
    story_id      VARCHAR,              -- near-duplicates share one story
    analysed_at   TIMESTAMPTZ           -- NULL until mentions and events are stored
);

CREATE TABLE mentions (
    article_id  VARCHAR NOT NULL,
    company_id  VARCHAR NOT NULL,
    count       INTEGER NOT NULL,
    in_title    BOOLEAN NOT NULL,
    snippet     VARCHAR,
    matched     VARCHAR,
    confidence  DOUBLE,
    PRIMARY KEY (article_id, company_id)
);

CREATE TABLE events (
    article_id  VARCHAR NOT NULL,
    event_type  VARCHAR NOT NULL,
    evidence    VARCHAR,
    confidence  DOUBLE,
    company_id  VARCHAR,
    PRIMARY KEY (article_id, event_type)
);

CREATE TABLE postings (
    source_id    VARCHAR NOT NULL,
    posting_key  VARCHAR NOT NULL,
    company_id   VARCHAR NOT NULL,
    title        VARCHAR NOT NULL,
    url          VARCHAR,
    location     VARCHAR,
    team         VARCHAR,
    posted_at    DATE,
    first_seen   DATE NOT NULL,
    last_seen    DATE NOT NULL,
    active       BOOLEAN NOT NULL,
    PRIMARY KEY (source_id, posting_key)
);

CREATE TABLE digest_items (
    manager_id     VARCHAR NOT NULL,
    run_date       DATE NOT NULL,
    article_id     VARCHAR NOT NULL,
    item_id        VARCHAR NOT NULL,    -- the short id printed in the digest
    rank           INTEGER NOT NULL,
    score          DOUBLE NOT NULL,
    worth_call     BOOLEAN NOT NULL,
    company_id     VARCHAR,
    relation       VARCHAR,             -- own | competitor | customer | industry
    event_type     VARCHAR,
    coverage       INTEGER,
    talking_point  VARCHAR,
    why            VARCHAR,
    s_relation     DOUBLE,              -- the score's components, so any rank can be explained
    s_event        DOUBLE,
    s_recency      DOUBLE,
    s_coverage     DOUBLE,
    s_novelty      DOUBLE,
    s_interest     DOUBLE,
    s_prominence   DOUBLE,
    PRIMARY KEY (manager_id, run_date, article_id)
);

CREATE TABLE signals (
    manager_id  VARCHAR NOT NULL,
    run_date    DATE NOT NULL,
    kind        VARCHAR NOT NULL,
    strength    DOUBLE,
    title       VARCHAR,
    seen_on     DATE,
    url         VARCHAR,
    detail      VARCHAR
);

CREATE SEQUENCE outreach_id START 1;
CREATE TABLE outreach (
    id            INTEGER PRIMARY KEY DEFAULT nextval('outreach_id'),
    manager_id    VARCHAR NOT NULL,
    contacted_on  DATE NOT NULL,
    note          VARCHAR,
    item_ids      VARCHAR[],   -- article ids shared in this contact
    logged_at     TIMESTAMPTZ NOT NULL
);
