-- Each analysed article's embedding (headline and lede, tipsheet.core.profile.lead_vectors),
-- computed once when the article is analysed: ranking compares every candidate of the
-- lookback window with the manager's profile and feedback, and embedding those texts again
-- for every digest cost more each night the window held more. Articles analysed before
-- this migration have none; ranking embeds those itself.
CREATE TABLE article_vectors (
    article_id  VARCHAR NOT NULL,
    vec         FLOAT[256] NOT NULL
);
